"""Small X11 helpers over python-xlib (imported lazily: absent off Linux)."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def x_connection(display: str | None) -> Iterator[Any]:
    """A short-lived Xlib connection (Xlib displays are not thread-safe; don't share)."""
    from Xlib import display as xdisplay

    conn = xdisplay.Display(display)
    try:
        yield conn
    finally:
        conn.close()


def can_connect(display: str) -> bool:
    try:
        with x_connection(display):
            return True
    except Exception:  # Xlib raises several unrelated types for "no server"
        return False


def wait_for_x_server(display: str, timeout_s: float) -> None:
    from desktop_agent.errors import DisplayError

    deadline = time.monotonic() + timeout_s
    while not can_connect(display):
        if time.monotonic() > deadline:
            raise DisplayError(f"X server {display} does not accept connections")
        time.sleep(0.05)


def _window_manager_running(conn: Any) -> bool:
    from Xlib import X

    atom = conn.intern_atom("_NET_SUPPORTING_WM_CHECK")
    prop = conn.screen().root.get_full_property(atom, X.AnyPropertyType)
    return bool(prop and prop.value)


def wait_for_window_manager(display: str, timeout_s: float) -> bool:
    """True once an EWMH window manager announced itself on the root window."""
    deadline = time.monotonic() + timeout_s
    with x_connection(display) as conn:
        while time.monotonic() < deadline:
            if _window_manager_running(conn):
                return True
            time.sleep(0.05)
    return False


def active_window_title(display: str | None) -> str | None:
    """The focused top-level window's title (EWMH), or None when there is none."""
    from Xlib import X

    with x_connection(display) as conn:
        root = conn.screen().root
        active = root.get_full_property(conn.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
        if not active or not active.value or not active.value[0]:
            return None
        window = conn.create_resource_object("window", int(active.value[0]))
        utf8 = conn.intern_atom("UTF8_STRING")
        prop = window.get_full_property(conn.intern_atom("_NET_WM_NAME"), utf8)
        if prop is None or not prop.value:
            # Fall back to the old ICCCM name for apps without EWMH titles.
            prop = window.get_full_property(X.XA_WM_NAME, X.AnyPropertyType)
        if prop is None or prop.value is None:
            return None
        value = prop.value
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
        return str(value)


def pointer_position(display: str | None) -> tuple[int, int]:
    with x_connection(display) as conn:
        data = conn.screen().root.query_pointer()
        return int(data.root_x), int(data.root_y)


# Keycodes we remap for characters the keymap lacks; used round robin so a
# client still reading one remap never sees the next one on the same keycode.
_SCRATCH_KEYCODES = 8
# Time for clients to re-read the keymap after a remap (xdotool uses ~12 ms).
_REMAP_SETTLE_S = 0.01
_CONTROL_KEYSYMS = {"\n": "Return", "\t": "Tab"}


def char_to_keysym(char: str) -> int:
    """The X keysym for a character (Latin-1 keysyms equal the code point)."""
    from Xlib import XK

    if char in _CONTROL_KEYSYMS:
        return int(XK.string_to_keysym(_CONTROL_KEYSYMS[char]))
    code = ord(char)
    if 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF:
        return code
    return 0x01000000 | code


class XTestTyper:
    """Types any text through XTEST, as a real keyboard would.

    Characters on the keymap are typed with their key (and shift); others are
    mapped onto spare keycodes first. XTEST events reach every app, unlike the
    synthetic XSendEvent events that pynput sends and some apps ignore.
    """

    def __init__(self, display: str | None) -> None:
        from Xlib import XK
        from Xlib import display as xdisplay

        from desktop_agent.errors import DisplayError

        self._conn = xdisplay.Display(display)
        if not self._conn.has_extension("XTEST"):
            self._conn.close()
            raise DisplayError(f"X display {display} lacks the XTEST extension needed to type")
        self._lock = threading.Lock()
        self._min_keycode = int(self._conn.display.info.min_keycode)
        self._max_keycode = int(self._conn.display.info.max_keycode)
        self._lookup: dict[int, tuple[int, bool]] = {}
        self._scratch: list[int] = []
        self._scratch_keysym: dict[int, int] = {}  # keycode -> keysym mapped now
        self._next_scratch = 0
        self._width = 2
        self._read_keymap()
        self._shift = self._lookup.get(int(XK.string_to_keysym("Shift_L")), (0, False))[0]

    def _read_keymap(self) -> None:
        count = self._max_keycode - self._min_keycode + 1
        rows = self._conn.get_keyboard_mapping(self._min_keycode, count)
        self._width = max(2, max((len(row) for row in rows), default=2))
        for i, row in enumerate(rows):
            keycode = self._min_keycode + i
            if not any(row):
                if len(self._scratch) < _SCRATCH_KEYCODES:
                    self._scratch.append(keycode)
                continue
            # Only the unshifted and shifted levels: higher levels need
            # group switches that clients interpret differently.
            for level in (0, 1):
                if level < len(row) and row[level]:
                    self._lookup.setdefault(int(row[level]), (keycode, level == 1))

    def type(self, text: str, interval: float = 0.0) -> None:
        """Type `text`, waiting `interval` seconds after each character."""
        with self._lock:
            for char in text:
                if char == "\r":
                    continue
                self._type_char(char)
                if interval > 0:
                    time.sleep(interval)

    def _type_char(self, char: str) -> None:
        from desktop_agent.errors import ExecutionError

        keysym = char_to_keysym(char)
        if keysym in self._lookup:
            keycode, shifted = self._lookup[keysym]
        else:
            if not self._scratch:
                raise ExecutionError(f"cannot type {char!r}: no spare keycode to map it onto")
            keycode, shifted = self._map_scratch(keysym), False
        self._tap(keycode, shifted and bool(self._shift))

    def _map_scratch(self, keysym: int) -> int:
        for keycode, mapped in self._scratch_keysym.items():
            if mapped == keysym:
                return keycode
        keycode = self._scratch[self._next_scratch % len(self._scratch)]
        self._next_scratch += 1
        # Same keysym on both levels: a held shift must not change it.
        row = [keysym, keysym] + [0] * (self._width - 2)
        self._conn.change_keyboard_mapping(keycode, [row])
        self._conn.sync()
        self._scratch_keysym[keycode] = keysym
        time.sleep(_REMAP_SETTLE_S)
        return keycode

    def _tap(self, keycode: int, shifted: bool) -> None:
        from Xlib import X
        from Xlib.ext import xtest

        if shifted:
            xtest.fake_input(self._conn, X.KeyPress, self._shift)
        xtest.fake_input(self._conn, X.KeyPress, keycode)
        xtest.fake_input(self._conn, X.KeyRelease, keycode)
        if shifted:
            xtest.fake_input(self._conn, X.KeyRelease, self._shift)
        self._conn.sync()

    def close(self) -> None:
        """Give the spare keycodes back (empty) and disconnect."""
        with self._lock:
            try:
                if self._scratch_keysym:
                    empty = [0] * self._width
                    for keycode in self._scratch_keysym:
                        self._conn.change_keyboard_mapping(keycode, [empty])
                    self._conn.sync()
                self._scratch_keysym.clear()
            except Exception as exc:  # the server may already be gone
                logger.debug("could not restore scratch keycodes: %s", exc)
            finally:
                self._conn.close()
