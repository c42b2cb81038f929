"""The on-disk format of detector training data, shared by every generator.

A dataset is a folder with `images/` (lossless WebP: several times smaller
than PNG for screenshots, so a whole set travels easily) and `labels.jsonl`, one JSON
object per image:

    {"image": "images/qt-000012.webp", "width": 1280, "height": 800,
     "source": "qt", "seed": 12,
     "boxes": [[left, top, right, bottom, "button"], ...]}

Boxes are in image pixels, right/bottom exclusive, with class names from
`DETECTOR_CLASSES`. A screenshot labelled from an accessibility tree may add
`"greyed": [[left, top, right, bottom], ...]`: its greyed-out controls, which
are no targets (the tree and the bench leave them out) and so are background;
the teacher (below) leaves them so. Generators append through `DatasetWriter`, so several
generators can fill one dataset and a broken run loses only its last image.

An optional `teacher.jsonl` beside the labels (`grounding.detector.teacher`
writes it) adds, per image, what an earlier model finds where the labels,
taken from an incomplete accessibility tree, say nothing: regions training
treats as neither element nor background, and boxes it takes as labels.

    {"image": "images/gtk-000003.webp", "ignore": [[left, top, right, bottom], ...],
     "boxes": [[left, top, right, bottom, "icon"], ...]}
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from .classes import CLASS_INDEX

Region = tuple[int, int, int, int]  # left, top, right, bottom


@dataclass(frozen=True, slots=True)
class LabeledBox:
    left: int
    top: int
    right: int
    bottom: int
    cls: str

    def __post_init__(self) -> None:
        if self.cls not in CLASS_INDEX:
            raise ValueError(f"unknown detector class {self.cls!r}; see DETECTOR_CLASSES")
        if self.right <= self.left or self.bottom <= self.top:
            raise ValueError(f"empty box {self}")

    def to_list(self) -> list[Any]:
        return [self.left, self.top, self.right, self.bottom, self.cls]


@dataclass(slots=True)
class Sample:
    image: Image.Image
    boxes: list[LabeledBox]
    source: str  # "qt" | "web" | ...
    seed: int
    meta: dict[str, Any] = field(default_factory=dict)
    greyed: list[Region] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Record:
    """One labelled image as read back from disk."""

    path: Path
    width: int
    height: int
    boxes: list[LabeledBox]
    source: str
    seed: int
    # Regions taught as neither element nor background (see the module doc).
    ignore: tuple[Region, ...] = ()
    # Greyed-out controls: background, whatever a teacher finds there.
    greyed: tuple[Region, ...] = ()

    def load(self) -> Image.Image:
        """The image at the size its boxes refer to."""
        image = Image.open(self.path).convert("RGB")
        if image.size != (self.width, self.height):
            image = image.resize((self.width, self.height), Image.Resampling.BILINEAR)
        return image


class DatasetWriter:
    """Appends samples to a dataset folder (creating it)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        (self.root / "images").mkdir(parents=True, exist_ok=True)
        self._labels = self.root / "labels.jsonl"

    def add(self, sample: Sample) -> Path:
        name = f"images/{sample.source}-{sample.seed:06d}.webp"
        sample.image.convert("RGB").save(self.root / name, lossless=True, method=1, quality=50)
        line = {
            "image": name,
            "width": sample.image.width,
            "height": sample.image.height,
            "source": sample.source,
            "seed": sample.seed,
            "boxes": [b.to_list() for b in sample.boxes],
            **({"meta": sample.meta} if sample.meta else {}),
            **({"greyed": [list(g) for g in sample.greyed]} if sample.greyed else {}),
        }
        with self._labels.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
        return self.root / name


TEACHER_FILE = "teacher.jsonl"


@dataclass(frozen=True, slots=True)
class TeacherMarks:
    """What an earlier model adds to one image's labels (see the module doc)."""

    ignore: tuple[Region, ...] = ()
    boxes: tuple[LabeledBox, ...] = ()


def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
    """The objects of a JSON-lines file; a truncated line (an interrupted write) is skipped."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict):
            yield row


def read_teacher(root: Path) -> dict[str, TeacherMarks]:
    """The teacher's marks of a dataset folder by image name; empty without the file."""
    path = Path(root) / TEACHER_FILE
    if not path.exists():
        return {}
    return {
        str(row["image"]): TeacherMarks(
            tuple((int(a), int(b), int(c), int(d)) for a, b, c, d in row.get("ignore", ())),
            tuple(
                LabeledBox(int(a), int(b), int(c), int(d), str(k))
                for a, b, c, d, k in row.get("boxes", ())
            ),
        )
        for row in _json_lines(path)
    }


def write_teacher(root: Path, marks: dict[str, TeacherMarks]) -> Path:
    """Replaces the folder's teacher file (written whole, then renamed into place)."""
    path = Path(root) / TEACHER_FILE
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        for image, mark in marks.items():
            row = {"image": image, "ignore": [list(r) for r in mark.ignore],
                   "boxes": [b.to_list() for b in mark.boxes]}  # fmt: skip
            out.write(json.dumps(row) + "\n")
    partial.replace(path)
    return path


def read_dataset(root: Path, teacher: bool = True) -> Iterator[Record]:
    """Every record of a dataset folder, with the teacher's marks unless `teacher`
    is False; a truncated last line is skipped."""
    root = Path(root)
    labels = root / "labels.jsonl"
    if not labels.exists():
        raise FileNotFoundError(
            f"{labels} not found: generate data first with `python -m grounding.detector.data`"
        )
    marked = read_teacher(root) if teacher else {}
    for row in _json_lines(labels):
        boxes = [LabeledBox(int(a), int(b), int(c), int(d), str(k))
                 for a, b, c, d, k in row["boxes"]]  # fmt: skip
        marks = marked.get(str(row["image"]), TeacherMarks())
        yield Record(
            path=root / row["image"], width=int(row["width"]), height=int(row["height"]),
            boxes=boxes + list(marks.boxes), source=str(row["source"]), seed=int(row["seed"]),
            ignore=marks.ignore,
            greyed=tuple((int(a), int(b), int(c), int(d)) for a, b, c, d in row.get("greyed", ())),
        )  # fmt: skip
