"""Typed field values to and from what UI components hold.

Components hold text, numbers, booleans and lists; a declared field has a type
(:data:`nlpsuite.specs.FIELD_TYPES`).  :func:`from_ui` turns what a component
sent into a value of the field's type, or ``None`` when nothing was given (so
the host fills in the declared default); :func:`to_ui` turns a declared value
(a default, an example) into what the component shows.  The host still checks
every value against its declaration, so the UI never needs its own rules.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from nlpsuite.specs import FieldSpec

LIST_TYPES = ("labels", "text_list")
_LIST_SEPARATOR = re.compile(r"[,\n]")


class UIValueError(ValueError):
    """A component's value does not fit its field (the message says how, naming the field)."""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, (list, tuple)) and not value)


def from_ui(field: FieldSpec, value: Any) -> Any:
    """The typed value of ``field`` that a component sent, or ``None`` when left empty."""
    if _blank(value):
        return None
    kind = field.type
    if kind in LIST_TYPES:
        if isinstance(value, str):
            return [part.strip() for part in _LIST_SEPARATOR.split(value) if part.strip()]
        return [str(v) for v in value]
    if kind == "integer":
        if isinstance(value, str):
            value = value.strip()
            try:
                value = float(value)
            except ValueError:
                raise UIValueError(f"{field.name} must be a whole number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
            raise UIValueError(f"{field.name} must be a whole number, got {value!r}")
        return int(value)
    if kind == "number":
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise UIValueError(f"{field.name} must be a number, got {value!r}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise UIValueError(f"{field.name} must be a finite number")
        return value
    if kind == "boolean":
        if isinstance(value, str):  # the true/false dropdown of a boolean without a default
            return value.strip().lower() in ("true", "yes", "1", "on")
        return bool(value)
    if kind == "json":
        return _json_from_text(field, value) if isinstance(value, str) else value
    if kind == "path":
        # a file component sends a path (or a dict holding one); a textbox sends text
        if isinstance(value, dict):
            value = value.get("path") or value.get("name")
        return str(value)
    return value if isinstance(value, str) else str(value)


def _json_from_text(field: FieldSpec, text: str) -> Any:
    stripped = text.strip()
    try:
        return json.loads(stripped)
    except ValueError as exc:
        if stripped[:1] in "{[\"" or stripped in ("true", "false", "null"):
            raise UIValueError(f"{field.name} is not valid JSON ({exc.msg} at character {exc.pos})") from None
        # a bare word such as a test name: nobody types the quotes of a JSON string
        return stripped


def to_ui(field: FieldSpec, value: Any) -> Any:
    """What ``field``'s component shows for a declared ``value`` (a default or an example)."""
    if value is None:
        return None
    kind = field.type
    if kind in LIST_TYPES:
        if isinstance(value, (list, tuple)) and not field.choices:
            return ", ".join(str(v) for v in value)
        return list(value) if isinstance(value, (list, tuple)) else value
    if kind == "json":
        return value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    return value


def text_size(value: Any) -> int:
    """Characters a value carries (text, lists of text and JSON alike), for the input size cap."""
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (int, float, bool)):
        return 0
    return len(json.dumps(value, ensure_ascii=False, default=str))


def whole_number(name: str, value: Any, default: int, *, minimum: int | None, maximum: int | None = None) -> int:
    """A whole-number control of a tool tab (empty: ``default``), refused by its ``name`` when out of range.

    The tabs' number boxes carry no Gradio bounds: Gradio's own check names no field.
    """
    from nlpsuite.errors import UsageError

    if _blank(value):
        return default
    number = float(value)
    low = "" if minimum is None else f" from {minimum:,}"
    high = "" if maximum is None else f" to {maximum:,}"
    if (not math.isfinite(number) or not number.is_integer() or (minimum is not None and number < minimum)
            or (maximum is not None and number > maximum)):
        raise UsageError(f"{name} {number:g} is not a whole number{low}{high}",
                         hint=f"give {name} a whole number{low}{high} (the default is {default:,})")
    return int(number)
