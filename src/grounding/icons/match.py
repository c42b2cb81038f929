"""How well a description ("the Save button") fits an icon's recognised meanings.

A description's content words are compared with each meaning's phrases (its
name read as words, and the synonyms of the vocabulary): a phrase scores by
the share of its words the description has, a little more when the
description has no other words. The crop's score is the probability-weighted
sum over its recognised meanings, so 0.6 "document-save" + 0.3 "media-floppy"
both count for "the Save button". Scores lie in [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from .vocab import NONE, Meaning, load_vocabulary, words

_PHRASE_WEIGHT = 0.7  # the share of a phrase's words found counts most


def _similarity(description: tuple[str, ...], phrase: tuple[str, ...]) -> float:
    if not description or not phrase:
        return 0.0
    wanted = set(description)
    hits = sum(1 for w in set(phrase) if w in wanted)
    if hits == 0:
        return 0.0
    return (hits / len(set(phrase))) * (_PHRASE_WEIGHT + (1 - _PHRASE_WEIGHT) * hits / len(wanted))


class IconMatcher:
    """Scores descriptions against meanings with the vocabulary's phrases."""

    def __init__(self, vocabulary: Sequence[Meaning] | None = None) -> None:
        meanings = tuple(vocabulary) if vocabulary is not None else load_vocabulary()
        self._phrases: dict[str, tuple[tuple[str, ...], ...]] = {
            m.name: tuple(words(p) for p in m.all_phrases) for m in meanings
        }

    @property
    def meanings(self) -> tuple[str, ...]:
        return tuple(self._phrases)

    def fit(self, description: str, meaning: str) -> float:
        """How well the description names one meaning, 0..1 (1: one of its phrases exactly)."""
        phrases = self._phrases.get(meaning)
        if not phrases or meaning == NONE:
            return 0.0
        wanted = words(description)
        return max(_similarity(wanted, p) for p in phrases)

    def match(self, description: str, meanings: Sequence[tuple[str, float]]) -> float:
        """The description's fit to a crop's recognised (meaning, probability) list, 0..1."""
        wanted = words(description)
        if not wanted:
            return 0.0
        score = 0.0
        for meaning, probability in meanings:
            phrases = self._phrases.get(meaning)
            if phrases and meaning != NONE and probability > 0:
                score += probability * max(_similarity(wanted, p) for p in phrases)
        return min(1.0, score)

    def named(self, description: str, minimum: float = 0.5) -> list[tuple[str, float]]:
        """The meanings a description names, best first: [("document-save", 1.0), ...].

        Empty when it names no icon the vocabulary knows ("the OK button" names
        dialog-ok; "the Name field" names nothing), which tells a router the
        icon expert has nothing to say.
        """
        wanted = words(description)
        fits = [
            (name, max(_similarity(wanted, p) for p in phrases))
            for name, phrases in self._phrases.items()
        ]
        return sorted(((n, f) for n, f in fits if f >= minimum), key=lambda nf: (-nf[1], nf[0]))


@cache
def default_matcher() -> IconMatcher:
    return IconMatcher()


def match_icon(description: str, meanings: Sequence[tuple[str, float]]) -> float:
    """How well a description fits a crop's recognised meanings (IconRecognizer.recognize)."""
    return default_matcher().match(description, meanings)
