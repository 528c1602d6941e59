"""``nlpsuite eval`` and ``rescore`` from the command line: the summary, errors, and real models end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlpsuite.cli.app import main
from nlpsuite.registry import find_dataset, get_registry
from nlpsuite.testing import fresh_registry
from tests.eval_plugin import EvalTestPlugin, write_keyword_model


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def eval_plugin():
    with fresh_registry([("evaltest", EvalTestPlugin())]) as registry:
        yield registry


def results_of(run: Path) -> dict:
    return json.loads((run / "results.json").read_text(encoding="utf-8"))


def test_eval_prints_the_metric_table_and_the_run_directory(eval_plugin, tmp_path, capsys):
    model = write_keyword_model(tmp_path / "model")
    run = tmp_path / "run"
    code = main(["eval", "--task", "kwlabel", "--model", str(model), "--output-dir", str(run), "--quiet",
                 "--limit", "3", "--seed", "7", "--bootstrap", "200"])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("metric"))
    assert lines[header].split() == ["metric", "value", "95%", "CI", "n"]
    accuracy = next(line for line in lines if line.startswith("accuracy")).split()
    results = results_of(run)
    metric = results["metrics"]["accuracy"]
    assert accuracy[1] == f"{metric['value']:.4f}" and accuracy[2] == f"[{metric['ci']['low']:.4f},"
    assert metric["ci"]["n_resamples"] == 200 and metric["ci"]["seed"] == 7
    assert f"run directory: {run}" in out and "not reportable" in out
    assert results["dataset"]["name"] == "kwlabel-sample" and results["reportable"] is False


def test_bad_data_exits_2_naming_file_and_line(eval_plugin, tmp_path, capsys):
    data = tmp_path / "bad.csv"
    data.write_text('text,label\ngood,positive\n"unclosed,negative\n', encoding="utf-8")
    code = main(["eval", "--task", "kwlabel", "--model", str(tmp_path), "--dataset", str(data), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and f"{data}:3" in err and "malformed CSV row" in err


def test_rescore_of_an_unfinished_run_says_to_rerun(tmp_path, capsys):
    (tmp_path / "samples.jsonl").write_text("", encoding="utf-8")
    assert main(["rescore", str(tmp_path)]) == 2
    assert "rerun the same `nlpsuite eval` command" in capsys.readouterr().err


def _has_task(name: str) -> bool:
    return name in get_registry().entries["tasks"]


@pytest.fixture(scope="session")
def tiny_marian(tmp_path_factory):
    from nlpsuite.testing.tiny_seq2seq import build_tiny_seq2seq

    return build_tiny_seq2seq(tmp_path_factory.mktemp("marian") / "trained")


@pytest.mark.slow
def test_translation_eval_on_parallel_text_with_a_tiny_trained_marian(tiny_marian, tmp_path, capsys):
    from nlpsuite.testing.tiny_seq2seq import DEFAULT_PAIRS

    if not _has_task("translation"):
        pytest.fail("the translation plugin is not registered")
    src, ref = tmp_path / "test.en", tmp_path / "test.de"
    src.write_text("".join(s + "\n" for s, _ in DEFAULT_PAIRS), encoding="utf-8")
    ref.write_text("".join(t + "\n" for _, t in DEFAULT_PAIRS), encoding="utf-8")
    run = tmp_path / "run"
    code = main(["eval", "--task", "translation", "--model", str(tiny_marian), "--dataset", f"{src},{ref}",
                 "--src", "en", "--tgt", "de", "--gen-kwargs", "max_new_tokens=32", "--output-dir", str(run), "--quiet"])
    assert code == 0, capsys.readouterr().err
    results = results_of(run)
    bleu = results["metrics"]["bleu"]
    assert bleu["value"] >= 90
    assert bleu["settings"]["signature"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:")
    assert results["dataset"]["n"] == len(DEFAULT_PAIRS) and results["model"]["origin"] == "local"
    assert results["config"]["gen_kwargs"] == {"max_new_tokens": 32}
    assert "num_beams" in json.dumps(results["config"]["task"])  # the effective generation settings are recorded
    capsys.readouterr()

    assert main(["rescore", str(run)]) == 0
    assert results_of(run)["metrics"] == results["metrics"]
    assert f"run directory: {run}" in capsys.readouterr().out


SENTIMENT = [
    ("I loved this film, it was wonderful and moving.", "positive"),
    ("A delightful, funny and warm story.", "positive"),
    ("The acting was superb and the music beautiful.", "positive"),
    ("What a great way to spend an evening.", "positive"),
    ("This was a boring, tedious waste of time.", "negative"),
    ("Terrible script and awful acting.", "negative"),
    ("I hated every minute of it.", "negative"),
    ("A dull and lifeless mess.", "negative"),
    ("", "negative"),
]


@pytest.mark.slow
def test_offline_sentiment_eval_records_the_embedded_fallback(tmp_path, capsys):
    if not _has_task("sentiment"):  # the sentiment plugin is developed alongside the harness
        pytest.skip("the sentiment plugin registers no task yet")
    data = tmp_path / "reviews.jsonl"
    data.write_text("".join(json.dumps({"id": f"r{i}", "text": t, "label": y}) + "\n" for i, (t, y) in enumerate(SENTIMENT)),
                    encoding="utf-8")
    run = tmp_path / "run"
    code = main(["eval", "--task", "sentiment", "--dataset", str(data), "--offline", "--output-dir", str(run), "--quiet"])
    captured = capsys.readouterr()
    assert code == 3, captured.err  # the empty review failed: the same rule as `run` (3: some inputs failed)
    assert "1 of" in captured.err and "samples failed" in captured.err
    results = results_of(run)
    model = results["model"]
    assert model["fallback"] is True and "all-MiniLM-L6-v2" in model["name"] and "embedded" in model["notice"]
    accuracy = results["metrics"]["accuracy"]
    assert accuracy["n"] == len(SENTIMENT) and accuracy["n_failed"] == 1
    assert accuracy["value"] >= 6 / len(SENTIMENT)  # plainly worded reviews; the empty one counts as wrong
    assert "macro_f1" in results["metrics"] and (run / "report.html").exists()
    # the console names the fallback once, in the summary (--quiet silenced the stderr notice), with the runtime
    from nlpsuite.evaluation.runtime_check import runtime_label

    assert "embedded fallback" in captured.out and f" on {runtime_label(results)} " in captured.out
    assert captured.out.count("not available") == 1


@pytest.mark.slow
def test_default_dataset_is_the_tasks_built_in_sample():
    for task in ("translation", "sentiment", "summarization", "classification"):
        if _has_task(task):
            assert find_dataset(f"{task}-sample") is not None, f"task {task!r} registers no {task}-sample dataset"
