"""The CLI as a new user meets it: inputs checked before any model loads, one exit-status rule,
subcommand usage for mistyped options, a dataset listing, hints that name commands that exist."""

from __future__ import annotations

import json

import pytest

from tests.test_cli_core import run_probe


def heavy_imported(stderr: str) -> str:
    """The heavy libraries the probe saw imported (empty: no model was loaded)."""
    return stderr.rstrip().rpartition("HEAVY=")[2].strip()


@pytest.fixture
def text_rows(tmp_path):
    path = tmp_path / "news.jsonl"
    path.write_text('{"text": "The river rose. Villages were moved."}\n{"text": "Rain fell all week. Roads closed."}\n',
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [["run", "--input"], ["eval", "--dataset"], ["audit", "--dataset"]])
def test_records_missing_a_task_field_are_refused_before_any_model_loads(command, text_rows):
    result = run_probe(command[0], "--task", "summarization", command[1], str(text_rows), "--offline")
    assert result.returncode == 2, result.stderr
    # run reads records, eval and audit a dataset (whose reference column is missing too): both name the field
    assert ("missing field 'document'" in result.stderr or "missing columns 'document'" in result.stderr)
    assert "found: text)" in result.stderr and "--columns document=" in result.stderr
    assert heavy_imported(result.stderr) == "", "the check must come before the model loads"
    assert "Traceback" not in result.stderr


def test_run_names_the_file_and_line_of_the_first_bad_record(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"document": "Fine. Good."}\n\n{"doc": "oops"}\n', encoding="utf-8")
    result = run_probe("run", "--task", "summarization", "--input", str(path), "--offline")
    assert result.returncode == 2
    assert f"{path}:3: missing field 'document' (fields found: doc)" in result.stderr


@pytest.mark.slow
def test_run_columns_maps_the_users_key_to_the_task_field(text_rows):
    result = run_probe("run", "--task", "summarization", "--input", str(text_rows), "--columns", "document=text",
                       "--offline", "--quiet")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == [1, 2]
    assert lines[0]["prediction"]["summary"].startswith("The river rose.")


def test_run_columns_is_checked_against_the_task(text_rows):
    result = run_probe("run", "--task", "summarization", "--input", str(text_rows), "--columns", "summary=text")
    assert result.returncode == 2
    assert "--columns names field 'summary'" in result.stderr  # run reads no references


def test_zero_shot_classification_without_labels_is_refused_at_once():
    result = run_probe("run", "--task", "classification", "--offline", "The striker scored twice.")
    assert result.returncode == 2
    assert "TEXT: missing field 'labels'" in result.stderr and "--arg labels=a,b" in result.stderr
    assert heavy_imported(result.stderr) == ""


def test_a_mistyped_task_argument_hint_lists_the_input_fields_it_accepts():
    result = run_probe("run", "--task", "classification", "--arg", "label=sports,politics", "hi")
    assert result.returncode == 2
    assert "has no argument 'label'; did you mean 'labels'?" in result.stderr
    assert "labels (labels, comma-separated)" in result.stderr


def test_an_input_file_without_records_says_so(tmp_path):
    for content in ("", "\n  \n"):
        path = tmp_path / "empty.jsonl"
        path.write_text(content, encoding="utf-8")
        result = run_probe("run", "--task", "sentiment", "--input", str(path), "--offline")
        assert result.returncode == 2
        assert f"input file {path} holds no records" in result.stderr
        assert heavy_imported(result.stderr) == ""


@pytest.mark.parametrize(("argv", "meant"), [
    (["eval", "--task", "sentiment", "--datset", "x.jsonl"], "--dataset"),
    (["run", "--task", "sentiment", "--inptu=a.jsonl"], "--input"),
    (["audit", "--task", "sentiment", "--perturbatons", "gender"], "--perturbations"),
])
def test_a_mistyped_option_gets_the_subcommands_usage_and_a_suggestion(argv, meant):
    result = run_probe(*argv)
    assert result.returncode == 2
    assert f"usage: nlpsuite {argv[0]} " in result.stderr
    assert f"did you mean {meant}?" in result.stderr
    assert "usage: nlpsuite [-h]" not in result.stderr


def test_datasets_lists_what_eval_dataset_accepts():
    table = run_probe("datasets")
    assert table.returncode == 0
    assert "sentiment-sample" in table.stdout and "translation-sample" in table.stdout
    listed = json.loads(run_probe("datasets", "--json", "--task", "sentiment").stdout)
    assert [d["name"] for d in listed] == ["sentiment-sample"]
    assert listed[0]["task"] == "sentiment" and listed[0]["plugin"] == "sentiment" and listed[0]["license"]
    unknown = run_probe("datasets", "--task", "sentimnt")
    assert unknown.returncode == 2 and "did you mean 'sentiment'" in unknown.stderr


def test_an_unknown_dataset_points_at_the_datasets_command():
    result = run_probe("eval", "--task", "sentiment", "--dataset", "sentiment-sampel", "--offline")
    assert result.returncode == 2
    assert "sentiment-sample" in result.stderr and "`nlpsuite datasets`" in result.stderr


def test_every_command_a_hint_names_exists():
    import re
    from pathlib import Path

    from nlpsuite.cli.app import build_parser

    parser = build_parser()
    commands = set(next(a for a in parser._actions if a.dest == "command").choices)
    root = Path(__file__).resolve().parents[1]
    named = set()
    for folder in ("nlpsuite", "plugins", "evaluation"):
        for path in (root / folder).rglob("*.py"):
            named.update(re.findall(r"`nlpsuite ([a-z][a-z-]*)", path.read_text(encoding="utf-8")))
    assert named and sorted(named - commands) == []


def test_top_level_help_names_text_generation():
    result = run_probe("--help")
    assert "text generation" in result.stdout
    assert "datasets" in result.stdout


@pytest.mark.parametrize("command", ["eval", "audit"])
def test_a_dataset_without_the_labels_zero_shot_needs_is_refused_before_loading(command, tmp_path):
    path = tmp_path / "topics.jsonl"
    path.write_text('{"id": "a", "text": "He scored for his team.", "label": "sports"}\n', encoding="utf-8")
    result = run_probe(command, "--task", "classification", "--dataset", str(path), "--offline")
    assert result.returncode == 2
    assert "sample 'a': missing field 'labels'" in result.stderr and "--arg labels=" in result.stderr
    assert heavy_imported(result.stderr) == ""


def test_some_failed_samples_exit_3_in_eval_and_rescore_as_in_run(tmp_path, monkeypatch, capsys):
    from nlpsuite.cli.app import main
    from nlpsuite.testing import fresh_registry
    from tests.eval_plugin import EvalTestPlugin, write_keyword_model

    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path / "cache"))
    model = write_keyword_model(tmp_path / "model")
    data = tmp_path / "reviews.jsonl"
    data.write_text('{"id": "1", "text": "good film", "label": "positive"}\n'
                    '{"id": "2", "text": " ", "label": "negative"}\n', encoding="utf-8")
    with fresh_registry([("evaltest", EvalTestPlugin())]):
        eval_code = main(["eval", "--task", "kwlabel", "--model", str(model), "--dataset", str(data), "--quiet",
                          "--bootstrap", "10", "-o", str(tmp_path / "run")])
        eval_err = capsys.readouterr().err
        run_code = main(["run", "--task", "kwlabel", "--model", str(model), "--input", str(data), "--quiet"])
        capsys.readouterr()
        rescore_code = main(["rescore", str(tmp_path / "run")])
    assert (eval_code, run_code, rescore_code) == (3, 3, 3)
    assert "1 of 2 samples failed" in eval_err
    assert (tmp_path / "run" / "results.json").is_file()  # the results are written all the same


def test_an_audit_into_a_file_is_refused_before_any_model_loads(tmp_path):
    afile = tmp_path / "report.txt"
    afile.write_text("mine", encoding="utf-8")
    result = run_probe("audit", "--task", "sentiment", "--offline", "-o", str(afile / "audit"))
    assert result.returncode == 2
    assert f"{afile} is a file" in result.stderr and heavy_imported(result.stderr) == ""
    assert afile.read_text(encoding="utf-8") == "mine"
