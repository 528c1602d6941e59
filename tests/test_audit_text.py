"""Audits of generated text: swap-back similarity and gendered-term faithfulness on tiny translators."""

from __future__ import annotations

import pytest

from nlpsuite.evaluation.audit import AuditRequest, run_audit
from nlpsuite.specs import TaskOptions

pytestmark = pytest.mark.slow


def audit(model, dataset, out):
    # 2 pronoun inputs per direction: a lower threshold than the default so the tiny set gives numbers
    request = AuditRequest(task="translation", model=str(model), dataset=str(dataset), perturbations=("gender", "names"),
                           output_dir=out, output_language="de", min_inputs=2, n_bootstrap=200,
                           options=TaskOptions(quiet=True, device="cpu"))
    return run_audit(request)


@pytest.fixture(scope="module")
def faithful(faithful_translator, translation_audit_dataset, tmp_path_factory, one_torch_thread):
    return audit(faithful_translator, translation_audit_dataset, tmp_path_factory.mktemp("mt-faithful"))


@pytest.fixture(scope="module")
def dropping(she_to_er_translator, translation_audit_dataset, tmp_path_factory, one_torch_thread):
    return audit(she_to_er_translator, translation_audit_dataset, tmp_path_factory.mktemp("mt-dropping"))


def text_block(outcome, perturbation, direction):
    return outcome.results["perturbations"][perturbation]["text"]["translation"]["directions"][direction]


@pytest.mark.parametrize("perturbation", ["gender", "names"])
def test_a_faithful_translator_swaps_back_to_its_original_output(faithful, perturbation):
    for direction in ("male->female", "female->male"):
        block = text_block(faithful, perturbation, direction)
        assert block["swap_back_chrf"]["mean"] == pytest.approx(100.0)
        assert block["swap_back_cosine"]["mean"] == pytest.approx(1.0, abs=1e-4)
        assert block["swap_back_identical"]["value"] == 1.0
        assert block["gender_terms_faithful"]["value"] == 1.0


def test_a_translator_that_turns_she_into_er_is_caught(dropping):
    # "he …" → "er …" and, swapped, "she …" → "er …" again: swapping "er" back gives "sie …", not the original
    back = text_block(dropping, "gender", "female->male")
    assert back["swap_back_chrf"]["mean"] < 90 and back["swap_back_identical"]["value"] == 0.0
    assert set(back["swap_back_methods"]) == {"perturbation direction male->female@de"}
    # the other way the swapped-back output happens to match, but the gendered terms did not follow the input
    forth = text_block(dropping, "gender", "male->female")
    assert forth["swap_back_identical"]["value"] == 1.0
    assert forth["gender_terms_faithful"]["value"] == 0.0 and back["gender_terms_faithful"]["value"] == 0.0
    # names pass through unchanged, so the name swap still swaps back exactly
    assert text_block(dropping, "names", "female->male")["swap_back_identical"]["value"] == 1.0


def test_references_are_swapped_with_the_inputs_in_the_output_language(faithful):
    row = next(r for r in faithful.pairs if r["variant_id"].endswith("gender:female->male"))
    assert row["original_references"].startswith("sie ")
    assert row["variant_references"].startswith("er ")
    assert faithful.results["perturbations"]["gender"]["group_metrics"]["chrf"]["by_group"]["female"]["value"] > 90


def test_text_report_shows_swap_back(dropping):
    html = (dropping.run_dir / "audit.html").read_text(encoding="utf-8")
    assert "swapped back" in html and "swap-back similarity" in html
