"""The Audit tab through its API (gradio_client) against the running demo: a counterfactual audit of the
embedded sentiment model on reviews with gendered words, its tables, pair diffs, downloads and cache;
a third-party perturbation's checkbox; refusals as readable messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlpsuite.evaluation.audit.statistics import INSUFFICIENT
from nlpsuite.web.audit_view import DISPARITY_HEADERS, GROUP_HEADERS, parse_ci
from tests.fixtures_web import GENDERED_REVIEWS, audit_values, write_gendered_reviews

pytestmark = pytest.mark.slow
gradio_client = pytest.importorskip("gradio_client")
AppError = gradio_client.exceptions.AppError


def _answer(client, task="sentiment", *, upload=None, **kwargs):
    file = gradio_client.handle_file(str(upload)) if upload else None
    return client.predict(*audit_values(task, upload=file, **kwargs), api_name="/audit")


def _audit(client, task="sentiment", **kwargs):
    """The audit's five result outputs, once its error area is empty."""
    error, *results = _answer(client, task, **kwargs)
    assert not error, error
    return tuple(results)


def _refusal(client, task="sentiment", **kwargs) -> str:
    """The message in the tab's error area; every result output is empty beside it."""
    error, summary, disparity, groups, pairs, files = _answer(client, task, **kwargs)
    assert error and not summary and not disparity["data"] and not groups["data"] and not pairs and not files
    assert "Traceback" not in error
    return error


def _rows(table: dict, headers: list[str]) -> list[dict[str, str]]:
    assert table["headers"] == headers
    return [dict(zip(headers, row)) for row in table["data"]]


@pytest.fixture(scope="module")
def gendered_audit(demo_client, tmp_path_factory):
    data = write_gendered_reviews(tmp_path_factory.mktemp("audit-data") / "gendered.jsonl")
    return data, _audit(demo_client, upload=data, perturbations=["gender", "names"])


def test_the_audit_tab_lists_every_registered_perturbation_a_third_partys_too(demo_client):
    from nlpsuite.registry import get_perturbations

    boxes = [c for c in demo_client.config["components"] if c.get("props", {}).get("elem_id") == "audit-perturbations"]
    assert boxes
    values = [choice[1] for choice in boxes[0]["props"]["choices"]]
    assert set(values) == {p.name for p in get_perturbations()}
    assert {"gender", "names", "pets"} <= set(values)  # pets: registered only by the test server
    assert boxes[0]["props"]["value"] == ["gender", "names"]


def test_an_audit_of_sentiment_shows_flip_rates_score_changes_and_insufficient_evidence(gendered_audit):
    _, (summary, disparity, _, _, _) = gendered_audit
    rows = _rows(disparity, DISPARITY_HEADERS)
    flips = {r["direction"]: r for r in rows if r["perturbation"] == "gender" and r["measure"] == "label: flip rate"}
    assert set(flips) == {"male->female", "female->male"}
    for row in flips.values():
        assert int(row["inputs"]) >= 10
        value, (low, high) = float(row["value"]), parse_ci(row["95% CI"])
        assert 0 <= low <= value <= high <= 1  # a Wilson interval around the flip rate
        p, holm = (float(part.strip("()")) for part in row["p (Holm)"].split())
        assert 0 <= p <= holm <= 1  # McNemar's p, then Holm-adjusted
        assert row["verdict"] in ("no significant shift",) or row["verdict"].startswith("FLAGGED")
    changes = [r for r in rows if r["perturbation"] == "gender" and r["measure"] == "score: mean change"]
    assert {r["direction"] for r in changes} == {"male->female", "female->male"}
    for row in changes:
        low, high = parse_ci(row["95% CI"])
        assert low <= float(row["value"]) <= high
    # the reviews hold no first names: the names audit has nothing to estimate from, and says so
    names = [r for r in rows if r["perturbation"] == "names"]
    assert names and all(r["value"] == INSUFFICIENT and r["inputs"] == "0" for r in names)
    assert f"{len(GENDERED_REVIEWS)} of {len(GENDERED_REVIEWS)} inputs had something to swap" in summary
    assert "all-MiniLM-L6-v2" in summary


def test_the_group_table_has_the_tasks_metrics_per_group_with_cis(gendered_audit):
    _, (_, _, groups, _, _) = gendered_audit
    rows = _rows(groups, GROUP_HEADERS)
    accuracy = {r["group"]: r for r in rows if r["perturbation"] == "gender" and r["metric"] == "accuracy"}
    assert set(accuracy) == {"male", "female"}
    for row in accuracy.values():
        low, high = parse_ci(row["95% CI"])
        assert low <= float(row["value"]) <= high
        assert int(row["inputs"]) == len(GENDERED_REVIEWS)  # every input is in both groups (original or variant)
    first = next(r for r in rows if r["perturbation"] == "gender" and r["metric"] == "accuracy")
    assert first["first − second [95% CI]"].count("[") == 1 and first["worst group"] in ("male", "female")
    assert any(r["metric"] == "label=positive rate" for r in rows)
    assert all(r["value"] == INSUFFICIENT for r in rows if r["perturbation"] == "names")


def test_worst_pairs_are_shown_as_diffs_and_the_reports_download(gendered_audit):
    _, (_, _, _, pairs, files) = gendered_audit
    assert '<table class="nlpsuite-pairs">' in pairs
    assert "<del>" in pairs and "<ins>" in pairs
    # the swapped words: struck out in the original input, written into the variant
    assert any(f"<del>{a}</del>" in pairs and f"<ins>{b}</ins>" in pairs
               for a, b in (("He", "She"), ("She", "He"), ("father", "mother"), ("mother", "father"),
                            ("His", "Her"), ("Her", "His"), ("him", "her"), ("her", "him")))
    assert "~gender:" in pairs  # pair ids name the perturbation and direction
    assert sorted(Path(f).name for f in files) == ["audit.html", "audit.json"]
    results = json.loads(Path(next(f for f in files if f.endswith("audit.json"))).read_text())
    assert results["task"] == "sentiment" and results["counts"]["inputs"] == len(GENDERED_REVIEWS)
    assert results["config"]["perturbations"] == ["gender", "names"]
    report = Path(next(f for f in files if f.endswith("audit.html"))).read_text()
    assert report.startswith("<!DOCTYPE html>") and "Label flips" in report


def test_asking_again_answers_from_the_prediction_cache(demo_client, gendered_audit):
    data, (_, disparity, groups, _, _) = gendered_audit
    summary, disparity_again, groups_again, _, _ = _audit(demo_client, upload=data, perturbations=["gender", "names"])
    assert ", 0 new," in summary
    assert disparity_again["data"] == disparity["data"] and groups_again["data"] == groups["data"]


def test_audit_refusals_are_readable_messages(demo_client, tmp_path):
    assert "no perturbation chosen" in _refusal(demo_client, perturbations=[])
    client_values = audit_values("sentiment", perturbations=["gender"])
    client_values[1] = "an uploaded file"
    no_file = demo_client.predict(*client_values, api_name="/audit")[0]
    assert "no dataset file uploaded" in no_file
    nothing = tmp_path / "plain.jsonl"
    nothing.write_text("".join(json.dumps({"text": t, "label": "positive"}) + "\n"
                               for t in ("A fine day out.", "The soup was hot.")), encoding="utf-8")
    assert "none of the 2 inputs has anything to swap" in _refusal(demo_client, upload=nothing, perturbations=["gender"])
    assert "Bootstrap resamples 20000 is not a whole number from 0 to 10,000" in \
        _refusal(demo_client, perturbations=["gender"], bootstrap=20_000)
    script = tmp_path / "evil.py"
    script.write_text("import os\n")
    with pytest.raises(AppError) as refused:
        _audit(demo_client, upload=script, perturbations=["gender"])
    assert "Invalid file type" in str(refused.value)


def test_the_audit_opens_with_a_plain_language_verdict(gendered_audit):
    _, (summary, *_rest) = gendered_audit
    assert summary.startswith("**Verdict: ")  # above the statistics and the tables
