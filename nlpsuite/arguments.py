"""Parse and check typed values against their declarations, once, for every front end.

Task arguments, generation settings and metric arguments are declared as
:class:`~nlpsuite.specs.FieldSpec` objects.  Values arrive as text from the
command line (``--arg top_k=5``) or already typed from the web UI, a JSON file
or a Ray worker; :func:`parse_declared` turns both into the declared type, checks
choices and bounds, fills in defaults, and refuses anything undeclared with an
error that names the value, the problem and what is accepted.  No plugin parses
strings itself.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from nlpsuite.errors import UsageError
from nlpsuite.specs import FieldSpec

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
LIST_TYPES = ("labels", "text_list")


def split_list(text: str) -> list[str]:
    """``"a, b,,c"`` → ``["a", "b", "c"]``: how a list is written on the command line or in a record."""
    return [part.strip() for part in text.split(",") if part.strip()]


class ValueProblem(ValueError):
    """A value does not fit its declaration (the message says how)."""


def accepted(field: FieldSpec) -> str:
    """What ``field`` accepts, in words: 'a whole number from 1 to 10', 'one of greedy, beam'."""
    if field.choices:
        return "one of " + ", ".join(str(c) for c in field.choices)
    words = {
        "text": "text",
        "label": "a label",
        "labels": "labels, comma-separated",
        "text_list": "texts, comma-separated",
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
        "json": "a JSON value",
        "path": "a file path",
    }[field.type]
    if field.minimum is not None and field.maximum is not None:
        return f"{words} from {_num(field.minimum)} to {_num(field.maximum)}"
    if field.minimum is not None:
        return f"{words} of at least {_num(field.minimum)}"
    if field.maximum is not None:
        return f"{words} of at most {_num(field.maximum)}"
    return words


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def coerce(field: FieldSpec, value: Any) -> Any:
    """``value`` as ``field``'s type (text is parsed), or :class:`ValueProblem`."""
    kind = field.type
    if kind in ("text", "label", "path"):
        if not isinstance(value, str):
            raise ValueProblem(f"expected text, got {type(value).__name__}")
        result: Any = value
    elif kind in LIST_TYPES:
        if isinstance(value, str):
            value = split_list(value)
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueProblem(f"expected a list of texts, got {type(value).__name__}")
        result = list(value)
    elif kind == "integer":
        result = _integer(value)
    elif kind == "number":
        result = _number(value)
    elif kind == "boolean":
        result = _boolean(value)
    elif kind == "json":
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise ValueProblem(f"is not valid JSON ({exc.msg} at character {exc.pos})") from None
        result = value
    else:  # pragma: no cover - validate_spec refuses unknown types
        raise ValueProblem(f"unknown type {kind!r}")
    if field.choices and result not in field.choices:
        raise ValueProblem("is not one of the choices")
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        if field.minimum is not None and result < field.minimum:
            raise ValueProblem(f"is below the minimum {_num(field.minimum)}")
        if field.maximum is not None and result > field.maximum:
            raise ValueProblem(f"is above the maximum {_num(field.maximum)}")
    return result


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueProblem("expected a whole number, got true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ValueProblem("is not a whole number")


def _number(value: Any) -> float | int:
    if isinstance(value, bool):
        raise ValueProblem("expected a number, got true/false")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise ValueProblem("is not a number") from None
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    raise ValueProblem("is not a number")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ValueProblem("is not true or false")


def example(field: FieldSpec) -> str:
    """A value that fits ``field``, for hints."""
    if field.default is not None:
        return json.dumps(field.default) if not isinstance(field.default, str) else field.default
    if field.choices:
        return str(field.choices[0])
    if field.type in ("integer", "number"):
        return _num(field.minimum) if field.minimum is not None else "1"
    return {"boolean": "true", "labels": "a,b", "text_list": "a,b", "json": '{"a": 1}', "path": "FILE"}.get(field.type, "TEXT")


def parse_declared(
    declared: Sequence[FieldSpec],
    given: Mapping[str, Any],
    *,
    what: str,
    owner: str,
    option: str,
    also_accepted: Sequence[FieldSpec] = (),
    fill_defaults: bool = True,
) -> dict[str, Any]:
    """Check ``given`` against ``declared`` (plus ``also_accepted``) and return typed values.

    ``what`` names the kind of value ('argument', 'generation setting'), ``owner``
    whose it is ('task 'keywords''), ``option`` how a user writes it (``--arg``).
    Declared defaults are filled in when ``fill_defaults``.
    """
    fields = {f.name: f for f in (*declared, *also_accepted)}
    result: dict[str, Any] = {}
    for name, value in given.items():
        field = fields.get(name)
        if field is None:
            # a task with arguments lists every name accepted, input fields given as arguments too
            # (`--arg labels=a,b`); one without keeps "takes none"
            every = list(fields.values()) if declared else []
            raise UsageError(_unknown_message(name, what, owner, every), hint=_listing(every, what, owner, option))
        try:
            result[name] = coerce(field, value)
        except ValueProblem as problem:
            raise UsageError(
                f"{owner} {what} {name}={_show(value)} {problem}",
                hint=f"{name} takes {accepted(field)}, e.g. {option} {name}={example(field)}",
            ) from None
    for field in declared:
        if field.name in result:
            continue
        if field.required:
            raise UsageError(f"{owner} needs {what} {field.name!r}", hint=f"give {option} {field.name}={example(field)}")
        if fill_defaults and field.default is not None:
            result[field.name] = field.default
    return result


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else json.dumps(value, default=str)


def _unknown_message(name: str, what: str, owner: str, declared: Sequence[FieldSpec]) -> str:
    if not declared:
        return f"{owner} takes no {what}s, got {name!r}"
    close = difflib.get_close_matches(name, [f.name for f in declared], n=1)
    return f"{owner} has no {what} {name!r}" + (f"; did you mean {close[0]!r}?" if close else "")


def _listing(declared: Sequence[FieldSpec], what: str, owner: str, option: str) -> str:
    if not declared:
        return f"drop {option}: {owner} takes none"
    return f"{owner} {what}s: " + "; ".join(f"{f.name} ({accepted(f)})" for f in declared)


def parse_key_values(items: Sequence[str] | str, option: str) -> dict[str, str]:
    """``["a=1", "b=x"]`` or ``"a=1,b=x"`` to ``{"a": "1", "b": "x"}``, with an error naming the bad item.

    Values stay text: :func:`parse_declared` gives them their declared types.
    """
    if isinstance(items, str):
        items = [part for part in items.split(",") if part.strip()] if items else []
    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} {item!r} is not KEY=VALUE", hint=f"write e.g. {option} name=value")
        result[key.strip()] = value.strip()
    return result


def describe_fields(fields: Sequence[FieldSpec]) -> list[dict[str, Any]]:
    """The JSON form of declarations (``nlpsuite tasks --json``, the docs, the web UI)."""
    described = []
    for f in fields:
        entry: dict[str, Any] = {"name": f.name, "type": f.type, "required": f.required, "description": f.description}
        if f.default is not None:
            entry["default"] = f.default
        if f.choices:
            entry["choices"] = list(f.choices)
        if f.minimum is not None:
            entry["minimum"] = f.minimum
        if f.maximum is not None:
            entry["maximum"] = f.maximum
        described.append(entry)
    return described
