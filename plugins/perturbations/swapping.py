"""Whole-word swaps that keep case: the engine behind every built-in perturbation.

A :class:`WordSwapper` holds a mapping from source words to replacements (all
lowercase) and finds them with one regular expression:

* whole words only: a match may not touch a letter or digit on either side, so
  "son" is not found in "Orson" nor "Greg" in "Gregory"; punctuation, hyphens
  and apostrophes are boundaries, so "mother's", "(she)", "ex-husband" and
  "he," are found and the possessive or punctuation is kept;
* longest first, so "Bobbie-Sue" is one name, not "Bobbie" plus "Sue";
* case kept: "HE" → "SHE", "He" → "She", "he" → "she"; a capitalised name takes
  the spelling of the list ("bobbie-sue" → "sue-ellen", "Bobbie-Sue" → "Sue-Ellen");
* ambiguous words (English "her": "his" or "him"?) are resolved by the next
  token: before a content word — a word that is not in the language's list of
  function words — the possessive reading wins ("her dog" → "his dog"); before
  punctuation, the end of the text or a function word the object reading wins
  ("saw her." → "saw him.", "gave her the keys" → "gave him the keys").  No
  tagger is used, so "her very best" → "his very best" but "told her everything"
  → "told him everything"; the audit's substitution log shows every choice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from nlpsuite.specs import PerturbationResult, Substitution

_NEXT_TOKEN = re.compile(r"\s*(\w+|[^\w\s])?", re.UNICODE)


@dataclass(frozen=True)
class Ambiguous:
    """A word with two readings: ``before_word`` before a content word, else ``otherwise`` (``None``: kept)."""

    before_word: str
    otherwise: str | None


@dataclass
class WordSwapper:
    """Swap whole words from ``mapping`` (lowercase source → replacement), keeping case.

    ``spelling`` gives the written form of a replacement (names: "Sue-Ellen") for
    capitalised matches; ``function_words`` decide the ambiguous words.
    """

    mapping: Mapping[str, str]
    ambiguous: Mapping[str, Ambiguous] = field(default_factory=dict)
    function_words: frozenset[str] = frozenset()
    spelling: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        words = sorted({*self.mapping, *self.ambiguous}, key=lambda w: (-len(w), w))
        if not words:
            self._pattern = None
            return
        alternation = "|".join(re.escape(w) for w in words)
        self._pattern = re.compile(rf"(?<![^\W_])(?:{alternation})(?![^\W_])", re.IGNORECASE | re.UNICODE)

    def sources(self) -> list[str]:
        return sorted({*self.mapping, *self.ambiguous})

    def _replacement(self, text: str, match: re.Match[str]) -> str | None:
        word = match.group(0).lower()
        rule = self.ambiguous.get(word)
        if rule is None:
            return self.mapping[word]
        following = _NEXT_TOKEN.match(text, match.end())
        token = following.group(1) if following else None
        content_word = bool(token) and token[0].isalnum() and token.lower() not in self.function_words
        return rule.before_word if content_word else rule.otherwise

    def apply(self, text: str) -> PerturbationResult:
        """The swapped text and one :class:`Substitution` (offsets into ``text``) per word changed."""
        if self._pattern is None or not text:
            return PerturbationResult(text, ())
        pieces: list[str] = []
        substitutions: list[Substitution] = []
        last = 0
        for match in self._pattern.finditer(text):
            replacement = self._replacement(text, match)
            if replacement is None:
                continue
            original = match.group(0)
            written = keep_case(original, replacement, self.spelling.get(replacement.lower()))
            pieces.append(text[last:match.start()])
            pieces.append(written)
            last = match.end()
            substitutions.append(Substitution(match.start(), match.end(), original, written))
        pieces.append(text[last:])
        return PerturbationResult("".join(pieces), tuple(substitutions))


def keep_case(original: str, replacement: str, spelling: str | None = None) -> str:
    """``replacement`` in the case of ``original``: UPPER, Capitalised (the list's ``spelling``) or lower."""
    letters = [c for c in original if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return replacement.upper()
    if letters and original[0].isupper():
        if spelling and spelling[0].isupper():
            return spelling
        return replacement[:1].upper() + replacement[1:]
    return replacement.lower()


def one_way(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Source → target, lowercased; a source in several pairs keeps its first target."""
    mapping: dict[str, str] = {}
    for source, target in pairs:
        mapping.setdefault(source.lower(), target.lower())
    return mapping
