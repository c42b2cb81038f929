"""The AT-SPI expert: role mapping, boxes, a missing bus, a hung app, and mousepad's live tree."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from jeepney import HeaderFields, Message, MessageType, new_method_return
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from PIL import Image

from desktop_agent.desktop.virtual import VirtualDisplay
from grounding import Grounder
from grounding.a11y import AccessibleNode, AtspiExpert, map_role
from grounding.errors import ExpertUnavailable
from grounding.types import Box, Element

if TYPE_CHECKING:
    from conftest import X11Tools
    from desktop_agent.desktop.local import LocalDesktop

SCREEN = (1280, 800)
SHOWING = (1 << 25, 0)
SENSITIVE_SHOWING = ((1 << 25) | (1 << 24), 0)


@pytest.mark.parametrize(
    ("atspi", "parent", "ours"),
    [
        ("push button", "tool bar", "button"),
        ("toggle button", "panel", "toggle"),
        ("check box", "panel", "checkbox"),
        ("radio button", "panel", "radio"),
        ("text", "scroll pane", "text_field"),
        ("entry", "panel", "text_field"),
        ("password text", "panel", "text_field"),
        ("combo box", "panel", "dropdown"),
        ("menu", "menu bar", "menu"),
        ("menu", "menu", "menu_item"),
        ("menu item", "menu", "menu_item"),
        ("check menu item", "menu", "menu_item"),
        ("page tab", "page tab list", "tab"),
        ("list item", "list", "list_item"),
        ("table cell", "table", "list_item"),
        ("tree item", "tree", "list_item"),
        ("link", "paragraph", "link"),
        ("slider", "panel", "slider"),
        ("icon", "panel", "icon"),
        ("label", "panel", "label"),
        ("static", "panel", "label"),
        ("scroll bar", "scroll pane", "scroll_bar"),
        ("Push Button", "", "button"),
    ],
)
def test_map_role(atspi: str, parent: str, ours: str) -> None:
    assert map_role(atspi, parent) == ours


def _node(
    role: str,
    name: str = "",
    extents: tuple[int, int, int, int] | None = (10, 20, 30, 40),
    *,
    description: str = "",
    parent: str = "panel",
    depth: int = 3,
    sensitive: bool = True,
) -> AccessibleNode:
    states = SENSITIVE_SHOWING if sensitive else SHOWING
    return AccessibleNode(role, name, description, extents, states, parent, "app", depth)


def test_greyed_out_controls_are_no_targets() -> None:
    expert = AtspiExpert()
    nodes = [
        _node("push button", "Save", (10, 10, 40, 20), sensitive=False),
        _node("push button", "Cancel", (60, 10, 40, 20)),
        _node("label", "Name:", (10, 40, 40, 20), sensitive=False),  # text, not a control
    ]
    assert [e.text for e in expert.elements(nodes, (400, 300))] == ["Cancel", "Name:"]
    # What detector training takes as background: the greyed-out control alone.
    assert expert.greyed(nodes, (400, 300)) == [
        Element(Box(10, 10, 50, 30), "button", "Save", "atspi", 1.0)
    ]


def test_elements_map_clip_and_drop() -> None:
    expert = AtspiExpert(to_pixels=lambda x, y: (2 * x - 100, 2 * y))
    nodes = [
        _node("push button", "OK", (100, 100, 20, 10)),
        _node("push button", "Half off", (40, 0, 20, 10)),  # left edge off the image
        _node("push button", "Gone", (10, 10, 20, 10)),  # wholly off to the left
        _node("label", "Empty", (100, 100, 0, 10)),
        _node("icon", "", (100, 100, 10, 10), description="Print the page"),
        _node("text", "", (200, 100, 50, 50), description="not a field's text"),
        _node("filler", "", (100, 100, 50, 50)),  # unnamed layout: noise
        _node("application", "app", None, depth=0),
        _node("push button", "No component", None),
    ]
    assert expert.elements(nodes, (400, 300)) == [
        Element(Box(100, 200, 140, 220), "button", "OK", "atspi", 1.0),
        Element(Box(0, 0, 20, 20), "button", "Half off", "atspi", 1.0),
        Element(Box(100, 200, 120, 220), "icon", "Print the page", "atspi", 1.0),
        Element(Box(300, 200, 400, 300), "text_field", "", "atspi", 1.0),
    ]


def test_unavailable_when_session_bus_points_nowhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AT_SPI_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-bus")
    assert AtspiExpert.available() is False
    with pytest.raises(ExpertUnavailable, match=r"accessibility is off.*session bus"):
        AtspiExpert().parse(_blank())


def test_unavailable_without_any_session_bus(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AT_SPI_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    with pytest.raises(ExpertUnavailable, match="DBUS_SESSION_BUS_ADDRESS is unset"):
        AtspiExpert().parse(_blank())


# -- a private bus: no AT-SPI service, and a registry whose app never answers --

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@pytest.fixture
def private_bus(tmp_path: Path) -> Iterator[str]:
    """A bare dbus-daemon with no activatable services; yields its address."""
    daemon = shutil.which("dbus-daemon")
    assert daemon, "dbus-daemon is missing: install dbus (packaging/install-system-deps.sh)"
    config = tmp_path / "bus.conf"
    config.write_text(BUS_CONFIG.format(dir=tmp_path), encoding="utf-8")
    proc = subprocess.Popen(
        [daemon, f"--config-file={config}", "--nofork", "--nopidfile", "--print-address=1"],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert proc.stdout is not None
    address = proc.stdout.readline().decode().strip()
    try:
        assert address, "dbus-daemon printed no address"
        yield address
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
        proc.stdout.close()


def test_unavailable_when_no_atspi_bus_on_the_session(
    monkeypatch: pytest.MonkeyPatch, private_bus: str
) -> None:
    monkeypatch.delenv("AT_SPI_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", private_bus)
    assert AtspiExpert.available() is False
    with pytest.raises(ExpertUnavailable, match=r"no AT-SPI bus.*org\.a11y\.Bus"):
        AtspiExpert().parse(_blank())


def _request_name(conn: DBusConnection, name: str) -> None:
    assert conn.bus_proxy.RequestName(name, 4, _timeout=5) == (1,)


def _serve(
    conn: DBusConnection, answer: Callable[[Message], Message | None], stop: threading.Event
) -> None:
    while not stop.is_set():
        try:
            msg = conn.receive(timeout=0.1)
        except TimeoutError:
            continue
        except OSError:
            return
        if msg.header.message_type == MessageType.method_call:
            reply = answer(msg)
            if reply is not None:
                conn.send(reply)


def test_a_hung_app_costs_one_timeout_and_the_others_still_answer(
    monkeypatch: pytest.MonkeyPatch, private_bus: str
) -> None:
    """A fake registry lists a hung app and a live one; the walk skips the hung one."""
    registry = open_dbus_connection(private_bus)
    hung = open_dbus_connection(private_bus)
    live = open_dbus_connection(private_bus)
    _request_name(registry, "org.a11y.atspi.Registry")
    root = "/org/a11y/atspi/accessible/root"
    apps = [(hung.unique_name, root), (live.unique_name, root)]

    def registry_answer(msg: Message) -> Message:
        return new_method_return(msg, "a(so)", (apps,))

    def live_answer(msg: Message) -> Message:
        path = msg.header.fields[HeaderFields.path]
        method = msg.header.fields[HeaderFields.member]
        answers: dict[str, tuple[str, tuple[object, ...]]] = {
            "GetAll": ("a{sv}", ({"Name": ("s", "Save" if path != root else "live")},)),
            "GetChildren": ("a(so)", ([(live.unique_name, "/button")] if path == root else [],)),
            "GetState": ("au", ([(1 << 25) | (1 << 24), 0],)),
            "GetRoleName": ("s", ("push button" if path != root else "application",)),
            "GetExtents": ("(iiii)", ((5, 6, 40, 20),)),
        }
        signature, body = answers[method]
        return new_method_return(msg, signature, body)

    stop = threading.Event()
    threads = [
        threading.Thread(target=_serve, args=(registry, registry_answer, stop), daemon=True),
        threading.Thread(target=_serve, args=(hung, lambda msg: None, stop), daemon=True),
        threading.Thread(target=_serve, args=(live, live_answer, stop), daemon=True),
    ]
    for thread in threads:
        thread.start()
    monkeypatch.setenv("AT_SPI_BUS_ADDRESS", private_bus)
    expert = AtspiExpert(timeout_s=0.5)
    try:
        elements = expert.parse(_blank())
    finally:
        expert.close()
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        for conn in (registry, hung, live):
            conn.close()
    assert elements == [Element(Box(5, 6, 45, 26), "button", "Save", "atspi", 1.0)]


def _blank() -> Image.Image:
    return Image.new("RGB", SCREEN)


# -- mousepad's live tree on the test display ---------------------------------

GTK_SETTINGS = "[Settings]\ngtk-cursor-blink = false\ngtk-enable-animations = false\n"


def launch_with_a11y(display: VirtualDisplay, command: str, home: Path) -> subprocess.Popen[bytes]:
    """Start a GTK app with its accessibility bridge on (the shared fixture turns it off)."""
    env = {"GSETTINGS_BACKEND": "memory"}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        path = home / name.lower()
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    gtk = home / "xdg_config_home" / "gtk-3.0"
    gtk.mkdir(parents=True, exist_ok=True)
    (gtk / "settings.ini").write_text(GTK_SETTINGS, encoding="utf-8")
    # GTK 3 loads atk-bridge by itself; NO_AT_BRIDGE=1 (set by other fixtures) would stop it.
    return display.launch(command, env={**env, "NO_AT_BRIDGE": "0"})


def _find(elements: list[Element], text: str, role: str) -> Element | None:
    return next((e for e in elements if e.text == text and e.role == role), None)


def _wait_for(expert: AtspiExpert, text: str, role: str, timeout: float = 20) -> list[Element]:
    deadline = time.monotonic() + timeout
    while True:
        elements = expert.parse(_blank())
        if _find(elements, text, role):
            return elements
        if time.monotonic() > deadline:
            seen = sorted({(e.role, e.text) for e in elements})
            raise AssertionError(f"no {role} {text!r} in the AT-SPI tree; saw {seen}")
        time.sleep(0.1)


@pytest.fixture
def a11y_mousepad(
    virtual_display: VirtualDisplay, x11: X11Tools, tmp_path: Path
) -> Iterator[AtspiExpert]:
    proc = launch_with_a11y(virtual_display, "mousepad", tmp_path / "home")
    expert = AtspiExpert(focused_app_only=True)
    try:
        window = x11.xdo("search", "--sync", "--onlyvisible", "--class", "mousepad", timeout=30)
        x11.xdo("windowactivate", "--sync", window.splitlines()[-1])
        _wait_for(expert, "File", "menu")
        yield expert
    finally:
        expert.close()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.mark.display
def test_mousepad_tree_matches_the_screen(
    a11y_mousepad: AtspiExpert, desktop: LocalDesktop, x11: X11Tools
) -> None:
    x11.wait_still(desktop)
    shot = desktop.screenshot()
    elements = a11y_mousepad.parse(shot)
    file_menu = _find(elements, "File", "menu")
    assert file_menu is not None
    ocr = Grounder.default().locate(shot, '"File"')
    assert ocr is not None, "OCR did not find File on the screen"
    assert file_menu.box.contains(*ocr.point), (file_menu.box, ocr)

    window = next(e for e in elements if e.role == "window" and "Mousepad" in e.text)
    text_area = next(e for e in elements if e.role == "text_field")
    assert window.box.intersection_area(text_area.box) == text_area.box.area
    assert text_area.box.area > 100 * 100  # the editing area, not a stray field
    screen = Box(0, 0, *shot.size)
    for element in elements:
        assert element.box.area > 0
        assert screen.intersection_area(element.box) == element.box.area
        assert element.source == "atspi"


@pytest.mark.display
def test_clicking_the_file_box_opens_its_menu(
    a11y_mousepad: AtspiExpert, desktop: LocalDesktop, x11: X11Tools
) -> None:
    elements = a11y_mousepad.parse(desktop.screenshot())
    file_menu = _find(elements, "File", "menu")
    assert file_menu is not None
    assert _find(elements, "Save", "menu_item") is None  # closed menus are not showing
    desktop.click(*file_menu.box.center)
    elements = _wait_for(a11y_mousepad, "Save", "menu_item")
    save = _find(elements, "Save", "menu_item")
    assert save is not None
    assert save.box.top >= file_menu.box.bottom - 2  # the dropdown opens below "File"
    x11.wait_still(desktop)
    ocr = Grounder.default().locate(desktop.screenshot(), '"Save"', whole_only=True)
    assert ocr is not None, "OCR did not find Save in the open menu"
    assert save.box.contains(*ocr.point), (save.box, ocr)
    x11.xdo("key", "Escape")
