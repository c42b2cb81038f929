"""Rasterise icon files and text glyphs to RGBA arrays with Qt, offscreen.

The only module of grounding.icons that imports PySide6: QtSvg renders the
SVG themes (Breeze's stylesheet colours included) the way Qt apps draw them.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.svg.warning=false")

import numpy as np
from PIL import Image
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

_app: QGuiApplication | None = None


def _ensure_app() -> None:
    global _app
    if QGuiApplication.instance() is None:
        # A full QApplication, so the detector's widget generator can share it
        # in the same process (widgets refuse a plain QGuiApplication).
        _app = QApplication([])


def _to_rgba(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    width, height = image.width(), image.height()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return (
        buffer.reshape(height, image.bytesPerLine())[:, : width * 4]
        .reshape(height, width, 4)
        .copy()
    )


def render_svg(path: str, size: int) -> np.ndarray | None:
    """The SVG drawn into a size x size RGBA array (aspect kept, centred); None if unreadable."""
    _ensure_app()
    renderer = QSvgRenderer(path)
    if not renderer.isValid():
        return None
    box = renderer.viewBoxF()
    bw, bh = (box.width(), box.height()) if box.width() > 0 else (1.0, 1.0)
    scale = size / max(bw, bh)
    w, h = bw * scale, bh * scale
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF((size - w) / 2, (size - h) / 2, w, h))
    painter.end()
    return _to_rgba(image)


def render_png(path: str, size: int) -> np.ndarray | None:
    try:
        with Image.open(path) as image:
            rgba = image.convert("RGBA")
    except OSError:
        return None
    if rgba.size != (size, size):
        scale = size / max(rgba.size)
        target = (max(1, round(rgba.width * scale)), max(1, round(rgba.height * scale)))
        rgba = rgba.resize(target, Image.Resampling.LANCZOS)
        canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        canvas.paste(rgba, ((size - rgba.width) // 2, (size - rgba.height) // 2))
        rgba = canvas
    return np.asarray(rgba, dtype=np.uint8).copy()


def render_icon(path: str, size: int) -> np.ndarray | None:
    return render_svg(path, size) if path.endswith(".svg") else render_png(path, size)


def render_text(text: str, family: str, pixel_size: int, bold: bool = False) -> np.ndarray:
    """White text on transparent, cropped to its line box, RGBA."""
    _ensure_app()
    font = QFont(family)
    font.setPixelSize(max(4, pixel_size))
    font.setBold(bold)
    metrics = QFontMetricsF(font)
    width = max(1, int(metrics.horizontalAdvance(text)) + 2)
    height = max(1, int(metrics.height()) + 1)
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setFont(font)
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(QRectF(1, 0, width, height), int(Qt.AlignmentFlag.AlignVCenter), text)
    painter.end()
    return _to_rgba(image)
