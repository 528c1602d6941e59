"""No silent wrong numbers: label-name mismatches are mapped (and said) or refused; compare refuses different
inputs; an eval where every sample failed is not a success."""

from __future__ import annotations

import json

import pytest

from nlpsuite.cli.app import main
from nlpsuite.errors import UsageError
from nlpsuite.evaluation.label_alignment import LabelMismatchError, align_labels, parse_label_map
from nlpsuite.testing import fresh_registry
from tests.eval_plugin import EvalTestPlugin, write_keyword_model
from tests.eval_run_dirs import write_run_dir

TEXTS = [("a good film", True), ("a dull film", False), ("loved it", True), ("so bad", False), ("great fun", True)]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def kwlabel(tmp_path):
    model = write_keyword_model(tmp_path / "model")
    with fresh_registry([("evaltest", EvalTestPlugin())]):
        def run(positive, negative, *extra, run_dir="run"):
            data = tmp_path / f"{positive}-{negative}.jsonl"
            data.write_text("".join(
                json.dumps({"id": str(i), "text": text, "label": positive if good else negative}) + "\n"
                for i, (text, good) in enumerate(TEXTS)), encoding="utf-8")
            return main(["eval", "--task", "kwlabel", "--model", str(model), "--dataset", str(data), "--quiet",
                         "--bootstrap", "20", "-o", str(tmp_path / run_dir), *extra])
        yield run


def results(tmp_path, run_dir="run"):
    return json.loads((tmp_path / run_dir / "results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("positive, negative", [("pos", "neg"), (1, 0), ("POSITIVE", "NEGATIVE"), ("Positive", "negative")])
def test_unambiguous_label_names_are_mapped_and_said(kwlabel, tmp_path, capsys, positive, negative):
    assert kwlabel(positive, negative) == 0
    err = capsys.readouterr().err
    assert "nlpsuite: warning: reference labels were mapped to the model's labels" in err
    record = results(tmp_path)
    assert record["metrics"]["accuracy"]["value"] == 1.0 and record["metrics"]["macro_f1"]["value"] == 1.0
    expected = {str(k): v for k, v in ((positive, "positive"), (negative, "negative")) if str(k) != v}
    assert record["labels"]["label"]["mapping"] == expected == record["labels"]["label"]["automatic"]
    assert any("mapped" in w for w in record["warnings"])
    # samples.jsonl keeps the references as written
    rows = [json.loads(line) for line in (tmp_path / "run" / "samples.jsonl").read_text().splitlines()]
    assert rows[0]["references"] == positive


def test_unmatchable_labels_are_refused_side_by_side_and_rescore_finishes_the_run(kwlabel, tmp_path, capsys):
    assert kwlabel("good", "bad") == 2
    err = capsys.readouterr().err
    assert "no reference label is a label the model produces" in err
    assert "reference labels: 'bad', 'good'" in err and "model labels:     'negative', 'positive'" in err
    assert "--label-map" in err and "rescore" in err
    refused = results(tmp_path)
    assert refused["status"] == "labels do not match" and refused["metrics"] == {} and refused["reportable"] is False

    assert main(["rescore", str(tmp_path / "run"), "--label-map", "good=positive,bad=negative"]) == 0
    out = capsys.readouterr()
    assert "mapped" not in out.err  # the user's own mapping needs no warning
    rescored = results(tmp_path)
    assert rescored["status"] == "complete" and rescored["reportable"] is True
    assert rescored["metrics"]["accuracy"]["value"] == 1.0
    assert rescored["config"]["label_map"] == {"good": "positive", "bad": "negative"}
    assert rescored["labels"]["label"]["given"] == {"good": "positive", "bad": "negative"}


def test_eval_takes_a_label_map_and_refuses_one_naming_an_absent_label(kwlabel, tmp_path, capsys):
    assert kwlabel("good", "bad", "--label-map", "good=positive,bad=negative") == 0
    assert results(tmp_path)["metrics"]["accuracy"]["value"] == 1.0
    assert kwlabel("good", "bad", "--label-map", "fine=positive", run_dir="run2") == 2
    assert "names reference label(s) 'fine', which no sample holds" in capsys.readouterr().err
    assert kwlabel("good", "bad", "--label-map", "good", run_dir="run3") == 2
    assert "is not REFERENCE=MODEL" in capsys.readouterr().err


def test_ambiguous_or_partial_cases_are_not_guessed():
    # 0/1/2 is a three-class scheme: "1" is not known to be positive
    with pytest.raises(LabelMismatchError):
        align_labels("label", ["0", "1", "2"], ["positive", "negative", "neutral"])
    # two model labels fold to the same text: no guess
    with pytest.raises(LabelMismatchError):
        align_labels("label", ["POS"], ["Pos", "pos"])
    # overlapping label sets score as they are (a model may never predict a class)
    alignment = align_labels("label", ["positive", "negative"], ["positive", "positive"])
    assert alignment.mapping == {}
    # candidate labels the model chooses from make an impossible reference label known
    from nlpsuite.evaluation.label_alignment import alignment_warnings

    alignment = align_labels("label", ["sports", "politics", "music"], ["sports"], candidates=["sports", "politics"])
    assert alignment.never_predictable() == ["music"]
    assert "can never be predicted" in alignment_warnings(alignment)[0]
    with pytest.raises(UsageError):
        parse_label_map("a=b,a=c")


def test_an_eval_where_every_sample_failed_exits_4_with_results_marked(kwlabel, tmp_path, capsys):
    model = write_keyword_model(tmp_path / "model")
    data = tmp_path / "empty-texts.jsonl"
    data.write_text('{"id": "1", "text": "", "label": "positive"}\n{"id": "2", "text": " ", "label": "negative"}\n',
                    encoding="utf-8")
    code = main(["eval", "--task", "kwlabel", "--model", str(model), "--dataset", str(data), "--quiet",
                 "-o", str(tmp_path / "failed")])
    err = capsys.readouterr().err
    assert code == 4
    assert "nlpsuite: error: every sample failed" in err and "field 'text' is empty" in err
    record = results(tmp_path, "failed")
    assert record["status"] == "all samples failed" and record["reportable"] is False
    assert record["runtime"]["failed_samples"] == 2
    assert main(["rescore", str(tmp_path / "failed")]) == 4


def test_compare_refuses_runs_over_different_inputs_naming_the_first_sample(tmp_path, capsys):
    rows = [("1", "positive", "positive"), ("2", "negative", "positive"), ("3", "negative", "negative")]
    write_run_dir(tmp_path / "a", "sentiment", rows)
    write_run_dir(tmp_path / "b", "sentiment", [(i, r, r) for i, r, _ in rows], inputs={"2": "another sentence"})
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert "inputs differ for 1 of 3 samples, first at sample '2'" in err
    assert "'input of 2'" in err and "'another sentence'" in err
    write_run_dir(tmp_path / "c", "sentiment", [(i, r, r) for i, r, _ in rows])
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "c")]) == 0


def test_compare_uses_stored_input_hashes_and_recorded_label_mappings(kwlabel, tmp_path, capsys):
    assert kwlabel("pos", "neg", run_dir="a") == 0
    assert kwlabel("pos", "neg", run_dir="b") == 0
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--json"]) == 0
    (accuracy,) = [t for t in json.loads(capsys.readouterr().out)["tests"] if t["metric"] == "accuracy"]
    assert accuracy["value_a"] == accuracy["value_b"] == 1.0  # mapped as each run was scored
    samples = tmp_path / "b" / "samples.jsonl"
    rows = [json.loads(line) for line in samples.read_text().splitlines()]
    original_hash = rows[3]["input_sha256"]
    rows[3]["input_sha256"] = "0" * 64  # what a different input would have stored
    samples.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    assert f"first at sample {rows[3]['id']!r}" in capsys.readouterr().err
    rows[3]["input_sha256"] = original_hash
    samples.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    # a run scored under another label mapping is not comparable with it
    assert main(["rescore", str(tmp_path / "a"), "--label-map", "pos=negative,neg=positive"]) == 0
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    assert "the runs mapped reference labels differently" in capsys.readouterr().err
