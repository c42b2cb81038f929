"""Is an element's name written on screen? The oracle behind the "text"/"icon" kinds.

A target is "text" when its accessible name can be read inside (or right at)
its own box, "icon" when it cannot (toolbar glyphs, window buttons, fields
with no visible label). Several strong readings are tried, since a miss
turns a text target into a false "icon":
- Tesseract, one line, at 3x on the box;
- Tesseract, one character or one line, on the ink inside the box (a lone
  "7" in the middle of a big calculator key is lost in a loose crop);
- RapidOCR on the box widened a little (accessibility boxes of tree cells
  sit a few pixels right of their text).

`python -m bench.legibility [--set DIR]` relabels an existing grounding set in
place, without starting any app.
"""

from __future__ import annotations

import argparse
import json
from difflib import SequenceMatcher
from pathlib import Path

from PIL import Image

from grounding import Element
from grounding.glyphs import ink_box
from grounding.ocr import OcrConfig, TesseractOcr
from grounding.rapid_ocr import RapidOcr
from grounding.text_match import normalize


class LegibilityOracle:
    def __init__(self) -> None:
        self.line = TesseractOcr(OcrConfig(scales=(3.0,), psm=7))
        self.char = TesseractOcr(OcrConfig(scales=(3.0,), psm=10))
        self.rapid = RapidOcr()

    def legible(self, image: Image.Image, element: Element) -> bool:
        name = normalize(element.text)
        if not name:
            return False
        box = element.box
        crop = image.crop((box.left, box.top, box.right, box.bottom))
        if self._reads(name, self.line, crop):
            return True
        ink = ink_box(crop)
        if ink is not None:
            left, top, right, bottom = ink
            pad = 4
            tight = crop.crop(
                (
                    max(0, left - pad),
                    max(0, top - pad),
                    min(crop.width, right + pad),
                    min(crop.height, bottom + pad),
                )
            )
            reader = self.char if len(name) <= 2 else self.line  # fmt: skip
            if self._reads(name, reader, tight):
                return True
        grow = box.height // 2 + 4
        wide = image.crop((max(0, box.left - grow), max(0, box.top - 2),
                           min(image.width, box.right + grow),
                           min(image.height, box.bottom + 2)))  # fmt: skip
        return self._reads(name, self.rapid, wide)

    @staticmethod
    def _reads(name: str, reader: TesseractOcr | RapidOcr, crop: Image.Image) -> bool:
        if crop.width < 2 or crop.height < 2:
            return False
        read = normalize(" ".join(w.text for w in reader.read_words(crop)))
        if name in read:
            return True
        return len(name) >= 4 and SequenceMatcher(None, name, read).ratio() >= 0.85


def relabel(folder: Path) -> dict[str, int]:
    """Recompute every query's kind (and its description) in an existing set."""
    from bench.grounding_set import describe  # the set's own wording

    index = folder / "index.json"
    data = json.loads(index.read_text())
    oracle = LegibilityOracle()
    moved = {"icon->text": 0, "text->icon": 0}
    for frame in data["frames"]:
        image = Image.open(folder / frame["image"]).convert("RGB")
        for query in frame["queries"]:
            element = Element.from_dict({"box": query["box"], "role": query["role"],
                                         "text": query["name"]})  # fmt: skip
            kind = "text" if oracle.legible(image, element) else "icon"
            if kind != query["kind"]:
                moved[f"{query['kind']}->{kind}"] += 1
            query["kind"], query["description"] = kind, describe(element, kind)
    index.write_text(json.dumps(data, indent=1))
    return moved


def main() -> int:
    from bench.grounding_set import DEFAULT_OUT

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    moved = relabel(args.set)
    print(f"relabelled {args.set}: {moved}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
