"""The paired bootstrap p-value is sacrebleu's ``--paired-bs`` p-value on the same data, seed and resamples."""

from __future__ import annotations

import pytest

from nlpsuite.evaluation.significance import PAIRED_BOOTSTRAP, paired_bootstrap, paired_tests
from nlpsuite.registry import get_metric
from tests.test_eval_significance import _translations

SACREBLEU_DEFAULT_SEED = 12345  # SACREBLEU_SEED's default


def sacrebleu_paired_bs(metric: str, baseline, system, refs, n_samples: int) -> float:
    from sacrebleu.metrics import BLEU, CHRF, TER
    from sacrebleu.significance import PairedTest

    metrics = {"bleu": BLEU, "chrf": CHRF, "ter": TER}
    test = PairedTest([("baseline", baseline), ("system", system)], {metric: metrics[metric]()}, [refs],
                      test_type="bs", n_samples=n_samples)
    _signatures, scores = test()
    (column,) = [v for k, v in scores.items() if k != "System"]
    return column[1].p_value


@pytest.mark.parametrize("metric", ["bleu", "chrf", "ter"])
def test_paired_bootstrap_equals_sacrebleu_paired_bs(metric, monkeypatch):
    monkeypatch.delenv("SACREBLEU_SEED", raising=False)
    refs, baseline = _translations(200, 0.7, seed=11)
    _, system = _translations(200, 0.72, seed=11)
    spec = get_metric(metric)
    ours = paired_bootstrap(spec, spec.compute(baseline, refs, {}), spec.compute(system, refs, {}), {},
                            n_resamples=1000, seed=SACREBLEU_DEFAULT_SEED)
    theirs = sacrebleu_paired_bs(metric, baseline, system, refs, 1000)
    # same draws (default_rng(seed), R x n indices), same statistic: equal, not merely close
    assert ours.p_value == pytest.approx(theirs, abs=1e-12)
    assert 0.05 < ours.p_value < 0.5  # a case where the old statistic gave 2-3x more
    assert ours.test == PAIRED_BOOTSTRAP and "sacrebleu" in ours.details["statistic"]


def test_the_method_is_named_and_identical_runs_still_get_p_1():
    refs, hyps = _translations(50, 0.7, seed=1)
    spec = get_metric("bleu")
    result = spec.compute(hyps, refs, {})
    bootstrap, _randomization = paired_tests(spec, result, result, {}, n_resamples=200, n_trials=200)
    # sacrebleu itself would say 1/(R+1) here, which reads as significant
    assert bootstrap.p_value == 1.0 and bootstrap.to_dict()["test"] == "paired bootstrap (Moses/sacrebleu statistic)"
