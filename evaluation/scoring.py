"""Score stored predictions: every metric a task lists, with a seeded bootstrap CI.

Works from stored predictions only (``samples.jsonl`` rows ``{"id", "input",
"references", "prediction", "error", …}``, or the same as
:class:`~nlpsuite.evaluation.sample_columns.SampleColumns`), so ``nlpsuite
rescore`` and ``compare`` never load a model.  A failed sample (``error`` set or
no prediction) is scored as an empty or missing prediction — never dropped —
and counted in ``n_failed``.
Label metrics see references matched to the model's labels first
(:mod:`nlpsuite.evaluation.label_alignment`), so a naming mismatch is mapped
or refused instead of scoring 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nlpsuite.errors import InputError, UsageError
from nlpsuite.evaluation.bootstrap import bootstrap_ci
from nlpsuite.evaluation.label_alignment import (
    LabelAlignment,
    align_labels,
    alignment_warnings,
    with_mapped_references,
)
from nlpsuite.evaluation.sample_columns import SampleColumns
from nlpsuite.registry import get_metric
from nlpsuite.specs import MetricBinding, MetricResult, MetricSpec, TaskSpec

if TYPE_CHECKING:  # numpy loads when a metric computes, not when plugins are listed
    import numpy as np


@dataclass
class ScoreResult:
    """``metrics``: the results.json ``metrics`` mapping; ``per_sample``: {metric: one float64 score per sample,
    in sample order} for metrics that score samples; ``labels``: how reference labels were matched, by
    prediction field; ``warnings``: what the user must hear."""

    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    per_sample: dict[str, np.ndarray] = field(default_factory=dict)
    labels: dict[str, LabelAlignment] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def scores_of(self, index: int) -> dict[str, float]:
        """Sample ``index``'s per-sample scores, by metric (the ``scores`` of its samples.jsonl row)."""
        return {name: float(column[index]) for name, column in self.per_sample.items()}


def bound_metrics(task: TaskSpec) -> list[tuple[MetricBinding, MetricSpec]]:
    """Each metric the task binds, with its spec, in the task's order."""
    bound = []
    for binding in task.bindings:
        spec = get_metric(binding.metric)
        if spec.needs_reference and binding.reference_field is None:
            raise UsageError(
                f"task {task.name!r} binds metric {binding.key!r} without a reference field, but it compares with references",
                hint="give the task a reference_field (the plugin's TaskSpec)",
            )
        bound.append((binding, spec))
    return bound


def binding_for(task: TaskSpec, key: str) -> tuple[MetricBinding, MetricSpec]:
    """The binding a score was reported under (``key`` in results.json ``metrics``)."""
    for binding, spec in bound_metrics(task):
        if binding.key == key:
            return binding, spec
    raise UsageError(f"task {task.name!r} has no metric {key!r}", hint=f"its metrics: {', '.join(task.metric_keys) or 'none'}")


def metric_inputs(
    binding: MetricBinding, spec: MetricSpec, samples: SampleColumns
) -> tuple[list[Any], list[Any], int]:
    """(predictions, references, number of failed samples) for one bound metric from stored predictions."""
    predictions: list[Any] = []
    failed = 0
    field = binding.prediction_field
    for sample_id, prediction in zip(samples.ids, samples.predictions):
        if prediction is None:
            predictions.append(None)
            failed += 1
            continue
        if not isinstance(prediction, Mapping) or field not in prediction:
            found = ", ".join(sorted(prediction)) if isinstance(prediction, Mapping) else type(prediction).__name__
            raise InputError(
                f"sample {sample_id!r}: metric {binding.key!r} reads output field "
                f"{field!r}, but the prediction holds: {found}",
                hint="the task's output fields must include the field each of its metrics reads",
            )
        predictions.append(prediction[field])
    references = list(samples.references) if binding.reference_field is not None else [None] * len(samples)
    return predictions, references, failed


def metric_arguments(
    binding: MetricBinding, spec: MetricSpec, metric_args: Mapping[str, Mapping[str, Any]] | None
) -> dict[str, Any]:
    """The metric's typed arguments: ``--metric-args`` for this binding checked against its declaration, defaults filled."""
    from nlpsuite.arguments import parse_declared

    given = dict((metric_args or {}).get(binding.key, {}))
    return parse_declared(spec.arguments, given, what="argument", owner=f"metric {binding.key!r}",
                          option=f"--metric-args {binding.key}.KEY=VALUE")


def compute_metric(
    binding: MetricBinding, spec: MetricSpec, samples: SampleColumns, args: Mapping[str, Any]
) -> tuple[MetricResult, int]:
    """Run ``spec.compute`` on the samples and check the shape of what it returns."""
    predictions, references, failed = metric_inputs(binding, spec, samples)
    result = spec.compute(predictions, references, args)
    n = len(samples)
    for what, rows in (("per_sample", result.per_sample), ("stats", result.stats)):
        if rows is not None and len(rows) != n:
            raise ValueError(f"metric {spec.name!r} returned {len(rows)} {what} entries for {n} samples")
    return result, failed


def check_metric_args(task: TaskSpec, metric_args: Mapping[str, Any] | None) -> None:
    unknown = sorted(set(metric_args or {}) - set(task.metric_keys))
    if unknown:
        raise UsageError(
            f"--metric-args names metric(s) {', '.join(unknown)} that task {task.name!r} does not use",
            hint=f"task {task.name!r} is scored with: {', '.join(task.metric_keys) or 'no metrics'}",
        )


def label_fields(task: TaskSpec) -> set[str]:
    """Output fields that hold one label: the fields whose references are matched to the model's labels."""
    return {f.name for f in task.output_fields if f.type == "label"}


def align_sample_labels(
    task: TaskSpec, samples: SampleColumns, label_map: Mapping[str, str] | None
) -> dict[str, LabelAlignment]:
    """A :class:`LabelAlignment` per label field some metric of ``task`` reads (see the module docstring)."""
    fields = sorted({b.prediction_field for b in task.bindings if b.reference_field is not None} & label_fields(task))
    if label_map and not fields:
        raise UsageError(f"--label-map applies to label metrics; task {task.name!r} has none",
                         hint="leave out --label-map")
    alignments = {}
    for name in fields:
        predicted = [p.get(name) if isinstance(p, Mapping) else None for p in samples.predictions]
        found = align_labels(name, samples.references, predicted, candidates=samples.candidate_labels,
                             given=label_map)
        if found is not None:
            alignments[name] = found
    return alignments


def score_samples(
    task: TaskSpec,
    samples: Sequence[Mapping[str, Any]] | SampleColumns,
    *,
    metric_args: dict[str, dict[str, Any]] | None = None,
    seed: int = 0,
    n_bootstrap: int = 1000,
    label_map: Mapping[str, str] | None = None,
) -> ScoreResult:
    """Compute each metric ``task`` lists over ``samples`` (rows or columns) with a ``n_bootstrap``-resample CI.

    ``metric_args`` maps a metric name to arguments for its ``compute`` (merged
    over the metric's defaults).  The CI is a percentile bootstrap seeded by
    ``seed``; ``n_bootstrap=0`` skips it (``ci`` is then ``None``).
    ``label_map`` maps reference labels to model labels (``--label-map``).
    """
    import numpy as np

    columns = samples if isinstance(samples, SampleColumns) else SampleColumns.from_rows(task, samples)
    if not len(columns):
        raise InputError(f"no samples to score for task {task.name!r}", hint="check the dataset and --limit")
    check_metric_args(task, metric_args)
    scored = ScoreResult()
    scored.labels = align_sample_labels(task, columns, label_map)
    for alignment in scored.labels.values():
        scored.warnings.extend(alignment_warnings(alignment))
    for binding, spec in bound_metrics(task):
        name = binding.key
        args = metric_arguments(binding, spec, metric_args)
        alignment = scored.labels.get(binding.prediction_field)
        result, failed = compute_metric(binding, spec, with_mapped_references(columns, alignment.mapping if alignment else {}),
                                        args)
        ci = bootstrap_ci(spec, result, args, n_resamples=n_bootstrap, seed=seed)
        scored.metrics[name] = {
            "value": float(result.value),
            "higher_is_better": spec.higher_is_better,
            "ci": ci.to_dict() if ci else None,
            "version": spec.version,
            "metric": spec.name,
            "fields": {"prediction": binding.prediction_field, "reference": binding.reference_field},
            "settings": result.settings,
            "details": result.details,
            "n": len(columns),
            "n_failed": failed,
        }
        if result.per_sample is not None:
            scored.per_sample[name] = np.asarray(result.per_sample, dtype=np.float64)
    return scored
