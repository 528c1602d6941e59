"""Check the fields of a run directory's files that rescore and compare read, naming the file, line and field.

A results.json or samples.jsonl that was edited, damaged or written by another
tool used to end in "internal error: AttributeError" deep inside scoring.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nlpsuite.errors import InputError

_REWRITE_HINT = "the file was edited or damaged; rerun the `nlpsuite eval` command that made it (cached predictions make it quick)"

# (path of keys, accepted types, what to call them); a field may be absent unless listed in _REQUIRED
_RESULT_FIELDS: tuple[tuple[tuple[str, ...], tuple[type, ...], str], ...] = (
    (("task",), (str,), "a task name"),
    (("dataset",), (dict,), "an object"),
    (("dataset", "n"), (int,), "a whole number"),
    (("dataset", "ids_sha256"), (str,), "a hash string"),
    (("dataset", "name"), (str,), "a string"),
    (("metrics",), (dict,), "an object"),
    (("model",), (dict,), "an object"),
    (("runtime",), (dict,), "an object"),
    (("config",), (dict,), "an object"),
    (("config", "metric_args"), (dict,), "an object"),
    (("config", "label_map"), (dict,), "an object"),
    (("config", "seed"), (int,), "a whole number"),
    (("config", "limit"), (int, type(None)), "a whole number or null"),
    (("reportable",), (bool,), "true or false"),
    (("labels",), (dict,), "an object"),
)
_REQUIRED = {("task",)}

_SAMPLE_FIELDS: tuple[tuple[str, tuple[type, ...], str], ...] = (
    ("id", (str, int), "a string"),
    ("input", (dict,), "an object"),
    ("prediction", (dict, type(None)), "an object or null"),
    ("error", (str, type(None)), "a string or null"),
    ("scores", (dict,), "an object"),
    ("input_sha256", (str,), "a hash string"),
)


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _is(value: Any, types: tuple[type, ...]) -> bool:
    # bool is an int in Python, but true is not a seed or a count
    return isinstance(value, types) and not (isinstance(value, bool) and bool not in types)


def check_results(results: Mapping[str, Any], path: Path) -> None:
    """Raise :class:`InputError` naming the first field of results.json with the wrong type."""
    for keys, types, expected in _RESULT_FIELDS:
        value: Any = results
        for key in keys:
            if not isinstance(value, Mapping) or key not in value:
                value = _MISSING
                break
            value = value[key]
        dotted = ".".join(keys)
        if value is _MISSING:
            if keys in _REQUIRED:
                raise InputError(f"{path}: field {dotted!r} is missing", hint=_REWRITE_HINT)
            continue
        if not _is(value, types):
            raise InputError(f"{path}: field {dotted!r} must be {expected}, got {_type_name(value)}", hint=_REWRITE_HINT)
    for name, metric in (results.get("metrics") or {}).items():
        if not isinstance(metric, Mapping):
            raise InputError(f"{path}: metrics.{name} must be an object, got {_type_name(metric)}", hint=_REWRITE_HINT)
    for name, args in ((results.get("config") or {}).get("metric_args") or {}).items():
        if not isinstance(args, Mapping):
            raise InputError(f"{path}: config.metric_args.{name} must be an object, got {_type_name(args)}",
                             hint=_REWRITE_HINT)


def check_sample(row: Mapping[str, Any], path: Path, line: int) -> None:
    """Raise :class:`InputError` naming the line and field of a samples.jsonl row with the wrong shape."""
    if "id" not in row:
        raise InputError(f"{path}:{line}: the sample has no 'id'", hint=_REWRITE_HINT)
    for name, types, expected in _SAMPLE_FIELDS:
        if name in row and not _is(row[name], types):
            raise InputError(f"{path}:{line}: field {name!r} must be {expected}, got {_type_name(row[name])}",
                             hint=_REWRITE_HINT)


class _Missing:
    pass


_MISSING = _Missing()
