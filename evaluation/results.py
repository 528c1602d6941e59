"""The run directory: ``results.json`` and ``samples.jsonl``, written atomically, read back for rescoring.

``results.json`` is written last and only ever replaced whole, so its presence
means the run finished and matches ``samples.jsonl``: before new samples are
written, the old results.json is removed, and a run killed in between leaves
a directory without results.json (rerun the command; it resumes from the cache).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlpsuite.errors import InputError, OutputError
from nlpsuite.evaluation.run_record_check import check_results, check_sample
from nlpsuite.jsonl import write_atomic, write_jsonl_atomic
from nlpsuite.text_files import read_text

RESULTS_FILE = "results.json"
SAMPLES_FILE = "samples.jsonl"
RESULTS_SCHEMA_VERSION = 1


@dataclass
class RunRecord:
    """A run directory's contents: ``results`` (results.json) and ``samples`` (samples.jsonl rows, in dataset order)."""

    directory: Path
    results: dict[str, Any]
    samples: list[dict[str, Any]]


def write_run(directory: Path, results: dict[str, Any], samples: list[dict[str, Any]]) -> None:
    """Write samples.jsonl then results.json, each atomically (see the module docstring for why in this order)."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / RESULTS_FILE).unlink(missing_ok=True)
        write_jsonl_atomic(directory / SAMPLES_FILE, samples)
        write_atomic(directory / RESULTS_FILE, json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    except OSError as exc:
        raise OutputError(
            f"cannot write the run directory {directory}: {exc.strerror or exc}"
            + (f" ({exc.filename})" if exc.filename else ""),
            hint="free disk space or pass --output-dir with a writable directory; predictions are cached, "
            "so rerunning the command is quick",
        ) from None


def read_run(directory: Path) -> RunRecord:
    """Read a finished run directory; errors say what is missing or inconsistent."""
    from nlpsuite.jsonl import read_jsonl_numbered

    directory = Path(directory)
    results_path = directory / RESULTS_FILE
    samples_path = directory / SAMPLES_FILE
    if not directory.is_dir():
        raise InputError(f"run directory {str(directory)!r} does not exist", hint="pass the directory `nlpsuite eval` printed")
    if not results_path.is_file():
        hint = ("the run did not finish; rerun the same `nlpsuite eval` command (it resumes from the cache)"
                if samples_path.exists() else "pass the directory `nlpsuite eval` printed")
        raise InputError(f"{results_path} does not exist", hint=hint)
    try:
        results = json.loads(read_text(results_path, "results file"))
    except ValueError as exc:
        raise InputError(f"{results_path}: not valid JSON ({exc})", hint="rerun the `nlpsuite eval` command") from None
    if not isinstance(results, dict) or results.get("schema_version") != RESULTS_SCHEMA_VERSION:
        raise InputError(
            f"{results_path}: unsupported results schema {results.get('schema_version') if isinstance(results, dict) else None!r}",
            hint=f"this nlpsuite reads schema {RESULTS_SCHEMA_VERSION}; rerun the eval with this version",
        )
    check_results(results, results_path)
    samples = []
    for line, row in read_jsonl_numbered(samples_path, what="samples file"):
        check_sample(row, samples_path, line)
        samples.append(row)
    expected = results.get("dataset", {}).get("n")
    if expected is not None and expected != len(samples):
        raise InputError(
            f"{samples_path} holds {len(samples)} samples but {RESULTS_FILE} says {expected}",
            hint="the run directory was edited or mixed with another run; rerun the `nlpsuite eval` command",
        )
    return RunRecord(directory=directory, results=results, samples=samples)
