"""The audit's statistics: proportions, paired tests and a bootstrap that resamples original inputs.

* **Flip rate** (share of counterfactual pairs whose label changed): Wilson
  score interval.  Its coverage stays close to nominal at rates near 0 or 1 and
  for small n, where the Wald interval collapses to a point; Clopper–Pearson is
  offered too but is conservative (wider than it needs to be).
* **Paired test** of original vs counterfactual label: McNemar's exact test,
  i.e. a two-sided binomial test (p = 1/2) on the discordant pairs — the pairs
  that flipped towards a label against those that flipped away from it.  It
  asks whether the swap pushes outcomes in one direction, which is what a
  planted or learnt bias does; with no discordant pairs p = 1.
* **Mean score change, group metrics, swap-back similarity**: seeded percentile
  bootstrap in which the unit resampled is the **original input** (a cluster
  bootstrap): an input and all of its variants are drawn together, so inputs
  with many swaps do not count as many independent observations.
* A slice with fewer than :data:`MIN_INPUTS` distinct original inputs is
  reported as "insufficient evidence", with counts but no estimate: with under
  ten inputs a Wilson interval spans most of [0, 1] and a percentile bootstrap
  has too few distinct resamples to be trusted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from nlpsuite.evaluation.bootstrap import resample_count_chunks

if TYPE_CHECKING:
    import numpy as np

CI_LEVEL = 0.95
MIN_INPUTS = 10
INSUFFICIENT = "insufficient evidence"


def insufficient(n_inputs: int, min_inputs: int) -> dict[str, Any]:
    return {"status": INSUFFICIENT, "n_inputs": n_inputs, "min_inputs": min_inputs,
            "reason": f"{n_inputs} original inputs; at least {min_inputs} are needed for an estimate"}


def _z(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2))


def wilson_interval(k: int, n: int, level: float = CI_LEVEL) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials."""
    if n <= 0:
        return (0.0, 1.0)
    z = _z(level)
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low, high = centre - half, centre + half
    # float noise: k = 0 gives a lower bound of ~1e-17 rather than 0
    return (0.0 if low < 1e-12 else low, 1.0 if high > 1 - 1e-12 else high)


def clopper_pearson_interval(k: int, n: int, level: float = CI_LEVEL) -> tuple[float, float]:
    """Exact (Clopper–Pearson) interval for ``k`` successes in ``n`` trials."""
    from scipy.stats import beta

    if n <= 0:
        return (0.0, 1.0)
    alpha = 1 - level
    low = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return (low, high)


def mcnemar_exact(toward: int, away: int) -> float:
    """Two-sided exact McNemar p-value for ``toward`` vs ``away`` discordant pairs (binomial, p = 1/2)."""
    from scipy.stats import binomtest

    if toward + away == 0:
        return 1.0
    return float(binomtest(toward, toward + away, 0.5, alternative="two-sided").pvalue)


def proportion(k: int, n: int, level: float = CI_LEVEL) -> dict[str, Any]:
    low, high = wilson_interval(k, n, level)
    return {"value": k / n if n else None, "k": k, "n": n,
            "ci": {"low": low, "high": high, "level": level, "method": "Wilson score"}}


class ClusterBootstrap:
    """Seeded resamples of original inputs; ``row_counts(clusters)`` gives each row's weight in every resample.

    A row belongs to one original input (its cluster); a resample that draws an
    input ``c`` times weights all of that input's rows by ``c``.  The same
    resamples serve every statistic of one audit slice, so differences between
    groups are paired.
    """

    def __init__(self, cluster_ids: Sequence[str], n_resamples: int, seed: int) -> None:
        import numpy as np

        self.order = sorted(set(cluster_ids))
        self.index = {c: i for i, c in enumerate(self.order)}
        self.n_resamples = n_resamples
        self.seed = seed
        if n_resamples > 0 and self.order:
            self.counts = np.concatenate(list(resample_count_chunks(len(self.order), n_resamples, seed)))
        else:
            self.counts = np.zeros((0, len(self.order)))

    def row_counts(self, clusters: Sequence[str]) -> np.ndarray:
        import numpy as np

        columns = np.asarray([self.index[c] for c in clusters], dtype=np.int64)
        return self.counts[:, columns] if len(columns) else np.zeros((self.counts.shape[0], 0))

    def mean_ci(self, values: Sequence[float], clusters: Sequence[str], level: float = CI_LEVEL) -> dict[str, Any] | None:
        import numpy as np

        if not len(values) or self.n_resamples <= 0:
            return None
        weights = self.row_counts(clusters)
        totals = weights.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = weights @ np.asarray(values, dtype=np.float64) / totals
        return self.ci(means, level)

    def ci(self, resampled: np.ndarray, level: float = CI_LEVEL) -> dict[str, Any] | None:
        import numpy as np

        finite = resampled[np.isfinite(resampled)]
        if not finite.size:
            return None
        tail = 100.0 * (1.0 - level) / 2.0
        low, high = np.percentile(finite, [tail, 100.0 - tail])
        return {"low": float(low), "high": float(high), "level": level, "method": "bootstrap",
                "interval": "percentile", "unit": "original input", "n_resamples": self.n_resamples,
                "seed": self.seed}


#: Changes smaller than this are float noise (a probability recomputed for the same label), not evidence.
NOISE = 1e-6


def excludes_zero(ci: dict[str, Any] | None, noise: float = NOISE) -> bool:
    """Whether a CI lies clearly on one side of 0 (beyond float noise)."""
    return bool(ci) and (ci["low"] > noise or ci["high"] < -noise)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error control), in the input order."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [1.0] * len(p_values)
    running = 0.0
    m = len(p_values)
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted
