"""Local evaluation files: JSONL, CSV and TSV with a header, and parallel plain-text files.

Every error names the file and line, and a missing column lists the columns found.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from nlpsuite.errors import InputError, UsageError
from nlpsuite.evaluation.dataset import TABULAR_SUFFIXES, EvalDataset, RowMapper
from nlpsuite.jsonl import read_jsonl_numbered
from nlpsuite.models.integrity import file_sha256
from nlpsuite.specs import TaskSpec
from nlpsuite.text_files import check_regular_file, read_text


def jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; a bad line raises an error naming file and line."""
    return read_jsonl_numbered(path, what="dataset file")


def delimited_rows(path: Path, delimiter: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header and (line number, row) pairs of a CSV/TSV file.

    TSV is read without quote processing (tab-separated files rarely quote, and
    text such as SST-2 contains bare double quotes); CSV follows RFC 4180 quoting.
    """
    # Decoded whole before parsing: a bad byte is then reported at its own line, and a BOM never
    # becomes part of the first column's name.
    handle = io.StringIO(read_text(path, "dataset file"), newline="")
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(handle, delimiter=delimiter, quoting=quoting, strict=True)
    kind = "TSV" if delimiter == "\t" else "CSV"
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError(f"{path}:1: malformed {kind} header ({exc})", hint="the first line must name the columns") from None
    if not header or not any(h.strip() for h in header):
        raise InputError(f"{path}: no header line", hint=f"the first line of a {kind} file must name the columns")
    header = [h.strip() for h in header]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(f"{path}:{reader.line_num}: malformed {kind} row ({exc})",
                                 hint="check the quoting on that line") from None
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(header):
                raise InputError(
                    f"{path}:{reader.line_num}: malformed {kind} row: {len(row)} fields, the header has {len(header)} "
                    f"({', '.join(header)})",
                    hint=f"every row needs one value per column; quote values that contain {'tabs' if delimiter == chr(9) else 'commas'}",
                )
            yield reader.line_num, dict(zip(header, row))

    return header, rows()


def load_table(
    task: TaskSpec,
    path: Path,
    *,
    columns: Mapping[str, str],
    task_args: Mapping[str, Any],
) -> EvalDataset:
    """A JSONL, CSV or TSV file with a header whose columns are the task's fields (or mapped by ``columns``)."""
    check_regular_file(path, "dataset file")
    kind = TABULAR_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise UsageError(
            f"dataset file {str(path)!r}: unknown format {path.suffix or '(no suffix)'}",
            hint="use .jsonl, .csv or .tsv (with a header), or SRC.txt,REF.txt for parallel text",
        )
    mapper = RowMapper(task, columns, where=str(path), task_args=task_args)
    samples = []
    if kind == "jsonl":
        for number, (line, row) in enumerate(jsonl_rows(path), start=1):
            samples.append(mapper.sample(row, number, line))
    else:
        header, rows = delimited_rows(path, "\t" if kind == "tsv" else ",")
        mapper.check_header(header)
        for number, (line, row) in enumerate(rows, start=1):
            samples.append(mapper.sample(row, number, line))
    if not samples:
        raise InputError(f"dataset file {path} holds no samples", hint="add at least one row")
    return EvalDataset(name=path.name, source=f"file:{path.resolve()}", version=f"sha256:{file_sha256(path)}",
                       samples=samples, columns=dict(columns))


def _read_lines(path: Path) -> list[str]:
    # newline="" splits where open(newline="") did (\n, \r, \r\n), never at str.splitlines' extra
    # separators (form feed, U+2028), which would shift the alignment of parallel files
    return [line.rstrip("\r\n") for line in io.StringIO(read_text(path, "dataset file"), newline="")]


def load_parallel_text(task: TaskSpec, files: list[str], *, task_args: Mapping[str, Any]) -> EvalDataset:
    """Line-aligned plain text: ``SRC.txt`` (no references) or ``SRC.txt,REF.txt``; ids are line numbers.

    A blank source line stays a sample (alignment matters) and comes back as a
    flagged per-sample error instead of stopping the run.
    """
    text_fields = [f.name for f in task.input_fields if f.type == "text" and f.required]
    if len(text_fields) != 1:
        raise UsageError(
            f"parallel text files fit tasks with one text input; task {task.name!r} has {len(text_fields)} "
            f"({', '.join(text_fields) or 'none'})",
            hint="use a JSONL, CSV or TSV file with one column per field",
        )
    if len(files) not in (1, 2) or not all(files):
        raise UsageError(f"--dataset {','.join(files)!r}: give SRC.txt or SRC.txt,REF.txt",
                         hint="e.g. --dataset test.en,test.de")
    paths = [Path(f).expanduser() for f in files]
    sources = _read_lines(paths[0])
    references: list[str | None] = [None] * len(sources)
    if len(paths) == 2:
        if not task.reference_field:
            raise UsageError(f"task {task.name!r} has no reference field; pass only the source file")
        references = list(_read_lines(paths[1]))
        if len(references) != len(sources):
            raise InputError(
                f"parallel files differ in length: {paths[0]} has {len(sources)} lines, {paths[1]} has {len(references)}",
                hint="line N of the reference file must be the reference for line N of the source file",
            )
    source_field = text_fields[0]
    extra = {f.name: task_args[f.name] for f in task.input_fields if f.name != source_field and f.name in task_args}
    samples = [
        {"id": str(number), "input": {source_field: source, **extra}, "references": reference}
        for number, (source, reference) in enumerate(zip(sources, references), start=1)
    ]
    if not samples:
        raise InputError(f"dataset file {paths[0]} is empty", hint="add one source sentence per line")
    version = "sha256:" + hashlib.sha256("".join(file_sha256(p) for p in paths).encode()).hexdigest()
    return EvalDataset(
        name=",".join(p.name for p in paths),
        source="text:" + ",".join(str(p.resolve()) for p in paths),
        version=version,
        samples=samples,
        columns={source_field: paths[0].name, **({task.reference_field: paths[1].name} if len(paths) == 2 else {})},
    )
