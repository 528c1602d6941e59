"""Accuracy and macro-F1 over predicted labels, with a confusion matrix.

Labels are compared as strings, so ``1`` and ``"1"`` are the same class.  A
failed sample (no prediction) is wrong: it is counted against its reference
class and shown in the confusion matrix under the column ``(no prediction)``.
Macro-F1 averages F1 over the labels seen in the references or predictions of
the scored set (a class with no support and no predictions is absent); its
per-sample stats rows hold (tp, fp, fn) per class so that any resample's
macro-F1 is recomputed from summed rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from nlpsuite.errors import UsageError
from nlpsuite.evaluation.metrics.aggregation import SummedStatsAggregate
from nlpsuite.specs import MetricResult, MetricSpec

if TYPE_CHECKING:  # numpy loads when a metric computes, not when plugins are listed
    import numpy as np

IMPLEMENTATION_VERSION = "1"
NO_PREDICTION = "(no prediction)"


def _label(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        raise UsageError(
            f"label {value!r} is not a single label",
            hint="accuracy and macro_f1 compare one label per sample",
        )
    return str(value)


def _labels(predictions: Sequence[Any], references: Sequence[Any]) -> tuple[list[str | None], list[str], list[str]]:
    preds = [_label(p) for p in predictions]
    refs = [_label(r) for r in references]
    if any(r is None for r in refs):
        missing = next(i for i, r in enumerate(refs) if r is None)
        raise UsageError(f"reference {missing} has no label", hint="give every sample a reference label")
    order = sorted({r for r in refs if r is not None} | {p for p in preds if p is not None})
    return preds, [r for r in refs if r is not None], order


def confusion_details(preds: list[str | None], refs: list[str], order: list[str]) -> dict[str, Any]:
    """Confusion matrix (rows: reference, columns: prediction) and per-class precision/recall/F1."""
    import numpy as np

    index = {label: i for i, label in enumerate(order)}
    columns = list(order) + ([NO_PREDICTION] if any(p is None for p in preds) else [])
    matrix = np.zeros((len(order), len(columns)), dtype=np.int64)
    for p, r in zip(preds, refs):
        matrix[index[r], index[p] if p is not None else len(order)] += 1
    per_class = {}
    for label, i in index.items():
        tp = int(matrix[i, i])
        predicted = int(matrix[:, i].sum())
        support = int(matrix[i, :].sum())
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    return {
        "labels": list(order),
        "confusion_matrix": {"rows": "reference", "columns": columns, "matrix": matrix.tolist()},
        "per_class": per_class,
    }


def _macro_f1_from_totals(totals: np.ndarray, args: Mapping[str, Any]) -> float:
    import numpy as np

    tp, fp, fn = totals[0::3], totals[1::3], totals[2::3]
    present = (tp + fp + fn) > 0
    if not present.any():
        return 0.0
    denom = 2 * tp + fp + fn
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp, dtype=np.float64), where=denom > 0)
    return float(f1[present].mean())


MACRO_F1_AGGREGATE = SummedStatsAggregate(_macro_f1_from_totals)


def _check_no_args(name: str, args: Mapping[str, Any]) -> None:
    if args:
        raise UsageError(f"metric {name!r} takes no arguments, got {', '.join(sorted(args))}")


def compute_accuracy(predictions: Sequence[Any], references: Sequence[Any], args: Mapping[str, Any]) -> MetricResult:
    """Fraction of samples whose predicted label equals the reference label."""
    _check_no_args("accuracy", args)
    preds, refs, order = _labels(predictions, references)
    correct = [1.0 if p == r else 0.0 for p, r in zip(preds, refs)]
    value = sum(correct) / len(correct) if correct else float("nan")
    settings = {"labels_compared_as": "strings", "scale": 1, "aggregation": "mean of per-sample correctness"}
    return MetricResult(value=value, per_sample=correct, settings=settings, details=confusion_details(preds, refs, order))


def compute_macro_f1(predictions: Sequence[Any], references: Sequence[Any], args: Mapping[str, Any]) -> MetricResult:
    """Unweighted mean of per-class F1 over the labels present in references or predictions."""
    import numpy as np

    _check_no_args("macro_f1", args)
    preds, refs, order = _labels(predictions, references)
    index = {label: i for i, label in enumerate(order)}
    stats = np.zeros((len(refs), 3 * len(order)), dtype=np.float64)
    for row, (p, r) in enumerate(zip(preds, refs)):
        if p == r:
            stats[row, 3 * index[r]] = 1  # true positive for r
        else:
            stats[row, 3 * index[r] + 2] = 1  # false negative for r
            if p is not None:
                stats[row, 3 * index[p] + 1] = 1  # false positive for p
    value = MACRO_F1_AGGREGATE(stats, {})
    details = confusion_details(preds, refs, order)
    details["stats_layout"] = "per class in label order: true positives, false positives, false negatives"
    settings = {
        "labels_compared_as": "strings",
        "scale": 1,
        "averaging": "macro (unweighted mean over labels in references or predictions)",
    }
    return MetricResult(value=value, per_sample=None, stats=stats, settings=settings, details=details)


def classification_specs() -> list[MetricSpec]:
    version = IMPLEMENTATION_VERSION
    return [
        MetricSpec(
            name="accuracy",
            description="fraction of samples with the reference label",
            version=version,
            higher_is_better=True,
            compute=compute_accuracy,
        ),
        MetricSpec(
            name="macro_f1",
            description="macro-averaged F1 over labels",
            version=version,
            higher_is_better=True,
            compute=compute_macro_f1,
            aggregate=MACRO_F1_AGGREGATE,
        ),
    ]
