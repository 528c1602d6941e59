"""Rule-based sentence splitting that keeps character offsets, so text can be rejoined exactly.

Used by the summarization and translation plugins: an extractive summary is
made of a document's sentences, and a long text is translated sentence by
sentence and put back together with its original spacing and line breaks.

The rule (stated in results as :data:`SPLIT_RULE`): a sentence ends at ``.``,
``!``, ``?`` or ``…`` (plus closing quotes or brackets) followed by whitespace
and a character that is not a lowercase letter, unless the word before the
period is a known abbreviation or a single letter (an initial); CJK full-stop
marks end a sentence on their own; a blank line always ends one, and with
``split_lines=True`` every line break does.
"""

from __future__ import annotations

import re

SPLIT_RULE = (
    "regex: end at [.!?…] (+ closing quotes/brackets) before whitespace and a non-lowercase character, "
    "except after common abbreviations and initials; at 。！？; at blank lines"
)

# Words that end with a period without ending a sentence (compared lowercase, without the final period).
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st mt vs etc e.g i.e cf al inc ltd co corp no nos vol fig figs approx ca
    dept est gen gov sen rep col lt sgt capt cmdr adm rev hon u.s u.k u.n a.m p.m jan feb mar apr
    jun jul aug sep sept oct nov dec z.b bzw usw ggf d.h u.a nr s.o
    """.split()
)

_LATIN_END = re.compile(r"""[.!?…]+["'”’»)\]]*(?=\s+(\S))""")
_CJK_END = re.compile(r"[。！？]+[」』”’)）]*")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def _is_abbreviation(text: str, period_at: int) -> bool:
    match = _WORD_BEFORE.search(text, 0, period_at)
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _block_ends(text: str, start: int, end: int) -> list[int]:
    """Offsets (exclusive) where sentences end inside ``text[start:end]``, which holds no paragraph break."""
    ends: list[int] = []
    block = text[:end]
    for match in _LATIN_END.finditer(block, start):
        following = match.group(1)
        if following.islower():
            continue
        if match.group(0).startswith(".") and len(match.group(0).rstrip("\"'”’»)]")) == 1:
            if _is_abbreviation(text, match.start()):
                continue
        ends.append(match.end())
    for match in _CJK_END.finditer(block, start):
        ends.append(match.end())
    return sorted(set(ends))


def sentence_spans(text: str, *, split_lines: bool = False) -> list[tuple[int, int]]:
    """``(start, end)`` character offsets of each sentence in ``text``, without surrounding whitespace.

    Text between two spans (whitespace, line breaks) is what separated them, so
    ``text[:s0] + sentence_0 + text[e0:s1] + sentence_1 + …`` rebuilds ``text``.
    """
    blocks: list[tuple[int, int]] = []
    position = 0
    breaks = re.compile(r"\n") if split_lines else _BLANK_LINE
    for match in breaks.finditer(text):
        blocks.append((position, match.start()))
        position = match.end()
    blocks.append((position, len(text)))

    spans: list[tuple[int, int]] = []
    for block_start, block_end in blocks:
        cut = block_start
        for end in [*_block_ends(text, block_start, block_end), block_end]:
            piece = text[cut:end]
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                spans.append((cut + lead, cut + lead + len(stripped)))
            cut = end
    return spans


def split_sentences(text: str, *, split_lines: bool = False) -> list[str]:
    """The sentences of ``text`` (see :func:`sentence_spans` for the rule)."""
    return [text[start:end] for start, end in sentence_spans(text, split_lines=split_lines)]
