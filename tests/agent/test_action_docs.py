"""The action-language description is generated from the Action classes."""

from __future__ import annotations

import dataclasses

from desktop_agent.action_docs import describe_actions, signature, summary
from desktop_agent.actions import ACTIONS, Click, Hotkey, TypeText, Wait
from desktop_agent.parser import parse_action


def test_signatures_follow_the_dataclass_fields() -> None:
    assert signature(Click) == "click(target)"
    assert signature(TypeText) == "type_text(text, into=None, enter=False)"
    assert signature(Hotkey) == "hotkey(*keys)"
    assert signature(Wait) == "wait(seconds=1.0)"


def test_one_line_per_action_with_signature_and_docstring() -> None:
    lines = describe_actions().splitlines()
    for name, cls in ACTIONS.items():
        matching = [ln for ln in lines if ln.startswith(f"{name}(")]
        assert len(matching) == 1, name
        assert matching[0] == f"{signature(cls)}: {summary(cls)}"
        assert summary(cls)  # every action has a docstring


def test_every_field_of_every_action_is_documented() -> None:
    text = describe_actions()
    for cls in ACTIONS.values():
        for field in dataclasses.fields(cls):
            assert field.name in text


def test_a_new_action_class_would_be_described_from_its_code() -> None:
    @dataclasses.dataclass(frozen=True)
    class Zoom(Click):
        """Zoom in on a target."""

        name = "zoom"
        factor: float = 2.0

    assert signature(Zoom) == "zoom(target, factor=2.0)"
    assert summary(Zoom) == "Zoom in on a target."


def test_examples_in_docstrings_parse() -> None:
    # Docstrings that show a call must show one the parser accepts.
    assert parse_action('hotkey("ctrl", "s")') == Hotkey(("ctrl", "s"))
    assert parse_action('open_app("mousepad")').name == "open_app"


def test_description_explains_targets_and_keys() -> None:
    text = describe_actions()
    assert "(120, 340)" in text
    assert "pageup" in text
    assert "up, down, left, right" in text
