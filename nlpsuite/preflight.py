"""Check a command's input records against the task before any model loads.

A record that lacks a field the task (or the model asked for) requires can never be
predicted; finding that out after a model has loaded for seconds, once per record, is
what this prevents.  ``run``, ``eval`` and ``audit`` call :func:`check_records` on
every record they read, with the same message and hint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from nlpsuite.arguments import example
from nlpsuite.errors import InputError
from nlpsuite.record_checks import normalise_record, shape_problem
from nlpsuite.records import with_task_defaults
from nlpsuite.specs import TaskSpec


def fields_needed(spec: TaskSpec, model: str | None, task_args: Mapping[str, Any]) -> tuple[str, ...]:
    """Optional input fields the model asked for requires of every record (``TaskSpec.fields_needed``)."""
    return tuple(spec.fields_needed(model, task_args)) if spec.fields_needed is not None else ()


def check_records(
    spec: TaskSpec,
    records: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    model: str | None,
    task_args: Mapping[str, Any],
    columns_option: bool = True,
) -> None:
    """Raise :class:`InputError` for the first record that cannot be predicted.

    ``records`` are ``(where, record)`` pairs, ``where`` naming the record in the message
    (``in.jsonl:3``, ``sample 'a7'``); ``task_args`` are the typed task arguments, whose
    input-field values fill records that lack them, as at predict time.
    """
    needed = fields_needed(spec, model, task_args)
    for where, record in records:
        filled = with_task_defaults(spec, record, task_args) if isinstance(record, Mapping) else record
        problem = shape_problem(spec, normalise_record(spec, filled), needed)
        if problem:
            raise InputError(f"{where}: {problem}", hint=_hint(spec, needed, columns_option))


def _hint(spec: TaskSpec, needed: tuple[str, ...], columns_option: bool) -> str:
    wanted = [f for f in spec.input_fields if f.required or f.name in needed]
    optional = [f for f in wanted if f.name in needed]
    ways = [f"give every record the field{'s' if len(wanted) > 1 else ''} {', '.join(f.name for f in wanted)}"]
    if columns_option and wanted:
        ways.append(f"map a key of yours to it with --columns {(optional or wanted)[0].name}=KEY")
    if optional:
        ways.append(f"give one value for all records with --arg {optional[0].name}={example(optional[0])} "
                    f"(with this model, task {spec.name!r} needs {', '.join(needed)})")
    return "; ".join(ways)
