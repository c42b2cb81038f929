"""Prompts are package data: `prompts/<name>.md`, rendered with `$name` substitution.

`string.Template` keeps prompts free of a templating dependency. Rendering is
strict both ways: a placeholder with no value and a value with no placeholder
are errors naming the template, so a renamed variable cannot silently send a
model a prompt with a hole in it. A literal dollar sign is written `$$`.

Pieces several prompts share (the action language, the element list, the
action answer format) are templates of their own, rendered first and passed
in as values (`action_prompt.render_section`), so each is written once.
"""

from __future__ import annotations

import functools
import logging
from importlib import resources
from string import Template

from .errors import TemplateError

logger = logging.getLogger(__name__)

TEMPLATE_NAMES: tuple[str, ...] = (
    "manager_plan",
    "manager_revise",
    "manager_replan",
    "worker",
    "reflection",
    "single_model",
    "parse_retry",
    # Sections rendered into the templates above (see action_prompt): written once,
    # shown to both the worker and the manager.
    "action_language",
    "screen_elements",
    "action_answer",
    "manager_first_action",
)


@functools.cache
def load_template(name: str) -> Template:
    """The template `prompts/<name>.md` shipped in this package."""
    if name not in TEMPLATE_NAMES:
        raise TemplateError(f"unknown prompt template {name!r}; known: {', '.join(TEMPLATE_NAMES)}")
    resource = resources.files(__package__).joinpath("prompts", f"{name}.md")
    try:
        text = resource.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateError(
            f"prompt template {name!r} is missing from the package ({name}.md); reinstall "
            "desktop-agent, or check package-data in pyproject.toml includes prompts/*.md"
        ) from None
    template = Template(text)
    if not template.is_valid():
        raise TemplateError(
            f"prompt template {name!r} has a malformed placeholder; write a literal $ as $$"
        )
    return template


def template_variables(name: str) -> frozenset[str]:
    """The `$names` the template expects."""
    return frozenset(load_template(name).get_identifiers())


def render(name: str, **values: object) -> str:
    """The template filled with `values`; every placeholder needs a value and vice versa."""
    expected = template_variables(name)
    missing = sorted(expected - set(values))
    if missing:
        raise TemplateError(
            f"prompt template {name!r} needs ${', $'.join(missing)}, which was not given"
        )
    unused = sorted(set(values) - expected)
    if unused:
        raise TemplateError(
            f"prompt template {name!r} has no placeholder for {', '.join(unused)}; "
            "remove the value or add the placeholder"
        )
    text = load_template(name).substitute({k: str(v) for k, v in values.items()})
    return text.strip() + "\n"
