"""Paired significance tests on constructed cases with known answers."""

from __future__ import annotations

import math
import random

import pytest

from nlpsuite.evaluation.significance import (
    APPROXIMATE_RANDOMIZATION,
    MCNEMAR_CHI2,
    MCNEMAR_EXACT,
    PAIRED_BOOTSTRAP,
    mcnemar_p_value,
    paired_tests,
)
from nlpsuite.registry import get_metric


def _translations(n: int, keep: float, seed: int) -> tuple[list[str], list[str]]:
    """References (fixed by ``seed``) and hypotheses that keep each reference word with probability ``keep``."""
    rng = random.Random(seed)
    words = "the cat dog sat on mat a house big small ran quickly slowly over under red blue green old new".split()
    refs = [[rng.choice(words) for _ in range(rng.randint(6, 14))] for _ in range(n)]
    noise = random.Random(f"{seed}-{keep}")
    hyps = [" ".join(w if noise.random() < keep else noise.choice(words) for w in ref) for ref in refs]
    return [" ".join(ref) for ref in refs], hyps


def _tests(metric: str, preds_a, preds_b, refs, **kwargs):
    spec = get_metric(metric)
    return paired_tests(spec, spec.compute(preds_a, refs, {}), spec.compute(preds_b, refs, {}), {}, **kwargs)


def test_mcnemar_known_values():
    scipy_stats = pytest.importorskip("scipy.stats")
    assert mcnemar_p_value(0, 0) == (1.0, MCNEMAR_EXACT)
    assert mcnemar_p_value(5, 5) == (1.0, MCNEMAR_EXACT)
    assert mcnemar_p_value(10, 0) == (2 / 1024, MCNEMAR_EXACT)
    p, test = mcnemar_p_value(3, 9)
    assert test == MCNEMAR_EXACT and p == pytest.approx(scipy_stats.binomtest(3, 12, 0.5).pvalue, rel=1e-12)
    p, test = mcnemar_p_value(30, 10)
    assert test == MCNEMAR_CHI2 and p == pytest.approx(scipy_stats.chi2.sf((20 - 1) ** 2 / 40, 1), rel=1e-12)


def test_identical_runs_are_not_different():
    refs, hyps = _translations(80, 0.7, seed=1)
    for metric in ("bleu", "chrf", "ter", "rouge1"):
        for test in _tests(metric, hyps, hyps, refs, n_resamples=200, n_trials=500):
            assert test.p_value == 1.0 and test.delta == 0 and test.winner() is None, (metric, test.test)
    labels = ["pos", "neg"] * 20
    (test,) = _tests("accuracy", labels, labels, labels[::-1])
    assert test.test == MCNEMAR_EXACT and test.p_value == 1.0


def test_clearly_better_run_wins_with_small_p_in_both_directions():
    refs, worse = _translations(150, 0.4, seed=2)
    _, better = _translations(150, 0.9, seed=2)
    tests = _tests("bleu", worse, better, refs, n_resamples=500, n_trials=2000, seed=3)
    assert [t.test for t in tests] == [PAIRED_BOOTSTRAP, APPROXIMATE_RANDOMIZATION]
    for test in tests:
        assert test.delta > 10 and test.p_value < 0.01 and test.winner() == "B"
        assert test.p_value >= 1 / (test.n_resamples + 1)
    # swapped: the baseline is the better run
    for test in _tests("bleu", better, worse, refs, n_resamples=500, n_trials=2000):
        assert test.winner() == "A"
    # TER is lower-is-better: the better run has the lower TER and still wins
    for test in _tests("ter", worse, better, refs, n_resamples=300, n_trials=1000):
        assert test.delta < 0 and test.winner() == "B"


def test_rouge_uses_paired_bootstrap_and_accuracy_uses_mcnemar():
    refs, worse = _translations(60, 0.3, seed=4)
    _, better = _translations(60, 0.95, seed=4)
    (rouge,) = _tests("rouge2", worse, better, refs, n_resamples=300)
    assert rouge.test == PAIRED_BOOTSTRAP and rouge.winner() == "B"
    gold = ["pos", "neg", "neu"] * 20
    right = list(gold)
    wrong = [g if i % 3 else ("neg" if g == "pos" else "pos") for i, g in enumerate(gold)]
    (test,) = _tests("accuracy", wrong, right, gold)
    assert test.test == MCNEMAR_EXACT and test.details == {"a_right_b_wrong": 0, "a_wrong_b_right": 20}
    assert test.p_value == pytest.approx(2 / 2**20) and test.winner() == "B"


def test_small_differences_are_not_significant_and_results_are_seeded():
    refs, a = _translations(60, 0.7, seed=5)
    b = list(a)
    b[0] = refs[0]  # one sentence fixed: a tiny gain
    first = _tests("chrf", a, b, refs, n_resamples=300, n_trials=1000, seed=9)
    again = _tests("chrf", a, b, refs, n_resamples=300, n_trials=1000, seed=9)
    assert [t.p_value for t in first] == [t.p_value for t in again]
    for test in first:
        assert test.delta > 0 and test.p_value > 0.05 and test.winner() is None
    assert not math.isnan(first[0].details["delta_ci"]["low"])
