"""``--columns FIELD=COLUMN,...``: which column of a user's data fills which task field.

One parser and one lookup for every command that reads records (``run --input``, ``eval``,
``audit``, the web demo's evaluation tab), so a mapping means the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nlpsuite.errors import InputError, UsageError
from nlpsuite.specs import TaskSpec


def task_field_names(task: TaskSpec, *, with_reference: bool = True) -> list[str]:
    """The names ``--columns`` may map for ``task``: ``id``, its input fields and (for datasets) its reference."""
    known = ["id", *(f.name for f in task.input_fields)]
    if with_reference and task.reference_field:
        known.append(task.reference_field)
    return known


def parse_columns(text: str | None, task: TaskSpec, *, with_reference: bool = True) -> dict[str, str]:
    """``"source=en,target=de"`` → ``{"source": "en", "target": "de"}`` (task field → dataset column)."""
    if not text:
        return {}
    known = task_field_names(task, with_reference=with_reference)
    mapping: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, column = item.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or not name or not column:
            raise UsageError(f"--columns item {item!r} is not FIELD=COLUMN", hint="e.g. --columns text=sentence,label=sentiment")
        if name not in known:
            raise UsageError(
                f"--columns names field {name!r}, which task {task.name!r} does not have",
                hint=f"the task's fields are: {', '.join(known)}",
            )
        mapping[name] = column
    return mapping


class AmbiguousColumn(InputError):
    """A dotted column name that a row holds both as a key and as a path into nested objects."""


def lookup(row: Mapping[str, Any], column: str) -> Any:
    """A column's value; dotted names reach into nested objects (``translation.de``).

    A row holding both readings (a key ``"translation.de"`` and ``{"translation": {"de": …}}``) is
    refused with :class:`AmbiguousColumn` naming both, rather than read one way silently.
    """
    nested = _nested(row, column) if "." in column else None
    if column in row:
        if nested is not None and nested != row[column]:
            head, _, rest = column.partition(".")
            raise AmbiguousColumn(
                f"column {column!r} could be read two ways: the key {column!r} ({_short(row[column])}) or "
                f"{rest!r} inside {head!r} ({_short(nested)})",
                hint="rename one of them in the data, or map the field to the one meant with --columns",
            )
        return row[column]
    return nested


def _nested(row: Mapping[str, Any], column: str) -> Any:
    value: Any = row
    for part in column.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def mapped_record(row: Mapping[str, Any], columns: Mapping[str, str]) -> dict[str, Any]:
    """``row`` with each mapped column's value under its task field name (other keys kept as they are)."""
    record = dict(row)
    for name, column in columns.items():
        value = lookup(row, column)
        if value is not None:
            record[name] = value
    return record
