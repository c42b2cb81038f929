"""`desktop-agent ground` and `desktop-agent parse`: grounding on a saved screenshot.

desktop-agent ground IMAGE "description" [--json] [--experts ocr,detector,a11y,vlm]
desktop-agent parse IMAGE [--overlay OUT.png] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from grounding import Grounder, TargetNotFound
from grounding.overlay import draw_overlay
from grounding.types import Element


class BadImage(Exception):
    """The IMAGE argument is not a readable image file."""


def add_grounding_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ground = sub.add_parser(
        "ground",
        help="find a described element in a screenshot",
        description="Print where DESCRIPTION is in IMAGE: point, box, expert, confidence "
        "and the top candidates. Exit status 1 when it is not found.",
    )
    ground.add_argument("image", type=Path, metavar="IMAGE")
    ground.add_argument("description")
    ground.add_argument("--json", action="store_true", help="print the result as JSON")
    ground.add_argument(
        "--experts", metavar="NAMES", help="comma-separated experts, e.g. ocr,detector,a11y,vlm"
    )
    ground.add_argument("--overlay", type=Path, metavar="OUT.png", help="also draw the result")

    parse = sub.add_parser(
        "parse",
        help="list every element found in a screenshot",
        description="Print every element in IMAGE (text, role, box, source, score).",
    )
    parse.add_argument("image", type=Path, metavar="IMAGE")
    parse.add_argument("--overlay", type=Path, metavar="OUT.png", help="draw the elements here")
    parse.add_argument("--json", action="store_true", help="print the elements as JSON")
    parse.add_argument("--experts", metavar="NAMES", help="comma-separated experts")


def run_grounding_command(args: argparse.Namespace) -> int:
    """Run `ground` or `parse`; the exit status (0 ok, 1 not found, 2 error)."""
    try:
        image = load_image(args.image)
        grounder = _grounder(args.experts)
        if args.command == "ground":
            return _ground(grounder, image, args)
        return _parse(grounder, image, args)
    except BadImage as exc:
        print(f"desktop-agent: error: {exc}", file=sys.stderr)
        return 2


def load_image(path: Path) -> Image.Image:
    try:
        with Image.open(path) as img:
            img.load()
            return img.convert("RGB")
    except FileNotFoundError as exc:
        raise BadImage(f"no such image file: {path}") from exc
    except UnidentifiedImageError as exc:
        raise BadImage(f"not an image (PNG, JPEG, ...): {path}") from exc
    except OSError as exc:
        raise BadImage(f"cannot read image {path}: {exc}") from exc


def _grounder(experts: str | None) -> Grounder:
    if not experts:
        return Grounder.default()
    return Grounder.default(experts=[n.strip() for n in experts.split(",") if n.strip()])


def _ground(grounder: Grounder, image: Image.Image, args: argparse.Namespace) -> int:
    try:
        result = grounder.locate_or_raise(image, args.description)
    except TargetNotFound as exc:
        if args.json:
            print(json.dumps({"found": False, "description": args.description, "error": str(exc)}))
        print(f"desktop-agent: {exc}", file=sys.stderr)
        return 1
    if args.overlay:
        draw_overlay(image, list(result.candidates), result=result).save(args.overlay)
    if args.json:
        print(json.dumps({"found": True, **result.to_dict()}, ensure_ascii=False, indent=2))
        return 0
    x, y = result.point
    print(f"point: {x},{y}")
    print(f"box: {_box(result.box.to_dict()) if result.box else '-'}")
    print(f"expert: {result.expert}")
    print(f"confidence: {result.confidence:.3f}")
    if result.candidates:
        print("candidates:")
        for i, cand in enumerate(result.candidates[:5], start=1):
            print(f"  {i}. {_element_line(cand)}")
    return 0


def _parse(grounder: Grounder, image: Image.Image, args: argparse.Namespace) -> int:
    elements = grounder.parse(image)
    if args.overlay:
        draw_overlay(image, elements).save(args.overlay)
    if args.json:
        print(json.dumps([e.to_dict() for e in elements], ensure_ascii=False, indent=2))
    else:
        for i, element in enumerate(elements, start=1):
            print(f"{i:3d}. {_element_line(element)}")
        print(f"{len(elements)} elements", file=sys.stderr)
    if args.overlay:
        print(f"overlay written to {args.overlay}", file=sys.stderr)
    return 0


def _box(b: dict[str, int]) -> str:
    return f"{b['left']},{b['top']},{b['right']},{b['bottom']}"


def _element_line(e: Element) -> str:
    box = _box(e.box.to_dict())
    return f"{e.text!r} role={e.role} box={box} source={e.source} score={e.score:.3f}"
