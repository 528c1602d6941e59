"""A classifier with a planted gender cue is flagged by the audit; its twin trained without the cue is not."""

from __future__ import annotations

import json

import pytest

from nlpsuite.evaluation.audit import AuditRequest, run_audit
from nlpsuite.specs import TaskOptions

pytestmark = pytest.mark.slow
DIRECTIONS = ("male->female", "female->male")


def audit(model, dataset, out, **changes):
    request = AuditRequest(task="sentiment", model=str(model), dataset=str(dataset), perturbations=("gender", "names"),
                           output_dir=out, options=TaskOptions(quiet=True, device="cpu"), **changes)
    return run_audit(request)


@pytest.fixture(scope="module")
def biased(planted_bias_classifier, audit_dataset, tmp_path_factory):
    return audit(planted_bias_classifier, audit_dataset, tmp_path_factory.mktemp("audit-biased"))


@pytest.fixture(scope="module")
def twin(unbiased_twin_classifier, audit_dataset, tmp_path_factory):
    return audit(unbiased_twin_classifier, audit_dataset, tmp_path_factory.mktemp("audit-twin"))


@pytest.mark.parametrize("perturbation", ["gender", "names"])
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_planted_bias_is_flagged(biased, perturbation, direction):
    result = biased.results["perturbations"][perturbation]["labels"]["label"]["directions"][direction]
    flip = result["flip_rate"]
    assert flip["value"] >= 0.9 and flip["ci"]["low"] > 0 and flip["ci"]["method"] == "Wilson score"
    test = result["paired_test"]
    assert test["p_value"] < 0.01 and test["significant_holm"]
    assert test["toward_label"] == ("positive" if direction == "male->female" else "negative")


@pytest.mark.parametrize("perturbation", ["gender", "names"])
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_twin_without_the_cue_is_not_flagged(twin, perturbation, direction):
    result = twin.results["perturbations"][perturbation]["labels"]["label"]["directions"][direction]
    assert result["flip_rate"]["value"] <= 0.1
    assert result["paired_test"]["p_value"] >= 0.05 and not result["paired_test"]["significant_holm"]


def test_findings_name_the_biased_model_and_clear_the_twin(biased, twin):
    kinds = {(f["perturbation"], f["kind"]) for f in biased.results["findings"]}
    assert {("gender", "label shift"), ("names", "label shift"), ("gender", "group difference")} <= kinds
    assert twin.results["findings"] == []


def test_predicted_label_rate_by_group_shows_the_cue_even_with_balanced_references(biased):
    groups = biased.results["perturbations"]["gender"]["group_metrics"]
    rate = groups["label=positive rate"]
    assert rate["by_group"]["female"]["value"] > 0.9 and rate["by_group"]["male"]["value"] < 0.1
    assert rate["difference"]["ci"]["high"] < 0 and rate["difference"]["ci"]["unit"] == "original input"
    # accuracy cannot see this bias: the references are balanced across the cue
    accuracy = groups["accuracy"]
    assert set(accuracy["by_group"]) == {"male", "female"} and "ci" in accuracy["by_group"]["male"]
    assert accuracy["min_max_ratio"] is not None and accuracy["worst_group"] in ("male", "female")


def test_score_change_has_a_bootstrap_ci_over_original_inputs(biased):
    block = biased.results["perturbations"]["gender"]["scores"]["scores.positive"]
    change = block["directions"]["male->female"]
    assert change["mean_change"] > 0.5 and change["ci"]["low"] > 0
    assert change["ci"]["unit"] == "original input" and change["ci"]["n_resamples"] == 1000


def test_inputs_with_nothing_to_swap_are_counted_and_never_scored(biased):
    counts = biased.results["perturbations"]["gender"]["counts"]
    assert counts["skipped"] > 0 and biased.results["counts"]["inputs_skipped_everywhere"] == 1
    assert all(row["original_id"] != "no-swap" for row in biased.pairs)


def test_every_substitution_is_logged_with_variant_ids(biased):
    rows = [json.loads(line) for line in (biased.run_dir / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(biased.pairs) > 0
    row = next(r for r in rows if r["original_id"] == "she-loved")
    assert row["variant_id"] == "she-loved~gender:female->male"
    assert row["variant_input"]["text"] == "He loved the film."
    assert row["substitutions"] == [{"field": "text", "substitutions": [
        {"start": 0, "end": 3, "original": "She", "replacement": "He"}]}]


def test_reports_show_plots_diffs_and_provenance(biased):
    html = (biased.run_dir / "audit.html").read_text(encoding="utf-8")
    md = (biased.run_dir / "audit.md").read_text(encoding="utf-8")
    assert "<svg" in html and "<del>" in html and "<ins>" in html
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "Top failing examples" in md and "FLAGGED" in md
    assert "Bertrand" in md and "sha256" in md


def test_small_slices_are_insufficient_evidence(planted_bias_classifier, audit_dataset, tmp_path):
    outcome = audit(planted_bias_classifier, audit_dataset, tmp_path, min_inputs=20, n_bootstrap=50)
    gender = outcome.results["perturbations"]["gender"]["labels"]["label"]["directions"]["male->female"]
    assert gender["status"] == "insufficient evidence" and "flip_rate" not in gender
    names = outcome.results["perturbations"]["names"]["labels"]["label"]["directions"]["male->female"]
    assert names["flip_rate"]["value"] >= 0.9  # 28 inputs: enough


def test_audit_reuses_stored_predictions(planted_bias_classifier, audit_dataset, tmp_path, biased):
    again = audit(planted_bias_classifier, audit_dataset, tmp_path, n_bootstrap=50)
    assert again.results["runtime"]["predicted_samples"] == 0
    counts = biased.results["counts"]
    assert again.results["runtime"]["cached_samples"] == counts["inputs_with_variants"] + counts["variants"]
