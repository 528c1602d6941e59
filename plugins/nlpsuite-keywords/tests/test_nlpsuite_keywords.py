"""The example plugin, as its author tests it: the contract, its metric, dataset and perturbation,
and its task through nlpsuite's front ends (run, eval, audit) with no change to the core."""

from __future__ import annotations

import json

import pytest

import nlpsuite_keywords
from nlpsuite import FieldSpec, MetricBinding, TaskSpec, hookimpl
from nlpsuite.cli import main
from nlpsuite.testing import check_plugin_contract, registered


def test_plugin_keeps_the_contract():
    check_plugin_contract(nlpsuite_keywords)


def test_keyword_f1_is_corpus_f1_from_summed_counts():
    result = nlpsuite_keywords.keyword_f1([["a", "b"], ["c"], None], [["a", "x"], ["c"], ["d"]], {})
    assert result.stats == [[1.0, 2.0, 2.0], [1.0, 1.0, 1.0], [0.0, 0.0, 1.0]]
    assert result.value == pytest.approx(100 * 2 * 2 / (3 + 4))
    assert result.per_sample == pytest.approx([50.0, 100.0, 0.0])


def test_spelling_swaps_whole_words_keeping_case_and_plurals():
    result = nlpsuite_keywords.swap_spelling("Colors of the harbor center, not the Colorado.", "us->uk")
    assert result.text == "Colours of the harbour centre, not the Colorado."
    assert [s.original for s in result.substitutions] == ["Color", "harbor", "center"]
    assert nlpsuite_keywords.swap_spelling(result.text, "uk->us").text == "Colors of the harbor center, not the Colorado."


def test_task_evaluates_on_its_sample_dataset(tmp_path, capsys):
    code = main(["eval", "--task", "keywords", "--offline", "--quiet", "--no-cache", "--output-dir", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["dataset"]["name"] == "keywords-sample" and results["dataset"]["n"] == 5
    f1 = results["metrics"]["keyword_f1"]
    assert 20 < f1["value"] <= 100 and f1["ci"]["low"] <= f1["value"] <= f1["ci"]["high"]


class TagsPlugin:
    """A second task, from another author, reusing keyword_f1 on its own field names."""

    NLPSUITE_PLUGIN_API = "1.0"

    @hookimpl
    def register_tasks(self) -> list[TaskSpec]:
        class FirstWords:
            def predict(self, records):
                return [{"tags": r["post"].lower().rstrip(".").split()[:2]} for r in records]

            def config(self):
                return {}

        return [TaskSpec(name="tags", description="the first two words as tags",
                         input_fields=[FieldSpec("post")], output_fields=[FieldSpec("tags", "text_list")],
                         build=lambda request, options: FirstWords(), reference_field="gold_tags",
                         fallback_model="all-MiniLM-L6-v2",
                         metrics=[MetricBinding("keyword_f1", prediction_field="tags", reference_field="gold_tags")],
                         examples=[{"post": "Rain again today."}])]


def test_its_metric_is_reused_by_a_second_task(tmp_path, capsys):
    data = tmp_path / "posts.jsonl"
    data.write_text(json.dumps({"id": "1", "post": "Rain again.", "gold_tags": ["rain", "weather"]}) + "\n"
                    + json.dumps({"id": "2", "post": "Cheap flights.", "gold_tags": ["cheap", "flights"]}) + "\n",
                    encoding="utf-8")
    with registered(TagsPlugin(), "tags"):
        code = main(["eval", "--task", "tags", "--dataset", str(data), "--offline", "--quiet", "--no-cache",
                     "--output-dir", str(tmp_path / "run")])
    assert code == 0, capsys.readouterr().err
    metric = json.loads((tmp_path / "run" / "results.json").read_text(encoding="utf-8"))["metrics"]["keyword_f1"]
    assert metric["value"] == pytest.approx(100 * 2 * 3 / 8)
    assert metric["fields"] == {"prediction": "tags", "reference": "gold_tags"}


def test_audit_with_its_own_perturbation(tmp_path, capsys):
    code = main(["audit", "--task", "keywords", "--perturbations", "spelling", "--offline", "--quiet",
                 "--min-inputs", "1", "--bootstrap", "50", "--output-dir", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    audit = json.loads((tmp_path / "audit.json").read_text(encoding="utf-8"))
    assert "spelling" in json.dumps(audit)
