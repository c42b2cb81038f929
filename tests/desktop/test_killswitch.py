"""The kill switch on a real X display: the hotkey stops the agent, even mid-typing."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import pytest

from desktop_agent.desktop.local import LocalDesktop
from desktop_agent.desktop.virtual import VirtualDisplay
from desktop_agent.errors import StoppedByUser
from desktop_agent.killswitch import DEFAULT_KILL_HOTKEY, KillSwitch

if TYPE_CHECKING:
    from conftest import AppWindow, X11Tools

pytestmark = pytest.mark.display


def test_trigger_sets_the_event_once_and_check_raises() -> None:
    calls: list[float | None] = []
    switch = KillSwitch(on_trigger=lambda: calls.append(switch.triggered_at))
    switch.check()  # not triggered: no error
    switch.trigger()
    first = switch.triggered_at
    switch.trigger()
    assert switch.stop_event.is_set()
    assert calls == [first]
    assert first is not None
    with pytest.raises(StoppedByUser, match="kill switch"):
        switch.check()
    switch.reset()
    assert not switch.stop_event.is_set()
    assert switch.triggered_at is None


def test_hotkey_pressed_on_the_display_sets_the_event(
    virtual_display: VirtualDisplay, x11: X11Tools
) -> None:
    assert DEFAULT_KILL_HOTKEY == "<ctrl>+<alt>+k"
    with KillSwitch(display=virtual_display.display) as switch:
        assert switch.listening
        x11.xdo("key", "ctrl+alt+k")
        assert switch.stop_event.wait(10)
        assert switch.triggered_at is not None
        with pytest.raises(StoppedByUser):
            switch.check()
    assert not switch.listening


def test_other_keys_do_not_trigger(virtual_display: VirtualDisplay, x11: X11Tools) -> None:
    with KillSwitch(display=virtual_display.display) as switch:
        x11.xdo("key", "ctrl+k", "alt+k", "k", "ctrl+alt+j")
        # A hotkey pressed after them is seen, so the keys above were heard too.
        x11.xdo("key", "ctrl+alt+k")
        assert switch.stop_event.wait(10)


def test_kill_hotkey_interrupts_long_typing(
    virtual_display: VirtualDisplay, mousepad: AppWindow, x11: X11Tools
) -> None:
    with KillSwitch(display=virtual_display.display) as switch:
        local = LocalDesktop(display=virtual_display.display, stop_event=switch.stop_event)
        # "ö" has no ctrl/alt shortcut in mousepad, so keys typed while the
        # hotkey's modifiers are down cannot open dialogs.
        full = "ö" * 3000
        outcome: list[BaseException | None] = []

        def type_all() -> None:
            try:
                local.type_text(full)
                outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)

        typing = threading.Thread(target=type_all)
        typing.start()
        # Let some of the text arrive first (typing all of it takes many seconds).
        time.sleep(1.0)
        x11.xdo("key", "ctrl+alt+k")
        typing.join(30)
        assert not typing.is_alive()
        local.close()

    assert len(outcome) == 1
    assert isinstance(outcome[0], StoppedByUser)
    typed = mousepad.text()
    assert typed
    assert set(typed) <= {"ö"}
    assert len(typed) < len(full)
