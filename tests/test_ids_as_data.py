"""Ids are data: any character, including the audit's own variant notation, never makes two samples one."""

from __future__ import annotations

import json

import pytest

from nlpsuite.cli.app import main
from nlpsuite.evaluation.audit.counterfactuals import unambiguous_variant_ids, variant_id
from nlpsuite.testing import fresh_registry
from tests.eval_plugin import EvalTestPlugin, write_keyword_model


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path / "cache"))


def test_a_user_id_in_the_variant_notation_keeps_its_own_prediction_in_an_audit(tmp_path, capsys):
    model = write_keyword_model(tmp_path / "model", "good")
    clash = variant_id("1", "gender", "male->female")
    rows = [{"id": "1", "text": "he is good", "label": "positive"},
            {"id": clash, "text": "he is dull", "label": "negative"}]
    data = tmp_path / "clash.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with fresh_registry([("evaltest", EvalTestPlugin())]):
        code = main(["audit", "--task", "kwlabel", "--model", str(model), "--dataset", str(data), "--perturbations",
                     "gender", "--quiet", "--bootstrap", "0", "--embedding-model", "none", "-o", str(tmp_path / "a")])
    assert code == 0, capsys.readouterr().err
    pairs = [json.loads(line) for line in (tmp_path / "a" / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    by_original = {p["original_id"]: p for p in pairs if p["direction"] == "male->female"}
    # each variant is predicted on its own swapped text, not answered with the user's sample of that name
    assert by_original["1"]["variant_input"]["text"] == "she is good"
    assert by_original["1"]["variant_output"]["label"] == "positive"
    assert by_original[clash]["original_output"]["label"] == "negative"
    assert len({p["variant_id"] for p in pairs}) == len(pairs)
    assert not {p["variant_id"] for p in pairs} & {r["id"] for r in rows}


def test_variant_ids_stay_readable_unless_a_users_ids_make_them_ambiguous():
    keys = [("1", "gender", "male->female"), ("1~gender", "x", "male->female")]
    assert unambiguous_variant_ids(keys, {"1", "1~gender"}) == ["1~gender:male->female", "1~gender~x:male->female"]
    clashing = {"1", variant_id(*keys[0])}
    encoded = unambiguous_variant_ids(keys, clashing)
    assert len(set(encoded)) == 2 and clashing.isdisjoint(encoded)
    # even a user id spelling the encoded form is avoided
    nastier = clashing | {encoded[0]}
    again = unambiguous_variant_ids(keys, nastier)
    assert len(set(again)) == 2 and nastier.isdisjoint(again)
    # two variants that would read alike ("a~b" + "c:d" vs "a" + "b~c:d") get distinct ids
    alike = [("a~b", "c", "d"), ("a", "b~c", "d")]
    assert len(set(unambiguous_variant_ids(alike, {"a~b", "a"}))) == 2
