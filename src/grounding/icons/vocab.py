"""The icon vocabulary: meanings named after the freedesktop Icon Naming Specification.

A meaning ("document-save") has fallback icon names that draw the same idea in
themes lacking the canonical one ("filesave", "gtk-save") and the phrases a
person may use for it ("save", "floppy"). The data lives in vocabulary.txt
beside this module; the model's metadata lists which meanings it learned.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

NONE = "none"  # the class for crops that are no icon (text, empty buttons, borders)

_SIZES = r"(?:8|12|16|18|22|24|32|48|64|96|128|256)"
_SIZE_SUFFIX = re.compile(rf"(?:[-_]{_SIZES}(?:x{_SIZES})?)?(?:@\dx)?$")
_BIDI_SUFFIX = re.compile(r"-(?:ltr|rtl)$")


@dataclass(frozen=True, slots=True)
class Meaning:
    name: str
    fallbacks: tuple[str, ...]
    phrases: tuple[str, ...]

    @property
    def all_phrases(self) -> tuple[str, ...]:
        """Its phrases plus its own name read as words ("view-refresh" -> "view refresh")."""
        own = self.name.replace("-", " ")
        return (own, *(p for p in self.phrases if p != own))


def normalize_icon_name(name: str) -> str:
    """A theme file's icon name reduced to the name it stands for.

    Drops the extension, "-symbolic", a left-to-right marker and a size suffix:
    "go-next-symbolic-ltr.svg" -> "go-next", "list-add-16.png" -> "list-add".
    Right-to-left variants keep their marker: they are drawn mirrored.
    """
    base = name.rsplit("/", 1)[-1].casefold()
    for ext in (".svg", ".png", ".xpm", ".symbolic"):
        base = base.removesuffix(ext)
    for _ in range(2):  # "-symbolic-ltr" and "-ltr-symbolic" both occur
        base = base.removesuffix("-symbolic")
        if base.endswith("-ltr"):
            base = base[: -len("-ltr")]
    if not base.endswith("-rtl"):
        stripped = _SIZE_SUFFIX.sub("", base)
        base = stripped or base
    return base


def is_mirrored_variant(name: str) -> bool:
    """True for right-to-left drawings ("go-next-rtl"): they show the other direction."""
    base = name.rsplit("/", 1)[-1].casefold()
    for ext in (".svg", ".png", ".symbolic"):
        base = base.removesuffix(ext)
    base = base.removesuffix("-symbolic")
    return bool(_BIDI_SUFFIX.search(base)) and base.endswith("-rtl")


def parse_vocabulary(text: str) -> tuple[Meaning, ...]:
    meanings: list[Meaning] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not parts[0]:
            raise ValueError(f"vocabulary line {number}: want 'name | fallbacks | phrases'")
        name = parts[0]
        if name in seen or name == NONE:
            raise ValueError(f"vocabulary line {number}: {name!r} repeated or reserved")
        seen.add(name)
        fallbacks = tuple(normalize_icon_name(n) for n in parts[1].split())
        phrases = tuple(p.strip() for p in parts[2].split(";") if p.strip())
        meanings.append(Meaning(name, fallbacks, phrases))
    return tuple(meanings)


@cache
def load_vocabulary() -> tuple[Meaning, ...]:
    """Every meaning in the shipped vocabulary, in file order."""
    text = resources.files("grounding.icons").joinpath("vocabulary.txt").read_text("utf-8")
    return parse_vocabulary(text)


@cache
def vocabulary_index() -> dict[str, Meaning]:
    return {m.name: m for m in load_vocabulary()}


# Words that say what kind of thing the target is, not what it shows.
_STOP = frozenset(
    {
        "the", "a", "an", "this", "that", "and", "&", "of", "with", "button", "buttons",
        "icon", "icons", "toggle", "glyph", "symbol", "labeled", "labelled", "called",
        "named", "which", "shows", "showing", "looks", "like", "toolbar", "click", "press",
    }
)  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+(?:[:%][0-9]*)?")
_SYMBOLS = frozenset("+-−×*.")
_SYMBOL_NAMES = {"−": "-", "×": "x", "*": "x"}
_BRITISH = (("ise", "ize"), ("isation", "ization"), ("our", "or"))


def _stem(word: str) -> str:
    for brit, us in _BRITISH:
        if len(word) > 5 and word.endswith(brit):
            word = word[: -len(brit)] + us
            break
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def words(text: str, *, drop_stop: bool = True) -> tuple[str, ...]:
    """The content words of a description or phrase, stemmed, lowercase."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    tokens: list[str] = []
    for chunk in text.split():
        if all(c in _SYMBOLS for c in chunk):  # "+", "-", "...", "×" standing alone
            tokens.append(_SYMBOL_NAMES.get(chunk, chunk))
        else:
            tokens.extend(_WORD.findall(chunk.replace("_", " ")))
    if drop_stop:
        kept = [t for t in tokens if t not in _STOP]
        tokens = kept or tokens  # "the button" keeps its words rather than none
    return tuple(_stem(t) for t in tokens)
