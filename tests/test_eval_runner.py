"""The harness run: results.json / samples.jsonl as specified, the prediction cache, rescoring without a model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nlpsuite.evaluation.dataset import input_hash
from nlpsuite.evaluation.prediction_cache import PredictionCache
from nlpsuite.evaluation.runner import EvalRequest, parse_metric_args, rescore_run, run_eval
from nlpsuite.errors import UsageError
from nlpsuite.registry import get_task
from nlpsuite.specs import TaskOptions
from nlpsuite.testing import fresh_registry
from tests.eval_plugin import EvalTestPlugin, write_keyword_model

REPO = Path(__file__).resolve().parent.parent

DATA = [
    {"id": "a", "text": "a good film", "label": "positive"},
    {"id": "b", "text": "a dull film", "label": "negative"},
    {"id": "c", "text": "   ", "label": "negative"},
    {"id": "d", "text": "great fun", "label": "positive"},
    {"id": "e", "text": "meh, I suppose", "label": "positive"},
    {"id": "f", "text": "loved every minute of this long, long film", "label": "positive"},
]


@pytest.fixture(autouse=True)
def eval_env(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path / "cache"))
    calls = tmp_path / "calls.txt"
    monkeypatch.setenv("EVAL_TEST_CALLS", str(calls))
    with fresh_registry([("evaltest", EvalTestPlugin())]):
        yield calls


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / "reviews.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in DATA), encoding="utf-8")
    return path


@pytest.fixture
def model_dir(tmp_path):
    return write_keyword_model(tmp_path / "kw-model")


def evaluate(model_dir, data_file, out, **changes):
    options = changes.pop("options", TaskOptions(quiet=True))
    request = EvalRequest(task="kwlabel", model=str(model_dir), dataset=str(data_file), output_dir=out,
                          options=options, command="nlpsuite eval …", **changes)
    return run_eval(request, notify=lambda _m: None)


def predicted_texts(calls: Path) -> list[str]:
    return calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []


def test_results_and_samples_follow_the_shared_format(model_dir, data_file, tmp_path):
    outcome = evaluate(model_dir, data_file, tmp_path / "run")
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["schema_version"] == 1 and results["task"] == "kwlabel"
    assert results["dataset"]["n"] == 6 and results["dataset"]["name"] == "reviews.jsonl"
    assert results["model"]["origin"] == "local" and results["model"]["fallback"] is False
    assert results["config"]["batch_size"] == 4 and results["config"]["seed"] == 0
    accuracy = results["metrics"]["accuracy"]
    assert accuracy["value"] == pytest.approx(4 / 6)  # 'c' is empty (failed), 'e' has no keyword
    assert accuracy["n"] == 6 and accuracy["n_failed"] == 1 and accuracy["higher_is_better"] is True
    assert accuracy["ci"]["low"] <= accuracy["value"] <= accuracy["ci"]["high"]
    runtime = results["runtime"]
    assert runtime["cached_samples"] == 0 and runtime["n_batches"] == 2 and runtime["device"] == "cpu"
    repro = results["reproducibility"]
    assert repro["seed"] == 0 and repro["command"] == "nlpsuite eval …" and "sacrebleu" in repro["packages"]
    if (REPO / ".git").exists():
        assert len(repro["git_commit"]) == 40
    assert results["reportable"] is True and results["created"]

    rows = [json.loads(line) for line in (tmp_path / "run" / "samples.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c", "d", "e", "f"]
    assert rows[0] == {"id": "a", "input": {"text": "a good film"}, "input_sha256": input_hash({"text": "a good film"}),
                       "references": "positive", "prediction": {"label": "positive", "score": 1.0}, "error": None,
                       "scores": {"accuracy": 1.0}}
    assert rows[2]["prediction"] is None and "empty" in rows[2]["error"] and rows[2]["scores"]["accuracy"] == 0.0
    assert outcome.reports and all(p.exists() for p in outcome.reports)


def test_limit_marks_the_run_not_reportable(model_dir, data_file, tmp_path):
    results = evaluate(model_dir, data_file, tmp_path / "run", limit=2).results
    assert results["reportable"] is False and results["config"]["limit"] == 2 and results["dataset"]["n"] == 2


def test_rerun_reuses_every_cached_prediction(model_dir, data_file, tmp_path, eval_env):
    first = evaluate(model_dir, data_file, tmp_path / "one").results
    assert len(predicted_texts(eval_env)) == 5  # the empty text never reaches the model
    eval_env.unlink()
    second = evaluate(model_dir, data_file, tmp_path / "two").results
    assert predicted_texts(eval_env) == []
    assert second["runtime"]["cached_samples"] == 5
    assert second["metrics"] == first["metrics"]


def test_changed_generation_config_never_reuses_predictions(model_dir, data_file, tmp_path, eval_env):
    evaluate(model_dir, data_file, tmp_path / "one")
    eval_env.unlink()
    changed = evaluate(model_dir, data_file, tmp_path / "two", options=TaskOptions(quiet=True, generation={"marker": "meh"}))
    assert changed.results["runtime"]["cached_samples"] == 0 and len(predicted_texts(eval_env)) == 5
    assert changed.results["metrics"]["accuracy"]["value"] == pytest.approx(5 / 6)  # 'meh' is now a keyword
    assert changed.results["config"]["gen_kwargs"] == {"marker": "meh"}


def test_retrained_model_in_the_same_directory_is_not_served_from_cache(model_dir, data_file, tmp_path, eval_env):
    evaluate(model_dir, data_file, tmp_path / "one")
    write_keyword_model(model_dir, "dull")
    eval_env.unlink()
    again = evaluate(model_dir, data_file, tmp_path / "two")
    assert again.results["runtime"]["cached_samples"] == 0
    assert [r["prediction"]["label"] for r in again.samples if r["id"] in "ab"] == ["negative", "positive"]


def test_an_edited_input_is_predicted_again_alone(model_dir, data_file, tmp_path, eval_env):
    evaluate(model_dir, data_file, tmp_path / "one")
    edited = [dict(r, text="a good idea") if r["id"] == "e" else r for r in DATA]
    data_file.write_text("".join(json.dumps(r) + "\n" for r in edited), encoding="utf-8")
    eval_env.unlink()
    again = evaluate(model_dir, data_file, tmp_path / "two")
    assert predicted_texts(eval_env) == ["a good idea"]
    assert again.results["runtime"]["cached_samples"] == 4


def test_no_cache_neither_reads_nor_writes(model_dir, data_file, tmp_path):
    evaluate(model_dir, data_file, tmp_path / "one", use_cache=False)
    with PredictionCache.open_default() as cache:
        assert cache.count() == 0


def test_metric_args_are_checked_against_the_task():
    spec = get_task("copyedit")
    assert parse_metric_args("bleu.tokenize=intl,chrf.word_order=2", spec) == {
        "bleu": {"tokenize": "intl"}, "chrf": {"word_order": 2}}
    with pytest.raises(UsageError, match="does not use"):
        parse_metric_args("rouge1.use_stemmer=false", spec)


def test_rescore_gives_identical_metrics_without_importing_torch(model_dir, data_file, tmp_path):
    outcome = evaluate(model_dir, data_file, tmp_path / "run")
    script = (
        "import sys, json\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from nlpsuite.testing import fresh_registry\n"
        "from tests.eval_plugin import EvalTestPlugin\n"
        "from nlpsuite.cli.app import main\n"
        "with fresh_registry([('evaltest', EvalTestPlugin())]):\n"
        f"    code = main(['rescore', {str(tmp_path / 'run')!r}])\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules)\n"
        "print(json.dumps({'code': code, 'heavy': heavy}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"code": 3, "heavy": []}  # 3: the run holds a failed sample (the rule of every command)
    rescored = json.loads((tmp_path / "run" / "results.json").read_text())
    assert rescored["metrics"] == outcome.results["metrics"]
    assert "accuracy" in done.stdout and str(tmp_path / "run") in done.stdout


def test_rescore_with_new_metric_args_in_process(tmp_path, monkeypatch):
    src = tmp_path / "src.txt"
    ref = tmp_path / "ref.txt"
    src.write_text("The Cat sat\nA dog ran home\n", encoding="utf-8")
    ref.write_text("the cat sat\na dog ran away\n", encoding="utf-8")
    request = EvalRequest(task="copyedit", model=str(tmp_path), dataset=f"{src},{ref}", output_dir=tmp_path / "run",
                          options=TaskOptions(quiet=True))
    first = run_eval(request, notify=lambda _m: None)
    assert first.results["metrics"]["bleu"]["settings"]  # the sacrebleu signature travels with the score
    again = rescore_run(tmp_path / "run", metric_args={"bleu": {"lowercase": True}})
    assert again.results["config"]["metric_args"] == {"bleu": {"lowercase": True}}
    assert again.results["metrics"]["chrf"] == first.results["metrics"]["chrf"]
