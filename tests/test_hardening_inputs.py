"""Bad dataset files get one clear error naming the file, the line and the fix — before any model loads."""

from __future__ import annotations

import json
import os

import pytest

from nlpsuite.cli.app import main
from nlpsuite.testing import fresh_registry
from tests.eval_plugin import EvalTestPlugin, write_keyword_model

GOOD = [
    {"id": "1", "text": "a good film", "label": "positive"},
    {"id": "2", "text": "a dull film", "label": "negative"},
    {"id": "3", "text": "loved it", "label": "positive"},
]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def kwlabel(tmp_path):
    model = write_keyword_model(tmp_path / "model")
    with fresh_registry([("evaltest", EvalTestPlugin())]):
        def run(dataset, *extra):
            return main(["eval", "--task", "kwlabel", "--model", str(model), "--dataset", str(dataset), "--quiet",
                         "--bootstrap", "20", "-o", str(tmp_path / "run"), *extra])
        yield run


def jsonl_bytes(records) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def test_a_bad_byte_is_reported_at_its_own_line_in_every_format(kwlabel, tmp_path, capsys):
    lines = [json.dumps({**GOOD[i % 3], "id": str(i)}).encode() + b"\n" for i in range(9)]
    lines[5] = b'{"id": "x", "text": "caf\xe9", "label": "positive"}\n'
    data = tmp_path / "bad.jsonl"
    data.write_bytes(b"".join(lines))
    assert kwlabel(data) == 2
    err = capsys.readouterr().err
    assert f"{data}:6: not UTF-8 text (byte 0xe9 at column 25)" in err and "save the file as UTF-8" in err
    csv_file = tmp_path / "bad.csv"
    csv_file.write_bytes(b"text,label\ngood,positive\ndull,negative\ncaf\xe9,negative\n")
    assert kwlabel(csv_file) == 2
    assert f"{csv_file}:4: not UTF-8 text (byte 0xe9 at column 4)" in capsys.readouterr().err


@pytest.mark.parametrize("name, content", [
    ("bom.jsonl", b"\xef\xbb\xbf" + jsonl_bytes(GOOD)),
    ("bom.csv", b"\xef\xbb\xbftext,label\na good film,positive\na dull film,negative\n"),
    ("bom.tsv", b"\xef\xbb\xbftext\tlabel\na good film\tpositive\na dull film\tnegative\n"),
    ("utf16.csv", "text,label\na good film,positive\na dull film,negative\n".encode("utf-16")),
    ("utf16.jsonl", jsonl_bytes(GOOD).decode().encode("utf-16")),
])
def test_byte_order_marks_are_accepted(kwlabel, tmp_path, capsys, name, content):
    data = tmp_path / name
    data.write_bytes(content)
    assert kwlabel(data) == 0, capsys.readouterr().err
    results = json.loads((tmp_path / "run" / "results.json").read_text(encoding="utf-8"))
    assert results["metrics"]["accuracy"]["value"] == 1.0


def test_plain_text_with_a_bom_keeps_its_first_line_clean(tmp_path):
    from nlpsuite.evaluation.dataset_files import load_parallel_text
    from nlpsuite.registry import get_task

    src, ref = tmp_path / "src.txt", tmp_path / "ref.txt"
    src.write_bytes(b"\xef\xbb\xbfA man.\nA dog.\n")
    ref.write_bytes("Ein Mann.\r\nEin Hund.\r\n".encode("utf-8-sig"))
    with fresh_registry([("evaltest", EvalTestPlugin())]):
        dataset = load_parallel_text(get_task("copyedit"), [str(src), str(ref)], task_args={})
    assert [s["input"]["source"] for s in dataset.samples] == ["A man.", "A dog."]
    assert [s["references"] for s in dataset.samples] == ["Ein Mann.", "Ein Hund."]


def test_directories_and_fifos_are_refused_by_what_they_are(kwlabel, tmp_path, capsys):
    folder = tmp_path / "data.jsonl"
    folder.mkdir()
    assert kwlabel(folder) == 2
    assert "is a directory, not a file" in capsys.readouterr().err
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    assert kwlabel(fifo) == 2  # and does not hang waiting for a writer
    assert "is a FIFO (named pipe), not a regular file" in capsys.readouterr().err


def test_a_number_where_text_is_expected_is_refused_at_load_with_its_line(kwlabel, tmp_path, capsys, monkeypatch):
    calls = tmp_path / "calls.txt"
    monkeypatch.setenv("EVAL_TEST_CALLS", str(calls))
    data = tmp_path / "typed.jsonl"
    data.write_bytes(jsonl_bytes([GOOD[0], {"id": "n", "text": 42, "label": "positive"}]))
    assert kwlabel(data) == 2
    err = capsys.readouterr().err
    assert f"{data}:2: field 'text' (column 'text') must be text, got int 42" in err
    assert "internal error" not in err
    assert not calls.exists()  # refused before anything was predicted


def test_a_reference_that_is_an_object_is_refused_with_its_line(kwlabel, tmp_path, capsys):
    data = tmp_path / "refs.jsonl"
    data.write_bytes(jsonl_bytes([GOOD[0], {"id": "2", "text": "x", "label": {"a": 1}}]))
    assert kwlabel(data) == 2
    assert f"{data}:2: reference 'label' must be a label, a text or a list of texts" in capsys.readouterr().err


def test_a_config_only_model_directory_is_said_to_lack_weights(tmp_path, capsys):
    model = tmp_path / "config-only"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertForSequenceClassification"]}))
    assert main(["run", "--task", "sentiment", "--model", str(model), "--offline", "--quiet", "fine"]) == 2
    err = capsys.readouterr().err
    assert "has a config.json but no weight files" in err and "--allow-pickle" not in err
