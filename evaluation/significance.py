"""Paired significance tests between two runs over the same samples.

* Paired bootstrap (Koehn 2004) with the statistic of Moses'
  ``bootstrap-hypothesis-difference-significance.pl`` and sacrebleu's
  ``--paired-bs``: both systems are scored on the same resamples; with Δ* the
  resampled differences B − A and Δ the observed one,
  ``p = (1 + #{|Δ*| − mean|Δ*| > |Δ|}) / (R + 1)``.  Resamples are drawn as
  sacrebleu draws them (``numpy.random.default_rng(seed)``, R × n indices), so
  with the same seed (sacrebleu's default is ``SACREBLEU_SEED=12345``) and R the
  p-value equals sacrebleu's.  Until this version nlpsuite counted
  ``|Δ* − mean Δ*| >= |Δ|`` (two-sided, centred differences), which gives p-values
  2–3× sacrebleu's on the same data; the method name in results says which one
  was used (:data:`PAIRED_BOOTSTRAP`).
* Approximate randomization (Noreen 1989; Riezler & Maxwell 2005): each trial
  swaps the two systems' outputs on a random half of the samples.
* McNemar's test for per-sample correctness (accuracy): exact two-sided binomial
  test on the discordant pairs when there are at most 25 of them, else the
  continuity-corrected chi-square.

Which test each metric gets (:func:`paired_tests`): accuracy (0/1 per sample)
→ McNemar; BLEU, chrF, TER, macro-F1 (summed sufficient statistics) → paired
bootstrap and approximate randomization; ROUGE and other per-sample means →
paired bootstrap.  Corpus metrics are recomputed from per-sample sufficient
statistics on every resample or trial, as sacrebleu's paired tests do.

Approximate randomization counts differences *at least* as large as the
observed one (``>=``, with the +1 correction).  Where the observed difference
is exactly zero both resampling tests report p = 1: sacrebleu's bootstrap gives
a run compared with itself p = 1/(R + 1), which reads as significant.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from nlpsuite.evaluation.bootstrap import resample_count_chunks, resampled_metric
from nlpsuite.evaluation.metrics.aggregation import SummedStatsAggregate, aggregate_rows
from nlpsuite.specs import MetricResult, MetricSpec

if TYPE_CHECKING:
    import numpy as np

PAIRED_BOOTSTRAP = "paired bootstrap (Moses/sacrebleu statistic)"
PAIRED_BOOTSTRAP_STATISTIC = "p = (1 + #{|d*| - mean|d*| > |d|}) / (R + 1), d = B - A (as sacrebleu --paired-bs and Moses)"
APPROXIMATE_RANDOMIZATION = "approximate randomization"
MCNEMAR_EXACT = "McNemar (exact binomial)"
MCNEMAR_CHI2 = "McNemar (chi-square, continuity-corrected)"
EXACT_MCNEMAR_MAX_DISCORDANT = 25
DEFAULT_ALPHA = 0.05
_CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class PairedTestResult:
    """One test of one metric: A is the baseline, ``delta`` is B − A."""

    metric: str
    test: str
    value_a: float
    value_b: float
    p_value: float
    higher_is_better: bool
    n: int
    n_resamples: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def delta(self) -> float:
        return self.value_b - self.value_a

    def winner(self, alpha: float = DEFAULT_ALPHA) -> str | None:
        """"A" or "B" when the difference is significant at ``alpha``, else ``None``."""
        if self.p_value >= alpha or self.delta == 0:
            return None
        return "B" if (self.delta > 0) == self.higher_is_better else "A"

    def to_dict(self, alpha: float = DEFAULT_ALPHA) -> dict[str, Any]:
        data = asdict(self)
        data["delta"] = self.delta
        data["winner"] = self.winner(alpha)
        data["alpha"] = alpha
        return data


def _at_least(values: np.ndarray, observed: float) -> int:
    import numpy as np

    # a relative tolerance so that float noise in equal scores counts as "as large"
    threshold = abs(observed) - 1e-9 * max(1.0, abs(observed))
    return int(np.count_nonzero(np.abs(values) >= threshold))


def paired_bootstrap(
    spec: MetricSpec,
    result_a: MetricResult,
    result_b: MetricResult,
    args: Mapping[str, Any],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> PairedTestResult:
    """Paired bootstrap test of B − A on ``spec`` with the Moses/sacrebleu statistic (module docstring)."""
    import numpy as np

    n = _n(result_a)
    observed = float(result_b.value) - float(result_a.value)
    deltas = []
    for counts in resample_count_chunks(n, n_resamples, seed):
        deltas.append(resampled_metric(spec, result_b, args, counts) - resampled_metric(spec, result_a, args, counts))
    d = np.concatenate(deltas)
    if observed == 0:
        p = 1.0
    else:
        spread = np.abs(d)
        p = (1 + int(np.count_nonzero(spread - spread.mean() > abs(observed)))) / (n_resamples + 1)
    low, high = np.percentile(d, [2.5, 97.5])
    return PairedTestResult(
        metric=spec.name, test=PAIRED_BOOTSTRAP, value_a=float(result_a.value), value_b=float(result_b.value),
        p_value=float(p), higher_is_better=spec.higher_is_better, n=n, n_resamples=n_resamples,
        details={"delta_ci": {"low": float(low), "high": float(high), "level": 0.95}, "seed": seed,
                 "statistic": PAIRED_BOOTSTRAP_STATISTIC},
    )


def approximate_randomization(
    spec: MetricSpec,
    result_a: MetricResult,
    result_b: MetricResult,
    args: Mapping[str, Any],
    *,
    n_trials: int = 10000,
    seed: int = 0,
) -> PairedTestResult:
    """Two-sided approximate randomization test: swap A's and B's outputs per sample at random."""
    import numpy as np

    n = _n(result_a)
    observed = float(result_b.value) - float(result_a.value)
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_trials, _CHUNK_CELLS // max(n, 1)))
    differences = []
    done = 0
    if result_a.stats is not None and result_b.stats is not None and spec.aggregate is not None:
        stats_a = np.asarray(result_a.stats, dtype=np.float64)
        stats_b = np.asarray(result_b.stats, dtype=np.float64)
        gap, total_a, total_b = stats_b - stats_a, stats_a.sum(axis=0), stats_b.sum(axis=0)
        while done < n_trials:
            size = min(chunk, n_trials - done)
            swap = rng.integers(0, 2, size=(size, n)).astype(np.float64)
            moved = swap @ gap  # what swapping moves from B's totals into A's
            if isinstance(spec.aggregate, SummedStatsAggregate):
                scores_a = spec.aggregate.from_many_totals(total_a + moved, args)
                scores_b = spec.aggregate.from_many_totals(total_b - moved, args)
            else:
                mask = swap.astype(bool)[:, :, None]
                scores_a = np.array([aggregate_rows(spec, rows, args) for rows in np.where(mask, stats_b, stats_a)])
                scores_b = np.array([aggregate_rows(spec, rows, args) for rows in np.where(mask, stats_a, stats_b)])
            differences.append(scores_b - scores_a)
            done += size
    else:
        a = np.asarray(result_a.per_sample, dtype=np.float64)
        b = np.asarray(result_b.per_sample, dtype=np.float64)
        gap = b - a
        while done < n_trials:
            size = min(chunk, n_trials - done)
            swap = rng.integers(0, 2, size=(size, n)).astype(np.float64)
            # swapped mean difference: samples that swap flip the sign of their gap
            differences.append((gap.sum() - 2.0 * (swap @ gap)) / n)
            done += size
    p = (1 + _at_least(np.concatenate(differences), observed)) / (n_trials + 1)
    return PairedTestResult(
        metric=spec.name, test=APPROXIMATE_RANDOMIZATION, value_a=float(result_a.value), value_b=float(result_b.value),
        p_value=float(p), higher_is_better=spec.higher_is_better, n=n, n_resamples=n_trials, details={"seed": seed},
    )


def mcnemar_p_value(a_only: int, b_only: int) -> tuple[float, str]:
    """Two-sided McNemar p-value from the discordant counts (A right/B wrong, A wrong/B right)."""
    discordant = a_only + b_only
    if discordant == 0:
        return 1.0, MCNEMAR_EXACT
    if discordant <= EXACT_MCNEMAR_MAX_DISCORDANT:
        k = min(a_only, b_only)
        tail = sum(math.comb(discordant, i) for i in range(k + 1)) / 2.0**discordant
        return min(1.0, 2.0 * tail), MCNEMAR_EXACT
    statistic = (abs(a_only - b_only) - 1) ** 2 / discordant
    # chi-square with one degree of freedom: P(X > s) = erfc(sqrt(s / 2))
    return math.erfc(math.sqrt(statistic / 2.0)), MCNEMAR_CHI2


def mcnemar(spec: MetricSpec, result_a: MetricResult, result_b: MetricResult) -> PairedTestResult:
    """McNemar's test on per-sample correctness (per-sample scores of 0 or 1)."""
    correct_a = [v >= 0.5 for v in result_a.per_sample or []]
    correct_b = [v >= 0.5 for v in result_b.per_sample or []]
    a_only = sum(1 for x, y in zip(correct_a, correct_b) if x and not y)
    b_only = sum(1 for x, y in zip(correct_a, correct_b) if y and not x)
    p, test = mcnemar_p_value(a_only, b_only)
    return PairedTestResult(
        metric=spec.name, test=test, value_a=float(result_a.value), value_b=float(result_b.value), p_value=p,
        higher_is_better=spec.higher_is_better, n=len(correct_a),
        details={"a_right_b_wrong": a_only, "a_wrong_b_right": b_only},
    )


def is_binary(result: MetricResult) -> bool:
    return result.per_sample is not None and result.stats is None and all(v in (0.0, 1.0) for v in result.per_sample)


def paired_tests(
    spec: MetricSpec,
    result_a: MetricResult,
    result_b: MetricResult,
    args: Mapping[str, Any],
    *,
    n_resamples: int = 1000,
    n_trials: int = 10000,
    seed: int = 0,
) -> list[PairedTestResult]:
    """The tests suited to ``spec``: McNemar for 0/1 per-sample scores; paired bootstrap and
    approximate randomization for stats-based corpus metrics; paired bootstrap for mean metrics."""
    if is_binary(result_a) and is_binary(result_b):
        return [mcnemar(spec, result_a, result_b)]
    tests = [paired_bootstrap(spec, result_a, result_b, args, n_resamples=n_resamples, seed=seed)]
    if result_a.stats is not None and spec.aggregate is not None:
        tests.append(approximate_randomization(spec, result_a, result_b, args, n_trials=n_trials, seed=seed))
    return tests


def _n(result: MetricResult) -> int:
    rows = result.stats if result.stats is not None else result.per_sample
    if rows is None or len(rows) == 0:  # stats may be an array, whose truth value is ambiguous
        raise ValueError("a paired test needs at least one sample")
    return len(rows)
