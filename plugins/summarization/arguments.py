"""Read typed task arguments (``--arg KEY=VALUE``) with errors that say what to write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nlpsuite.errors import UsageError
from nlpsuite.specs import TaskOptions


def int_arg(options: TaskOptions, name: str, default: int | None, *, minimum: int = 1) -> int | None:
    value = options.task_args.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UsageError(f"task argument {name}={value!r} must be a whole number of at least {minimum}",
                         hint=f"e.g. --arg {name}={max(minimum, default or minimum)}")
    return value


def fraction_arg(options: TaskOptions, name: str, default: float) -> float:
    value = options.task_args.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise UsageError(f"task argument {name}={value!r} must be a number from 0 to 1", hint=f"e.g. --arg {name}={default}")
    return float(value)


def number_arg(options: TaskOptions, name: str, default: float, *, minimum: float, maximum: float) -> float:
    value = options.task_args.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not minimum <= value <= maximum:
        raise UsageError(f"task argument {name}={value!r} must be a number from {minimum:g} to {maximum:g}",
                         hint=f"e.g. --arg {name}={default:g}")
    return float(value)


def choice_arg(options: TaskOptions, name: str, choices: Sequence[str]) -> str:
    value: Any = options.task_args.get(name, choices[0])
    if value not in choices:
        raise UsageError(f"task argument {name}={value!r} is not one of {', '.join(choices)}", hint=f"e.g. --arg {name}={choices[0]}")
    return str(value)
