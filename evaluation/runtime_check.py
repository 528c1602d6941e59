"""Two runs that differ only in what ran the model (runtime, quantization): how much did the outputs change?

``nlpsuite compare`` of an int8 run against its float32 run already tests each
metric; this adds what a quantization regression check states: the share of
samples whose predicted labels (or texts) agree, with a Wilson interval, and each
metric's paired difference B − A with a paired-bootstrap 95% interval, so that
"int8 changed nothing that matters" is a stated result rather than a hope.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from nlpsuite.evaluation.sample_columns import SampleColumns
from nlpsuite.evaluation.significance import PairedTestResult, paired_bootstrap

#: The task-config keys that name what ran the model (recorded by every encoder and CTranslate2 model).
RUNTIME_FIELDS = ("runtime", "quantize", "runtime_selection")
#: Config entries that may differ between such runs without changing what is compared.
_IGNORED_CONFIG = ("task", "batch_size")


@dataclass(frozen=True)
class FieldAgreement:
    """How many paired samples have the same value of a prediction field in both runs."""

    field: str
    agree: int
    n: int
    ci_low: float
    ci_high: float

    @property
    def rate(self) -> float:
        return self.agree / self.n if self.n else float("nan")


@dataclass(frozen=True)
class MetricDifference:
    metric: str
    value_a: float
    value_b: float
    ci_low: float
    ci_high: float

    @property
    def delta(self) -> float:
        return self.value_b - self.value_a


@dataclass(frozen=True)
class RuntimeCheck:
    runtime_a: str
    runtime_b: str
    agreement: tuple[FieldAgreement, ...]
    differences: tuple[MetricDifference, ...]
    level: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        return {
            "runtime_a": self.runtime_a, "runtime_b": self.runtime_b, "level": self.level,
            "agreement": [{**asdict(a), "rate": a.rate} for a in self.agreement],
            "differences": [{**asdict(d), "delta": d.delta} for d in self.differences],
        }


def runtime_label(results: Mapping[str, Any]) -> str:
    """``torch``, ``onnx``, ``onnx int8``, …: what ran a run's model (``torch`` for runs that record none)."""
    task_config = ((results.get("config") or {}).get("task")) or {}
    runtime = str(task_config.get("runtime", "torch"))
    return runtime + (" int8" if task_config.get("quantize") == "int8" else "")


def _without_runtime(results: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    config = dict(results.get("config") or {})
    task_config = {k: v for k, v in (config.get("task") or {}).items() if k not in RUNTIME_FIELDS}
    rest = {k: v for k, v in config.items() if k not in _IGNORED_CONFIG}
    model = results.get("model") or {}
    return task_config, rest, (model.get("name"), model.get("source"))


def differ_only_in_runtime(results_a: Mapping[str, Any], results_b: Mapping[str, Any]) -> bool:
    """Same model, task settings and scoring; a different runtime or quantization."""
    return runtime_label(results_a) != runtime_label(results_b) and _without_runtime(results_a) == _without_runtime(results_b)


def _compared_value(prediction: Any, field: str) -> Any:
    return None if prediction is None else prediction.get(field)


def field_agreement(columns_a: SampleColumns, columns_b: SampleColumns, fields: Sequence[str]) -> list[FieldAgreement]:
    """Per prediction field, the samples whose value is the same in both runs (a failed sample never agrees)."""
    from nlpsuite.evaluation.audit.statistics import wilson_interval

    rows = []
    for name in fields:
        agree = sum(a is not None and b is not None and _compared_value(a, name) == _compared_value(b, name)
                    for a, b in zip(columns_a.predictions, columns_b.predictions))
        low, high = wilson_interval(agree, len(columns_a))
        rows.append(FieldAgreement(name, agree, len(columns_a), low, high))
    return rows


def metric_difference(spec: Any, result_a: Any, result_b: Any, args: Mapping[str, Any], tests: Sequence[PairedTestResult],
                      *, n_resamples: int, seed: int) -> MetricDifference:
    """B − A with its paired-bootstrap interval (the compare run's own bootstrap when it ran one)."""
    bootstrap = next((t for t in tests if "delta_ci" in t.details), None)
    if bootstrap is None:  # McNemar's metrics: draw the interval the same way
        bootstrap = paired_bootstrap(spec, result_a, result_b, args, n_resamples=n_resamples, seed=seed)
    ci = bootstrap.details["delta_ci"]
    return MetricDifference(spec.name, bootstrap.value_a, bootstrap.value_b, float(ci["low"]), float(ci["high"]))
