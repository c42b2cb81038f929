"""A small AT-SPI D-Bus client over jeepney: find the accessibility bus, send calls in batches.

Calls go out pipelined (a whole level of the tree at once) and replies are
collected against one deadline, so a walk costs a few round trips per tree
level instead of one per call, and an app that stops answering costs at most
one timeout.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from typing import Any

from grounding.errors import ExpertUnavailable

logger = logging.getLogger(__name__)

try:
    from jeepney import DBusAddress, HeaderFields, Message, MessageType, new_method_call
    from jeepney.io.blocking import DBusConnection, open_dbus_connection
except ImportError:  # pragma: no cover - jeepney is a Linux dependency of the package
    _JEEPNEY = False
else:
    _JEEPNEY = True

SETUP_HINT = (
    "start the apps inside a D-Bus session (the --virtual display has one, or dbus-run-session) "
    "with at-spi2-core installed (packaging/install-system-deps.sh) and without NO_AT_BRIDGE=1"
)
_BATCH = 256  # calls in flight at once; the bus queues replies while we send
TIMED_OUT: Any = object()  # a call_many result: the app did not answer in time


def require_jeepney() -> None:
    if not _JEEPNEY:
        raise ExpertUnavailable(
            "the accessibility expert needs the 'jeepney' package: pip install jeepney"
        )


def session_bus_address() -> str:
    """The session bus address from the environment (or the usual per-user socket)."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    if address:
        return address
    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    if os.path.exists(os.path.join(runtime, "bus")):
        return f"unix:path={runtime}/bus"
    raise ExpertUnavailable(
        f"accessibility is off: there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is "
        f"unset); {SETUP_HINT}"
    )


def _open(address: str, timeout_s: float) -> DBusConnection:
    conn = open_dbus_connection(address, auth_timeout=timeout_s)
    # Bounds sendall too: a bus that stops reading can't block us forever.
    conn.sock.settimeout(timeout_s)
    return conn


def atspi_bus_address(timeout_s: float) -> str:
    """Ask the session bus's org.a11y.Bus for the accessibility bus address."""
    require_jeepney()
    override = os.environ.get("AT_SPI_BUS_ADDRESS", "")
    if override:
        return override
    session = session_bus_address()
    try:
        conn = _open(session, timeout_s)
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        raise ExpertUnavailable(
            f"accessibility is off: cannot connect to the D-Bus session bus {session!r} "
            f"({exc}); {SETUP_HINT}"
        ) from exc
    try:
        msg = new_method_call(
            DBusAddress("/org/a11y/bus", bus_name="org.a11y.Bus", interface="org.a11y.Bus"),
            "GetAddress",
        )
        reply = conn.send_and_get_reply(msg, timeout=timeout_s)
    except (OSError, TimeoutError) as exc:
        raise ExpertUnavailable(
            f"accessibility is off: the session bus did not answer org.a11y.Bus.GetAddress "
            f"({exc}); {SETUP_HINT}"
        ) from exc
    finally:
        conn.close()
    if reply.header.message_type != MessageType.method_return or not reply.body:
        raise ExpertUnavailable(
            f"accessibility is off: no AT-SPI bus on the session bus ({_error_text(reply)}); "
            f"{SETUP_HINT}"
        )
    return str(reply.body[0])


def _error_text(msg: Message) -> str:
    name = msg.header.fields.get(HeaderFields.error_name, "")
    detail = msg.body[0] if msg.body and isinstance(msg.body[0], str) else ""
    return f"{name} {detail}".strip() or "no reply"


class Call:
    """One method call to an accessible object, built lazily into a jeepney message."""

    __slots__ = ("args", "bus", "interface", "method", "path", "signature")

    def __init__(
        self,
        bus: str,
        path: str,
        interface: str,
        method: str,
        signature: str | None = None,
        args: tuple[Any, ...] = (),
    ) -> None:
        self.bus, self.path, self.interface = bus, path, interface
        self.method, self.signature, self.args = method, signature, args

    def message(self) -> Message:
        addr = DBusAddress(self.path, bus_name=self.bus, interface=self.interface)
        return new_method_call(addr, self.method, self.signature, self.args)


class AtspiConnection:
    """A connection to the AT-SPI bus that answers batches of calls."""

    def __init__(self, address: str, timeout_s: float) -> None:
        require_jeepney()
        self.address = address
        self.timeout_s = timeout_s
        self.unresponsive: set[str] = set()
        try:
            self._conn = _open(address, timeout_s)
        except (OSError, RuntimeError, ValueError) as exc:
            raise ExpertUnavailable(
                f"accessibility is off: cannot connect to the AT-SPI bus {address!r} ({exc}); "
                f"{SETUP_HINT}"
            ) from exc

    def close(self) -> None:
        self._conn.close()

    def call_many(self, calls: Sequence[Call], timeout_s: float | None = None) -> list[Any]:
        """Each call's reply body; None for an error reply, TIMED_OUT for no reply in time.

        An app that misses a deadline goes into `unresponsive` and later calls
        to it are not sent. Raises OSError when the connection itself broke.
        """
        timeout = self.timeout_s if timeout_s is None else timeout_s
        results: list[Any] = [None] * len(calls)
        for start in range(0, len(calls), _BATCH):
            stop = min(start + _BATCH, len(calls))
            self._run_batch(calls, start, stop, results, time.monotonic() + timeout)
        return results

    def _run_batch(
        self, calls: Sequence[Call], start: int, stop: int, results: list[Any], deadline: float
    ) -> None:
        pending: dict[int, int] = {}
        for index in range(start, stop):
            if calls[index].bus in self.unresponsive:
                results[index] = TIMED_OUT
                continue
            serial = next(self._conn.outgoing_serial)
            self._conn.send(calls[index].message(), serial=serial)
            pending[serial] = index
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                late = {calls[i].bus for i in pending.values()}
                logger.warning("AT-SPI: no reply in time from %s; skipping them", sorted(late))
                self.unresponsive |= late
                for index in pending.values():
                    results[index] = TIMED_OUT
                return
            try:
                msg = self._conn.receive(timeout=left)
            except TimeoutError:
                continue
            index = pending.pop(msg.header.fields.get(HeaderFields.reply_serial, -1), -1)
            if index < 0:
                continue  # a signal, or a late reply to an earlier batch
            if msg.header.message_type == MessageType.method_return:
                results[index] = msg.body
            else:
                call = calls[index]
                logger.debug(
                    "AT-SPI %s on %s%s failed: %s",
                    call.method,
                    call.bus,
                    call.path,
                    _error_text(msg),
                )
