"""Evaluation datasets: what ``--dataset`` names, resolved into samples for one task.

A sample is ``{"id": str, "input": {task input fields}, "references": value}``.
``--dataset`` may be absent (the task's registered ``<task>-sample``), a
registered dataset name, a local JSONL/CSV/TSV file, two parallel plain-text
files (``src.txt,ref.txt``), a Hugging Face id (``hf:org/name[:config][:split]``)
or a sacrebleu test set (``sacrebleu:wmt14/en-de``).  A reference that could be read two ways
(a file that is also a registered name, or a file whose name holds a comma beside files that
make a parallel pair) is refused naming both; ``file:PATH`` and ``registered:NAME`` say which.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlpsuite.columns import AmbiguousColumn, lookup, parse_columns  # noqa: F401 - re-exported for the harness's readers
from nlpsuite.errors import InputError, UsageError
from nlpsuite.records import LIST_TYPES, coerce_field
from nlpsuite.specs import TaskSpec

TABULAR_SUFFIXES = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv"}


@dataclass
class EvalDataset:
    """Samples for one task plus what identifies them (recorded in results.json and the cache key)."""

    name: str
    source: str
    version: str | None
    samples: list[dict[str, Any]]
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return [s["id"] for s in self.samples]

    def ids_sha256(self) -> str:
        return ids_sha256(self.ids)

    def identity(self) -> str:
        """What the prediction cache keys this dataset by: its source (file path, registered name, hub id/split).

        Not its version or content hash: each cached prediction is also keyed by
        its own input hash, so it is only ever reused for the very same input,
        and editing one line of a file re-predicts that line alone.
        """
        return self.source

    def limited(self, limit: int | None) -> EvalDataset:
        if limit is None:
            return self
        return EvalDataset(self.name, self.source, self.version, self.samples[:limit], dict(self.columns))

    def describe(self) -> dict[str, Any]:
        """The ``dataset`` block of results.json."""
        return {
            "name": self.name,
            "source": self.source,
            "n": len(self.samples),
            "ids_sha256": self.ids_sha256(),
            "version": self.version,
            "columns": dict(self.columns),
        }


def ids_sha256(ids: Iterable[str]) -> str:
    """SHA-256 of the sorted sample ids joined by newlines: equal iff two runs cover the same samples."""
    return hashlib.sha256("\n".join(sorted(str(i) for i in ids)).encode("utf-8")).hexdigest()


def _coerce(field_type: str, value: Any) -> Any:
    if field_type == "number" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return coerce_field(field_type, value)


def _type_problem(field_type: str, value: Any) -> str | None:
    """Why ``value`` (after coercion) cannot fill a field of ``field_type``, or ``None``.

    Checked when the dataset loads, so a wrong-typed record is refused with its
    line before any model is loaded (a number in a text field used to crash the
    run after the model had loaded).
    """
    if field_type == "text" and not isinstance(value, str):
        return "must be text"
    if field_type in LIST_TYPES and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return "must be a list of strings (or one comma-separated string)"
    if field_type == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return "must be a number"
    return None


def _describe(value: Any) -> str:
    shown = json.dumps(value, ensure_ascii=False, default=str)
    return f"{type(value).__name__} {shown[:40] + '…' if len(shown) > 40 else shown}"


@dataclass
class RowMapper:
    """Turns raw rows (a dict per JSONL line / CSV row / HF example) into samples for ``task``.

    ``where`` names the input for error messages (``data.csv``); ``task_args``
    supply input fields given once for all rows (``--src en`` → ``src_lang``).
    """

    task: TaskSpec
    columns: Mapping[str, str]
    where: str
    task_args: Mapping[str, Any] = field(default_factory=dict)
    require_reference: bool = True
    # id → its line (or row number without lines): an int per sample, not a location string
    _seen: dict[str, int] = field(default_factory=dict)

    def column_for(self, name: str) -> str:
        return self.columns.get(name, name)

    def check_header(self, found: Iterable[str]) -> None:
        """Fail before reading rows when a required column is absent, listing the columns found."""
        found = list(found)
        missing = [self.column_for(n) for n in self.required_fields() if not self._has(found, self.column_for(n))]
        if missing:
            raise self._missing_error(missing, found)

    def required_fields(self) -> list[str]:
        names = [f.name for f in self.task.input_fields if f.required and f.name not in self.task_args and f.default is None]
        if self.require_reference and self.task.reference_field:
            names.append(self.task.reference_field)
        if "id" in self.columns:
            names.append("id")
        return names

    @staticmethod
    def _has(found: list[str], column: str) -> bool:
        return column in found or column.split(".")[0] in found

    def _missing_error(self, missing: list[str], found: list[str], line: str = "") -> InputError:
        plural = "s" if len(missing) > 1 else ""
        mapped = {k: v for k, v in self.columns.items() if k != v}
        hint = (
            f"name the columns as the task expects, or map them with --columns FIELD=COLUMN "
            f"(e.g. --columns {self.required_fields()[0]}={found[0] if found else 'COLUMN'})"
        )
        if mapped:
            hint += f"; current mapping: {', '.join(f'{k}={v}' for k, v in mapped.items())}"
        return InputError(
            f"{self.where}{line}: missing column{plural} {', '.join(repr(m) for m in missing)} for task "
            f"{self.task.name!r} (columns found: {', '.join(found) or 'none'})",
            hint=hint,
        )

    def sample(self, row: Mapping[str, Any], number: int, line: int | None = None) -> dict[str, Any]:
        """The sample for data row ``number`` (1-based), found at ``line`` of the file."""
        at = f":{line}" if line is not None else ""
        try:
            return self._sample(row, number, line, at)
        except AmbiguousColumn as exc:
            raise InputError(f"{self.where}{at if at else f' row {number}'}: {exc.message}", hint=exc.hint) from None

    def _sample(self, row: Mapping[str, Any], number: int, line: int | None, at: str) -> dict[str, Any]:
        missing = [self.column_for(n) for n in self.required_fields() if lookup(row, self.column_for(n)) is None]
        if missing:
            raise self._missing_error(missing, list(row), at)
        raw_id = lookup(row, self.column_for("id"))
        sample_id = str(raw_id) if raw_id is not None and str(raw_id).strip() else str(number)
        if sample_id in self._seen:
            first = self._seen[sample_id]
            raise InputError(
                f"{self.where}{at}: sample id {sample_id!r} appears twice "
                f"(first at {f'{self.where}:{first}' if at else f'row {first}'})",
                hint="ids must be unique; drop the id column to number rows instead",
            )
        self._seen[sample_id] = line if line is not None else number
        inputs: dict[str, Any] = {}
        for spec_field in self.task.input_fields:
            value = lookup(row, self.column_for(spec_field.name))
            if value is None and spec_field.name in self.task_args:
                value = self.task_args[spec_field.name]
            if value is not None:
                value = _coerce(spec_field.type, value)
                problem = _type_problem(spec_field.type, value)
                if problem:
                    raise InputError(
                        f"{self.where}{at}: field {spec_field.name!r} (column {self.column_for(spec_field.name)!r}) "
                        f"{problem}, got {_describe(value)}",
                        hint='fix that record (in JSON, quote text: "42"), or map another column with --columns',
                    )
                inputs[spec_field.name] = value
        reference = None
        if self.task.reference_field:
            reference = lookup(row, self.column_for(self.task.reference_field))
            if isinstance(reference, str) and not reference.strip():
                raise InputError(
                    f"{self.where}{at}: reference {self.column_for(self.task.reference_field)!r} is empty",
                    hint="give every sample a reference, or drop the samples that have none",
                )
            if not _is_reference(reference):
                raise InputError(
                    f"{self.where}{at}: reference {self.column_for(self.task.reference_field)!r} must be a label, "
                    f"a text or a list of texts, got {_describe(reference)}",
                    hint="fix that record, or map another column with --columns",
                )
        return {"id": sample_id, "input": inputs, "references": reference}


def _is_reference(value: Any) -> bool:
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def input_hash(inputs: Mapping[str, Any]) -> str:
    """SHA-256 of a sample's input fields (canonical JSON): part of the prediction cache key."""
    text = json.dumps(inputs, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def resolve_dataset(
    task: TaskSpec,
    reference: str | None,
    *,
    columns: Mapping[str, str] | None = None,
    task_args: Mapping[str, Any] | None = None,
    offline: bool = False,
) -> EvalDataset:
    """Load what ``--dataset`` names for ``task`` (see the module docstring for the forms)."""
    from nlpsuite.evaluation import dataset_files, dataset_online
    from nlpsuite.registry import find_dataset

    columns = dict(columns or {})
    task_args = dict(task_args or {})
    if reference is None:
        name = f"{task.name}-sample"
        spec = find_dataset(name)
        if spec is None:
            raise UsageError(
                f"task {task.name!r} has no built-in sample dataset ({name!r} is not registered)",
                hint="pass --dataset FILE.jsonl|.csv|.tsv, or a dataset name from `nlpsuite datasets`",
            )
        return _registered(task, spec, columns, task_args)
    reference = reference.strip()
    for prefix, loader in (("hf:", dataset_online.load_hf), ("sacrebleu:", dataset_online.load_sacrebleu)):
        if reference.startswith(prefix):
            return loader(task, reference[len(prefix):], columns=columns, task_args=task_args, offline=offline)
    if reference.startswith(REGISTERED_PREFIX):  # the unambiguous ways to name a registered dataset or a file
        return _registered(task, _registered_spec(reference[len(REGISTERED_PREFIX):], task), columns, task_args)
    if reference.startswith(FILE_PREFIX):
        path = Path(reference[len(FILE_PREFIX):]).expanduser()
        if not path.exists():
            raise InputError(f"dataset file {str(path)!r} does not exist", hint="check the path")
        return _local_file(task, path, columns, task_args)
    path = Path(reference).expanduser()
    parts = [p.strip() for p in reference.split(",")] if "," in reference else []
    spec = find_dataset(reference)
    _refuse_two_readings(reference, path, parts, spec)
    if parts and not path.exists():
        return dataset_files.load_parallel_text(task, parts, task_args=task_args)
    if path.exists():
        return _local_file(task, path, columns, task_args)
    if spec is not None:
        return _registered(task, spec, columns, task_args)
    if path.suffix.lower() in (*TABULAR_SUFFIXES, ".txt") or "/" in reference:
        raise InputError(f"dataset file {reference!r} does not exist", hint="check the path")
    from nlpsuite.registry import get_datasets

    known = ", ".join(d.name for d in get_datasets(task.name)) or "none"
    raise UsageError(
        f"--dataset {reference!r} is neither a file nor a registered dataset (datasets for task {task.name!r}: {known})",
        hint="pass a .jsonl/.csv/.tsv file, SRC.txt,REF.txt, hf:org/name[:config][:split], sacrebleu:TESTSET/LANGPAIR "
        "or a name from `nlpsuite datasets`",
    )


REGISTERED_PREFIX = "registered:"
FILE_PREFIX = "file:"


def _local_file(task: TaskSpec, path: Path, columns: Mapping[str, str], task_args: Mapping[str, Any]) -> EvalDataset:
    from nlpsuite.evaluation import dataset_files

    if path.suffix.lower() == ".txt":
        return dataset_files.load_parallel_text(task, [str(path)], task_args=task_args)
    return dataset_files.load_table(task, path, columns=columns, task_args=task_args)


def _refuse_two_readings(reference: str, path: Path, parts: list[str], spec: Any) -> None:
    """Refuse a ``--dataset`` that names two things at once, naming both, rather than pick one silently."""
    readings = []
    if path.exists():
        readings.append(f"the file {str(path)!r}")
    if parts and path.exists() and all(Path(p).expanduser().exists() for p in parts if p):
        readings.append(f"the parallel files {', '.join(repr(p) for p in parts)}")
    if spec is not None and path.exists():
        readings.append(f"the registered dataset {spec.name!r}")
    if len(readings) > 1:
        ways = [f"{FILE_PREFIX}{reference} for the file"]
        if spec is not None:
            ways.append(f"{REGISTERED_PREFIX}{spec.name} for the registered dataset")
        raise UsageError(f"--dataset {reference!r} could be read two ways: as {' or as '.join(readings)}",
                         hint="write " + ", or ".join(ways))


def _registered_spec(name: str, task: TaskSpec) -> Any:
    from nlpsuite.registry import find_dataset, get_datasets

    spec = find_dataset(name)
    if spec is None:
        known = ", ".join(d.name for d in get_datasets(task.name)) or "none"
        raise UsageError(f"no registered dataset {name!r} (datasets for task {task.name!r}: {known})",
                         hint="see `nlpsuite datasets`")
    return spec


def _registered(task: TaskSpec, spec: Any, columns: Mapping[str, str], task_args: Mapping[str, Any]) -> EvalDataset:
    if spec.task != task.name:
        raise UsageError(
            f"dataset {spec.name!r} is for task {spec.task!r}, not {task.name!r}",
            hint=f"pass --task {spec.task}, or a dataset made for {task.name!r}",
        )
    mapper = RowMapper(task, columns, where=f"dataset {spec.name}", task_args=task_args)
    samples = [mapper.sample(row, number) for number, row in enumerate(spec.load(), start=1)]
    return EvalDataset(name=spec.name, source=f"registered:{spec.name}", version=spec.version, samples=samples,
                       columns=dict(columns))


def checked_dataset(
    task: TaskSpec,
    reference: str | None,
    *,
    columns: str | Mapping[str, str] | None,
    limit: int | None,
    task_args: Mapping[str, Any],
    model: str | None,
    offline: bool,
) -> EvalDataset:
    """The dataset an eval or audit asked for (``--columns`` text or mapping, ``--limit``), every sample checked
    against the task and the model asked for before any model loads (:func:`nlpsuite.preflight.check_records`)."""
    from nlpsuite.preflight import check_records

    mapping = parse_columns(columns, task) if isinstance(columns, str) or columns is None else dict(columns)
    dataset = resolve_dataset(task, reference, columns=mapping, task_args=task_args, offline=offline).limited(limit)
    check_records(task, ((f"dataset {dataset.name}: sample {s['id']!r}", s["input"]) for s in dataset.samples),
                  model=model, task_args=task_args)
    return dataset
