"""Score stored predictions: every metric a task lists, with a seeded bootstrap CI.

Works from ``samples.jsonl`` rows only (``{"id", "input", "references",
"prediction", "error", …}``), so ``nlpsuite rescore`` and ``compare`` never load
a model.  A failed sample (``error`` set or no prediction) is scored as an empty
or missing prediction — never dropped — and counted in ``n_failed``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nlpsuite.errors import InputError, UsageError
from nlpsuite.evaluation.bootstrap import bootstrap_ci
from nlpsuite.registry import get_metric
from nlpsuite.specs import MetricBinding, MetricResult, MetricSpec, TaskSpec


@dataclass
class ScoreResult:
    """``metrics``: the results.json ``metrics`` mapping; ``per_sample``: {sample id: {metric: score}}."""

    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    per_sample: dict[str, dict[str, float]] = field(default_factory=dict)


def is_failed(sample: Mapping[str, Any]) -> bool:
    return bool(sample.get("error")) or sample.get("prediction") is None


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
    binding: MetricBinding, spec: MetricSpec, samples: Sequence[Mapping[str, Any]]
) -> tuple[list[Any], list[Any], int]:
    """(predictions, references, number of failed samples) for one bound metric from stored sample rows."""
    predictions: list[Any] = []
    references: list[Any] = []
    failed = 0
    field = binding.prediction_field
    for sample in samples:
        references.append(sample.get("references") if binding.reference_field is not None else None)
        if is_failed(sample):
            predictions.append(None)
            failed += 1
            continue
        prediction = sample["prediction"]
        if not isinstance(prediction, Mapping) or field not in prediction:
            found = ", ".join(sorted(prediction)) if isinstance(prediction, Mapping) else type(prediction).__name__
            raise InputError(
                f"sample {sample.get('id')!r}: metric {binding.key!r} reads output field "
                f"{field!r}, but the prediction holds: {found}",
                hint="the task's output fields must include the field each of its metrics reads",
            )
        predictions.append(prediction[field])
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
    binding: MetricBinding, spec: MetricSpec, samples: Sequence[Mapping[str, Any]], args: Mapping[str, Any]
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


def score_samples(
    task: TaskSpec,
    samples: list[dict[str, Any]],
    *,
    metric_args: dict[str, dict[str, Any]] | None = None,
    seed: int = 0,
    n_bootstrap: int = 1000,
) -> ScoreResult:
    """Compute each metric ``task`` lists over ``samples`` with a ``n_bootstrap``-resample CI.

    ``metric_args`` maps a metric name to arguments for its ``compute`` (merged
    over the metric's defaults).  The CI is a percentile bootstrap seeded by
    ``seed``; ``n_bootstrap=0`` skips it (``ci`` is then ``None``).
    """
    if not samples:
        raise InputError(f"no samples to score for task {task.name!r}", hint="check the dataset and --limit")
    check_metric_args(task, metric_args)
    scored = ScoreResult(per_sample={str(s.get("id")): {} for s in samples})
    for binding, spec in bound_metrics(task):
        name = binding.key
        args = metric_arguments(binding, spec, metric_args)
        result, failed = compute_metric(binding, spec, samples, args)
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
            "n": len(samples),
            "n_failed": failed,
        }
        if result.per_sample is not None:
            for sample, value in zip(samples, result.per_sample):
                scored.per_sample[str(sample.get("id"))][name] = float(value)
    return scored
