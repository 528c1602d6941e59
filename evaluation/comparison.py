"""Compare two run directories metric by metric, from their stored samples only.

Refuses runs that cannot be paired: different tasks, different sample sets
(dataset id hash or the id lists differ), different inputs or references for
the same sample id (so two datasets that share ids and labels are not taken for
one), labels mapped differently, and metrics scored with different arguments.  Both runs are
rescored with the current metric code over the same aligned samples, then
:func:`nlpsuite.evaluation.significance.paired_tests` runs per metric.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nlpsuite.errors import UsageError
from nlpsuite.evaluation.dataset import input_hash
from nlpsuite.evaluation.label_alignment import recorded_mappings, with_mapped_references
from nlpsuite.evaluation.results import RunRecord
from nlpsuite.evaluation.runtime_check import (
    RuntimeCheck, differ_only_in_runtime, field_agreement, metric_difference, runtime_label,
)
from nlpsuite.evaluation.sample_columns import SampleColumns
from nlpsuite.evaluation.scoring import binding_for, compute_metric, metric_arguments
from nlpsuite.evaluation.significance import DEFAULT_ALPHA, PairedTestResult, paired_tests
from nlpsuite.registry import get_task

_SHOW_IDS = 3


@dataclass
class Comparison:
    """The outcome of comparing run A (baseline) with run B."""

    task: str
    dataset: str
    n: int
    tests: list[PairedTestResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    alpha: float = DEFAULT_ALPHA
    #: what ran each run's model (``torch``, ``onnx int8``, …)
    runtimes: tuple[str, str] = ("torch", "torch")
    #: for runs that differ only in runtime or quantization: output agreement and paired differences
    runtime_check: RuntimeCheck | None = None

    def to_dict(self, run_a: str, run_b: str) -> dict[str, Any]:
        return {
            "run_a": run_a,
            "run_b": run_b,
            "task": self.task,
            "dataset": self.dataset,
            "n": self.n,
            "alpha": self.alpha,
            "warnings": self.warnings,
            "tests": [t.to_dict(self.alpha) for t in self.tests],
            "runtimes": {"a": self.runtimes[0], "b": self.runtimes[1]},
            "runtime_check": self.runtime_check.to_dict() if self.runtime_check is not None else None,
        }


def _ids(run: RunRecord) -> list[str]:
    return [str(s.get("id")) for s in run.samples]


def _sample_examples(ids: Sequence[str]) -> str:
    shown = ", ".join(repr(i) for i in list(ids)[:_SHOW_IDS])
    return shown + (f" and {len(ids) - _SHOW_IDS} more" if len(ids) > _SHOW_IDS else "")


def check_pairable(run_a: RunRecord, run_b: RunRecord) -> None:
    """Raise :class:`UsageError` saying why two runs cannot be compared sample by sample."""
    a, b = run_a.directory, run_b.directory
    task_a, task_b = run_a.results.get("task"), run_b.results.get("task")
    if task_a != task_b:
        raise UsageError(
            f"cannot compare runs of different tasks: {a} is {task_a!r}, {b} is {task_b!r}",
            hint="compare two runs of the same task over the same dataset",
        )
    ids_a, ids_b = _ids(run_a), _ids(run_b)
    for run, ids in ((run_a, ids_a), (run_b, ids_b)):
        if len(set(ids)) != len(ids):
            raise UsageError(f"{run.directory}: samples.jsonl repeats sample ids", hint="rerun the eval; each id must be unique")
    only_a, only_b = sorted(set(ids_a) - set(ids_b)), sorted(set(ids_b) - set(ids_a))
    hash_a = (run_a.results.get("dataset") or {}).get("ids_sha256")
    hash_b = (run_b.results.get("dataset") or {}).get("ids_sha256")
    if only_a or only_b or hash_a != hash_b:
        parts = [f"{len(ids_a)} samples in {a}, {len(ids_b)} in {b}"]
        if only_a:
            parts.append(f"{len(only_a)} only in A ({_sample_examples(only_a)})")
        if only_b:
            parts.append(f"{len(only_b)} only in B ({_sample_examples(only_b)})")
        if hash_a != hash_b:
            parts.append("their dataset sample-id hashes differ")
        raise UsageError(
            "cannot compare runs over different sample sets: " + "; ".join(parts),
            hint="run both evals on the same dataset with the same --limit (or none)",
        )
    refs_b = {str(s.get("id")): s.get("references") for s in run_b.samples}
    differing = [str(s.get("id")) for s in run_a.samples if s.get("references") != refs_b[str(s.get("id"))]]
    if differing:
        raise UsageError(
            f"cannot compare: {len(differing)} sample(s) have different references in the two runs "
            f"({_sample_examples(differing)})",
            hint="both runs must use the same dataset version and column mapping",
        )
    check_same_inputs(run_a, run_b)


def sample_input_hash(sample: Mapping[str, Any]) -> str:
    """The stored ``input_sha256``, or for runs written before it existed, the hash of the stored input."""
    stored = sample.get("input_sha256")
    return stored if isinstance(stored, str) else input_hash(sample.get("input") or {})


def _shown(value: Any, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def check_same_inputs(run_a: RunRecord, run_b: RunRecord) -> None:
    """Refuse runs whose samples of one id had different inputs, naming the first such sample."""
    by_id_b = {str(s.get("id")): s for s in run_b.samples}
    differing = [s for s in run_a.samples if sample_input_hash(s) != sample_input_hash(by_id_b[str(s.get("id"))])]
    if differing:
        first = differing[0]
        other = by_id_b[str(first.get("id"))]
        sources = [str((r.results.get("dataset") or {}).get("source", "?")) for r in (run_a, run_b)]
        raise UsageError(
            f"cannot compare: the runs' inputs differ for {len(differing)} of {len(run_a.samples)} samples, "
            f"first at sample {str(first.get('id'))!r} (A: {_shown(first.get('input'))}, B: {_shown(other.get('input'))}); "
            f"datasets: A {sources[0]}, B {sources[1]}",
            hint="run both evals on the same dataset file and column mapping",
        )


def _metric_args(run: RunRecord) -> Mapping[str, Mapping[str, Any]]:
    return (run.results.get("config") or {}).get("metric_args") or {}


def choose_metrics(run_a: RunRecord, run_b: RunRecord, wanted: Sequence[str] | None) -> list[str]:
    in_a = list((run_a.results.get("metrics") or {}).keys())
    in_b = set((run_b.results.get("metrics") or {}).keys())
    common = [m for m in in_a if m in in_b]
    if not wanted:
        if not common:
            raise UsageError("the two runs share no metric", hint="rescore both runs with `nlpsuite rescore`")
        return common
    missing = [m for m in wanted if m not in common]
    if missing:
        raise UsageError(
            f"metric(s) {', '.join(missing)} not scored in both runs",
            hint=f"metrics in both runs: {', '.join(common) or 'none'}",
        )
    return list(wanted)


def compare_runs(
    run_a: RunRecord,
    run_b: RunRecord,
    *,
    metrics: Sequence[str] | None = None,
    n_resamples: int = 1000,
    n_trials: int = 10000,
    seed: int = 0,
    alpha: float = DEFAULT_ALPHA,
) -> Comparison:
    """Paired tests per metric of run B against baseline run A."""
    check_pairable(run_a, run_b)
    names = choose_metrics(run_a, run_b, metrics)
    order = {sid: i for i, sid in enumerate(_ids(run_a))}
    samples_a = run_a.samples
    samples_b = sorted(run_b.samples, key=lambda s: order[str(s.get("id"))])
    task = get_task(str(run_a.results.get("task")))
    columns_a, columns_b = SampleColumns.from_rows(task, samples_a), SampleColumns.from_rows(task, samples_b)
    comparison = Comparison(
        task=str(run_a.results.get("task")),
        dataset=str((run_a.results.get("dataset") or {}).get("name", "?")),
        n=len(samples_a),
        alpha=alpha,
        runtimes=(runtime_label(run_a.results), runtime_label(run_b.results)),
    )
    same_but_runtime = differ_only_in_runtime(run_a.results, run_b.results)
    differences = []
    for label, run, columns in (("A", run_a, columns_a), ("B", run_b, columns_b)):
        if not run.results.get("reportable", True):
            limit = (run.results.get("config") or {}).get("limit")
            comparison.warnings.append(
                f"run {label} ({run.directory}) is not reportable"
                + (f" (run with --limit {limit})" if limit is not None else "")
                + "; treat the comparison as a smoke test"
            )
        failed = columns.predictions.count(None)  # scored as empty or wrong
        if failed:
            comparison.warnings.append(f"run {label} has {failed} failed sample(s), scored as empty or wrong predictions")
    mappings_a, mappings_b = recorded_mappings(run_a.results), recorded_mappings(run_b.results)
    dataset_a, dataset_b = (run.results.get("dataset") or {} for run in (run_a, run_b))
    if (dataset_a.get("source"), dataset_a.get("version")) != (dataset_b.get("source"), dataset_b.get("version")):
        comparison.warnings.append(
            f"the runs name different datasets (A {dataset_a.get('source')}, B {dataset_b.get('source')}), "
            "but every compared sample has the same input and references"
        )
    for name in names:
        binding, spec = binding_for(task, name)
        mapping_a = mappings_a.get(binding.prediction_field, {})
        mapping_b = mappings_b.get(binding.prediction_field, {})
        if mapping_a != mapping_b:
            raise UsageError(
                f"metric {name!r}: the runs mapped reference labels differently (A {mapping_a or 'none'}, "
                f"B {mapping_b or 'none'})",
                hint="rescore both runs with the same `--label-map`",
            )
        args_a = metric_arguments(binding, spec, _metric_args(run_a))
        args_b = metric_arguments(binding, spec, _metric_args(run_b))
        if args_a != args_b:
            raise UsageError(
                f"metric {name!r} was scored with different arguments: A {args_a}, B {args_b}",
                hint=f"rescore one run with the other's --metric-args, or leave {name!r} out with --metrics",
            )
        result_a, _ = compute_metric(binding, spec, with_mapped_references(columns_a, mapping_a), args_a)
        result_b, _ = compute_metric(binding, spec, with_mapped_references(columns_b, mapping_b), args_b)
        tests = paired_tests(spec, result_a, result_b, args_a, n_resamples=n_resamples, n_trials=n_trials, seed=seed)
        comparison.tests.extend(tests)
        if same_but_runtime:
            differences.append(metric_difference(spec, result_a, result_b, args_a, tests, n_resamples=n_resamples,
                                                 seed=seed))
    if same_but_runtime:
        fields = list(dict.fromkeys(b.prediction_field for b in task.bindings))
        comparison.runtime_check = RuntimeCheck(*comparison.runtimes, tuple(field_agreement(columns_a, columns_b, fields)),
                                                tuple(differences))
    return comparison
