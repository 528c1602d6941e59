"""Seeded percentile bootstrap over samples, vectorised as resample-count matrices.

A resample is represented by how often each sample was drawn (a row of
``counts``), so a mean metric's resample scores are one matrix-vector product
and a summed-stats corpus metric's are one matrix product followed by the
totals → score function.  Resamples are drawn in chunks to bound memory on large
sets; NumPy's generator draws bounded integers from one stream whatever the
chunk shape, so a seed gives the same draws however they are chunked (a test
pins this).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nlpsuite.evaluation.metrics.aggregation import resample_scores
from nlpsuite.specs import MetricResult, MetricSpec

if TYPE_CHECKING:
    import numpy as np

CI_LEVEL = 0.95
# cap on resamples × samples per chunk: 8 MB of counts plus 4 MB of draws, whatever n
_CHUNK_CELLS = 1_000_000


def resample_count_chunks(n: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Yield (chunk × n) matrices of draw counts for ``n_resamples`` resamples of ``n`` samples."""
    import numpy as np

    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_resamples, _CHUNK_CELLS // max(n, 1)))
    done = 0
    while done < n_resamples:
        size = min(chunk, n_resamples - done)
        # int32 draws equal int64 ones for n < 2**31 (the same 32-bit stream), at half the memory
        idx = rng.integers(0, n, size=(size, n), dtype=np.int32 if n < 2**31 else np.int64)
        counts = np.empty((size, n), dtype=np.float64)
        for row, draws in enumerate(idx):
            counts[row] = np.bincount(draws, minlength=n)
        yield counts
        done += size


def resampled_metric(
    spec: MetricSpec, result: MetricResult, args: Mapping[str, Any], counts: np.ndarray
) -> np.ndarray:
    """The metric on each resample in ``counts``: from stats rows when it has them, else the mean."""
    import numpy as np

    if result.stats is not None and spec.aggregate is not None:
        return resample_scores(spec, np.asarray(result.stats, dtype=np.float64), counts, args)
    if result.per_sample is None:
        raise ValueError(f"metric {spec.name!r} returned neither per-sample scores nor stats rows")
    per_sample = np.asarray(result.per_sample, dtype=np.float64)
    return counts @ per_sample / counts.sum(axis=1)


def supports_resampling(spec: MetricSpec, result: MetricResult) -> bool:
    return (result.stats is not None and spec.aggregate is not None) or result.per_sample is not None


@dataclass(frozen=True)
class BootstrapCI:
    low: float
    high: float
    n_resamples: int
    seed: int
    level: float = CI_LEVEL

    def to_dict(self) -> dict[str, Any]:
        return {
            "low": self.low,
            "high": self.high,
            "level": self.level,
            "method": "bootstrap",
            "interval": "percentile",
            "n_resamples": self.n_resamples,
            "seed": self.seed,
        }


def bootstrap_ci(
    spec: MetricSpec,
    result: MetricResult,
    args: Mapping[str, Any],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    level: float = CI_LEVEL,
) -> BootstrapCI | None:
    """Percentile CI of the metric over ``n_resamples`` seeded resamples; ``None`` when not resamplable."""
    import numpy as np

    n = len(result.stats) if result.stats is not None else len(result.per_sample or [])
    if n_resamples <= 0 or n == 0 or not supports_resampling(spec, result):
        return None
    scores = np.concatenate(
        [resampled_metric(spec, result, args, counts) for counts in resample_count_chunks(n, n_resamples, seed)]
    )
    tail = 100.0 * (1.0 - level) / 2.0
    low, high = np.percentile(scores, [tail, 100.0 - tail])
    return BootstrapCI(low=float(low), high=float(high), n_resamples=n_resamples, seed=seed, level=level)
