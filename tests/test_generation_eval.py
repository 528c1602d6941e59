"""``nlpsuite eval`` over texts (perplexity, bits per byte) and over prompts with references, on a tiny GPT-2."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from nlpsuite.cli.app import main
from nlpsuite.registry import get_metric
from nlpsuite.testing.tiny_causal_lm import DEFAULT_SENTENCES

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path / "cache"))


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def results_of(run: Path) -> dict:
    return json.loads((run / "results.json").read_text(encoding="utf-8"))


def samples_of(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "samples.jsonl").read_text(encoding="utf-8").splitlines()]


def test_eval_over_texts_reports_corpus_perplexity_and_bits_per_byte_with_cis_and_rescore_needs_no_model(
    tiny_causal_lm, tmp_path, capsys
):
    texts = [*DEFAULT_SENTENCES, "the dog reads a long book .", " ".join(DEFAULT_SENTENCES)]  # the last is windowed
    data = write_jsonl(tmp_path / "texts.jsonl", [{"id": f"t{i}", "text": t} for i, t in enumerate(texts)])
    run = tmp_path / "run"
    model = shutil.copytree(tiny_causal_lm, tmp_path / "model")  # removed before the rescore
    code = main(["eval", "--task", "generation", "--model", str(model), "--dataset", str(data),
                 "--output-dir", str(run), "--quiet", "--bootstrap", "300"])
    out = capsys.readouterr().out
    assert code == 0 and "perplexity" in out and "bits_per_byte" in out
    results = results_of(run)
    rows = samples_of(run)
    nll = sum(r["prediction"]["likelihood"]["nll"] for r in rows)
    tokens = sum(r["prediction"]["likelihood"]["n_tokens"] for r in rows)
    n_bytes = sum(len(t.encode()) for t in texts)
    perplexity = results["metrics"]["perplexity"]
    assert perplexity["value"] == pytest.approx(math.exp(nll / tokens))
    assert results["metrics"]["bits_per_byte"]["value"] == pytest.approx(nll / (math.log(2) * n_bytes))
    assert perplexity["higher_is_better"] is False and perplexity["fields"]["reference"] is None
    assert perplexity["ci"]["low"] <= perplexity["value"] <= perplexity["ci"]["high"]
    assert perplexity["ci"]["high"] > perplexity["ci"]["low"]
    assert perplexity["details"]["n_tokens"] == tokens
    # each document's own perplexity is in samples.jsonl
    first = rows[0]["prediction"]["likelihood"]
    assert rows[0]["scores"]["perplexity"] == pytest.approx(math.exp(first["nll"] / first["n_tokens"]))
    assert results["config"]["task"]["scoring"]["stride"] == 16

    shutil.rmtree(model)
    code = main(["rescore", str(run)])
    capsys.readouterr()
    assert code == 0
    assert results_of(run)["metrics"]["perplexity"]["value"] == pytest.approx(perplexity["value"])


def test_the_packaged_sample_dataset_evaluates(tiny_causal_lm, tmp_path, capsys):
    run = tmp_path / "run"
    code = main(["eval", "--task", "generation", "--model", str(tiny_causal_lm), "--output-dir", str(run),
                 "--quiet", "--bootstrap", "100"])
    capsys.readouterr()
    results = results_of(run)
    assert code == 0 and results["dataset"]["n"] == 20
    # most of its words are unknown to the tiny model: far from its own sentences' perplexity near 1
    assert results["metrics"]["perplexity"]["value"] > 5


def test_continuations_are_judged_against_references_with_chrf_and_rouge(tiny_causal_lm, tmp_path, capsys):
    records = [
        {"prompt": "the baker makes", "reference": "fresh bread before the sun rises."},
        {"prompt": "my sister reads", "reference": "a long book on the train."},
        {"prompt": "an old man walks", "reference": "his dog by the sea."},
    ]
    data = write_jsonl(tmp_path / "prompts.jsonl", records)
    run = tmp_path / "run"
    code = main(["eval", "--task", "generation-reference", "--model", str(tiny_causal_lm), "--dataset", str(data),
                 "--gen-kwargs", "max_new_tokens=12", "--output-dir", str(run), "--quiet", "--bootstrap", "100"])
    capsys.readouterr()
    assert code == 0
    metrics = results_of(run)["metrics"]
    assert set(metrics) == {"chrf", "rougeL", "continuation_perplexity"}
    rows = samples_of(run)
    assert rows[0]["prediction"]["continuation"] == "fresh bread before the sun rises."
    assert rows[0]["scores"]["rougeL"] == pytest.approx(100.0)
    assert 50 < metrics["rougeL"]["value"] < 100
    assert results_of(run)["config"]["gen_kwargs"] == {"max_new_tokens": 12}


def test_perplexity_metric_leaves_failed_samples_out_and_counts_them():
    spec = get_metric("perplexity")
    preds = [{"nll": 2.0, "n_tokens": 4, "n_bytes": 10}, None, {"nll": 6.0, "n_tokens": 4, "n_bytes": 30}]
    result = spec.compute(preds, [None] * 3, {})
    assert result.value == pytest.approx(math.exp(8.0 / 8))
    assert result.stats[1] == [0.0, 0.0, 0.0] and result.details["n_unscored"] == 1
    assert result.per_sample == pytest.approx([math.exp(0.5), 0.0, math.exp(1.5)])
    bpb = get_metric("bits_per_byte").compute(preds, [None] * 3, {})
    assert bpb.value == pytest.approx(8.0 / (math.log(2) * 40))


class _ReferenceFreeTasks:
    """A third-party plugin binding one metric that needs no reference and one that does, neither with a reference."""

    @staticmethod
    def _task(name: str, metric: str):
        from nlpsuite import FieldSpec, MetricBinding, TaskSpec

        return TaskSpec(name=name, description="d", input_fields=[FieldSpec("text")],
                        output_fields=[FieldSpec("likelihood", "json")], build=lambda r, o: None,
                        default_model="m", metrics=[MetricBinding(metric, "likelihood")])

    from nlpsuite import hookimpl

    @hookimpl
    def register_tasks(self):
        return [self._task("lm-ok", "perplexity"), self._task("lm-bad", "chrf")]


def test_the_contract_checker_accepts_a_reference_free_metric_bound_without_a_reference():
    from nlpsuite.testing.contract import contract_problems

    problems = [p for p in contract_problems(_ReferenceFreeTasks(), name="lmtasks", run_examples=False)
                if "metric" in p]
    assert problems == ["task 'lm-bad': metric 'chrf' needs a reference, but is bound to none"]
