"""``--runtime auto`` (the default): the fastest exact runtime measured here, recorded, overridable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from nlpsuite.models import runtime_probe
from nlpsuite.models.runtime_probe import ProbeTarget, select_runtime, vectors_match
from nlpsuite.runtime import load_task
from nlpsuite.specs import TaskOptions

needs_onnx = pytest.mark.skipif(not runtime_probe.runtime_installed("onnx"), reason="needs the fast extra")
VECTORS = np.linspace(-1, 1, 64, dtype=np.float32).reshape(8, 8)


def candidate(outputs: np.ndarray, seconds: float, calls: list[str] | None = None, name: str = ""):
    def build():
        def run():
            if calls is not None:
                calls.append(name)
            time.sleep(seconds)
            return outputs
        return run
    return build


@pytest.fixture
def choices_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(runtime_probe, "choices_dir", lambda: tmp_path / "runtime-choices")
    return tmp_path / "runtime-choices"


def target(candidates, weights="w" * 64, quantize="none") -> ProbeTarget:
    return ProbeTarget("sentence-encoder", weights, quantize, candidates, vectors_match, len(VECTORS))


def test_auto_picks_the_fastest_runtime_whose_outputs_equal_torchs(choices_dir):
    chosen = select_runtime(target({"torch": candidate(VECTORS, 0.02), "onnx": candidate(VECTORS + 2e-7, 0.001)}))
    assert chosen.runtime == "onnx" and not chosen.reused
    by_name = {m.runtime: m for m in chosen.measurements}
    assert by_name["onnx"].exact and by_name["onnx"].items_per_s > by_name["torch"].items_per_s
    assert "fastest exact runtime" in chosen.reason


def test_auto_never_picks_an_inexact_runtime_however_fast(choices_dir):
    chosen = select_runtime(target({"torch": candidate(VECTORS, 0.02), "onnx": candidate(VECTORS + 1e-3, 0.0)}))
    assert chosen.runtime == "torch"
    onnx = next(m for m in chosen.measurements if m.runtime == "onnx")
    assert onnx.exact is False and onnx.difference == pytest.approx(1e-3, rel=1e-2)
    assert "not exact: onnx" in chosen.reason


def test_within_the_noise_margin_auto_keeps_torch(choices_dir, monkeypatch):
    candidates = {"torch": candidate(VECTORS, 0.0), "onnx": candidate(VECTORS, 0.0)}
    monkeypatch.setattr(runtime_probe, "_race", lambda runs: {"torch": 1.0, "onnx": 0.97})  # 3% faster: noise
    kept = select_runtime(target(candidates))
    assert kept.runtime == "torch" and "onnx not 5% faster" in kept.reason
    monkeypatch.setattr(runtime_probe, "_race", lambda runs: {"torch": 1.0, "onnx": 0.8})
    assert select_runtime(target(candidates, weights="u" * 64)).runtime == "onnx"


def test_candidates_are_timed_in_alternating_rounds():
    calls: list[str] = []
    runtime_probe._race({"torch": lambda: calls.append("torch"), "onnx": lambda: calls.append("onnx")})
    assert calls[:4] == ["torch", "onnx", "onnx", "torch"] and len(calls) == 2 * runtime_probe.MAX_REPEATS


def test_a_runtime_that_fails_its_probe_is_skipped_with_the_reason(choices_dir):
    def broken():
        raise RuntimeError("no kernel for this shape")

    chosen = select_runtime(target({"torch": candidate(VECTORS, 0.0), "onnx": broken}))
    assert chosen.runtime == "torch"
    assert "no kernel for this shape" in next(m for m in chosen.measurements if m.runtime == "onnx").error


def test_the_choice_is_measured_once_per_machine_and_model_then_reused(choices_dir, monkeypatch):
    calls: list[str] = []
    candidates = {"torch": candidate(VECTORS, 0.0, calls, "torch"), "onnx": candidate(VECTORS, 0.0, calls, "onnx")}
    first = select_runtime(target(candidates))
    measured = len(calls)
    second = select_runtime(target(candidates))
    assert second.reused and second.runtime == first.runtime and len(calls) == measured
    # another model, or another thread count, is measured again
    select_runtime(target(candidates, weights="v" * 64))
    assert len(calls) > measured
    measured = len(calls)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert not select_runtime(target(candidates)).reused and len(calls) > measured
    # a damaged stored choice is measured again, never an error
    for path in choices_dir.glob("*.json"):
        path.write_text("{not json", encoding="utf-8")
    assert not select_runtime(target(candidates)).reused


def test_a_runtime_not_installed_is_not_a_candidate(monkeypatch, choices_dir):
    from nlpsuite.models.encoder_runtime import RuntimeChoice, fast_encoder
    from nlpsuite.plugins.embedded import MINILM_SHA256, minilm_path

    monkeypatch.setattr(runtime_probe, "runtime_installed", lambda name: name == "torch")
    encoder = fast_encoder(minilm_path(), MINILM_SHA256["model.safetensors"], RuntimeChoice("auto"))
    assert encoder.describe() == {"runtime": "torch", "quantize": "none", "runtime_chosen_by": "auto"}
    assert encoder.runtime_selection.reason == "the only runtime installed for this model"
    assert not choices_dir.exists()  # nothing measured, nothing stored


@needs_onnx
def test_int8_is_chosen_only_when_asked_for(choices_dir):
    from nlpsuite.session import Session

    plain = load_task("classification", None, TaskOptions(offline=True, quiet=True, task_args={"labels": "a,b"}),
                      session=Session())  # a session of its own: no choice pinned by an earlier test
    assert plain.config()["quantize"] == "none" and plain.config()["runtime_chosen_by"] == "auto"
    selection = plain.predictor.model.runtime_selection
    chosen = next(m for m in selection.measurements if m.runtime == plain.config()["runtime"])
    assert chosen.exact is not False and selection.quantize == "none"
    int8 = load_task("classification", None, TaskOptions(offline=True, quiet=True, task_args={"labels": "a,b"},
                                                         model_args={"quantize": "int8"}))
    assert (int8.config()["runtime"], int8.config()["quantize"]) == ("onnx", "int8")


@needs_onnx
def test_a_forced_runtime_overrides_the_stored_choice(choices_dir, monkeypatch):
    from nlpsuite.session import Session

    def classifier(model_args):
        return load_task("classification", None, TaskOptions(offline=True, quiet=True, task_args={"labels": "a,b"},
                                                             model_args=model_args), session=Session())

    for stored, forced in (("onnx", "torch"), ("torch", "onnx")):
        monkeypatch.setattr(runtime_probe, "_race", lambda runs, fast=stored: {n: 0.1 if n == fast else 1.0 for n in runs})
        for path in choices_dir.glob("*.json"):
            path.unlink()
        assert classifier({}).config()["runtime"] == stored  # auto stored this choice
        task = classifier({"runtime": forced})
        assert (task.config()["runtime"], task.config()["runtime_chosen_by"]) == (forced, "forced")


def test_the_runtime_auto_chose_is_in_the_results_and_the_cache_key(tmp_path):
    from nlpsuite.evaluation.runner import EvalRequest, run_eval

    def evaluate(name: str, model_args: dict):
        return run_eval(EvalRequest(task="sentiment", options=TaskOptions(offline=True, quiet=True, model_args=model_args),
                                    output_dir=str(tmp_path / name)), notify=lambda _m: None)

    auto = evaluate("auto", {})
    forced = evaluate("torch", {"runtime": "torch"})
    task_config = auto.results["config"]["task"]
    assert task_config["runtime_chosen_by"] == "auto" and task_config["runtime"] in ("torch", "onnx")
    assert forced.results["config"]["task"]["runtime"] == "torch"
    assert auto.results["runtime"]["cache_key"] != forced.results["runtime"]["cache_key"]
    assert forced.results["runtime"]["cached_samples"] == 0  # a different runtime never reuses the other's predictions


@needs_onnx
def test_two_auto_runs_that_landed_on_different_runtimes_never_share_predictions(tmp_path, choices_dir, monkeypatch):
    from nlpsuite.evaluation.runner import EvalRequest, run_eval
    from nlpsuite.session import Session

    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path / "cache"))  # a prediction cache of this test's own
    outcomes = {}
    for fast in ("torch", "onnx"):  # the same command on two machines whose probes ranked the runtimes apart
        monkeypatch.setattr(runtime_probe, "_race", lambda runs, fast=fast: {n: 0.1 if n == fast else 1.0 for n in runs})
        for path in choices_dir.glob("*.json"):
            path.unlink()
        outcomes[fast] = run_eval(EvalRequest(task="sentiment", options=TaskOptions(offline=True, quiet=True),
                                              output_dir=str(tmp_path / fast)), notify=lambda _m: None, session=Session())
    assert [o.results["config"]["task"]["runtime"] for o in outcomes.values()] == ["torch", "onnx"]
    assert outcomes["torch"].results["runtime"]["cache_key"] != outcomes["onnx"].results["runtime"]["cache_key"]
    assert outcomes["onnx"].results["runtime"]["cached_samples"] == 0


def test_a_probe_that_failed_for_a_passing_reason_is_measured_again(choices_dir):
    calls: list[str] = []

    def flaky():
        calls.append("onnx")
        raise MemoryError("out of memory while converting")

    first = select_runtime(target({"torch": candidate(VECTORS, 0.0), "onnx": flaky}))
    assert first.runtime == "torch" and not list(choices_dir.glob("*.json"))  # not stored
    select_runtime(target({"torch": candidate(VECTORS, 0.0), "onnx": flaky}))
    assert len(calls) == 2


def test_a_pinned_choice_is_used_as_is_and_choices_are_recorded_as_pins(choices_dir, monkeypatch):
    calls: list[str] = []
    candidates = {"torch": candidate(VECTORS, 0.0, calls, "torch"), "onnx": candidate(VECTORS, 0.0, calls, "onnx")}
    monkeypatch.setattr(runtime_probe, "_race", lambda runs: {"torch": 1.0, "onnx": 0.1})
    driver: dict[str, str] = {}
    assert select_runtime(target(candidates), pins=driver).runtime == "onnx"
    assert list(driver.values()) == ["onnx"]
    # a worker with other threads would measure for itself; with the driver's pins it measures nothing
    measured = len(calls)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    worker = select_runtime(target(candidates), pins=dict(driver))
    assert worker.runtime == "onnx" and len(calls) == measured and "driver" in worker.reason


def test_no_runtime_at_all_is_a_clear_error(choices_dir):
    from nlpsuite.errors import UsageError

    with pytest.raises(UsageError, match="no runtime installed here can run"):
        select_runtime(target({}, quantize="int8"))


def test_a_file_system_without_locks_still_probes(choices_dir, monkeypatch):
    import fcntl

    def no_locks(*_args):
        raise OSError(37, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    assert select_runtime(target({"torch": candidate(VECTORS, 0.0), "onnx": candidate(VECTORS, 0.0)})).runtime


def test_encoders_whose_sentence_transformers_config_changes_the_input_are_not_run_directly(tmp_path):
    import shutil

    from nlpsuite.models.bert_layout import UnsupportedEncoder, read_bert_layout
    from nlpsuite.plugins.embedded import minilm_path

    for name, content, why in (("sentence_bert_config.json", {"max_seq_length": 256, "do_lower_case": True}, "lowercases"),
                               ("config_sentence_transformers.json", {"default_prompt_name": "query",
                                                                      "prompts": {"query": "query: "}}, "prompt")):
        copy = tmp_path / name.split(".")[0]
        shutil.copytree(minilm_path(), copy)
        (copy / name).write_text(json.dumps(content), encoding="utf-8")
        with pytest.raises(UnsupportedEncoder, match=why):
            read_bert_layout(copy)


def _cli_env(cache: Path) -> dict[str, str]:
    return {**os.environ, "NLPSUITE_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1"}


def _cli(*args: str, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nlpsuite", *args], capture_output=True, text=True,
                          env=_cli_env(cache), timeout=300)


@pytest.mark.slow
def test_processes_starting_together_probe_once_and_share_the_choice(tmp_path):
    command = [sys.executable, "-m", "nlpsuite", "runtimes", "--task", "keywords", "--offline", "--json"]
    together = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=_cli_env(tmp_path)) for _ in range(2)]
    outs = [process.communicate(timeout=300) for process in together]
    assert all(process.returncode == 0 for process in together), [err for _, err in outs]
    (first,), (second,) = (json.loads(out)["models"] for out, _ in outs)
    assert first["runtime"] == second["runtime"]
    if runtime_probe.runtime_installed("onnx"):
        # one measured (under the lock), the other read what it stored
        assert sorted([first["selection"]["reused"], second["selection"]["reused"]]) == [False, True]
        assert {m["runtime"] for m in first["selection"]["measurements"]} == {"torch", "onnx"}
    table = _cli("runtimes", "--task", "keywords", "--offline", cache=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "chosen by" in table.stdout and "auto" in table.stdout
    if runtime_probe.runtime_installed("onnx"):
        assert "stored" in table.stdout


@pytest.mark.slow
def test_every_embedded_task_answers_without_transformers_or_sentence_transformers():
    code = """
import sys
from nlpsuite.runtime import load_task
from nlpsuite.specs import TaskOptions
for name, record, args in [("sentiment", {"text": "fine"}, {}), ("classification", {"text": "a goal"}, {"labels": "sports,politics"}),
                           ("summarization", {"document": "One. Two sentences here. Three."}, {}),
                           ("keywords", {"text": "the football match"}, {}), ("bias", {"test": "weat6"}, {})]:
    task = load_task(name, None, TaskOptions(offline=True, quiet=True, task_args=args), notify=lambda m: None)
    assert "error" not in task.predict([record])[0], name
print(sorted(m for m in ("transformers", "sentence_transformers") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@needs_onnx
def test_compare_of_an_int8_run_against_its_float32_run_states_agreement_and_differences(tmp_path, capsys):
    from nlpsuite.cli.app import main

    for name, flags in (("fp32", ["--runtime", "torch"]), ("int8", ["--runtime", "onnx", "--quantize", "int8"])):
        assert main(["eval", "--task", "sentiment", "--offline", "-q", "--output-dir", str(tmp_path / name), *flags]) == 0
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "fp32"), str(tmp_path / "int8"), "--n-resamples", "200", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["runtimes"] == {"a": "torch", "b": "onnx int8"}
    check = report["runtime_check"]
    (label,) = [a for a in check["agreement"] if a["field"] == "label"]
    assert 0 < label["agree"] <= label["n"] == report["n"] and label["ci_low"] <= label["rate"] <= label["ci_high"]
    accuracy = next(d for d in check["differences"] if d["metric"] == "accuracy")
    assert accuracy["ci_low"] <= accuracy["delta"] <= accuracy["ci_high"]
    assert main(["compare", str(tmp_path / "fp32"), str(tmp_path / "int8"), "--n-resamples", "200"]) == 0
    table = capsys.readouterr().out
    assert "runtime torch" in table and "runtime onnx int8" in table
    assert "the runs differ only in runtime (torch vs onnx int8)" in table and "same in both" in table


def test_runs_of_different_models_get_no_runtime_check(tmp_path):
    from nlpsuite.evaluation.runtime_check import differ_only_in_runtime

    a = {"model": {"name": "m1"}, "config": {"task": {"runtime": "torch"}}}
    assert differ_only_in_runtime(a, {"model": {"name": "m1"}, "config": {"task": {"runtime": "onnx"}}})
    assert not differ_only_in_runtime(a, {"model": {"name": "m2"}, "config": {"task": {"runtime": "onnx"}}})
    assert not differ_only_in_runtime(a, a)
    assert not differ_only_in_runtime(a, {"model": {"name": "m1"}, "config": {"task": {"runtime": "onnx", "l2": 1}}})


def test_runtime_torch_forced_on_a_plain_transformers_model_runs_it(tiny_sentiment_classifier):
    from nlpsuite.errors import UsageError

    for model_args in ({"runtime": "torch"}, {}):
        task = load_task("sentiment", str(tiny_sentiment_classifier), TaskOptions(offline=True, model_args=model_args))
        assert "error" not in task.predict([{"text": "lovely"}])[0]
        assert task.config().get("runtime", "torch") == "torch"
    with pytest.raises(UsageError, match="not available for model"):
        load_task("sentiment", str(tiny_sentiment_classifier), TaskOptions(offline=True, model_args={"runtime": "onnx"}))
