"""The run directory: ``results.json`` and ``samples.jsonl``, written atomically, read back for rescoring.

``results.json`` is written last and only ever replaced whole, so its presence
means the run finished and matches ``samples.jsonl``: before new samples are
written, the old results.json is removed, and a run killed in between leaves
a directory without results.json (rerun the command; it resumes from the cache).

Sample rows are streamed both ways: written as they are produced and read back
one at a time (:meth:`RunRecord.iter_samples`), so a large run is never held
in memory as rows.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from nlpsuite.errors import InputError, OutputError
from nlpsuite.evaluation.run_record_check import check_results, check_sample
from nlpsuite.jsonl import write_atomic, write_jsonl_atomic
from nlpsuite.text_files import check_regular_file, read_text

RESULTS_FILE = "results.json"
SAMPLES_FILE = "samples.jsonl"
RESULTS_SCHEMA_VERSION = 1


@dataclass
class RunRecord:
    """A run directory's ``results`` (results.json) and its samples.jsonl rows, in dataset order.

    :meth:`iter_samples` streams the rows (checked as they are read); :attr:`samples` reads them all
    once and keeps them, for callers that need random access (``compare``).
    """

    directory: Path
    results: dict[str, Any]

    @property
    def samples_path(self) -> Path:
        return self.directory / SAMPLES_FILE

    def iter_samples(self) -> Iterator[dict[str, Any]]:
        """Each row of samples.jsonl, checked; after the last, the count is checked against results.json."""
        from nlpsuite.jsonl import read_jsonl_numbered

        count = 0
        for line, row in read_jsonl_numbered(self.samples_path, what="samples file"):
            check_sample(row, self.samples_path, line)
            count += 1
            yield row
        expected = self.results.get("dataset", {}).get("n")
        if expected is not None and expected != count:
            raise InputError(
                f"{self.samples_path} holds {count} samples but {RESULTS_FILE} says {expected}",
                hint="the run directory was edited or mixed with another run; rerun the `nlpsuite eval` command",
            )

    def samples_at(self, positions: Collection[int]) -> dict[int, dict[str, Any]]:
        """The rows at ``positions`` (0-based, in file order), checked; only those lines are parsed."""
        from nlpsuite.jsonl import read_jsonl_numbered

        found = {}
        wanted = sorted(set(positions))
        for position, (line, row) in zip(wanted, read_jsonl_numbered(self.samples_path, what="samples file",
                                                                     only=set(wanted))):
            check_sample(row, self.samples_path, line)
            found[position] = row
        return found

    @cached_property
    def samples(self) -> list[dict[str, Any]]:
        return list(self.iter_samples())


def write_run(directory: Path, results: dict[str, Any], samples: Iterable[dict[str, Any]]) -> None:
    """Write samples.jsonl (streaming ``samples``) then results.json, each atomically (see the module
    docstring for why in this order)."""
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
    """Open a finished run directory: results.json is read and checked now, sample rows as they are used;
    errors say what is missing or inconsistent."""
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
    check_regular_file(samples_path, "samples file")
    return RunRecord(directory=directory, results=results)


def model_summary(results: dict[str, Any], *, runtime: bool = True) -> str:
    """The model a run used and (with ``runtime``) what ran it, in one phrase for console output:
    'NAME on torch', 'NAME on onnx int8', marked when it stood in for an unavailable default.  Two runs
    that differ only in runtime or quantization then read differently."""
    from nlpsuite.evaluation.runtime_check import runtime_label

    model = results.get("model") or {}
    text = str(model.get("name", "?")) + (f" on {runtime_label(results)}" if runtime else "")
    if model.get("fallback"):
        text += " (embedded fallback: the default model was not available)"
    return text
