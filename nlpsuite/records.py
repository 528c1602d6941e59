"""Fill task input records from task arguments (e.g. ``labels`` or ``src_lang`` given once for all)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nlpsuite.arguments import LIST_TYPES, split_list
from nlpsuite.specs import TaskSpec


def coerce_field(field_type: str, value: Any) -> Any:
    """A list field given as comma-separated text becomes the list; anything else is kept as it is."""
    if field_type in LIST_TYPES and isinstance(value, str):
        return split_list(value)
    return value


def with_task_defaults(spec: TaskSpec, record: dict[str, Any], task_args: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``record`` where missing input fields take the value given in ``task_args``."""
    filled = dict(record)
    for field in spec.input_fields:
        if filled.get(field.name) is None and field.name in task_args:
            filled[field.name] = task_args[field.name]
        if field.name in filled:
            filled[field.name] = coerce_field(field.type, filled[field.name])
    return filled
