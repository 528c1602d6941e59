"""Check input and output records against a task's declared fields.

The host runs these on every record a front end passes in and every record a
predictor gives back, so a front end can rely on the declarations alone: an
input that does not fit is refused with the reason, and an output that breaks
the declaration is reported as that sample's error, never passed on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from nlpsuite.records import coerce_field
from nlpsuite.specs import DETAILS_KEY, RESERVED_OUTPUT_KEYS, WARNINGS_KEY, FieldSpec, TaskSpec


def value_problem(field: FieldSpec, value: Any) -> str | None:
    """Why ``value`` is not of ``field``'s type, or ``None`` when it is (no parsing: records hold typed values)."""
    kind = field.type
    if kind in ("text", "label", "path"):
        ok = isinstance(value, str)
        expected = "text"
    elif kind in ("labels", "text_list"):
        ok = isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
        expected = "a list of texts"
    elif kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        expected = "a whole number"
    elif kind == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        expected = "a finite number"
    elif kind == "boolean":
        ok = isinstance(value, bool)
        expected = "true or false"
    else:  # json: anything
        return None
    if ok:
        if field.choices and value not in field.choices:
            return f"is {value!r}, not one of {', '.join(map(str, field.choices))}"
        return None
    return f"must be {expected}, got {type(value).__name__} {_short(value)}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def normalise_record(spec: TaskSpec, record: Any) -> Any:
    """``record`` with comma-separated text in list fields (``"labels": "a, b"``) split into a list."""
    if not isinstance(record, Mapping):
        return record
    return {**record, **{f.name: coerce_field(f.type, record[f.name]) for f in spec.input_fields if f.name in record}}


def input_problem(spec: TaskSpec, record: Any) -> str | None:
    """Why ``record`` cannot be predicted, or ``None`` when it can."""
    problem = shape_problem(spec, record)
    if problem:
        return problem
    for field in spec.input_fields:
        value = record.get(field.name, field.default)
        if field.type == "text" and field.required and isinstance(value, str) and not value.strip():
            return f"field {field.name!r} is empty"
    return None


def shape_problem(spec: TaskSpec, record: Any, needed: Sequence[str] = ()) -> str | None:
    """Why ``record`` does not fit the task's fields (not an object, a required field missing or mistyped), or
    ``None``; ``needed`` names optional fields the chosen model requires too (see ``TaskSpec.fields_needed``).

    Front ends check every record with this before a model loads: such a record can never be predicted, so
    loading the model only to fail on it wastes the load.  An empty text is a per-sample error instead (a blank
    line of a parallel file keeps its place).
    """
    if not isinstance(record, Mapping):
        return f"expected a JSON object with fields {[f.name for f in spec.input_fields]}, got {type(record).__name__}"
    for field in spec.input_fields:
        value = record.get(field.name, field.default)
        if value is None or (field.name in needed and value in ("", [])):
            if field.required or field.name in needed:
                found = ", ".join(sorted(record)) or "none"
                return f"missing field {field.name!r} (fields found: {found})"
            continue
        problem = value_problem(field, value)
        if problem:
            return f"field {field.name!r} {problem}"
    return None


def output_problem(spec: TaskSpec, output: Any) -> str | None:
    """Why a predictor's output breaks the task's declaration, or ``None`` when it keeps it."""
    if not isinstance(output, Mapping):
        return f"the plugin returned {type(output).__name__} instead of an output record"
    declared = {f.name for f in spec.output_fields}
    loose = sorted(set(output) - declared - set(RESERVED_OUTPUT_KEYS) - {"error"})
    if loose:
        return (f"the plugin returned undeclared output key(s) {', '.join(loose)}; task {spec.name!r} declares "
                f"{', '.join(sorted(declared))} (diagnostics belong under {DETAILS_KEY!r})")
    for field in spec.output_fields:
        value = output.get(field.name)
        if value is None:
            if field.required:
                return f"the plugin's output lacks the declared field {field.name!r}"
            continue
        problem = value_problem(field, value)
        if problem:
            return f"the plugin's output field {field.name!r} {problem}"
    warnings = output.get(WARNINGS_KEY)
    if warnings is not None and not (isinstance(warnings, list) and all(isinstance(w, str) for w in warnings)):
        return f"the plugin's {WARNINGS_KEY!r} must be a list of texts"
    details = output.get(DETAILS_KEY)
    if details is not None and not isinstance(details, Mapping):
        return f"the plugin's {DETAILS_KEY!r} must be an object"
    return None
