"""Built-in metrics agree with direct sacrebleu / rouge-score / scikit-learn calls, and scoring's CIs behave."""

from __future__ import annotations

import random

import pytest

from nlpsuite.errors import InputError, UsageError
from nlpsuite.evaluation.metrics.aggregation import aggregate_rows
from nlpsuite.evaluation.scoring import score_samples
from nlpsuite.registry import get_metric
from tests.eval_run_dirs import task_spec

HYPS = [
    "The cat sat on the mat.",
    "A dog barked loudly at night",
    "",
    "Hello world, said the little robot.",
    "Rain is expected tomorrow in the north.",
    "He reads books every evening before bed.",
]
REFS = [
    "The cat is sitting on the mat.",
    "The dog barked loudly all night.",
    "Nothing was said.",
    "\"Hello, world!\" said the small robot.",
    "Tomorrow rain is expected in the north.",
    "Every evening he reads a book before going to bed.",
]


@pytest.mark.parametrize("name", ["bleu", "chrf", "ter"])
def test_sacrebleu_metrics_match_direct_sacrebleu_calls(name):
    import sacrebleu

    corpus = {"bleu": sacrebleu.corpus_bleu, "chrf": sacrebleu.corpus_chrf, "ter": sacrebleu.corpus_ter}[name]
    sentence = {"bleu": sacrebleu.sentence_bleu, "chrf": sacrebleu.sentence_chrf, "ter": sacrebleu.sentence_ter}[name]
    metric_class = {"bleu": sacrebleu.BLEU, "chrf": sacrebleu.CHRF, "ter": sacrebleu.TER}[name]
    spec = get_metric(name)
    result = spec.compute(HYPS, REFS, {})
    assert result.value == corpus(HYPS, [REFS]).score
    assert result.per_sample == [sentence(h, [r]).score for h, r in zip(HYPS, REFS)]
    direct = metric_class()
    direct.corpus_score(HYPS, [REFS])
    assert result.settings["signature"] == str(direct.get_signature())
    assert spec.higher_is_better is (name != "ter")
    assert "sacrebleu" in spec.version


@pytest.mark.parametrize("name", ["bleu", "chrf", "ter", "macro_f1"])
def test_aggregate_recomputes_the_corpus_score_of_any_resample(name):
    import sacrebleu

    spec = get_metric(name)
    if name == "macro_f1":
        preds, refs = ["a", "b", "a", "c", "b", None], ["a", "b", "b", "c", "a", "c"]
    else:
        preds, refs = HYPS, REFS
    result = spec.compute(preds, refs, {})
    assert spec.aggregate(result.stats) == result.value
    rng = random.Random(3)
    idx = [rng.randrange(len(preds)) for _ in range(len(preds))]
    resample = spec.compute([preds[i] for i in idx], [refs[i] for i in idx], {})
    assert spec.aggregate([result.stats[i] for i in idx]) == pytest.approx(resample.value, abs=1e-12)
    if name != "macro_f1":
        corpus = {"bleu": sacrebleu.corpus_bleu, "chrf": sacrebleu.corpus_chrf, "ter": sacrebleu.corpus_ter}[name]
        assert spec.aggregate([result.stats[i] for i in idx]) == pytest.approx(
            corpus([preds[i] for i in idx], [[refs[i] for i in idx]]).score, abs=1e-12)


def test_bleu_arguments_reach_sacrebleu_and_the_aggregate():
    import sacrebleu

    spec = get_metric("bleu")
    # no 4-gram matches, so the smoothing method changes the score
    hyps, refs = ["The Cat sat down", "Rain at noon"], ["the cat sat, then lay down", "rain by noon"]
    args = {"tokenize": "intl", "lowercase": True, "smooth_method": "floor", "smooth_value": 0.2}
    result = spec.compute(hyps, refs, args)
    direct = sacrebleu.BLEU(**args)
    assert result.value == direct.corpus_score(hyps, [refs]).score
    assert "tok:intl" in result.settings["signature"] and "case:lc" in result.settings["signature"]
    assert aggregate_rows(spec, result.stats, args) == result.value
    # the aggregate without args uses sacrebleu's default smoothing: a different number
    assert spec.aggregate(result.stats) != result.value


def test_multiple_references_per_sample_match_sacrebleu():
    import sacrebleu

    refs = [[r, r.upper()] if i % 2 else [r] for i, r in enumerate(REFS)]
    streams = [[r[0] for r in refs], [r[1] if len(r) > 1 else None for r in refs]]
    result = get_metric("bleu").compute(HYPS, refs, {})
    assert result.value == sacrebleu.corpus_bleu(HYPS, streams).score


def test_unknown_metric_argument_names_what_is_accepted():
    from nlpsuite.evaluation.runner import parse_metric_args
    from nlpsuite.registry import get_task

    with pytest.raises(UsageError) as err:
        parse_metric_args("bleu.tokenizer=intl", get_task("translation"))
    assert "'tokenizer'" in err.value.message and "did you mean 'tokenize'" in err.value.message
    assert "tokenize (one of none, zh, 13a" in err.value.hint


@pytest.mark.parametrize(("given", "expected"), [
    ("rouge1.use_stemmer=False", {"rouge1": {"use_stemmer": False}}),
    ("rouge1.use_stemmer=false,rougeL.split_sentences=no", {"rouge1": {"use_stemmer": False},
                                                            "rougeL": {"split_sentences": False}}),
    ("rouge2.use_stemmer=1", {"rouge2": {"use_stemmer": True}}),
])
def test_metric_arguments_are_typed_so_false_means_false(given, expected):
    from nlpsuite.evaluation.runner import parse_metric_args
    from nlpsuite.registry import get_task

    assert parse_metric_args(given, get_task("summarization")) == expected


def test_a_metric_argument_that_is_not_a_boolean_is_refused_naming_it():
    from nlpsuite.evaluation.runner import parse_metric_args
    from nlpsuite.registry import get_task

    with pytest.raises(UsageError) as err:
        parse_metric_args("bleu.lowercase=maybe", get_task("translation"))
    assert "lowercase='maybe' is not true or false" in err.value.message


@pytest.mark.parametrize("rouge_type", ["rouge1", "rouge2", "rougeL"])
def test_rouge_matches_rouge_score_with_stemming(rouge_type):
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer([rouge_type], use_stemmer=True)
    expected = [100 * scorer.score(r, h)[rouge_type].fmeasure for h, r in zip(HYPS, REFS)]
    spec = get_metric(rouge_type)
    result = spec.compute(HYPS, REFS, {})
    assert result.per_sample == pytest.approx(expected, abs=1e-12)
    assert result.value == pytest.approx(sum(expected) / len(expected), abs=1e-12)
    assert result.settings["use_stemmer"] is True


def test_rouge_lsum_splits_sentences_as_stated():
    from rouge_score import rouge_scorer

    # sentence order differs: summary-level LCS (split) credits both sentences, plain LCS only one
    summary = "Was it wise? Time will tell! The council approved the budget on Monday."
    reference = "On Monday the council approved the budget. Time will tell if it was wise."
    scorer = rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=True)
    expected = scorer.score(
        "On Monday the council approved the budget.\nTime will tell if it was wise.",
        "Was it wise?\nTime will tell!\nThe council approved the budget on Monday.",
    )["rougeLsum"].fmeasure
    result = get_metric("rougeLsum").compute([summary], [reference], {})
    assert result.value == pytest.approx(100 * expected, abs=1e-12)
    unsplit = get_metric("rougeLsum").compute([summary], [reference], {"split_sentences": False})
    assert unsplit.value != result.value
    assert "split after [.!?]" in result.settings["sentence_split"]


def test_accuracy_and_macro_f1_match_scikit_learn_with_failed_samples_wrong():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    refs = ["pos", "neg", "neu", "pos", "neg", "neu", "pos", "pos"]
    preds = ["pos", "neg", "pos", None, "neg", "neg", "pos", "neu"]
    stand_in = [p if p is not None else "(none)" for p in preds]
    accuracy = get_metric("accuracy").compute(preds, refs, {})
    assert accuracy.value == sklearn_metrics.accuracy_score(refs, stand_in)
    assert accuracy.per_sample == [1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    macro = get_metric("macro_f1").compute(preds, refs, {})
    assert macro.value == pytest.approx(
        sklearn_metrics.f1_score(refs, stand_in, average="macro", labels=["neg", "neu", "pos"]), abs=1e-12)
    details = macro.details
    assert details["labels"] == ["neg", "neu", "pos"]
    assert details["confusion_matrix"]["columns"] == ["neg", "neu", "pos", "(no prediction)"]
    assert details["confusion_matrix"]["matrix"] == [[2, 0, 0, 0], [1, 0, 1, 0], [0, 1, 2, 1]]
    assert details["per_class"]["pos"]["support"] == 4
    assert details["per_class"]["neg"]["precision"] == pytest.approx(2 / 3)


def _translation_samples(n: int, seed: int = 1, failed: int = -1) -> list[dict]:
    rng = random.Random(seed)
    words = "the cat dog sat on mat a house big small ran quickly slowly over under red blue".split()
    samples = []
    for i in range(n):
        ref = " ".join(rng.choices(words, k=rng.randint(5, 15)))
        hyp = " ".join(w if rng.random() < 0.7 else rng.choice(words) for w in ref.split())
        samples.append({"id": f"s{i}", "input": {"source": "x"}, "references": ref,
                        "prediction": {"translation": hyp}, "error": None})
    if 0 <= failed < n:
        samples[failed]["prediction"], samples[failed]["error"] = None, "model raised"
    return samples


def test_score_samples_ci_contains_value_and_is_seeded():
    task = task_spec("translation")
    samples = _translation_samples(200)
    first = score_samples(task, samples, seed=7, n_bootstrap=300)
    again = score_samples(task, samples, seed=7, n_bootstrap=300)
    other = score_samples(task, samples, seed=8, n_bootstrap=300)
    for name in ("bleu", "chrf", "ter"):
        metric = first.metrics[name]
        assert metric["ci"]["low"] < metric["value"] < metric["ci"]["high"]
        assert metric["ci"] == again.metrics[name]["ci"]
        assert metric["ci"] != other.metrics[name]["ci"]
        assert (metric["ci"]["n_resamples"], metric["ci"]["seed"], metric["ci"]["level"]) == (300, 7, 0.95)
        assert metric["n"] == 200 and metric["n_failed"] == 0
    assert first.metrics["ter"]["higher_is_better"] is False
    assert set(first.per_sample) == {"bleu", "chrf", "ter"}
    assert all(len(column) == len(samples) for column in first.per_sample.values())
    assert set(first.scores_of(0)) == {"bleu", "chrf", "ter"}


def test_failed_samples_are_scored_as_empty_and_counted():
    task = task_spec("translation")
    good = score_samples(task, _translation_samples(50), n_bootstrap=0)
    with_failure = score_samples(task, _translation_samples(50, failed=3), n_bootstrap=0)
    bleu = with_failure.metrics["bleu"]
    assert bleu["n"] == 50 and bleu["n_failed"] == 1 and bleu["ci"] is None
    assert bleu["value"] < good.metrics["bleu"]["value"]
    assert with_failure.scores_of(3)["chrf"] == 0.0  # sample "s3"


def test_score_samples_passes_metric_args_and_refuses_foreign_ones():
    task = task_spec("translation")
    scored = score_samples(task, _translation_samples(20), metric_args={"bleu": {"tokenize": "char"}}, n_bootstrap=0)
    assert "tok:char" in scored.metrics["bleu"]["settings"]["signature"]
    with pytest.raises(UsageError, match="rouge1"):
        score_samples(task, _translation_samples(20), metric_args={"rouge1": {"use_stemmer": False}})


def test_prediction_without_the_metric_field_is_a_clear_error():
    samples = _translation_samples(3)
    samples[1]["prediction"] = {"text": "oops"}
    with pytest.raises(InputError) as err:
        score_samples(task_spec("translation"), samples)
    assert "'s1'" in err.value.message and "'translation'" in err.value.message and "text" in err.value.message


def test_classification_ci_from_stats_rows_for_macro_f1():
    rng = random.Random(0)
    samples = []
    for i in range(120):
        ref = rng.choice(["pos", "neg"])
        pred = ref if rng.random() < 0.8 else ("neg" if ref == "pos" else "pos")
        samples.append({"id": str(i), "input": {"text": "t"}, "references": ref, "prediction": {"label": pred}, "error": None})
    scored = score_samples(task_spec("sentiment"), samples, n_bootstrap=500)
    for name in ("accuracy", "macro_f1"):
        metric = scored.metrics[name]
        assert metric["ci"]["low"] < metric["value"] < metric["ci"]["high"]
    assert "macro_f1" not in scored.scores_of(0) and scored.scores_of(0)["accuracy"] in (0.0, 1.0)


def test_metrics_plugin_meets_the_contract_and_imports_lightly():
    import subprocess
    import sys

    import nlpsuite.evaluation.metrics as metrics_plugin
    from nlpsuite.testing import contract_problems

    assert contract_problems(metrics_plugin) == []
    probe = ("import sys, nlpsuite.evaluation.metrics as m; m.register_metrics(); "
             "print(sorted(x for x in ('numpy', 'sacrebleu', 'rouge_score', 'nltk') if x in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
