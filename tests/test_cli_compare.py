"""``nlpsuite compare``: paired tests from stored samples, and refusals of runs that cannot be paired."""

from __future__ import annotations

import json

import pytest

from nlpsuite.cli.app import main
from nlpsuite.evaluation.significance import PAIRED_BOOTSTRAP
from tests.eval_run_dirs import write_run_dir

REFS = [
    "the cat sat on the mat", "a dog ran over the hill", "rain is expected in the north",
    "he reads a book every evening", "the market opens at nine", "she painted the old red door",
    "birds sing in the early morning", "the train was late again today", "we walked along the quiet river",
    "the children played in the park", "my brother cooks dinner on sundays", "the museum closes at five",
]
WEAK = ["the cat", "a dog", "rain", "he reads", "the market", "she painted", "birds", "the train", "we walked",
        "the children", "my brother", "the museum"]


def _translation_rows(hyps, prefix="s"):
    return [(f"{prefix}{i}", ref, hyp) for i, (ref, hyp) in enumerate(zip(REFS, hyps))]


@pytest.fixture
def runs(tmp_path):
    weak = write_run_dir(tmp_path / "weak", "translation", _translation_rows(WEAK), model="weak-model")
    strong = write_run_dir(tmp_path / "strong", "translation", _translation_rows(REFS), model="strong-model")
    return weak, strong


def test_compare_names_the_better_run_per_metric(runs, capsys):
    weak, strong = runs
    assert main(["compare", str(weak), str(strong), "--n-resamples", "300", "--n-trials", "500", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == len(REFS) and report["task"] == "translation"
    tests = {(t["metric"], t["test"]): t for t in report["tests"]}
    assert set(tests) == {(m, t) for m in ("bleu", "chrf", "ter")
                          for t in (PAIRED_BOOTSTRAP, "approximate randomization")}
    for test in tests.values():
        assert test["winner"] == "B" and test["p_value"] < 0.05
    assert tests[("bleu", PAIRED_BOOTSTRAP)]["value_b"] == pytest.approx(100.0)
    assert tests[("ter", PAIRED_BOOTSTRAP)]["delta"] < 0


def test_compare_table_output_and_identical_runs(runs, capsys):
    weak, _ = runs
    assert main(["compare", str(weak), str(weak), "--metrics", "bleu", "--n-resamples", "200", "--n-trials", "200"]) == 0
    out = capsys.readouterr().out
    assert "12 paired samples" in out and "weak-model" in out
    rows = [line for line in out.splitlines() if line.startswith("bleu")]
    assert len(rows) == 2 and all("no significant difference" in r and "1.0000" in r for r in rows)


def test_compare_accuracy_uses_mcnemar(tmp_path, capsys):
    gold = ["pos", "neg"] * 15
    a = write_run_dir(tmp_path / "a", "sentiment", [(str(i), g, "pos") for i, g in enumerate(gold)])
    b = write_run_dir(tmp_path / "b", "sentiment", [(str(i), g, g) for i, g in enumerate(gold)])
    assert main(["compare", str(a), str(b), "--metrics", "accuracy", "--json"]) == 0
    (test,) = json.loads(capsys.readouterr().out)["tests"]
    assert test["test"] == "McNemar (exact binomial)" and test["details"]["a_wrong_b_right"] == 15
    assert test["p_value"] == pytest.approx(2 / 2**15) and test["winner"] == "B"


def test_compare_refuses_different_sample_sets(tmp_path, capsys):
    a = write_run_dir(tmp_path / "a", "translation", _translation_rows(WEAK))
    b = write_run_dir(tmp_path / "b", "translation", _translation_rows(REFS)[:-2])
    assert main(["compare", str(a), str(b)]) == 2
    err = capsys.readouterr().err
    assert "different sample sets" in err and "2 only in A" in err and "'s10'" in err
    assert "hint:" in err


def test_compare_refuses_same_ids_with_other_samples(tmp_path, capsys):
    a = write_run_dir(tmp_path / "a", "translation", _translation_rows(WEAK))
    other = [(sid, ref + " again", hyp) for sid, ref, hyp in _translation_rows(REFS)]
    b = write_run_dir(tmp_path / "b", "translation", other)
    assert main(["compare", str(a), str(b)]) == 2
    assert "different references" in capsys.readouterr().err


def test_compare_refuses_different_tasks(tmp_path, capsys):
    a = write_run_dir(tmp_path / "a", "translation", _translation_rows(WEAK))
    b = write_run_dir(tmp_path / "b", "sentiment", [(f"s{i}", "pos", "pos") for i in range(len(REFS))])
    assert main(["compare", str(a), str(b)]) == 2
    err = capsys.readouterr().err
    assert "different tasks" in err and "'translation'" in err and "'sentiment'" in err


def test_compare_refuses_metrics_scored_with_different_arguments(tmp_path, capsys):
    a = write_run_dir(tmp_path / "a", "translation", _translation_rows(WEAK))
    b = write_run_dir(tmp_path / "b", "translation", _translation_rows(REFS), metric_args={"bleu": {"tokenize": "char"}})
    assert main(["compare", str(a), str(b)]) == 2
    assert "'bleu' was scored with different arguments" in capsys.readouterr().err
    assert main(["compare", str(a), str(b), "--metrics", "chrf", "--n-trials", "100"]) == 0


def test_compare_warns_about_non_reportable_and_failed_runs(tmp_path, capsys):
    a = write_run_dir(tmp_path / "a", "translation", _translation_rows(WEAK), limit=12, errors={"s3": "model raised"})
    b = write_run_dir(tmp_path / "b", "translation", _translation_rows(REFS))
    assert main(["compare", str(a), str(b), "--metrics", "chrf", "--n-trials", "100", "--n-resamples", "100"]) == 0
    err = capsys.readouterr().err
    assert "run A" in err and "not reportable" in err and "--limit 12" in err
    assert "1 failed sample" in err


def test_compare_unknown_metric_and_missing_run_are_clear_errors(runs, tmp_path, capsys):
    weak, strong = runs
    assert main(["compare", str(weak), str(strong), "--metrics", "rouge1"]) == 2
    assert "not scored in both runs" in capsys.readouterr().err
    assert main(["compare", str(weak), str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
