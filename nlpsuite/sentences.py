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

Lowercased text (as in the widely used preprocessed news corpora, often also
tokenized: ``… the river rose . villages were moved .``) has no capital to
start a sentence, so the "not a lowercase letter" condition would find no
boundary at all.  A text whose letters are almost all lowercase
(:func:`split_style` says ``"lowercased"``) drops that condition, and a
tokenized sentence end takes the closing-quote and bracket tokens that follow
it (``. ''``, ``. -rrb-``) with it.
"""

from __future__ import annotations

import re

SPLIT_RULE = (
    "regex: end at [.!?…] (+ closing quotes/brackets) before whitespace and a non-lowercase character "
    "(any character in lowercased text: fewer than 1% of its letters uppercase), except after common "
    "abbreviations and initials; at 。！？; at blank lines"
)
#: What :func:`split_style` can say about a text (reported in a summarizer's ``details``).
SPLIT_STYLES = ("cased", "lowercased")
#: Below this share of uppercase letters a text counts as lowercased (cased English prose has about 3%).
LOWERCASED_UPPER_SHARE = 0.01

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
# closing tokens that a tokenizer split off after a sentence end: '' ' " ) ] and PTB's -rrb- -rsb-
_TOKEN_CLOSERS = re.compile(r"""(?:\s+(?:''|'|"|”|’|\)|\]|-rrb-|-rsb-)(?=\s|$))+""")


def split_style(text: str) -> str:
    """``"lowercased"`` when fewer than 1% of the text's letters are uppercase (it has letters), else ``"cased"``."""
    letters = upper = 0
    for character in text:
        if character.isalpha():
            letters += 1
            upper += character.isupper()
    return "lowercased" if letters and upper < LOWERCASED_UPPER_SHARE * letters else "cased"


def _is_abbreviation(text: str, period_at: int) -> bool:
    match = _WORD_BEFORE.search(text, 0, period_at)
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _block_ends(text: str, start: int, end: int, lowercased: bool = False) -> list[int]:
    """Offsets (exclusive) where sentences end inside ``text[start:end]``, which holds no paragraph break."""
    ends: list[int] = []
    block = text[:end]
    for match in _LATIN_END.finditer(block, start):
        following = match.group(1)
        if following.islower() and not lowercased:
            continue
        if match.group(0).startswith(".") and len(match.group(0).rstrip("\"'”’»)]")) == 1:
            if _is_abbreviation(text, match.start()):
                continue
        close = _TOKEN_CLOSERS.match(block, match.end()) if lowercased else None
        ends.append(close.end() if close else match.end())
    for match in _CJK_END.finditer(block, start):
        ends.append(match.end())
    return sorted(set(ends))


def sentence_spans(text: str, *, split_lines: bool = False, style: str | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` character offsets of each sentence in ``text``, without surrounding whitespace.

    Text between two spans (whitespace, line breaks) is what separated them, so
    ``text[:s0] + sentence_0 + text[e0:s1] + sentence_1 + …`` rebuilds ``text``.
    ``style`` (one of :data:`SPLIT_STYLES`) defaults to :func:`split_style` of ``text``.
    """
    lowercased = (style or split_style(text)) == "lowercased"
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
        for end in [*_block_ends(text, block_start, block_end, lowercased), block_end]:
            piece = text[cut:end]
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                spans.append((cut + lead, cut + lead + len(stripped)))
            cut = end
    return spans


def split_sentences(text: str, *, split_lines: bool = False, style: str | None = None) -> list[str]:
    """The sentences of ``text`` (see :func:`sentence_spans` for the rule)."""
    return [text[start:end] for start, end in sentence_spans(text, split_lines=split_lines, style=style)]
