"""The uploaded dataset as a form: which column holds each field, and which label in the file means which
label of the model (the Evaluate and Audit tabs; Gradio-free).

On the command line these are the ``--columns field=column`` and ``--label-map
file=model`` texts; on the page the file's own columns fill one dropdown per
field, and the labels found in its reference column fill a two-column table.
Nothing here decides anything the harness does not: the mapping is handed to
:func:`~nlpsuite.evaluation.runner.run_eval` as it would be from the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from nlpsuite.specs import TaskSpec

#: Dropdowns the column form has (a task's id, input and reference fields each take one).
COLUMN_SLOTS = 6
#: Rows the label table is filled with at most (distinct labels in the reference column).
MAX_LABELS = 50
#: Rows read to find the columns and labels of an upload (the whole file is read when the run starts).
SCANNED_ROWS = 5_000
SAME_NAME = "(the column of the same name)"


@dataclass(frozen=True)
class DatasetField:
    """A field a dataset row supplies: an input, the reference, or the optional sample id."""

    name: str
    description: str
    required: bool

    @property
    def label(self) -> str:
        need = "" if self.required else ", optional"
        return f"column for {self.name} ({self.description}{need})" if self.description else \
            f"column for {self.name}{need}"


def dataset_fields(spec: TaskSpec) -> list[DatasetField]:
    """The fields a row of ``spec``'s dataset supplies, in form order (at most :data:`COLUMN_SLOTS`)."""
    fields = [DatasetField(f.name, f.description, f.required) for f in spec.input_fields]
    if spec.reference_field:
        fields.append(DatasetField(spec.reference_field, "the reference answer", True))
    fields.append(DatasetField("id", "a sample id; rows are numbered without one", False))
    return fields[:COLUMN_SLOTS]


def label_reference(spec: TaskSpec) -> str | None:
    """The reference field whose values are labels (the label table applies), or ``None``."""
    labels = {f.name for f in spec.output_fields if f.type == "label"}
    bound = {b.reference_field for b in spec.bindings if b.prediction_field in labels and b.reference_field}
    return spec.reference_field if spec.reference_field in bound else None


def _rows(path: Path) -> Iterable[dict[str, Any]]:
    from nlpsuite.evaluation.dataset_files import delimited_rows, jsonl_rows

    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return (row for _, row in jsonl_rows(path) if isinstance(row, dict))
    _, rows = delimited_rows(path, "\t" if suffix == ".tsv" else ",")
    return (row for _, row in rows)


def file_columns(path: str | Path) -> list[str]:
    """The columns of an uploaded CSV/TSV header or of the first JSONL records, in file order."""
    from nlpsuite.evaluation.dataset_files import delimited_rows

    path = Path(path)
    if path.suffix.lower() in (".csv", ".tsv"):
        header, _ = delimited_rows(path, "\t" if path.suffix.lower() == ".tsv" else ",")
        return header
    seen: dict[str, None] = {}
    for row in islice(_rows(path), 100):
        seen.update(dict.fromkeys(str(k) for k in row))
    return list(seen)


def file_labels(path: str | Path, column: str) -> list[str]:
    """The distinct values of ``column`` in the first rows of an upload (at most :data:`MAX_LABELS`)."""
    found: dict[str, None] = {}
    for row in islice(_rows(Path(path)), SCANNED_ROWS):
        value = row.get(column)
        if value is not None and str(value).strip():
            found[str(value).strip()] = None
            if len(found) >= MAX_LABELS:
                break
    return list(found)


def column_mapping(spec: TaskSpec, chosen: Sequence[str | None]) -> dict[str, str]:
    """field → column for the form's dropdowns (a field left on its own name needs no entry)."""
    mapping = {}
    for field, column in zip(dataset_fields(spec), chosen):
        if column and column != SAME_NAME and column != field.name:
            mapping[field.name] = column
    return mapping


def label_rows(spec: TaskSpec, path: str | Path | None, chosen: Sequence[str | None]) -> list[list[str]]:
    """Rows (label in the file, label the model gives: empty) for the label table of an upload."""
    reference = label_reference(spec)
    if reference is None or not path:
        return []
    column = column_mapping(spec, chosen).get(reference, reference)
    return [[label, ""] for label in file_labels(path, column)]


def label_map(rows: Any) -> dict[str, str]:
    """file label → model label from the table's rows (a row with an empty side maps nothing)."""
    if rows is None:
        return {}
    if hasattr(rows, "values") and hasattr(rows, "columns"):  # a pandas frame, as gradio hands it over
        rows = rows.values.tolist()
    mapping = {}
    for row in rows or []:
        if len(row) < 2:
            continue
        source, target = (str(v).strip() if v is not None else "" for v in row[:2])
        if source and target and source != target:
            mapping[source] = target
    return mapping
