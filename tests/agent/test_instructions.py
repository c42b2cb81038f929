"""Local-mode instructions: plain English and action calls -> actions, with no model."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_agent.actions import (
    Action,
    Click,
    Done,
    DoubleClick,
    Drag,
    Fail,
    Hotkey,
    OpenApp,
    Point,
    RightClick,
    Scroll,
    TypeText,
    Wait,
)
from desktop_agent.errors import InstructionError, ParseError
from desktop_agent.instructions import parse_command, parse_instruction, split_commands


@pytest.mark.parametrize(
    ("command", "action"),
    [
        ("click Save", Click("Save")),
        ("Click Save", Click("Save")),
        ("CLICK the 'Save' button", Click("Save")),
        ('click the "Save As…" menu', Click("Save As…")),
        ("click “Save”", Click("Save")),
        ("click on Save", Click("Save")),
        ("click on the File menu", Click("File")),
        ("click the Bold icon", Click("Bold")),
        ("click the Search field", Click("Search")),
        ("click the Help tab", Click("Help")),
        ("click the Download link", Click("Download")),
        ("click Bob's file", Click("Bob's file")),
        ("click Save.", Click("Save")),
        ("please click OK", Click("OK")),
        ("click 120, 340", Click(Point(120, 340))),
        ("click at (120, 340)", Click(Point(120, 340))),
        ("left click OK", Click("OK")),
        ("double click report.txt", DoubleClick("report.txt")),
        ("double-click report.txt", DoubleClick("report.txt")),
        ("Double Click the 'notes' icon", DoubleClick("notes")),
        ("right click Desktop", RightClick("Desktop")),
        ("right-click on the Trash icon", RightClick("Trash")),
        ("type 'hello world' into Name", TypeText("hello world", "Name")),
        ('type "x" in the Name field', TypeText("x", "Name")),
        ("enter 'x' into Name", TypeText("x", "Name")),
        ("type hello", TypeText("hello")),
        ("type hello world, friend", TypeText("hello world, friend")),
        ('type "a; b"', TypeText("a; b")),
        ('type "don\'t stop"', TypeText("don't stop")),
        ("type 'über Straße' into 'Search box'", TypeText("über Straße", "Search box")),
        ('write "日本語" into Title', TypeText("日本語", "Title")),
        ('type "hi" into Search and press enter', TypeText("hi", "Search", True)),
        ("type 'hi' and press Enter", TypeText("hi", None, True)),
        ("press ctrl+s", Hotkey(("ctrl", "s"))),
        ("press Enter", Hotkey(("enter",))),
        ("press the Escape key", Hotkey(("escape",))),
        ("hit ctrl+shift+t", Hotkey(("ctrl", "shift", "t"))),
        ("press 'Ctrl-S'", Hotkey(("ctrl", "s"))),
        ("enter", Hotkey(("enter",))),
        ("scroll down", Scroll("down", 3)),
        ("scroll up 5", Scroll("up", 5)),
        ("scroll down 2 times over 'File list'", Scroll("down", 2, "File list")),
        ("scroll left at the Timeline", Scroll("left", 3, "Timeline")),
        ("scroll right in List", Scroll("right", 3, "List")),
        ("wait", Wait(1.0)),
        ("wait 2", Wait(2.0)),
        ("wait 2 seconds", Wait(2.0)),
        ("wait 1.5s", Wait(1.5)),
        ("wait for 3 seconds", Wait(3.0)),
        ("open mousepad", OpenApp("mousepad")),
        ("launch mousepad", OpenApp("mousepad")),
        ("start mousepad", OpenApp("mousepad")),
        ("open the 'gnome-calculator' app", OpenApp("gnome-calculator")),
        ("drag A to B", Drag("A", "B")),
        ('drag "a to b.txt" to Trash', Drag("a to b.txt", "Trash")),
        ("drag from 10, 20 to 300, 400", Drag(Point(10, 20), Point(300, 400))),
        ("done", Done()),
        ("Done", Done()),
        ("fail the file is missing", Fail("the file is missing")),
        ("fail", Fail()),
        ('click("Save")', Click("Save")),
        ('hotkey("ctrl", "s")', Hotkey(("ctrl", "s"))),
        ('type_text("a then b", into="Name")', TypeText("a then b", "Name")),
    ],
)
def test_single_command(command: str, action: Action) -> None:
    assert parse_instruction(command) == [action]
    assert parse_command(command) == action


def test_several_commands_with_every_separator() -> None:
    text = (
        "click File; click 'Save As'\n"
        "type 'notes.txt' into Name then press Enter, then wait 1 and then done"
    )
    assert parse_instruction(text) == [
        Click("File"),
        Click("Save As"),
        TypeText("notes.txt", "Name"),
        Hotkey(("enter",)),
        Wait(1.0),
        Done(),
    ]


def test_separators_inside_quotes_and_calls_do_not_split() -> None:
    assert split_commands('type "a; b then c"; click("x; then y")') == [
        'type "a; b then c"',
        'click("x; then y")',
    ]
    assert split_commands("type “one; two” then done") == ["type “one; two”", "done"]


def test_then_is_a_whole_word() -> None:
    assert parse_instruction("click Athens then click Thenardier") == [
        Click("Athens"),
        Click("Thenardier"),
    ]


@pytest.mark.parametrize("text", ["", "   ", "\n\n", ";;", "then"])
def test_empty_instruction(text: str) -> None:
    with pytest.raises(InstructionError) as info:
        parse_instruction(text)
    assert "click Save" in str(info.value)  # shows examples


def test_unknown_command_names_it_and_lists_forms() -> None:
    with pytest.raises(InstructionError) as info:
        parse_instruction("click Save; jump around")
    message = str(info.value)
    assert "'jump around'" in message
    for example in ("click Save", 'type "hello world" into Name', "press ctrl+s", "scroll down"):
        assert example in message


def test_unknown_verb_suggests_the_closest() -> None:
    with pytest.raises(InstructionError, match="Did you mean 'click'"):
        parse_instruction("clik Save")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("press ctrl+bogus", ["'press ctrl+bogus'", "unknown key 'bogus'", "press ctrl+s"]),
        ("scroll sideways", ["say a direction", "up, down, left, right"]),
        ("scroll down 99", ["1 to 50"]),
        ("wait 100 seconds", ["at most 60"]),
        ("wait forever", ["like: wait 2 seconds"]),
        ("type", ["does not say what to type"]),
        ("type '' into X", ["empty quotes"]),
        ("type 'x' somewhere Name", ["write where to type it"]),
        ("drag A", ["say where to drag to"]),
        ("open", ["which application"]),
        ("click the", ["does not say which element"]),
        ("click on", ["does not say which element"]),
        ("click(Save)", ["'click(Save)'", "bare name"]),
        ('clik("Save")', ["'clik(\"Save\")'", "don't know how to do"]),
    ],
)
def test_command_errors(text: str, expected: list[str]) -> None:
    with pytest.raises(InstructionError) as info:
        parse_instruction(text)
    for part in expected:
        assert part in str(info.value), (part, str(info.value))


def test_too_long_instruction() -> None:
    with pytest.raises(InstructionError, match="limit"):
        parse_instruction("click a; " * 5000)


def test_dangerous_calls_are_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for text in (
        f"__import__('os').system('touch {marker}')",
        f"click(__import__('os').system('touch {marker}'))",
        f"type_text(open('{marker}', 'w').write('x'))",
    ):
        with pytest.raises((InstructionError, ParseError)):
            parse_instruction(text)
    assert not marker.exists()


_VERBS = [
    *("click", "double click", "right click", "type", "enter", "press", "hit", "scroll"),
    *("wait", "open", "drag", "done", "fail", "then", ";", "and then", "click(", "hotkey("),
]
_words = st.one_of(
    st.sampled_from(_VERBS),
    st.text(max_size=8),
    st.sampled_from(["'", '"', "“", "”", "(", ")", "to", "into", "the", "button", "3", "1, 2"]),
)


@settings(max_examples=400)
@given(st.lists(_words, max_size=12).map(" ".join))
def test_instruction_like_text_raises_only_instruction_or_parse_error(text: str) -> None:
    try:
        actions = parse_instruction(text)
    except (InstructionError, ParseError):
        return
    assert actions
    assert all(isinstance(a, Action) for a in actions)


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_arbitrary_text_raises_only_instruction_or_parse_error(text: str) -> None:
    with contextlib.suppress(InstructionError, ParseError):
        parse_instruction(text)
