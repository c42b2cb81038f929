"""`generate_qt`: screenshots of random application windows rendered offscreen with Qt.

One sample is one seed: `random.Random(seed)` picks the look (qt_style), the
chrome (qt_chrome), the body (qt_bodies), the window size and place, and
maybe an open menu; the window is rendered at the theme's scale onto a
desktop, and its elements' boxes come from the widget geometry (qt_labels).
The same seed gives the same pixels and boxes.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image
from PySide6.QtCore import (
    QEvent,
    QMessageLogContext,
    QPoint,
    QRect,
    QRectF,
    Qt,
    QtMsgType,
    qInstallMessageHandler,
)  # fmt: skip
from PySide6.QtGui import QColor, QFont, QImage, QLinearGradient, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QMenu,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)  # fmt: skip

from grounding.detector.dataset import LabeledBox, Sample

from . import qt_chrome, qt_icons, qt_text
from .qt_bodies import BODIES
from .qt_labels import Found, menu_boxes, widget_boxes
from .qt_qss import stylesheet
from .qt_style import Theme, hsl, palette, random_theme
from .qt_widgets import Ctx

logger = logging.getLogger(__name__)

SIZES = ((1280, 800), (1920, 1080), (1366, 768), (1440, 900), (1024, 768))
MIN_SIDE = 4  # boxes thinner than this are dropped


def _qt_message(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    # Qt's chatter (offscreen plugin notes, SVG parser warnings on some theme icons) is
    # harmless here: keep it out of the progress bar.
    logger.debug("qt: %s", message)


_OWN_APP: list[QApplication] = []  # the app this module made, if it made one


def application() -> QApplication:
    """The one QApplication of the process, created offscreen when there is none."""
    app = QApplication.instance()
    if app is None:
        qInstallMessageHandler(_qt_message)
        # Always offscreen, whatever the display: the same pixels on every machine. An
        # argument, not $QT_QPA_PLATFORM, so child processes keep their own display.
        app = QApplication(["grounding-synth", "-platform", "offscreen"])
        _OWN_APP.append(app)
    if not isinstance(app, QApplication):
        raise RuntimeError("a QGuiApplication exists; rendering widgets needs a QApplication")
    return app


@contextmanager
def _themed(app: QApplication, theme: Theme) -> Iterator[None]:
    """The theme applied app-wide (menus are windows of their own), undone for a host app."""
    saved = (app.style().name(), app.palette(), app.font(), app.styleSheet())
    app.setStyle(theme.qt_style)
    app.setPalette(palette(theme))
    font = QFont(theme.font)
    font.setPixelSize(theme.font_px)
    app.setFont(font)
    app.setStyleSheet(stylesheet(theme) if theme.use_qss else "")
    try:
        yield
    finally:
        if app not in _OWN_APP:  # someone else's app (a test, the UI): leave it as it was
            app.setStyleSheet(saved[3])
            app.setStyle(saved[0])
            app.setPalette(saved[1])
            app.setFont(saved[2])


@dataclass
class _Window:
    root: QWidget
    menu_host: QWidget | None  # where a menu may open from (menu bar or hamburger)
    content: QWidget
    body: str
    chrome: str


def _build(ctx: Ctx) -> _Window:
    rng = ctx.rng
    root = QWidget()
    root.setObjectName("window")
    root.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    root.setAutoFillBackground(True)
    lay = QVBoxLayout(root)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    title = qt_text.label(rng, 3)
    chrome = rng.choices(("header", "wm", "plain"), (0.5, 0.3, 0.2))[0]
    menu_host: QWidget | None = None
    if chrome == "header":
        bar = qt_chrome.header_bar(ctx, title)
        lay.addWidget(bar)
        menu_host = bar.findChild(QToolButton, "hamburger")
    elif chrome == "wm":
        lay.addWidget(qt_chrome.wm_title_bar(ctx, title))
    if (chrome != "header" and rng.random() < 0.75) or rng.random() < 0.05:
        menu_host = qt_chrome.menu_bar(ctx)
        lay.addWidget(menu_host)
    if rng.random() < 0.35:
        lay.addWidget(qt_chrome.tool_bar(ctx))
    names = list(BODIES)
    body = rng.choices(names, [BODIES[n][1] for n in names])[0]
    content = BODIES[body][0](ctx)
    lay.addWidget(content, 1)
    if rng.random() < 0.25:
        lay.addWidget(qt_chrome.status_bar(ctx))
    return _Window(root, menu_host, content, body, chrome)


def _fit(win: _Window, width: int, height: int) -> None:
    """Size the window; contents too big for it scroll, as in a GTK scrolled window."""
    need = win.root.minimumSizeHint()
    if need.width() > width or need.height() > height:
        scroll = QScrollArea()
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        layout = win.root.layout()
        assert layout is not None
        layout.replaceWidget(win.content, scroll)
        scroll.setWidget(win.content)
    win.root.resize(width, height)


def _open_menu(ctx: Ctx, win: _Window, canvas: QRect, offset: QPoint) -> tuple[QMenu, QPoint]:
    """A menu filled at random, placed under its menu-bar entry, the hamburger or the pointer."""
    menu = QMenu(win.root)
    qt_chrome.fill_menu(ctx, menu)
    menu.ensurePolished()
    menu.resize(menu.sizeHint())
    host = win.menu_host
    rng = ctx.rng
    if host is not None and hasattr(host, "actionGeometry") and host.actions():
        geo = host.actionGeometry(rng.choice(host.actions()))
        pos = host.mapTo(win.root, geo.bottomLeft() + QPoint(0, 1))
    elif host is not None:
        pos = host.mapTo(win.root, QPoint(host.width() - menu.width(), host.height() + 2))
    else:  # a context menu
        pos = QPoint(rng.randint(0, win.root.width()), rng.randint(0, win.root.height()))
    pos += offset
    x = max(0, min(pos.x(), canvas.width() - menu.width()))
    y = max(0, min(pos.y(), canvas.height() - menu.height()))
    actions = [a for a in menu.actions() if not a.isSeparator() and a.isEnabled()]
    if actions and rng.random() < 0.6:
        menu.setActiveAction(rng.choice(actions))
    return menu, QPoint(x, y)


def _desktop(painter: QPainter, rng: random.Random, size: QRectF) -> None:
    h = rng.random()
    top = QColor(hsl(h, rng.uniform(0.1, 0.7), rng.uniform(0.15, 0.6)))
    if rng.random() < 0.5:
        painter.fillRect(size, top)
    else:
        grad = QLinearGradient(0, 0, size.width() * rng.random(), size.height())
        grad.setColorAt(0, top)
        grad.setColorAt(1, QColor(hsl(h + rng.uniform(-0.2, 0.2), 0.5, rng.uniform(0.1, 0.7))))
        painter.fillRect(size, grad)


def _shadow(painter: QPainter, rect: QRect) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    for i in range(1, 8):
        painter.setBrush(QColor(0, 0, 0, 14))
        painter.drawRoundedRect(QRectF(rect).adjusted(-i, -i + 2, i, i + 2), i, i)


def _to_pixels(found: list[Found], offset: QPoint, scale: float, canvas: QRect,
               covers: list[QRect], size: tuple[int, int]) -> list[LabeledBox]:  # fmt: skip
    """Boxes in image pixels: cut to the image, dropped when mostly off it or under a menu."""
    out = []
    w, h = size
    for rect, cls in found:
        whole = rect.translated(offset)
        r = whole.intersected(canvas)
        if r.width() * r.height() * 2 < whole.width() * whole.height():
            continue  # half or more of it lies past the image's edge
        if any(_covered(r, c) for c in covers):
            continue
        left = max(0, round(r.x() * scale))
        top = max(0, round(r.y() * scale))
        right = min(w, round((r.x() + r.width()) * scale))
        bottom = min(h, round((r.y() + r.height()) * scale))
        if right - left >= MIN_SIDE and bottom - top >= MIN_SIDE:
            out.append(LabeledBox(left, top, right, bottom, cls))
    return out


def _covered(box: QRect, cover: QRect) -> bool:
    """Whether a menu hides enough of a box that it no longer reads as the element."""
    part = box.intersected(cover)
    return part.width() * part.height() * 4 > box.width() * box.height()


def _qimage_to_pil(image: QImage) -> Image.Image:
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    data = bytes(rgb.constBits())
    return Image.frombuffer("RGB", (rgb.width(), rgb.height()), data, "raw", "RGB",
                            rgb.bytesPerLine(), 1).copy()  # fmt: skip


def render_qt(seed: int) -> Sample:
    """The sample of one seed (see the module docstring)."""
    app = application()
    rng = random.Random(seed)
    theme = random_theme(rng)
    folder, symbolic = qt_icons.pick_folder(rng, theme.dark)
    ctx = Ctx(rng, theme, folder, symbolic)
    with _themed(app, theme):
        return _render(app, ctx, seed, folder)


def _render(app: QApplication, ctx: Ctx, seed: int, folder: str) -> Sample:
    rng, theme = ctx.rng, ctx.theme
    width, height = rng.choice(SIZES) if rng.random() < 0.8 else (
        rng.randint(900, 1920), rng.randint(600, 1200))  # fmt: skip
    scale = theme.scale
    canvas = QRect(0, 0, int(width / scale + 0.999), int(height / scale + 0.999))
    maximized = rng.random() < 0.55
    win = _build(ctx)
    offset = QPoint(0, 0)
    if maximized:
        _fit(win, canvas.width(), canvas.height())
    else:
        w = rng.randint(min(canvas.width(), max(420, canvas.width() // 3)), canvas.width())
        h = rng.randint(min(canvas.height(), max(300, canvas.height() // 3)), canvas.height())
        _fit(win, w, h)
    win.root.show()
    app.sendPostedEvents()
    if not maximized:  # the layout may have grown the window past what was asked
        size = win.root.size()
        offset = QPoint(rng.randint(0, max(0, canvas.width() - size.width())),
                        rng.randint(0, max(0, canvas.height() - size.height())))  # fmt: skip
    found = widget_boxes(win.root)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(scale)
    painter = QPainter(image)
    _desktop(painter, rng, QRectF(canvas))
    if not maximized:
        _shadow(painter, QRect(offset, win.root.size()))
    win.root.render(painter, offset)
    boxes_menu: list[Found] = []
    covers: list[QRect] = []
    menu = None
    if rng.random() < 0.2:
        menu, at = _open_menu(ctx, win, canvas, offset)
        _shadow(painter, QRect(at, menu.size()))
        menu.render(painter, at)
        covers.append(QRect(at, menu.size()))
        boxes_menu = [(r.translated(at), c) for r, c in menu_boxes(menu)]
    painter.end()
    pixels = (width, height)
    boxes = _to_pixels(found, offset, scale, canvas, covers, pixels)
    boxes += _to_pixels(boxes_menu, QPoint(0, 0), scale, canvas, [], pixels)
    meta = {"theme": theme.kind, "style": theme.qt_style, "scale": scale, "body": win.body,
            "chrome": win.chrome, "icons": folder, "menu": menu is not None}  # fmt: skip
    sample = Sample(_qimage_to_pil(image), boxes, "qt", seed, meta)
    win.root.close()
    if menu is not None:
        menu.deleteLater()
    win.root.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return sample


def generate_qt(seed_start: int, count: int) -> Iterator[Sample]:
    """Samples for seeds seed_start .. seed_start + count - 1, in order."""
    for seed in range(seed_start, seed_start + count):
        yield render_qt(seed)
