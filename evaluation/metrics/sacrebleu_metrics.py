"""BLEU, chrF and TER through sacrebleu, with per-sample sufficient statistics.

The corpus value is computed from the summed per-sentence statistics exactly as
sacrebleu's ``corpus_score`` does, so ``aggregate(rows)`` on any resample gives
that resample's corpus score (the bootstrap and paired tests rely on this).
The per-sample score is sacrebleu's sentence-level score (BLEU with
``effective_order=True``, as ``sacrebleu.sentence_bleu`` uses).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib.metadata import version as package_version
from typing import TYPE_CHECKING, Any

from nlpsuite.errors import UsageError
from nlpsuite.evaluation.metrics.aggregation import SummedStatsAggregate
from nlpsuite.evaluation.metrics.text_inputs import prediction_texts, reference_lists, reference_streams
from nlpsuite.specs import MetricResult, MetricSpec

if TYPE_CHECKING:  # numpy loads when a metric computes, not when plugins are listed
    import numpy as np

IMPLEMENTATION_VERSION = "1"

# Constructor arguments each sacrebleu metric accepts (sacrebleu 2.x), for clear errors.
ALLOWED_ARGS: dict[str, tuple[str, ...]] = {
    "bleu": ("lowercase", "force", "tokenize", "smooth_method", "smooth_value", "max_ngram_order", "effective_order"),
    "chrf": ("char_order", "word_order", "beta", "lowercase", "whitespace", "eps_smoothing"),
    "ter": ("normalized", "no_punct", "asian_support", "case_sensitive"),
}


def _check_args(name: str, args: Mapping[str, Any]) -> None:
    unknown = sorted(set(args) - set(ALLOWED_ARGS[name]))
    if unknown:
        raise UsageError(
            f"metric {name!r} does not take argument(s) {', '.join(unknown)}",
            hint=f"{name} accepts: {', '.join(ALLOWED_ARGS[name])}",
        )


@lru_cache(maxsize=64)
def _metric_object(name: str, frozen_args: str, sentence_level: bool = False) -> Any:
    from sacrebleu.metrics import BLEU, CHRF, TER

    args = json.loads(frozen_args)
    if name == "bleu":
        if sentence_level:
            args["effective_order"] = True
        return BLEU(**args)
    if name == "chrf":
        return CHRF(**args)
    return TER(**args)


def _frozen(args: Mapping[str, Any]) -> str:
    return json.dumps(dict(args), sort_keys=True)


@lru_cache(maxsize=None)
def _default_object(name: str) -> Any:
    # the common no-arguments case skips serialising args on every resample
    return _metric_object(name, "{}")


def _score_from_totals(name: str) -> SummedStatsAggregate:
    def from_totals(totals: np.ndarray, args: Mapping[str, Any]) -> float:
        metric = _metric_object(name, _frozen(args)) if args else _default_object(name)
        # lists, because BLEU's add-k smoothing adds to the counts in place
        return float(metric._compute_score_from_stats([float(x) for x in totals]).score)

    return SummedStatsAggregate(from_totals)


AGGREGATES = {name: _score_from_totals(name) for name in ALLOWED_ARGS}


def compute_sacrebleu(name: str, predictions: Sequence[Any], references: Sequence[Any], args: Mapping[str, Any]) -> MetricResult:
    """Score ``predictions`` against ``references`` with sacrebleu metric ``name``."""
    import numpy as np

    _check_args(name, args)
    hyps = prediction_texts(predictions, name)
    refs = reference_lists(references, name)
    frozen = _frozen(args)
    # a fresh object for statistics: reference caching sets num_refs, which the signature reports
    metric = _metric_object.__wrapped__(name, frozen)
    stats = np.asarray(metric._extract_corpus_statistics(hyps, reference_streams(refs)), dtype=np.float64)
    if name == "bleu":
        sentence_metric = _metric_object(name, frozen, sentence_level=True)
    else:
        sentence_metric = metric
    per_sample = [float(sentence_metric._compute_score_from_stats([float(x) for x in row]).score) for row in stats]
    value = AGGREGATES[name](stats, args)
    corpus = metric._compute_score_from_stats([float(x) for x in stats.sum(axis=0)])
    details: dict[str, Any] = {}
    if name == "bleu":
        details = {
            "precisions": [float(p) for p in corpus.precisions],
            "brevity_penalty": float(corpus.bp),
            "sys_len": int(corpus.sys_len),
            "ref_len": int(corpus.ref_len),
        }
    elif name == "ter":
        details = {"num_edits": float(corpus.num_edits), "ref_length": float(corpus.ref_length)}
    settings = {
        "signature": metric.get_signature().format(),
        "library": f"sacrebleu {package_version('sacrebleu')}",
        "args": dict(args),
        "scale": 100,
        "per_sample": "sentence-level score (BLEU with effective_order=True)" if name == "bleu" else "sentence-level score",
    }
    return MetricResult(value=value, per_sample=per_sample, stats=stats.tolist(), settings=settings, details=details)


def _version() -> str:
    return f"{IMPLEMENTATION_VERSION}+sacrebleu-{package_version('sacrebleu')}"


def sacrebleu_specs() -> list[MetricSpec]:
    described = {
        "bleu": ("corpus BLEU (sacrebleu, 13a tokenisation by default)", True),
        "chrf": ("corpus chrF (sacrebleu, character 6-grams, beta 2)", True),
        "ter": ("corpus translation edit rate (sacrebleu); lower is better", False),
    }
    return [
        MetricSpec(
            name=name,
            description=text,
            version=_version(),
            higher_is_better=higher,
            compute=lambda p, r, a, _name=name: compute_sacrebleu(_name, p, r, a),
            prediction_field="translation",
            reference_field="target",
            aggregate=AGGREGATES[name],
        )
        for name, (text, higher) in described.items()
    ]
