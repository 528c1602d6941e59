"""WEAT statistics (Caliskan et al. 2017) on embeddings: effect size, permutation p-value, bootstrap CI.

Conventions (those of May et al. 2019, which SEAT results are usually quoted in):

* ``s(w, A, B) = mean_a cos(w, a) - mean_b cos(w, b)`` for every target unit ``w``;
* effect size ``d = (mean_X s - mean_Y s) / std_{X ∪ Y} s`` with the sample standard
  deviation (``ddof=1``);
* one-sided permutation p-value ``P(sum_{X_i} s >= sum_X s)`` over the partitions of
  ``X ∪ Y`` into sets of sizes ``|X|`` and ``|Y|`` (for unequal sizes the difference of
  means and Caliskan's difference of sums are both increasing in ``sum_{X_i} s``, so
  this is the same test): exact enumeration when there are few enough partitions,
  otherwise seeded Monte Carlo with the +1 correction ``(1 + #{>=}) / (1 + N)``, which
  counts the observed partition and so never returns 0;
* a percentile bootstrap CI on ``d``, resampling target units within X and within Y.

A *unit* is a target word.  In templated (SEAT-style) tests a word has several
sentences; :func:`unit_associations` averages its sentences' associations so the
word is the unit that is permuted and resampled.  Sentences of one word are not
independent, so permuting them one by one would understate the p-value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import chain, combinations
from typing import Any, Literal

import numpy as np

from nlpsuite.plugins.bias.schema import (  # noqa: F401 - the defaults live with the declared arguments
    DEFAULT_BOOTSTRAP,
    DEFAULT_CONFIDENCE,
    DEFAULT_MAX_EXACT,
    DEFAULT_PERMUTATIONS,
)
# Partition sums equal in exact arithmetic can differ in the last bits; count those as ties.
TIE_TOLERANCE = 1e-10
# Rows of random keys drawn at once for Monte Carlo permutations (bounds memory).
PERMUTATION_CHUNK = 8_192

PValueMethod = Literal["exact", "monte-carlo"]


@dataclass(frozen=True)
class WeatResult:
    """Statistics of one association test; ``effect_size`` and the CI are ``None`` when undefined."""

    effect_size: float | None
    p_value: float
    p_value_method: PValueMethod
    n_permutations: int
    ci_low: float | None
    ci_high: float | None
    ci_level: float
    n_bootstrap: int
    test_statistic: float
    mean_association_targ1: float
    mean_association_targ2: float
    n_targ1: int
    n_targ2: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Unit-length rows (zero rows stay zero), so dot products are cosines."""
    array = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return np.divide(array, norms, out=np.zeros_like(array), where=norms > 0)


def associations(targets: np.ndarray, attr_a: np.ndarray, attr_b: np.ndarray) -> np.ndarray:
    """``s(w, A, B)`` for every row ``w`` of ``targets`` (cosine similarity)."""
    t = normalize_rows(targets)
    return (t @ normalize_rows(attr_a).T).mean(axis=1) - (t @ normalize_rows(attr_b).T).mean(axis=1)


def unit_associations(values: np.ndarray, units: Sequence[Any] | None) -> np.ndarray:
    """Average per-row associations into one value per unit (first-appearance order).

    ``units[i]`` names the unit (word) row ``i`` belongs to; ``None`` means every
    row is its own unit (plain word tests).
    """
    values = np.asarray(values, dtype=np.float64)
    if units is None:
        return values
    if len(units) != len(values):
        raise ValueError(f"{len(units)} unit labels for {len(values)} rows")
    order: dict[Any, int] = {}
    index = np.array([order.setdefault(u, len(order)) for u in units])
    sums = np.bincount(index, weights=values, minlength=len(order))
    counts = np.bincount(index, minlength=len(order))
    return sums / counts


def effect_size(s_x: np.ndarray, s_y: np.ndarray) -> float | None:
    """Cohen's-d-like effect size over target units; ``None`` when all associations are equal."""
    pooled = np.concatenate([s_x, s_y])
    std = float(np.std(pooled, ddof=1)) if len(pooled) > 1 else 0.0
    if not std > 0:
        return None
    return float((np.mean(s_x) - np.mean(s_y)) / std)


def partition_count(n_x: int, n_y: int) -> int:
    """How many ways ``X ∪ Y`` splits into sets of sizes ``|X|`` and ``|Y|``."""
    return math.comb(n_x + n_y, n_x)


def _tolerance(pooled: np.ndarray) -> float:
    return TIE_TOLERANCE * max(1.0, float(np.abs(pooled).sum()))


def exact_p_value(s_x: np.ndarray, s_y: np.ndarray) -> tuple[float, int]:
    """``(p, number of partitions)`` by enumerating every partition (vectorised over partitions)."""
    pooled = np.concatenate([s_x, s_y])
    n, k = len(pooled), len(s_x)
    total = partition_count(k, n - k)
    indices = np.fromiter(chain.from_iterable(combinations(range(n), k)), dtype=np.int32, count=total * k)
    sums = pooled[indices.reshape(total, k)].sum(axis=1)
    # The first combination is (0, …, k-1): the observed X, summed exactly as the others are.
    observed = sums[0]
    at_least = int(np.count_nonzero(sums >= observed - _tolerance(pooled)))
    return at_least / total, total


def monte_carlo_p_value(s_x: np.ndarray, s_y: np.ndarray, n_samples: int, seed: int) -> float:
    """Seeded Monte Carlo permutation p-value with the +1 correction."""
    pooled = np.concatenate([s_x, s_y])
    n, k = len(pooled), len(s_x)
    observed = pooled[:k].sum()
    tolerance = _tolerance(pooled)
    rng = np.random.default_rng(seed)
    at_least = 0
    remaining = n_samples
    while remaining > 0:
        rows = min(remaining, PERMUTATION_CHUNK)
        # argsort of uniform keys gives uniformly random permutations, one per row
        chosen = np.argsort(rng.random((rows, n)), axis=1)[:, :k]
        at_least += int(np.count_nonzero(pooled[chosen].sum(axis=1) >= observed - tolerance))
        remaining -= rows
    return (1 + at_least) / (1 + n_samples)


def permutation_p_value(
    s_x: np.ndarray,
    s_y: np.ndarray,
    *,
    max_exact: int = DEFAULT_MAX_EXACT,
    n_samples: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
) -> tuple[float, PValueMethod, int]:
    """One-sided p-value that X is more associated with A (relative to B) than Y is.

    Exact when ``C(|X|+|Y|, |X|) <= max_exact``, else Monte Carlo with ``n_samples``
    permutations.  Returns ``(p, method, number of partitions or permutations used)``.
    """
    s_x, s_y = np.asarray(s_x, dtype=np.float64), np.asarray(s_y, dtype=np.float64)
    if partition_count(len(s_x), len(s_y)) <= max_exact:
        p, total = exact_p_value(s_x, s_y)
        return p, "exact", total
    return monte_carlo_p_value(s_x, s_y, n_samples, seed), "monte-carlo", n_samples


def bootstrap_ci(
    s_x: np.ndarray,
    s_y: np.ndarray,
    *,
    n_resamples: int = DEFAULT_BOOTSTRAP,
    level: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> tuple[float | None, float | None]:
    """Percentile bootstrap CI on ``d``, resampling units within X and within Y (seeded).

    Resamples whose associations are all equal (``d`` undefined) are left out;
    ``(None, None)`` when no resample defines ``d``.
    """
    if n_resamples < 1:
        return None, None
    s_x, s_y = np.asarray(s_x, dtype=np.float64), np.asarray(s_y, dtype=np.float64)
    rng = np.random.default_rng(seed)
    xs = s_x[rng.integers(0, len(s_x), size=(n_resamples, len(s_x)))]
    ys = s_y[rng.integers(0, len(s_y), size=(n_resamples, len(s_y)))]
    std = np.std(np.concatenate([xs, ys], axis=1), axis=1, ddof=1)
    defined = std > 0
    if not defined.any():
        return None, None
    d = (xs.mean(axis=1) - ys.mean(axis=1))[defined] / std[defined]
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(d, [tail, 1.0 - tail])
    return float(low), float(high)


def weat_from_associations(
    s_x: np.ndarray,
    s_y: np.ndarray,
    *,
    max_exact: int = DEFAULT_MAX_EXACT,
    n_permutations: int = DEFAULT_PERMUTATIONS,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    level: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> WeatResult:
    """All statistics from per-unit associations of the two target sets."""
    s_x, s_y = np.asarray(s_x, dtype=np.float64), np.asarray(s_y, dtype=np.float64)
    if len(s_x) < 1 or len(s_y) < 1 or len(s_x) + len(s_y) < 3:
        raise ValueError(f"need target sets of at least 1 and 2 units, got {len(s_x)} and {len(s_y)}")
    p, method, used = permutation_p_value(s_x, s_y, max_exact=max_exact, n_samples=n_permutations, seed=seed)
    low, high = bootstrap_ci(s_x, s_y, n_resamples=n_bootstrap, level=level, seed=seed)
    return WeatResult(
        effect_size=effect_size(s_x, s_y),
        p_value=p,
        p_value_method=method,
        n_permutations=used,
        ci_low=low,
        ci_high=high,
        ci_level=level,
        n_bootstrap=n_bootstrap,
        test_statistic=float(s_x.sum() - s_y.sum()),
        mean_association_targ1=float(s_x.mean()),
        mean_association_targ2=float(s_y.mean()),
        n_targ1=len(s_x),
        n_targ2=len(s_y),
    )


def weat(
    x: np.ndarray,
    y: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    *,
    x_units: Sequence[Any] | None = None,
    y_units: Sequence[Any] | None = None,
    **settings: Any,
) -> WeatResult:
    """WEAT on embeddings of targets ``x``, ``y`` and attributes ``a``, ``b`` (one row each).

    ``x_units``/``y_units`` label the rows with the word they came from in a templated
    test; the word is then the unit of permutation and resampling.  ``settings`` are
    those of :func:`weat_from_associations`.
    """
    s_x = unit_associations(associations(x, a, b), x_units)
    s_y = unit_associations(associations(y, a, b), y_units)
    return weat_from_associations(s_x, s_y, **settings)
