"""The safety policy: which actions are risky, and what each confirmation mode does."""

from __future__ import annotations

import pytest

from desktop_agent.actions import (
    Click,
    Done,
    DoubleClick,
    Drag,
    Hotkey,
    OpenApp,
    Point,
    RightClick,
    Scroll,
    TypeText,
    Wait,
)
from desktop_agent.errors import ConfirmationDenied, ExecutionError
from desktop_agent.safety import (
    DEFAULT_RISKY_HOTKEYS,
    ConfirmMode,
    SafetyConfig,
    SafetyPolicy,
    canonical_combo,
)


def policy(mode: ConfirmMode = "ask", **kwargs: object) -> SafetyPolicy:
    return SafetyPolicy(SafetyConfig(mode=mode, **kwargs))  # type: ignore[arg-type]


# --- hotkeys ------------------------------------------------------------------------


@pytest.mark.parametrize("keys", sorted(DEFAULT_RISKY_HOTKEYS), ids="+".join)
def test_every_default_risky_hotkey_is_risky(keys: tuple[str, ...]) -> None:
    reason = policy().action_risk(Hotkey(keys))
    assert reason is not None
    assert "+".join(keys) in reason


@pytest.mark.parametrize(
    "keys",
    [("ctrl", "s"), ("ctrl", "c"), ("ctrl", "v"), ("enter",), ("ctrl", "shift", "s"), ("f4",)],
    ids="+".join,
)
def test_safe_hotkeys(keys: tuple[str, ...]) -> None:
    assert policy().action_risk(Hotkey(keys)) is None


@pytest.mark.parametrize(
    ("keys", "shown"),
    [
        (("Alt", "F4"), "alt+f4"),
        (("q", "Control"), "ctrl+q"),
        (("ctrl+alt+del",), "ctrl+alt+delete"),
        (("Del",), "delete"),
        (("shift", "ctrl", "Q"), "ctrl+shift+q"),
    ],
)
def test_risky_hotkeys_spelled_another_way(keys: tuple[str, ...], shown: str) -> None:
    # Actions from JSON or a model's tool call skip the parser's key normalization.
    reason = policy().action_risk(Hotkey(keys))
    assert reason is not None
    assert shown in reason


def test_canonical_combo() -> None:
    assert canonical_combo(("Return",)) == ("enter",)
    assert canonical_combo(["s", "CTRL"]) == ("ctrl", "s")
    assert canonical_combo(("no such key",)) == ("no such key",)


def test_extra_hotkeys_from_config() -> None:
    custom = policy(extra_hotkeys=frozenset({("ctrl", "Return")}))
    assert custom.action_risk(Hotkey(("ctrl", "enter"))) is not None
    assert policy().action_risk(Hotkey(("ctrl", "enter"))) is None


# --- clicks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["Send", "Delete", "Buy now", "the Send button", "Move to trash and delete", "Sign out"],
)
@pytest.mark.parametrize("action_class", [Click, DoubleClick])
def test_risky_click_words(action_class: type[Click], target: str) -> None:
    reason = policy().action_risk(action_class(target))
    assert reason is not None
    assert repr(target) in reason


@pytest.mark.parametrize(
    "target", ["Save", "Sender", "Cancel", "Deleted items", "Paypal settings", "Open", "Sends"]
)
def test_safe_click_words_respect_word_boundaries(target: str) -> None:
    # "Sender" is not "send", "Deleted" is not "delete".
    assert policy().action_risk(Click(target)) is None


def test_click_on_a_point_is_not_judged_by_words() -> None:
    assert policy().action_risk(Click(Point(10, 10))) is None


@pytest.mark.parametrize(
    "action",
    [
        RightClick("Delete"),
        Drag("Send", "Trash"),
        Scroll("down", at="Delete"),
        Wait(),
        Done("sent"),
    ],
)
def test_other_actions_are_not_risky(action: object) -> None:
    assert policy().action_risk(action) is None  # type: ignore[arg-type]


# --- typing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "window", ["user@host: ~ - Terminal", "xterm", "Konsole", "bash", "Windows PowerShell"]
)
def test_typing_into_a_terminal_is_risky(window: str) -> None:
    reason = policy().action_risk(TypeText("ls -la", enter=True), active_window=window)
    assert reason is not None
    assert "terminal" in reason
    assert window in reason


@pytest.mark.parametrize("window", ["Untitled 1 - Mousepad", "notes.txt - gedit", None, ""])
def test_typing_into_an_editor_is_safe(window: str | None) -> None:
    assert policy().action_risk(TypeText("ls -la"), active_window=window) is None


def test_clicks_in_a_terminal_are_not_terminal_risks() -> None:
    assert policy().action_risk(Click("File"), active_window="Terminal") is None


# --- open_app -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", ["sudo apt-get remove firefox", "sudo", "/usr/bin/sudo ls", "rm -rf ~/x", "reboot"]
)
def test_risky_programs(command: str) -> None:
    reason = policy().action_risk(OpenApp(command))
    assert reason is not None
    assert "can change the system" in reason


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("bash -c 'rm -rf ~'", "runs whatever command"),
        ("/bin/sh", "runs whatever command"),
        ("python3 -c 'import os'", "runs whatever command"),
        ("python3.11 script.py", "runs whatever command"),
        ("find / -delete", "runs whatever command"),
        ("xterm -e top", "is a terminal"),
        ("gnome-terminal", "is a terminal"),
        ("gimp -b '(gimp-quit 0)'", "with options '-b'"),
        ("mousepad --execute=x notes.txt", "with options '--execute=x'"),
    ],
)
def test_programs_that_run_commands_ask_first(command: str, why: str) -> None:
    # A model writes open_app's text; a screen could talk it into any command.
    reason = policy().action_risk(OpenApp(command))
    assert reason is not None
    assert why in reason


@pytest.mark.parametrize(
    "command", ["mousepad", "gnome-calculator", "firefox --new-window", "mousepad notes.txt", ""]
)
def test_safe_programs(command: str) -> None:
    assert policy().action_risk(OpenApp(command)) is None


# --- instructions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instruction", "word"),
    [
        ("send the report to Bob", "send"),
        ("DELETE all my photos", "delete"),
        ("buy two tickets", "buy"),
        ("please Shut Down the computer", "shut down"),
        ("log out of the session", "log out"),
    ],
)
def test_risky_instructions(instruction: str, word: str) -> None:
    assert policy().instruction_risk(instruction) == f"the instruction asks to {word!r}"


@pytest.mark.parametrize(
    "instruction",
    ["open mousepad and type hello", "save the file as notes.txt", "check the sender address", ""],
)
def test_safe_instructions(instruction: str) -> None:
    assert policy().instruction_risk(instruction) is None


# --- approve / check in each mode ---------------------------------------------------------


class Recorder:
    """A confirm function that answers a fixed way and remembers the questions."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.questions: list[str] = []

    def __call__(self, question: str) -> bool:
        self.questions.append(question)
        return self.answer


def test_allow_passes_without_asking() -> None:
    asked = Recorder(False)
    policy("allow").approve("it deletes", "click('Delete')", asked)
    assert asked.questions == []


def test_deny_refuses_without_asking_and_hints() -> None:
    asked = Recorder(True)
    with pytest.raises(ConfirmationDenied, match="'deny'") as info:
        policy("deny").approve("it deletes", "click('Delete')", asked)
    message = str(info.value)
    assert "click('Delete')" in message
    assert "it deletes" in message
    assert "--yes" in message
    assert asked.questions == []
    assert isinstance(info.value, ExecutionError)


def test_ask_confirmed_passes() -> None:
    asked = Recorder(True)
    policy("ask").approve("it deletes", "click('Delete')", asked)
    assert asked.questions == ["click('Delete'): it deletes. Go ahead?"]


def test_ask_refused_raises() -> None:
    asked = Recorder(False)
    with pytest.raises(ConfirmationDenied, match="not confirmed"):
        policy("ask").approve("it deletes", "click('Delete')", asked)
    assert len(asked.questions) == 1


def test_ask_with_no_one_to_ask_hints_at_yes() -> None:
    with pytest.raises(ConfirmationDenied, match="--yes") as info:
        policy("ask").approve("it deletes", "click('Delete')", None)
    assert "no one can be asked" in str(info.value)


def test_check_returns_the_reason_when_approved() -> None:
    asked = Recorder(True)
    reason = policy("ask").check(Click("Send"), confirm=asked)
    assert reason == "clicking 'Send' may send something"
    assert asked.questions == [f"click('Send'): {reason}. Go ahead?"]
    assert policy("allow").check(Hotkey(("alt", "f4")), confirm=None) is not None


def test_check_safe_action_never_asks() -> None:
    asked = Recorder(False)
    assert policy("deny").check(Click("Save"), confirm=asked) is None
    assert asked.questions == []


def test_check_refused_raises() -> None:
    with pytest.raises(ConfirmationDenied, match="terminal"):
        policy("ask").check(
            TypeText("rm -rf ~", enter=True), active_window="Terminal", confirm=Recorder(False)
        )
    with pytest.raises(ConfirmationDenied, match="'deny'"):
        policy("deny").check(OpenApp("sudo reboot"), confirm=Recorder(True))


@pytest.mark.parametrize("label", ["Format", "Sort Order", "Order by date", "Formatting"])
def test_everyday_menus_named_format_or_order_are_not_risky(label: str) -> None:
    assert SafetyPolicy().action_risk(Click(label)) is None


@pytest.mark.parametrize("label", ["Place order", "Format disk"])
def test_the_risky_phrases_they_came_from_still_are(label: str) -> None:
    assert SafetyPolicy().action_risk(Click(label)) is not None
