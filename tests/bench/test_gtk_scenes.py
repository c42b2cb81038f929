"""Our random GTK windows open on a real display and are labelled from AT-SPI."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from bench.gtk_train_set import capture, require_scene_python, scenes

from desktop_agent.desktop.local import LocalDesktop
from desktop_agent.desktop.virtual import VirtualDisplay

Label = tuple[int, int, int, int, str]


def _labels(display: VirtualDisplay, desktop: LocalDesktop, seed: int, work: Path) -> list[Label]:
    app = scenes(seed, 1)[0]
    # The same placement and key presses every time, so only the seed can change the labels.
    sample = capture(display, desktop, app, "Adwaita", work, random.Random(3))
    assert sample is not None, "the scene showed no window or no labelled element"
    assert sample.meta["app"] == f"scene-{seed}-0"
    for box in sample.boxes:
        assert 0 <= box.left < box.right <= sample.image.width
        assert 0 <= box.top < box.bottom <= sample.image.height
    return sorted((b.left, b.top, b.right, b.bottom, b.cls) for b in sample.boxes)


def test_a_seed_draws_the_same_window_and_another_seed_another(
    virtual_display: VirtualDisplay, desktop: LocalDesktop, tmp_path: Path
) -> None:
    require_scene_python()
    first = _labels(virtual_display, desktop, 11, tmp_path)
    assert len(first) >= 5
    assert len({cls for *_, cls in first}) >= 3  # several kinds of widget
    assert _labels(virtual_display, desktop, 11, tmp_path) == first
    assert _labels(virtual_display, desktop, 12, tmp_path) != first


def test_greyed_out_controls_are_recorded_apart_from_the_labels(
    virtual_display: VirtualDisplay, desktop: LocalDesktop, tmp_path: Path
) -> None:
    # Seed 17's window greys out four controls beside enabled twins: the
    # accessibility tree marks them insensitive, so they are no labels, and the
    # sample records their boxes, which the teacher leaves as background.
    require_scene_python()
    sample = capture(virtual_display, desktop, scenes(17, 1)[0], "Adwaita", tmp_path,
                     random.Random(3))  # fmt: skip
    assert sample is not None
    assert len(sample.greyed) >= 2
    labels = {(b.left, b.top, b.right, b.bottom) for b in sample.boxes}
    for left, top, right, bottom in sample.greyed:
        assert 0 <= left < right <= sample.image.width
        assert 0 <= top < bottom <= sample.image.height
        assert (left, top, right, bottom) not in labels


def test_without_pygobject_the_scenes_say_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bench import gtk_train_set

    python = tmp_path / "python3"
    python.write_text("#!/bin/sh\nexit 1\n")  # a Python that cannot import gi
    python.chmod(0o755)
    monkeypatch.setattr(gtk_train_set, "SYSTEM_PYTHON", str(python))
    with pytest.raises(SystemExit, match="apt-get install python3-gi"):
        require_scene_python()
    monkeypatch.setattr(gtk_train_set, "SYSTEM_PYTHON", str(tmp_path / "missing"))
    with pytest.raises(SystemExit, match="apt-get install python3-gi"):
        gtk_train_set.build(tmp_path / "out", 1, 0, use_scenes=True)
    assert not (tmp_path / "out").exists()  # stopped before anything was written
