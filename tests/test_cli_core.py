"""The CLI shell: light listing commands, one-line errors, JSON listings."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY_MODULES = ("torch", "transformers", "sentence_transformers", "sacrebleu", "gradio")

PROBE = """
import sys
from nlpsuite.cli import main
try:
    code = main({argv!r})
except SystemExit as exit:  # argparse exits after --help
    code = exit.code
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
sys.exit(code)
"""


def run_probe(*argv: str) -> subprocess.CompletedProcess[str]:
    code = PROBE.format(argv=list(argv), heavy=HEAVY_MODULES)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("argv", [["--help"], ["plugins"], ["tasks"], ["models"], ["run", "--help"]])
def test_listing_and_help_import_no_heavy_library(argv):
    result = run_probe(*argv)
    assert result.returncode == 0, result.stderr
    assert "HEAVY=\n" in result.stderr or result.stderr.rstrip().endswith("HEAVY="), result.stderr


def test_user_errors_are_one_message_without_traceback():
    result = run_probe("run", "--task", "sentimnet", "hello")
    assert result.returncode == 2
    assert "unknown task 'sentimnet'" in result.stderr
    assert "did you mean 'sentiment'" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback():
    result = run_probe("--debug", "run", "--task", "sentimnet", "hello")
    assert result.returncode == 2
    assert "Traceback" in result.stderr


def test_run_needs_text_or_input():
    result = run_probe("run", "--task", "sentiment")
    assert result.returncode == 2
    assert "give either TEXT or --input" in result.stderr


def test_bad_jsonl_names_file_and_line(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text('{"text": "fine"}\n{"text": oops}\n', encoding="utf-8")
    result = run_probe("run", "--task", "sentiment", "--input", str(data))
    assert result.returncode == 2
    assert f"{data}:2: not valid JSON" in result.stderr


def test_tasks_json_describes_the_field_contract():
    result = run_probe("tasks", "--json")
    tasks = {t["name"]: t for t in json.loads(result.stdout)}
    sentiment = tasks["sentiment"]
    assert [f["name"] for f in sentiment["input_fields"]] == ["text"]
    assert {f["name"] for f in sentiment["output_fields"]} >= {"label", "score"}
    assert sentiment["fallback_model"] == "all-MiniLM-L6-v2"
    assert tasks["translation"]["fallback_model"] is None
    assert tasks["summarization"]["reference_field"] == "summary"
    assert "max_sentences" in {a["name"] for a in tasks["summarization"]["arguments"]}


def test_undeclared_task_argument_is_refused_with_the_list():
    result = run_probe("run", "--task", "translation", "--arg", "beams=4", "--offline", "hello")
    assert result.returncode == 2
    assert "has no argument 'beams'" in result.stderr
    assert "sentence_split (true or false)" in result.stderr


def test_models_lists_the_embedded_model():
    result = run_probe("models", "--json")
    models = {m["name"]: m for m in json.loads(result.stdout)}
    assert models["all-MiniLM-L6-v2"]["role"] == "embedded"
    assert models["all-MiniLM-L6-v2"]["kind"] == "sentence-transformer"
