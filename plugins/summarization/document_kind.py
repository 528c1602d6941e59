"""What kind of document a summarizer is given: a dialogue (speaker turns) or running prose.

Position priors help on news and hurt on dialogues, whose first lines are greetings.
A document is a dialogue when most of its non-empty lines are speaker turns
(``Name: text``, a name of at most three capitalised words), there are at least
:data:`MIN_TURNS` of them and at least two distinct speakers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

DocumentKind = Literal["dialogue", "prose"]

MIN_TURNS = 3
#: Share of non-empty lines that must be speaker turns.
MIN_TURN_SHARE = 0.5
DIALOGUE_RULE = (
    f"dialogue when at least {MIN_TURN_SHARE:.0%} of non-empty lines (and at least {MIN_TURNS}) are speaker "
    "turns 'Name: text' by two or more speakers; otherwise prose"
)

_TURN = re.compile(r"^\s*(?P<speaker>[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2})\s*:\s+(?P<text>\S.*)$")


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    line: str


def speaker_turn(line: str) -> Turn | None:
    match = _TURN.match(line)
    if not match:
        return None
    return Turn(match.group("speaker"), match.group("text").strip(), line.strip())


def dialogue_turns(document: str) -> list[Turn] | None:
    """The document's turns when it is a dialogue, else ``None``."""
    lines = [line for line in document.splitlines() if line.strip()]
    turns = [t for t in (speaker_turn(line) for line in lines) if t is not None]
    if len(turns) < MIN_TURNS or len(turns) < MIN_TURN_SHARE * len(lines):
        return None
    if len({t.speaker for t in turns}) < 2:
        return None
    return turns
