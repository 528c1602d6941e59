"""Read a user's labelled examples (``text`` and ``label`` per row) from JSONL, CSV or TSV.

Every problem names the file and line, and says how the file should look.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from nlpsuite.errors import InputError

EXAMPLES_HINT = (
    'write one example per line: JSONL {"text": "…", "label": "…"}, or CSV/TSV with a header row naming '
    "the columns text and label"
)


@dataclass(frozen=True)
class LabelledExample:
    text: str
    label: str


def read_examples(path: str | Path) -> list[LabelledExample]:
    """Labelled examples from ``path`` (``.jsonl``/``.json``, ``.csv`` or ``.tsv``); at least two labels."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise InputError(f"examples file {str(path)!r} does not exist", hint="check the path given as examples=PATH")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        examples = _read_jsonl(path)
    elif suffix in (".csv", ".tsv"):
        examples = _read_table(path, "\t" if suffix == ".tsv" else ",")
    else:
        raise InputError(f"examples file {path} has an unknown format {suffix or '(no extension)'}",
                         hint="use a .jsonl, .csv or .tsv file; " + EXAMPLES_HINT)
    if not examples:
        raise InputError(f"examples file {path} holds no examples", hint=EXAMPLES_HINT)
    labels = {e.label for e in examples}
    if len(labels) < 2:
        raise InputError(
            f"examples file {path} has only one label ({', '.join(sorted(labels))}); a classifier needs at least two",
            hint="add examples of the other labels",
        )
    return examples


def _example(path: Path, line: int, text: object, label: object) -> LabelledExample:
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{path}:{line}: 'text' is missing or empty", hint=EXAMPLES_HINT)
    if isinstance(label, (int, float)) and not isinstance(label, bool):
        label = str(label)
    if not isinstance(label, str) or not label.strip():
        raise InputError(f"{path}:{line}: 'label' is missing or empty", hint=EXAMPLES_HINT)
    return LabelledExample(text.strip(), label.strip())


def _read_jsonl(path: Path) -> list[LabelledExample]:
    examples = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno})",
                                 hint=EXAMPLES_HINT) from None
            if not isinstance(record, dict):
                raise InputError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}",
                                 hint=EXAMPLES_HINT)
            examples.append(_example(path, number, record.get("text"), record.get("label")))
    return examples


def _read_table(path: Path, delimiter: str) -> list[LabelledExample]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader, None)
        columns = [c.strip().lower() for c in header or []]
        if "text" not in columns or "label" not in columns:
            raise InputError(f"{path}:1: the header must name columns 'text' and 'label', found {header}",
                             hint=EXAMPLES_HINT)
        text_at, label_at = columns.index("text"), columns.index("label")
        examples = []
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) <= max(text_at, label_at):
                raise InputError(f"{path}:{number}: expected {len(columns)} columns, found {len(row)}",
                                 hint=EXAMPLES_HINT)
            examples.append(_example(path, number, row[text_at], row[label_at]))
    return examples
