"""Read the action language: model or user text -> a closed set of Action values.

The text is parsed with `ast` and only literal arguments are read from the
tree by hand; nothing is ever evaluated, so `__import__('os')` or
`click(open('/etc/passwd').read())` are just rejected shapes. Every ParseError
message tells a model what was wrong and the form to write instead.
"""

from __future__ import annotations

import ast
import difflib
import logging
import math
import re
import textwrap
import warnings
from collections.abc import Callable
from typing import Any

from desktop_agent.action_docs import action_signatures
from desktop_agent.actions import ACTIONS, Action
from desktop_agent.errors import ParseError
from desktop_agent.parse_args import BUILDERS, EXAMPLES, Call

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 20_000
MAX_NESTING = 3  # a point inside a list is depth 2; nothing legitimate needs more

ALIASES: dict[str, str] = {
    "type": "type_text",
    "write": "type_text",
    "press": "hotkey",
    "key": "hotkey",
    "left_click": "click",
}


def _valid_actions() -> str:
    return ", ".join(action_signatures())


# ---------------------------------------------------------------- literals


def _snippet(text: str, node: ast.AST) -> str:
    segment = ast.get_source_segment(text, node) or type(node).__name__
    return segment if len(segment) <= 60 else segment[:57] + "..."


def _bad_literal(text: str, node: ast.AST) -> ParseError:
    code = _snippet(text, node)
    rule = (
        "Arguments must be literal values: strings in quotes, numbers, True/False, "
        "or (x, y) points."
    )
    if isinstance(node, ast.Name):
        return ParseError(
            f"{code} is a bare name; put descriptions and text in quotes, "
            f'like click("{code}"). {rule}'
        )
    kinds: dict[type[ast.AST], str] = {
        ast.Call: "a function call",
        ast.Attribute: "attribute access",
        ast.Subscript: "indexing",
        ast.JoinedStr: "an f-string",
        ast.Lambda: "a lambda",
        ast.BinOp: "an expression",
        ast.ListComp: "a comprehension",
        ast.GeneratorExp: "a comprehension",
        ast.Dict: "a dict",
        ast.Set: "a set",
        ast.Starred: "a *-unpacking",
    }
    kind = kinds.get(type(node), "an expression")
    return ParseError(f"{code} is {kind}, which is not allowed. {rule}")


def _literal(text: str, node: ast.AST, depth: int = 0) -> Any:
    """The Python value of a literal node; anything that is not plainly a literal is refused."""
    if depth > MAX_NESTING:
        raise ParseError(f"{_snippet(text, node)} is nested too deeply; a point is written (x, y)")
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str | bool | int | float) or node.value is None:
            if isinstance(node.value, float) and not math.isfinite(node.value):
                raise ParseError(f"{_snippet(text, node)} is not a finite number")
            return node.value
        raise ParseError(
            f"{_snippet(text, node)} is not a supported literal; use a string, a number, "
            "True/False or an (x, y) point"
        )
    if isinstance(node, ast.Name) and node.id in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.id]
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub | ast.UAdd)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, int | float)
        and not isinstance(node.operand.value, bool)
    ):
        value = node.operand.value
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_literal(text, elt, depth + 1) for elt in node.elts)
    raise _bad_literal(text, node)


# ---------------------------------------------------------------- statements


def _unknown_action(name: str) -> ParseError:
    close = difflib.get_close_matches(name, [*ACTIONS, *ALIASES], n=1, cutoff=0.6)
    hint = f" Did you mean {ALIASES.get(close[0], close[0])}?" if close else ""
    return ParseError(f"unknown action {name!r}. Valid actions: {_valid_actions()}.{hint}")


def _call_from_statement(text: str, stmt: ast.stmt) -> Action:
    if not isinstance(stmt, ast.Expr):
        raise ParseError(
            f"{_snippet(text, stmt)} is a statement, not an action call. Write only the "
            f'call itself, like click("Save"). Valid actions: {_valid_actions()}'
        )
    node = stmt.value
    if isinstance(node, ast.Name) and (node.id in ACTIONS or node.id in ALIASES):
        raise ParseError(f"{node.id} needs parentheses and arguments, like {_example(node.id)}")
    if not isinstance(node, ast.Call):
        raise ParseError(
            f"{_snippet(text, node)} is not an action call. Write one call like "
            f'click("Save"). Valid actions: {_valid_actions()}'
        )
    func = node.func
    if isinstance(func, ast.Attribute):
        tail = func.attr if func.attr in ACTIONS or func.attr in ALIASES else "click"
        raise ParseError(
            f"{_snippet(text, func)}(...) is not allowed; call actions by their bare name, "
            f"like {_example(tail)}. Valid actions: {_valid_actions()}"
        )
    if not isinstance(func, ast.Name):
        raise ParseError(
            f"{_snippet(text, func)} is not an action name. Valid actions: {_valid_actions()}"
        )
    name = ALIASES.get(func.id, func.id)
    if name not in ACTIONS:
        raise _unknown_action(func.id)
    args: list[Any] = []
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise _bad_literal(text, arg)
        args.append(_literal(text, arg))
    kwargs: dict[str, Any] = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise ParseError(
                f"**{_snippet(text, kw.value)} is not allowed; write each keyword "
                f"argument out, like {_example(name)}"
            )
        if kw.arg in kwargs:
            raise ParseError(f"{func.id}() got the keyword {kw.arg!r} twice")
        kwargs[kw.arg] = _literal(text, kw.value)
    return BUILDERS[name](Call(name, func.id, args, kwargs))


def _example(name: str) -> str:
    return EXAMPLES[ALIASES.get(name, name)]


def _statements(text: str) -> list[ast.stmt]:
    if not isinstance(text, str):
        raise ParseError(f"expected action text, got {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise ParseError(
            f"the action text is {len(text)} characters; the limit is {MAX_TEXT_CHARS}. "
            'Write one short call like click("Save")'
        )
    source = textwrap.dedent(text).strip()
    if not source:
        raise ParseError(
            f'no action found. Write one call like click("Save"). Valid actions: {_valid_actions()}'
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. invalid escapes in model text
            tree = ast.parse(source, mode="exec")
    except SyntaxError as exc:
        where = f" (line {exc.lineno}, column {exc.offset})" if exc.lineno else ""
        shown = source if len(source) <= 80 else source[:77] + "..."
        raise ParseError(
            f"could not read {shown!r} as an action call: {exc.msg}{where}. Write one call "
            'like click("Save"): put text in quotes and close every parenthesis'
        ) from None
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        raise ParseError(
            f"could not read the action text ({type(exc).__name__}). Write one short call "
            'like click("Save")'
        ) from None
    if not tree.body:
        raise ParseError('no action found (only comments?). Write one call like click("Save")')
    return tree.body


def _guard(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except (RecursionError, MemoryError) as exc:
        raise ParseError(
            f"the action text is too deeply nested to read ({type(exc).__name__}). "
            'Write one short call like click("Save")'
        ) from None


def parse_action(text: str) -> Action:
    """Parse exactly one action call, e.g. `click("Save")`, into an Action."""

    def run() -> Action:
        body = _statements(text)
        if len(body) != 1:
            raise ParseError(
                f"found {len(body)} statements; write exactly one action call per step, "
                'like click("Save")'
            )
        source = textwrap.dedent(text).strip()
        return _call_from_statement(source, body[0])

    action: Action = _guard(run)
    logger.debug("parsed action %s", action)
    return action


def parse_actions(text: str) -> list[Action]:
    """Parse several action calls, one per line or separated by ';'."""

    def run() -> list[Action]:
        body = _statements(text)
        source = textwrap.dedent(text).strip()
        return [_call_from_statement(source, stmt) for stmt in body]

    actions: list[Action] = _guard(run)
    return actions


# ---------------------------------------------------------------- model output

_FENCE = re.compile(r"```(.*?)(?:```|\Z)", re.DOTALL)
_KNOWN_CALL = re.compile(
    r"(?<![\w.])(?:[A-Za-z_]\w*\.)*("
    + "|".join(sorted([*ACTIONS, *ALIASES], key=len, reverse=True))
    + r")\s*\("
)
_ANY_CALL = re.compile(r"(?<![\w.])[A-Za-z_][\w.]*\(")


def _call_in_line(line: str, pattern: re.Pattern[str]) -> str | None:
    match = pattern.search(line)
    if match is None:
        return None
    end = line.rfind(")")
    return line[match.start() : end + 1] if end > match.start() else line[match.start() :]


def _last_call(text: str) -> str | None:
    lines = [ln.strip().strip("`").strip() for ln in text.splitlines()]
    for pattern in (_KNOWN_CALL, _ANY_CALL):
        for line in reversed(lines):
            found = _call_in_line(line, pattern)
            if found is not None:
                return found
    return None


def extract_code(model_text: str) -> str:
    """Pull the action call out of typical model output.

    Takes the last fenced code block if there is one (a language tag line is
    dropped), else the last line that looks like an action call, with prefixes
    such as "Action:" and surrounding prose removed. Returns the stripped text
    unchanged when nothing looks like a call, so the parser can say what is wrong.
    """
    blocks = _FENCE.findall(model_text)
    if blocks:
        block = blocks[-1]
        first, _, rest = block.partition("\n")
        if rest.strip() and re.fullmatch(r"\s*[A-Za-z_][\w+-]*\s*", first):
            block = rest  # ```python
        block = textwrap.dedent(block).strip()
        if "\n" not in block:
            return _last_call(block) or block
        return block
    return _last_call(model_text) or model_text.strip()
