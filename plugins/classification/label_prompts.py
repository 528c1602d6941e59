"""Label anchors for zero-shot classification on a sentence encoder: prompt ensembles and calibration.

A bare label name ("sports") is a poor thing to compare a text with; a sentence that
uses it ("A news story about sports.") sits where texts on the subject sit.  Each label's
anchor is the normalised mean of the embeddings of :data:`DEFAULT_TEMPLATES` filled with
the label (a prompt ensemble), unless the user gave a description or a template.

Calibration (optional, ``calibration=generic``): some anchors attract every text more
than others; the mean similarity of each anchor to :data:`CALIBRATION_FILE`, a shipped set
of short texts on unrelated subjects, estimates that pull and is subtracted.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from typing import Any

#: Chosen on nlpsuite's own topic sentences and SST-2 dev, never on AG News.
DEFAULT_TEMPLATES = (
    "{}",
    "This text is about {}.",
    "A news story about {}.",
    "An article about {}.",
    "The topic is {}.",
    "News about {}.",
    "This is {} news.",
    "A report on {}.",
)
CALIBRATION_MODES = ("none", "generic")
CALIBRATION_FILE = "calibration_texts.txt"


@lru_cache(maxsize=1)
def calibration_texts() -> tuple[str, ...]:
    text = files("nlpsuite.plugins.classification").joinpath("data", CALIBRATION_FILE).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def label_texts(label: str, description: str | None, template: str | None) -> list[str]:
    """The texts whose mean embedding anchors ``label``."""
    if description:
        return [description]
    if template:
        return [template.format(label)]
    return [t.format(label) for t in DEFAULT_TEMPLATES]


def anchor(embeddings: Any) -> Any:
    """Unit-length mean of unit-length rows (torch tensor)."""
    mean = embeddings.mean(dim=0)
    return mean / mean.norm().clamp_min(1e-12)
