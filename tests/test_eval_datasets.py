"""Evaluation datasets: each format, --columns, and errors that name the file and line or list the columns found."""

from __future__ import annotations

import sys

import pytest

from nlpsuite.errors import InputError, UsageError
from nlpsuite.evaluation.dataset import ids_sha256, parse_columns, resolve_dataset
from nlpsuite.evaluation.dataset_online import parse_hf_reference
from nlpsuite.registry import get_task
from nlpsuite.testing import fresh_registry
from tests.eval_plugin import SAMPLE_RECORDS, EvalTestPlugin


@pytest.fixture(autouse=True)
def eval_registry():
    with fresh_registry([("evaltest", EvalTestPlugin())]) as registry:
        yield registry


@pytest.fixture
def keywords():
    return get_task("kwlabel")


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_jsonl_with_ids_inputs_and_references(tmp_path, keywords):
    path = write(tmp_path / "d.jsonl", '{"id": 7, "text": "good", "label": "positive"}\n\n{"id": "x", "text": "bad", "label": "negative"}\n')
    data = resolve_dataset(keywords, str(path))
    assert data.samples == [
        {"id": "7", "input": {"text": "good"}, "references": "positive"},
        {"id": "x", "input": {"text": "bad"}, "references": "negative"},
    ]
    assert data.describe()["ids_sha256"] == ids_sha256(["x", "7"])
    assert data.version.startswith("sha256:")


def test_csv_with_column_mapping_numbers_rows_without_id(tmp_path, keywords):
    path = write(tmp_path / "d.csv", 'sentence,sentiment\n"good, really",positive\nawful,negative\n')
    columns = parse_columns("text=sentence,label=sentiment", keywords)
    data = resolve_dataset(keywords, str(path), columns=columns)
    assert [s["id"] for s in data.samples] == ["1", "2"]
    assert data.samples[0] == {"id": "1", "input": {"text": "good, really"}, "references": "positive"}
    assert data.describe()["columns"] == {"text": "sentence", "label": "sentiment"}


def test_tsv_keeps_bare_quotes(tmp_path, keywords):
    path = write(tmp_path / "d.tsv", 'text\tlabel\nthe " film " is good\tpositive\n')
    data = resolve_dataset(keywords, str(path))
    assert data.samples[0]["input"]["text"] == 'the " film " is good'


def test_malformed_jsonl_line_names_file_and_line(tmp_path, keywords):
    path = write(tmp_path / "d.jsonl", '{"text": "a", "label": "positive"}\n\n{"text": "b", "label": \n')
    with pytest.raises(InputError) as info:
        resolve_dataset(keywords, str(path))
    assert f"{path}:3" in info.value.message


def test_malformed_csv_row_names_file_and_line(tmp_path, keywords):
    path = write(tmp_path / "d.csv", "text,label\ngood,positive\nbad,negative,extra\n")
    with pytest.raises(InputError) as info:
        resolve_dataset(keywords, str(path))
    assert f"{path}:3" in info.value.message and "3 fields" in info.value.message


def test_missing_column_lists_the_columns_found(tmp_path, keywords):
    path = write(tmp_path / "d.csv", "sentence,gold\ngood,positive\n")
    with pytest.raises(InputError) as info:
        resolve_dataset(keywords, str(path))
    message = info.value.message
    assert "'text'" in message and "'label'" in message and "columns found: sentence, gold" in message
    assert "--columns" in info.value.hint


def test_missing_field_in_a_jsonl_line_names_the_line_and_its_fields(tmp_path, keywords):
    path = write(tmp_path / "d.jsonl", '{"text": "a", "label": "positive"}\n{"body": "b", "label": "negative"}\n')
    with pytest.raises(InputError) as info:
        resolve_dataset(keywords, str(path))
    assert f"{path}:2" in info.value.message and "columns found: body, label" in info.value.message


def test_duplicate_ids_are_refused(tmp_path, keywords):
    path = write(tmp_path / "d.jsonl", '{"id": 1, "text": "a", "label": "positive"}\n{"id": "1", "text": "b", "label": "negative"}\n')
    with pytest.raises(InputError, match="appears twice"):
        resolve_dataset(keywords, str(path))


def test_empty_text_stays_a_sample(tmp_path, keywords):
    path = write(tmp_path / "d.csv", "text,label\n,negative\ngood,positive\n")
    data = resolve_dataset(keywords, str(path))
    assert data.samples[0]["input"] == {"text": ""}


def test_columns_option_refuses_unknown_fields(keywords):
    with pytest.raises(UsageError, match="does not have"):
        parse_columns("sentence=text", keywords)
    with pytest.raises(UsageError, match="FIELD=COLUMN"):
        parse_columns("text", keywords)


def test_parallel_text_files(tmp_path):
    copy = get_task("copyedit")
    src = write(tmp_path / "test.en", "Hello world\n\nA cat\n")
    ref = write(tmp_path / "test.de", "hello world\nnothing\na cat\n")
    data = resolve_dataset(copy, f"{src},{ref}", task_args={"src_lang": "en"})
    assert [s["id"] for s in data.samples] == ["1", "2", "3"]
    assert data.samples[0] == {"id": "1", "input": {"source": "Hello world", "src_lang": "en"}, "references": "hello world"}
    assert data.samples[1]["input"]["source"] == ""  # blank line kept for alignment, flagged at predict time


def test_parallel_text_files_of_different_length(tmp_path):
    src = write(tmp_path / "a.txt", "one\ntwo\n")
    ref = write(tmp_path / "b.txt", "one\n")
    with pytest.raises(InputError) as info:
        resolve_dataset(get_task("copyedit"), f"{src},{ref}")
    assert "a.txt has 2 lines" in info.value.message and "b.txt has 1" in info.value.message


def test_default_is_the_tasks_registered_sample(keywords):
    data = resolve_dataset(keywords, None)
    assert data.name == "kwlabel-sample" and data.source == "registered:kwlabel-sample"
    assert [s["id"] for s in data.samples] == [r["id"] for r in SAMPLE_RECORDS]


def test_registered_dataset_for_another_task_is_refused():
    with pytest.raises(UsageError, match="is for task 'kwlabel'"):
        resolve_dataset(get_task("copyedit"), "kwlabel-sample")


def test_unknown_dataset_says_what_is_accepted(keywords, tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        resolve_dataset(keywords, str(tmp_path / "nope.jsonl"))
    with pytest.raises(UsageError, match="neither a file nor a registered dataset"):
        resolve_dataset(keywords, "nope")


@pytest.mark.parametrize("reference", ["hf:org/reviews:test", "sacrebleu:wmt14/en-de"])
def test_online_sources_refuse_offline_without_touching_the_network(reference, keywords, monkeypatch):
    # Any attempt to import `datasets` or download with sacrebleu would fail loudly here.
    monkeypatch.setitem(sys.modules, "datasets", None)
    monkeypatch.setitem(sys.modules, "sacrebleu.utils", None)
    task = keywords if reference.startswith("hf:") else get_task("copyedit")
    with pytest.raises(UsageError) as info:
        resolve_dataset(task, reference, offline=True)
    assert "offline mode is on" in info.value.message and "--dataset FILE" in info.value.hint


def test_hf_reference_forms():
    assert parse_hf_reference("org/name") == ("org/name", None, "test", None)
    assert parse_hf_reference("org/name:validation") == ("org/name", None, "validation", None)
    assert parse_hf_reference("org/name:de-en") == ("org/name", "de-en", "test", None)
    assert parse_hf_reference("org/name@abc:de-en:train[:100]") == ("org/name", "de-en", "train[:100]", "abc")
