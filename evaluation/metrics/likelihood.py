"""Perplexity and bits per byte from per-sample log-likelihoods (no reference needed).

A task binds these to an output field holding a likelihood record
``{"nll": nats summed over the scored tokens, "n_tokens": scored tokens,
"n_bytes": UTF-8 bytes of the scored text}`` — the fields of the contract's
:class:`~nlpsuite.specs.TextScore`, so any task with the ``score`` capability
(a causal LM's log-likelihood, a masked LM's pseudo-log-likelihood) can report
them.  They live here rather than in the generation plugin because they judge
any such task and must not disappear when one plugin is switched off.

Corpus values come from sums, never from means of per-document values:
perplexity = exp(Σ nll / Σ n_tokens), bits per byte = Σ nll / (ln 2 · Σ n_bytes).
Each sample's stats row is ``[nll, n_tokens, n_bytes]``, so the bootstrap CI
resamples documents and recomputes the corpus value from summed rows.  A failed
sample (no prediction) has nothing to score: its row is zeros, so it is left
out of the value, and it is counted in ``details.n_unscored`` (the harness also
reports it in ``n_failed``).  Per-sample values (shown in samples.jsonl) are
each document's own perplexity / bits per byte, ``0.0`` for a sample with no
scored token (also counted in ``n_unscored``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from nlpsuite.errors import InputError
from nlpsuite.evaluation.metrics.aggregation import SummedStatsAggregate
from nlpsuite.specs import MetricResult, MetricSpec

IMPLEMENTATION_VERSION = "1"
LIKELIHOOD_HINT = 'bind the metric to an output field holding {"nll": float, "n_tokens": int, "n_bytes": int}'


def likelihood_rows(predictions: Sequence[Any], metric: str) -> list[list[float]]:
    """``[nll, n_tokens, n_bytes]`` per prediction; zeros for a failed sample (``None``)."""
    rows = []
    for i, pred in enumerate(predictions):
        if pred is None:
            rows.append([0.0, 0.0, 0.0])
            continue
        if not isinstance(pred, Mapping) or not all(isinstance(pred.get(k), (int, float)) for k in ("nll", "n_tokens")):
            raise InputError(f"metric {metric!r}: prediction {i} is not a likelihood record ({pred!r:.80})",
                             hint=LIKELIHOOD_HINT)
        n_bytes = pred.get("n_bytes") or 0
        if not isinstance(n_bytes, (int, float)):
            raise InputError(f"metric {metric!r}: prediction {i} has n_bytes={n_bytes!r}", hint=LIKELIHOOD_HINT)
        rows.append([float(pred["nll"]), float(pred["n_tokens"]), float(n_bytes)])
    return rows


def _perplexity(nll: float, n_tokens: float) -> float:
    return math.exp(nll / n_tokens) if n_tokens > 0 else float("nan")


def _bits_per_byte(nll: float, n_bytes: float) -> float:
    return nll / (math.log(2) * n_bytes) if n_bytes > 0 else float("nan")


def _perplexity_from_totals(totals: Any, _args: Mapping[str, Any]) -> float:
    return _perplexity(float(totals[0]), float(totals[1]))


def _bpb_from_totals(totals: Any, _args: Mapping[str, Any]) -> float:
    return _bits_per_byte(float(totals[0]), float(totals[2]))


def _compute(name: str, predictions: Sequence[Any], per_row: Any, count_col: int) -> MetricResult:
    rows = likelihood_rows(predictions, name)
    totals = [sum(r[c] for r in rows) for c in range(3)]
    per_sample = [per_row(r) if r[count_col] > 0 else 0.0 for r in rows]
    value = per_row(totals)
    return MetricResult(
        value=value,
        per_sample=per_sample,
        stats=rows,
        settings={"aggregate": "corpus: from summed nll, tokens and bytes over documents"},
        details={
            "nll": totals[0],
            "n_tokens": int(totals[1]),
            "n_bytes": int(totals[2]),
            "n_unscored": sum(1 for r in rows if r[count_col] <= 0),
        },
    )


def compute_perplexity(predictions: Sequence[Any], _references: Sequence[Any], _args: Mapping[str, Any]) -> MetricResult:
    return _compute("perplexity", predictions, lambda r: _perplexity(r[0], r[1]), 1)


def compute_bits_per_byte(predictions: Sequence[Any], _references: Sequence[Any], _args: Mapping[str, Any]) -> MetricResult:
    return _compute("bits_per_byte", predictions, lambda r: _bits_per_byte(r[0], r[2]), 2)


def likelihood_specs() -> list[MetricSpec]:
    return [
        MetricSpec(
            name="perplexity",
            description="exp(summed NLL / scored tokens) over the corpus; CI by bootstrap over documents",
            version=IMPLEMENTATION_VERSION,
            higher_is_better=False,
            compute=compute_perplexity,
            aggregate=SummedStatsAggregate(_perplexity_from_totals),
            needs_reference=False,
        ),
        MetricSpec(
            name="bits_per_byte",
            description="summed NLL / (ln 2 x UTF-8 bytes): comparable across tokenizers; CI over documents",
            version=IMPLEMENTATION_VERSION,
            higher_is_better=False,
            compute=compute_bits_per_byte,
            aggregate=SummedStatsAggregate(_bpb_from_totals),
            needs_reference=False,
        ),
    ]
