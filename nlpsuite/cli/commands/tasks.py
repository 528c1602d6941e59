"""``nlpsuite tasks``: the tasks plugins registered, with their field schema, models and metrics."""

from __future__ import annotations

import argparse
from typing import Any

HELP = "list tasks with their input/output fields, default and fallback models and metrics"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


def describe_task(spec: Any, plugin: str) -> dict[str, Any]:
    def fields(specs: Any) -> list[dict[str, Any]]:
        return [{"name": f.name, "type": f.type, "required": f.required, "description": f.description} for f in specs]

    return {
        "name": spec.name,
        "description": spec.description,
        "plugin": plugin,
        "input_fields": fields(spec.input_fields),
        "output_fields": fields(spec.output_fields),
        "reference_field": spec.reference_field,
        "default_model": spec.default_model,
        "fallback_model": spec.fallback_model,
        "metrics": list(spec.metrics),
        "task_args": dict(spec.task_args) if spec.task_args is not None else None,
    }


def run(args: argparse.Namespace) -> int:
    from nlpsuite.cli.table import print_json, print_table
    from nlpsuite.registry import get_tasks, provider_of

    described = [describe_task(t, provider_of("tasks", t.name)) for t in get_tasks()]
    if args.json:
        print_json(described)
        return 0

    def names(fields: list[dict[str, Any]]) -> str:
        return ",".join(f["name"] + ("" if f["required"] else "?") for f in fields)

    rows = [
        (d["name"], names(d["input_fields"]), names(d["output_fields"]), d["default_model"] or "-",
         d["fallback_model"] or "-", ",".join(d["metrics"]) or "-")
        for d in described
    ]
    print_table(("task", "inputs", "outputs", "default model", "fallback", "metrics"), rows)
    return 0
