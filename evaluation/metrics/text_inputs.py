"""Normalise predictions and references for the text metrics.

A failed sample has no prediction: it is scored as the empty string, never
dropped, so a run that fails more samples scores lower.  A reference is a string
or a list of strings (several references for one sample).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nlpsuite.errors import InputError


def prediction_texts(predictions: Sequence[Any], metric: str) -> list[str]:
    texts = []
    for i, pred in enumerate(predictions):
        if pred is None:
            texts.append("")
        elif isinstance(pred, str):
            texts.append(pred)
        else:
            raise InputError(
                f"metric {metric!r}: prediction {i} is {type(pred).__name__}, expected text",
                hint="the task's output field for this metric must hold a string",
            )
    return texts


def reference_lists(references: Sequence[Any], metric: str) -> list[list[str]]:
    """One non-empty list of reference strings per sample."""
    out = []
    for i, ref in enumerate(references):
        refs = [ref] if isinstance(ref, str) else ref
        if not isinstance(refs, (list, tuple)) or not refs or not all(isinstance(r, str) for r in refs):
            raise InputError(
                f"metric {metric!r}: reference {i} is {ref!r}, expected a string or a list of strings",
                hint="give every sample a reference text in the task's reference field",
            )
        out.append(list(refs))
    return out


def reference_streams(references: list[list[str]]) -> list[list[str | None]]:
    """sacrebleu's layout: one stream per reference position, ``None`` where a sample has fewer."""
    width = max((len(r) for r in references), default=1)
    return [[refs[j] if j < len(refs) else None for refs in references] for j in range(width)]
