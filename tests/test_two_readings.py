"""Input that could be read two ways is refused, naming both readings, through the real CLI."""

from __future__ import annotations

import json

import pytest

from tests.test_cli_core import run_probe


def test_a_json_record_with_a_key_twice_is_refused(tmp_path):
    path = tmp_path / "dup.jsonl"
    path.write_text('{"text": "fine", "label": "positive"}\n{"text": "good", "text": "awful", "label": "positive"}\n',
                    encoding="utf-8")
    for argv in (["run", "--task", "sentiment", "--input", str(path)], ["eval", "--task", "sentiment", "--dataset", str(path)]):
        result = run_probe(*argv, "--offline")
        assert result.returncode == 2
        assert f"{path}:2: key 'text' appears twice" in result.stderr and '"good" and "awful"' in result.stderr


def test_a_dotted_column_held_both_as_a_key_and_nested_is_refused(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps({"translation.en": "hello", "translation": {"en": "bye", "de": "tschüss"}}) + "\n",
                    encoding="utf-8")
    result = run_probe("eval", "--task", "translation", "--dataset", str(path), "--offline",
                       "--columns", "source=translation.en,target=translation.de")
    assert result.returncode == 2
    assert "could be read two ways: the key 'translation.en' ('hello') or 'en' inside 'translation' ('bye')" in result.stderr
    run = run_probe("run", "--task", "sentiment", "--input", str(path), "--columns", "text=translation.en", "--offline")
    assert run.returncode == 2 and f"{path}:1: column 'translation.en' could be read two ways" in run.stderr


def test_a_dataset_name_that_is_also_a_file_is_refused_and_either_reading_can_be_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sentiment-sample").write_text('{"text": "good", "label": "positive"}\n', encoding="utf-8")
    result = run_probe("eval", "--task", "sentiment", "--dataset", "sentiment-sample", "--offline")
    assert result.returncode == 2
    assert "as the file 'sentiment-sample' or as the registered dataset 'sentiment-sample'" in result.stderr
    assert "file:sentiment-sample" in result.stderr and "registered:sentiment-sample" in result.stderr
    unknown = run_probe("eval", "--task", "sentiment", "--dataset", "registered:sentiment-sampel", "--offline")
    assert unknown.returncode == 2 and "no registered dataset 'sentiment-sampel'" in unknown.stderr


def test_a_comma_file_beside_a_parallel_pair_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("src.txt,ref.txt", "src.txt", "ref.txt"):
        (tmp_path / name).write_text("a line\n", encoding="utf-8")
    result = run_probe("eval", "--task", "translation", "--dataset", "src.txt,ref.txt", "--offline")
    assert result.returncode == 2
    assert "as the file 'src.txt,ref.txt' or as the parallel files 'src.txt', 'ref.txt'" in result.stderr


@pytest.mark.parametrize("name, other", [("all-MiniLM-L6-v2", "registered model"), ("org/model", "hub model")])
def test_a_model_directory_named_like_a_registered_or_hub_model_is_refused(tmp_path, monkeypatch, name, other):
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).mkdir(parents=True)
    result = run_probe("run", "--task", "sentiment", "--model", name, "--offline", "nice")
    assert result.returncode == 2
    assert f"could be read two ways: as the local directory" in result.stderr and f"the {other} {name!r}" in result.stderr
    assert f"./{name}" in result.stderr
