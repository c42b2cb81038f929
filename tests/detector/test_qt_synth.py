"""The Qt half of the detector's synthetic data: real widgets rendered offscreen, exact boxes."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QMenu,
    QMenuBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from grounding.detector.classes import DETECTOR_CLASSES
from grounding.detector.data import main, runs, split_counts
from grounding.detector.dataset import Sample, read_dataset
from grounding.detector.synth import qt_icons
from grounding.detector.synth.preview import COLORS, render_preview
from grounding.detector.synth.qt_labels import menu_boxes, widget_boxes
from grounding.detector.synth.qt_scenes import application, generate_qt, render_qt
from grounding.detector.synth.qt_style import random_theme
from grounding.detector.synth.qt_widgets import Ctx, search_entry

FIRST, COUNT = 0, 40  # enough seeds that every class shows up


@pytest.fixture(scope="module")
def samples() -> list[Sample]:
    return list(generate_qt(FIRST, COUNT))


def test_same_seed_gives_the_same_pixels_and_boxes() -> None:
    first = render_qt(5)
    other = render_qt(6)
    again = render_qt(5)
    assert first.image.tobytes() == again.image.tobytes()
    assert first.boxes == again.boxes
    assert first.meta == again.meta
    assert other.image.tobytes() != first.image.tobytes()


def test_boxes_lie_inside_the_image_with_known_classes(samples: list[Sample]) -> None:
    assert [s.seed for s in samples] == list(range(FIRST, FIRST + COUNT))
    for sample in samples:
        assert sample.source == "qt"
        assert sample.boxes, f"seed {sample.seed} has no boxes"
        width, height = sample.image.size
        for box in sample.boxes:
            assert box.cls in DETECTOR_CLASSES
            assert 0 <= box.left < box.right <= width, (sample.seed, box)
            assert 0 <= box.top < box.bottom <= height, (sample.seed, box)
            assert min(box.right - box.left, box.bottom - box.top) >= 4
    seen = {box.cls for sample in samples for box in sample.boxes}
    assert seen == set(DETECTOR_CLASSES)


def test_every_box_holds_a_drawn_element(samples: list[Sample]) -> None:
    """A box on plain background would mean a label without a widget under it."""
    for sample in samples:
        rgb = np.asarray(sample.image).astype(np.int32)
        packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
        for box in sample.boxes:
            crop = packed[box.top : box.bottom, box.left : box.right].ravel()
            _, counts = np.unique(crop, return_counts=True)
            drawn = len(crop) - counts.max()  # pixels unlike the box's main colour
            assert drawn >= 12, (sample.seed, box)


def test_looks_vary_across_seeds(samples: list[Sample]) -> None:
    metas = [s.meta for s in samples]
    assert len({m["theme"] for m in metas}) >= 5
    assert len({m["body"] for m in metas}) >= 6
    assert len({m["scale"] for m in metas}) >= 3
    assert {s.image.size for s in samples} >= {(1280, 800), (1920, 1080)}


def _window() -> QWidget:
    root = QWidget()
    root.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    return root


def test_labels_follow_widget_geometry_and_visibility() -> None:
    app = application()
    root = _window()
    lay = QVBoxLayout(root)
    bar = QMenuBar()
    bar.addMenu("File")
    bar.addMenu("Edit")
    lay.addWidget(bar)
    check = QCheckBox("Remember me")  # stretched by the layout: the box is indicator + text
    lay.addWidget(check)
    hidden = QPushButton("Hidden")
    hidden.setVisible(False)
    lay.addWidget(hidden)
    tabs = QTabBar()
    for name in ("One", "Two", "Three"):
        tabs.addTab(name)
    lay.addWidget(tabs)
    plain, editable = QComboBox(), QComboBox()
    plain.addItems(["a", "b"])
    editable.setEditable(True)
    lay.addWidget(plain)
    lay.addWidget(editable)
    lay.addWidget(QSpinBox())
    rng = random.Random(1)
    ctx = Ctx(rng, random_theme(rng), qt_icons.ACTIONS, True)
    lay.addWidget(search_entry(ctx))
    scroll = QScrollArea()  # ten buttons, of which only the first few fit
    inner = QWidget()
    grid = QGridLayout(inner)
    for i in range(10):
        b = QPushButton(f"b{i}")
        b.setFixedHeight(40)
        grid.addWidget(b, i, 0)
    scroll.setWidget(inner)
    scroll.setFixedHeight(100)
    lay.addWidget(scroll)
    root.resize(600, 600)
    root.show()
    app.sendPostedEvents()
    try:
        found = widget_boxes(root)
        counts = Counter(cls for _, cls in found)
        assert counts["menu_item"] == 2
        assert counts["tab"] == 3
        assert counts["dropdown"] == 2
        assert counts["checkbox"] == 1
        assert counts["icon"] >= 1
        # text fields: the editable combo's entry, the spin box (not its inner entry), search
        assert counts["text_field"] == 3
        assert 1 <= counts["button"] <= 3, "buttons scrolled out of view must not be labelled"
        box = next(r for r, cls in found if cls == "checkbox")
        geo = check.geometry()
        assert box.left() == geo.left()
        assert box.width() < geo.width() // 2
        tab_boxes = [r for r, cls in found if cls == "tab"]
        bar_geo = tabs.geometry()
        assert all(bar_geo.contains(r) for r in tab_boxes)
        assert len({r.left() for r in tab_boxes}) == 3
    finally:
        root.close()
        root.deleteLater()


def test_greyed_out_controls_are_not_labelled() -> None:
    """GTK's accessibility tree (the real-app labels, the bench) drops insensitive
    controls; the Qt labels must agree, or the model learns both ways."""
    app = application()
    root = _window()
    lay = QVBoxLayout(root)
    bar = QMenuBar()
    bar.addMenu("File")
    bar.addMenu("Edit").setEnabled(False)
    lay.addWidget(bar)
    tabs = QTabBar()
    for name in ("One", "Two", "Three"):
        tabs.addTab(name)
    tabs.setTabEnabled(1, False)
    lay.addWidget(tabs)
    on, off = QPushButton("On"), QPushButton("Off")
    off.setEnabled(False)
    lay.addWidget(on)
    lay.addWidget(off)
    group = QWidget()  # a disabled parent greys out its children
    inner = QVBoxLayout(group)
    inner.addWidget(QCheckBox("Inside"))
    inner.addWidget(QPushButton("Inside too"))
    group.setEnabled(False)
    lay.addWidget(group)
    menu = QMenu()
    menu.addAction("Open")
    menu.addAction("Revert").setEnabled(False)
    root.resize(400, 400)
    root.show()
    menu.popup(root.mapToGlobal(root.rect().center()))
    app.sendPostedEvents()
    try:
        counts = Counter(cls for _, cls in widget_boxes(root))
        assert counts["menu_item"] == 1
        assert counts["tab"] == 2
        assert counts["button"] == 1
        assert counts["checkbox"] == 0
        assert [cls for _, cls in menu_boxes(menu)] == ["menu_item"]
        off.setEnabled(True)
        group.setEnabled(True)
        counts = Counter(cls for _, cls in widget_boxes(root))
        assert counts["button"] == 3
        assert counts["checkbox"] == 1
    finally:
        menu.close()
        root.close()
        root.deleteLater()


def test_preview_outlines_each_box_in_its_class_colour() -> None:
    sample = render_qt(12)
    preview = render_preview(sample)
    assert preview.size == sample.image.size
    last = sample.boxes[-1]  # drawn last, so nothing covers its outline
    assert preview.getpixel((last.right - 1, last.bottom - 1)) == COLORS[last.cls]


def test_cli_writes_a_dataset_and_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "data"
    assert main(["--out", str(out), "--count", "2", "--seed", "30"]) == 0
    assert main(["--out", str(out), "--count", "3", "--seed", "30"]) == 0
    rows = [json.loads(line) for line in (out / "labels.jsonl").read_text().splitlines()]
    assert [r["seed"] for r in rows] == [30, 31, 32]  # the rerun made only the missing one
    records = list(read_dataset(out))
    assert len(records) == 3
    for record in records:
        with Image.open(record.path) as image:
            assert image.size == (record.width, record.height)
    fresh = render_qt(31)
    assert records[1].boxes == fresh.boxes
    assert np.array_equal(np.asarray(records[1].load()), np.asarray(fresh.image))
    assert "images: 3 (qt 3)" in capsys.readouterr().out


def test_cli_rejects_unknown_sources(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--sources", "qt,paint"])


def test_seed_planning() -> None:
    assert split_counts(10, ["qt", "web"], 0.3) == {"qt": 7, "web": 3}
    assert split_counts(10, ["qt"], 0.3) == {"qt": 10}
    assert list(runs([5, 1, 2, 3, 9])) == [(1, 3), (5, 1), (9, 1)]
