"""The accessibility expert on Linux: AT-SPI trees read over D-Bus (jeepney, no bindings).

The registry lists the apps that registered on the accessibility bus; each
app's tree is walked level by level, with every call of a level sent at once,
skipping subtrees that are not SHOWING. Extents come in screen coordinates;
`to_pixels` maps them onto the screenshot (identity when the screenshot is
the whole screen at 1:1).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from PIL import Image

from grounding.errors import ExpertUnavailable
from grounding.types import Box, Element

from .bus import TIMED_OUT, AtspiConnection, Call, atspi_bus_address
from .roles import (
    STATE_ACTIVE,
    STATE_SENSITIVE,
    STATE_SHOWING,
    STRUCTURAL_ROLES,
    TEXT_FIELD_ROLES,
    has_state,
    map_role,
)

logger = logging.getLogger(__name__)

ACCESSIBLE = "org.a11y.atspi.Accessible"
COMPONENT = "org.a11y.atspi.Component"
PROPERTIES = "org.freedesktop.DBus.Properties"
REGISTRY = ("org.a11y.atspi.Registry", "/org/a11y/atspi/accessible/root")
COORD_SCREEN = 0

_ACTIONABLE = frozenset({"button", "toggle", "checkbox", "radio", "menu_item", "menu", "link",
                         "tab", "dropdown", "text_field", "slider", "list_item"})  # fmt: skip

PointMap = Callable[[int, int], tuple[int, int]]


@dataclass(frozen=True, slots=True)
class AccessibleNode:
    """One showing accessible object, as AT-SPI reports it (screen coordinates)."""

    role: str  # AT-SPI role name, e.g. "push button"
    name: str
    description: str
    extents: tuple[int, int, int, int] | None  # x, y, width, height on the screen
    states: tuple[int, ...]  # GetState bitfield words
    parent_role: str
    app: str  # the application's accessible name
    depth: int

    def has_state(self, bit: int) -> bool:
        return has_state(self.states, bit)


@dataclass(frozen=True, slots=True)
class _Ref:
    bus: str
    path: str
    depth: int
    order: tuple[int, ...]
    parent_role: str
    app: str


class AtspiExpert:
    """Elements from the live accessibility tree, in screenshot pixels."""

    name = "atspi"

    def __init__(
        self,
        to_pixels: PointMap | None = None,
        *,
        timeout_s: float = 1.0,
        budget_s: float = 10.0,
        max_depth: int = 40,
        max_nodes: int = 5000,
        max_children: int = 500,
        focused_app_only: bool = False,
    ) -> None:
        self.to_pixels = to_pixels
        self.timeout_s = timeout_s
        self.budget_s = budget_s
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.max_children = max_children
        self.focused_app_only = focused_app_only
        self._conn: AtspiConnection | None = None
        self._lock = threading.Lock()

    @classmethod
    def available(cls, timeout_s: float = 1.0) -> bool:
        """Whether an AT-SPI bus answers here (never raises)."""
        try:
            atspi_bus_address(timeout_s)
        except ExpertUnavailable as exc:
            logger.debug("AT-SPI unavailable: %s", exc)
            return False
        return True

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- public ------------------------------------------------------------

    def parse(self, image: Image.Image) -> list[Element]:
        """Every showing element with a box inside `image`; raises ExpertUnavailable if off."""
        return self.elements(self.snapshot(), image.size)

    def snapshot(self) -> list[AccessibleNode]:
        """The showing accessible objects of every registered app, in tree order."""
        with self._lock:
            try:
                return self._walk(self._connection())
            except OSError as exc:
                # The bus restarted or dropped us: one fresh try.
                logger.info("AT-SPI connection lost (%s); reconnecting", exc)
                self._drop()
                return self._walk(self._connection())

    def elements(self, nodes: Iterable[AccessibleNode], size: tuple[int, int]) -> list[Element]:
        """Nodes as Elements: boxes mapped into a `size` image and clipped, roles mapped.

        A greyed-out control is on screen but clicking it does nothing: it is
        no target (OCR alone cannot read it either), so it is left out.
        """
        return [element for element, sensitive in self._mapped(nodes, size) if sensitive]

    def greyed(self, nodes: Iterable[AccessibleNode], size: tuple[int, int]) -> list[Element]:
        """The greyed-out (insensitive) controls that `elements` leaves out: what
        detector training treats as background, since they are no targets."""
        return [element for element, sensitive in self._mapped(nodes, size) if not sensitive]

    def _mapped(self, nodes: Iterable[AccessibleNode],
                size: tuple[int, int]) -> Iterator[tuple[Element, bool]]:  # fmt: skip
        """(element, whether it is a target) for each node that shows with a box."""
        for node in nodes:
            if node.extents is None or node.depth == 0:
                continue
            text = node.name.strip()
            if not text and node.role not in TEXT_FIELD_ROLES:
                text = node.description.strip()
            if not text and node.role in STRUCTURAL_ROLES:
                continue
            box = self._box(node.extents, size)
            if box is None:
                continue
            role = map_role(node.role, node.parent_role)
            sensitive = role not in _ACTIONABLE or node.has_state(STATE_SENSITIVE)
            yield Element(box=box, role=role, text=text, source=self.name, score=1.0), sensitive

    # -- internals ---------------------------------------------------------

    def _box(self, extents: tuple[int, int, int, int], size: tuple[int, int]) -> Box | None:
        x, y, w, h = extents
        if w <= 0 or h <= 0:
            return None
        to_pixels = self.to_pixels or (lambda px, py: (px, py))
        left, top = to_pixels(x, y)
        right, bottom = to_pixels(x + w, y + h)
        left, right = max(0, min(left, right)), min(size[0], max(left, right))
        top, bottom = max(0, min(top, bottom)), min(size[1], max(top, bottom))
        if right <= left or bottom <= top:
            return None
        return Box(int(left), int(top), int(right), int(bottom))

    def _connection(self) -> AtspiConnection:
        if self._conn is None:
            self._conn = AtspiConnection(atspi_bus_address(self.timeout_s), self.timeout_s)
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
            self._conn = None

    def _walk(self, conn: AtspiConnection) -> list[AccessibleNode]:
        started = time.monotonic()
        conn.unresponsive.clear()
        (apps,) = conn.call_many([Call(*REGISTRY, ACCESSIBLE, "GetChildren")])
        if apps is None or apps is TIMED_OUT:
            raise ExpertUnavailable(
                "accessibility is off: the AT-SPI registry did not list its apps "
                "(is at-spi2-registryd running?)"
            )
        roots = [_Ref(bus, path, 0, (i,), "", "") for i, (bus, path) in enumerate(apps[0])]
        names = conn.call_many([_get_all(r) for r in roots])
        level = []
        for ref, props in zip(roots, names, strict=True):
            level.append(_Ref(ref.bus, ref.path, 0, ref.order, "", _prop(props, "Name")))
        found: list[tuple[tuple[int, ...], AccessibleNode]] = []
        seen = 0
        while level:
            if time.monotonic() - started > self.budget_s:
                logger.warning("AT-SPI walk stopped after %.1fs (budget_s)", self.budget_s)
                break
            level_nodes, level = self._visit(conn, level)
            found.extend(level_nodes)
            if self.focused_app_only and level_nodes and level_nodes[0][1].depth == 1:
                found, level = _only_focused(found, level)
            seen += len(level_nodes)
            if seen + len(level) > self.max_nodes:
                logger.warning("AT-SPI walk capped at %d nodes (max_nodes)", self.max_nodes)
                level = level[: max(0, self.max_nodes - seen)]
        found.sort(key=lambda item: item[0])
        logger.debug(
            "AT-SPI walk: %d showing nodes in %.0f ms",
            len(found),
            1000 * (time.monotonic() - started),
        )
        return [node for _, node in found]

    def _visit(
        self, conn: AtspiConnection, level: list[_Ref]
    ) -> tuple[list[tuple[tuple[int, ...], AccessibleNode]], list[_Ref]]:
        """One tree level: the showing nodes found, and the refs of their children."""
        # App roots carry no states worth checking; below them, skip what isn't showing.
        states: list[Any] = [((0,),) if r.depth == 0 else None for r in level]
        asks = [i for i, r in enumerate(level) if r.depth > 0]
        for i, body in zip(
            asks,
            conn.call_many(
                [Call(level[i].bus, level[i].path, ACCESSIBLE, "GetState") for i in asks]
            ),
            strict=True,
        ):
            states[i] = body
        showing = [
            (ref, tuple(st[0]))
            for ref, st in zip(level, states, strict=True)
            if st is not None
            and st is not TIMED_OUT
            and (ref.depth == 0 or has_state(st[0], STATE_SHOWING))
        ]
        calls = []
        for ref, _ in showing:
            calls += [
                Call(ref.bus, ref.path, ACCESSIBLE, "GetRoleName"),
                _get_all(ref),
                Call(ref.bus, ref.path, COMPONENT, "GetExtents", "u", (COORD_SCREEN,)),
                Call(ref.bus, ref.path, ACCESSIBLE, "GetChildren"),
            ]
        replies = conn.call_many(calls)
        nodes, children = [], []
        for k, (ref, st) in enumerate(showing):
            role_b, props, ext_b, kids_b = replies[4 * k : 4 * k + 4]
            if role_b is TIMED_OUT:
                continue
            role = str(role_b[0]) if role_b else ""
            node = AccessibleNode(
                role=role,
                name=_prop(props, "Name"),
                description=_prop(props, "Description"),
                extents=_extents(ext_b),
                states=st,
                parent_role=ref.parent_role,
                app=ref.app,
                depth=ref.depth,
            )
            nodes.append((ref.order, node))
            if kids_b and kids_b is not TIMED_OUT and ref.depth < self.max_depth:
                for j, (bus, path) in enumerate(kids_b[0][: self.max_children]):
                    children.append(_Ref(bus, path, ref.depth + 1, (*ref.order, j), role, ref.app))
        return nodes, children


def _get_all(ref: _Ref) -> Call:
    return Call(ref.bus, ref.path, PROPERTIES, "GetAll", "s", (ACCESSIBLE,))


def _extents(body: Any) -> tuple[int, int, int, int] | None:
    if not body or body is TIMED_OUT:
        return None
    x, y, w, h = (int(v) for v in body[0])
    return (x, y, w, h)


def _prop(body: Any, key: str) -> str:
    if not body or body is TIMED_OUT:
        return ""
    value = body[0].get(key)
    return str(value[1]) if value else ""


def _only_focused(
    nodes: list[tuple[tuple[int, ...], AccessibleNode]], level: list[_Ref]
) -> tuple[list[tuple[tuple[int, ...], AccessibleNode]], list[_Ref]]:
    """Keep the apps that own the active top-level window (the one with keyboard focus)."""
    active = {order[0] for order, node in nodes if node.depth == 1 and node.has_state(STATE_ACTIVE)}
    if not active:
        return nodes, level
    return [n for n in nodes if n[0][0] in active], [r for r in level if r.order[0] in active]
