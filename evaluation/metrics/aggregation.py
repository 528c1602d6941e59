"""Corpus-level aggregation from per-sample sufficient statistics.

Every built-in corpus metric (BLEU, chrF, TER, macro-F1) is a function of the
*sum* of per-sample statistic rows.  :class:`SummedStatsAggregate` captures that:
it is the ``MetricSpec.aggregate`` callable, and because the bootstrap and the
paired tests can see that it only needs column sums, they resample by one
matrix product (resample counts @ stats) instead of a Python loop over rows.

An aggregate may take the metric arguments as an optional second parameter
(BLEU's smoothing, chrF's beta change how totals become a score);
:func:`aggregate_rows` passes them when the callable accepts them, so a
third-party ``aggregate(rows)`` keeps working.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nlpsuite.specs import MetricSpec

if TYPE_CHECKING:  # numpy loads when a metric computes, not when plugins are listed
    import numpy as np


@dataclass(frozen=True)
class SummedStatsAggregate:
    """An aggregate that depends only on the column sums of the stats rows.

    ``from_totals(totals, args)`` turns one vector of summed statistics into the
    corpus score under the metric arguments ``args``.
    """

    from_totals: Callable[[np.ndarray, Mapping[str, Any]], float]

    def __call__(self, rows: Any, args: Mapping[str, Any] | None = None) -> float:
        import numpy as np

        totals = np.asarray(rows, dtype=np.float64).sum(axis=0)
        return float(self.from_totals(totals, args or {}))

    def from_many_totals(self, totals: np.ndarray, args: Mapping[str, Any] | None = None) -> np.ndarray:
        """Scores for each row of a (resamples × statistics) matrix of totals."""
        import numpy as np

        args = args or {}
        return np.array([self.from_totals(row, args) for row in totals], dtype=np.float64)


def _accepts_args(func: Callable[..., Any]) -> bool:
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)


def aggregate_rows(spec: MetricSpec, rows: Sequence[Sequence[float]] | np.ndarray, args: Mapping[str, Any]) -> float:
    """The corpus value of ``rows`` under ``spec.aggregate`` (passing ``args`` when it takes them)."""
    if spec.aggregate is None:
        raise ValueError(f"metric {spec.name!r} has stats rows but no aggregate")
    if isinstance(spec.aggregate, SummedStatsAggregate) or _accepts_args(spec.aggregate):
        return float(spec.aggregate(rows, args))
    return float(spec.aggregate(rows))


def resample_scores(
    spec: MetricSpec, stats: np.ndarray, counts: np.ndarray, args: Mapping[str, Any]
) -> np.ndarray:
    """Corpus scores of resamples given as per-sample multiplicity ``counts`` (resamples × n).

    Summed-stats aggregates take one matrix product; any other aggregate is
    called on the repeated rows of each resample.
    """
    import numpy as np

    if isinstance(spec.aggregate, SummedStatsAggregate):
        return spec.aggregate.from_many_totals(counts @ stats, args)
    out = np.empty(counts.shape[0], dtype=np.float64)
    for b, row_counts in enumerate(counts):
        rows = np.repeat(stats, row_counts.astype(np.int64), axis=0)
        out[b] = aggregate_rows(spec, rows, args)
    return out
