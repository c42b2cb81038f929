"""Match a textual description against OCR words: the text expert's brain.

Words are grouped into visual lines by geometry (Tesseract's own line ids are
unreliable in sparse mode), then every run of consecutive words in a line is
compared with the query. Whole-label matches beat partial ones, so "Save"
prefers a button reading "Save" over a title reading "Save As".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from .ocr import OcrWord
from .types import Box

ROLE_WORDS = frozenset(
    {
        "button", "menu", "item", "tab", "link", "field", "box", "icon", "label",
        "checkbox", "entry", "input", "option", "textbox", "dropdown", "toggle",
    }
)  # fmt: skip
# Each opening quote needs its own closing one; a straight or curly single
# quote inside a word is an apostrophe ("Don't"), not a quote.
_QUOTED = re.compile(
    r"\"([^\"]+)\"|“([^”]+)”|«([^»]+)»"  # double quotes and guillemets
    r"|(?<!\w)‘(.+?)’(?!\w)|(?<!\w)'(.+?)'(?!\w)"  # single quotes, not apostrophes
)
_EDGE_PUNCT = ":;,.…!?()[]{}<>|*\"'“”‘’"


def _fold_latin(char: str) -> str:
    """ "é" -> "e": OCR models trained on English read Latin accents as bare letters.

    Only letters that decompose to an ASCII letter are folded; other scripts
    (a kana's voicing mark, say) keep their meaning.
    """
    if char.isascii():
        return char
    decomposed = unicodedata.normalize("NFKD", char)
    letter, marks = decomposed[0], decomposed[1:]
    if letter.isascii() and letter.isalpha() and all(unicodedata.combining(m) for m in marks):
        return letter
    return char


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(_fold_latin(c) for c in text)
    text = text.replace("’", "'").replace("‘", "'")  # OCR reads curly apostrophes as straight
    text = " ".join(text.split())
    return text.strip(_EDGE_PUNCT + " ")


def text_query(description: str) -> str:
    """The words a description expects to see written on screen.

    A quoted part wins ('the "Save" button' -> Save); otherwise a leading
    "the" and trailing role words are dropped ("Save button" -> Save).
    """
    quoted = _QUOTED.search(description)
    if quoted:
        return next(g for g in quoted.groups() if g is not None).strip()
    words = description.split()
    if words and words[0].casefold() in {"the", "a", "an"}:
        words = words[1:]
    while len(words) > 1 and words[-1].casefold() in ROLE_WORDS:
        words = words[:-1]
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class TextMatch:
    text: str
    box: Box
    score: float
    is_label: bool  # ends with ':' - a caption for the field beside it
    whole_line: bool


def visual_lines(words: list[OcrWord]) -> list[list[OcrWord]]:
    """Cluster words into lines: vertically overlapping and horizontally close."""
    lines: list[list[OcrWord]] = []
    # Each line's last word as plain numbers (top, bottom, right, height):
    # this runs on every parse, over every word and line, so no properties.
    ends: list[tuple[int, int, int, int]] = []
    # Words come left to right, so a line ending further left than the widest
    # allowed gap can take no later word: it leaves the candidates for good.
    widest_gap = 1.6 * max([w.box.height for w in words] + [8])
    open_lines: list[int] = []  # in creation order: the first that fits wins
    for word in sorted(words, key=lambda w: (w.box.left, w.box.top)):
        box = word.box
        top, bottom, left = box.top, box.bottom, box.left
        height = bottom - top
        open_lines = [i for i in open_lines if ends[i][2] >= left - widest_gap]
        for i in open_lines:
            last_top, last_bottom, last_right, last_height = ends[i]
            overlap = min(last_bottom, bottom) - max(last_top, top)
            low = max(min(last_height, height), 1)
            gap = left - last_right
            # Word boxes can be as short as a lowercase x-height, so the allowed
            # gap uses the taller word and a floor of a typical UI glyph.
            spacing = 1.6 * max(last_height, height, 8)
            if overlap >= 0.5 * low and -low <= gap <= spacing:
                lines[i].append(word)
                ends[i] = (top, bottom, box.right, height)
                break
        else:
            open_lines.append(len(lines))
            lines.append([word])
            ends.append((top, bottom, box.right, height))
    return sorted(lines, key=lambda ws: (ws[0].box.top, ws[0].box.left))


def _cased(text: str) -> str:
    """Like `normalize`, keeping letter case."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    return " ".join(text.split()).strip(_EDGE_PUNCT + " ")


def _has_alnum(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _union(words: list[OcrWord]) -> Box:
    box = words[0].box
    for w in words[1:]:
        box = box.union(w.box)
    return box


def match_text(
    words: list[OcrWord], query: str, *, threshold: float = 0.75, width: int | None = None
) -> list[TextMatch]:
    """All runs of words resembling `query`, best first.

    `width`: the image's width, when known; a label cut off by the image's
    left or right edge (a table column running off screen) then matches by
    the part that shows.
    """
    target = normalize(query)
    if not target:
        return []
    n = len(target.split())
    scored: list[tuple[float, TextMatch]] = []
    keep_symbols = not _has_alnum(target)
    # Case counts only when the query has capitals: "click save" means any case.
    cased_query = _cased(query)
    case_matters = cased_query != cased_query.lower()
    for line in visual_lines(words):
        if not keep_symbols:
            # Icons read as "©" or "=)" and field borders read as "[" are not words.
            line = [w for w in line if _has_alnum(w.text)]
        for size in range(max(1, n - 1), min(len(line), n + 1) + 1):
            for start in range(len(line) - size + 1):
                run = line[start : start + size]
                raw = " ".join(w.text for w in run)
                seen = normalize(raw)
                if not seen:
                    continue
                ratio = 1.0 if seen == target else SequenceMatcher(None, seen, target).ratio()
                if ratio < threshold:
                    if width is not None and _clipped_part(run, seen, target, width):
                        scored.append(_clipped_match(run, raw))
                    continue
                confidence = sum(w.confidence for w in run) / len(run)
                whole = size == len(line)
                score = ratio * (0.9 + 0.1 * confidence) + (0.05 if whole else 0.0)
                if not whole:
                    # "Save" inside the title "Save As" is weaker evidence than a
                    # button that reads "Save" and nothing else.
                    score -= 0.1
                elif case_matters and _cased(raw) != cased_query:
                    # Asked for "Save", read "save": likely a misread title, not
                    # the label; taken only if nothing better shows up.
                    whole = False
                    score -= 0.05
                match = TextMatch(
                    raw, _union(run), min(score, 1.0), raw.rstrip().endswith(":"), whole
                )
                scored.append((score, match))
    # Rank by the uncapped score: capping at 1.0 first would tie a confident
    # partial match ("Save" in a "Save As" title) with a whole label "Save".
    scored.sort(key=lambda sm: (-sm[0], sm[1].box.top, sm[1].box.left))
    return [m for _, m in scored]


# A readable part of a label at the image's edge: "chao" for "chaotic" where a
# column runs off screen. Above the grounder's confidence floor (0.8), below
# any label read whole or any near-exact partial match.
_CLIPPED_SCORE = 0.8
_MIN_CLIPPED_CHARS = 3
_EDGE_SLACK = 2  # px: OCR boxes stop a pixel or two short of the edge


def _clipped_part(run: list[OcrWord], seen: str, target: str, width: int) -> bool:
    """The run touches the left or right image edge and reads as the cut end of `target`."""
    if sum(ch.isalnum() for ch in seen) < _MIN_CLIPPED_CHARS or seen == target:
        return False
    at_right = run[-1].box.right >= width - _EDGE_SLACK
    at_left = run[0].box.left <= _EDGE_SLACK
    return (at_right and target.startswith(seen)) or (at_left and target.endswith(seen))


def _clipped_match(run: list[OcrWord], raw: str) -> tuple[float, TextMatch]:
    confidence = sum(w.confidence for w in run) / len(run)
    score = _CLIPPED_SCORE + 0.04 * confidence
    return score, TextMatch(raw, _union(run), score, False, False)
