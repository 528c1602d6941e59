"""The candidate labels of a zero-shot record: its own ``labels`` field, else the ``labels`` task argument."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nlpsuite.errors import InputError

NO_LABELS_HINT = (
    'give each record a "labels" list (e.g. {"text": "…", "labels": ["sports", "politics"]}) '
    "or pass --arg labels=sports,politics once for all records"
)


def parse_labels(value: Any, where: str) -> list[str]:
    """A list of distinct, non-empty labels from a list or a comma-separated string."""
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise InputError(f"{where}: labels must be a list of strings, got {type(value).__name__}", hint=NO_LABELS_HINT)
    labels: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InputError(f"{where}: label {item!r} is not a string", hint=NO_LABELS_HINT)
        label = item.strip()
        if label and label not in labels:
            labels.append(label)
    return labels


def candidate_labels(record: Mapping[str, Any], task_args: Mapping[str, Any], *, minimum: int = 2) -> list[str]:
    """The labels to choose between for ``record``; raises :class:`InputError` when there are too few."""
    value = record.get("labels")
    where = "record field 'labels'"
    if value is None or value == [] or value == "":
        value = task_args.get("labels")
        where = "task argument 'labels'"
    if value is None:
        raise InputError("zero-shot classification needs candidate labels, and none were given", hint=NO_LABELS_HINT)
    labels = parse_labels(value, where)
    if len(labels) < minimum:
        raise InputError(
            f"{where}: zero-shot classification needs at least {minimum} distinct labels, got {labels}",
            hint=NO_LABELS_HINT,
        )
    return labels
