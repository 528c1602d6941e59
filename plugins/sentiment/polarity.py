"""Map a model's own label names to the task's labels: ``positive``, ``negative`` and ``neutral``."""

from __future__ import annotations

import re

from nlpsuite.errors import UsageError

SENTIMENT_LABELS = ("negative", "neutral", "positive")

_NAMED = {
    "positive": "positive", "pos": "positive", "good": "positive",
    "negative": "negative", "neg": "negative", "bad": "negative",
    "neutral": "neutral", "neu": "neutral", "mixed": "neutral",
}
_STARS = re.compile(r"^([1-5])\s*stars?$")


def polarity_of(label: str) -> str | None:
    """``positive``/``negative``/``neutral`` for a label name, or ``None`` when it names no polarity.

    Star ratings count as polarity: 1-2 negative, 3 neutral, 4-5 positive.
    """
    name = label.strip().lower()
    if name in _NAMED:
        return _NAMED[name]
    stars = _STARS.match(name)
    if stars:
        return ("negative", "negative", "neutral", "positive", "positive")[int(stars.group(1)) - 1]
    return None


def polarity_map(labels: list[str], model_name: str) -> list[str]:
    """The polarity of each of a model's labels, in order.

    Generic names (``LABEL_0`` …) follow the usual convention: two labels are
    negative, positive; three are negative, neutral, positive.
    """
    named = [polarity_of(label) for label in labels]
    if all(p is not None for p in named):
        return [p for p in named if p is not None]
    if all(re.fullmatch(r"label_\d+", label.strip().lower()) for label in labels) and len(labels) in (2, 3):
        return ["negative", "positive"] if len(labels) == 2 else ["negative", "neutral", "positive"]
    raise UsageError(
        f"model {model_name} has labels {labels}, which are not sentiment polarities",
        hint="use a sentiment model (labels positive/negative[/neutral]), or run it with --task classification",
    )
