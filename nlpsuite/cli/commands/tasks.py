"""``nlpsuite tasks``: the tasks plugins registered, with everything a front end is generated from."""

from __future__ import annotations

import argparse
from typing import Any

HELP = "list tasks with their fields, arguments, metrics, capabilities, examples and models"
EPILOG = """\
--json prints, per task: name, description, plugin, input_fields, output_fields,
arguments and generation_settings (each {name, type, required, description,
default?, choices?, minimum?, maximum?}), reference_field, metrics (bindings
{name, metric, prediction_field, reference_field}), capabilities (and
missing_capabilities), examples, sample_dataset, batch_size, default_model,
fallback_model.  This output is stable for tools within plugin API 1.x."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


def describe_task(spec: Any, plugin: str) -> dict[str, Any]:
    from nlpsuite.arguments import describe_fields
    from nlpsuite.specs import CAPABILITIES

    return {
        "name": spec.name,
        "description": spec.description,
        "plugin": plugin,
        "input_fields": describe_fields(spec.input_fields),
        "output_fields": describe_fields(spec.output_fields),
        "arguments": describe_fields(spec.arguments),
        "generation_settings": describe_fields(spec.generation_settings),
        "reference_field": spec.reference_field,
        "metrics": [
            {"name": b.key, "metric": b.metric, "prediction_field": b.prediction_field,
             "reference_field": b.reference_field}
            for b in spec.bindings
        ],
        "capabilities": ["predict", *spec.capabilities],
        "missing_capabilities": [c for c in CAPABILITIES if c not in spec.capabilities],
        "examples": [dict(e) for e in spec.examples],
        "sample_dataset": spec.sample_dataset,
        "batch_size": spec.batch_size,
        "default_model": spec.default_model,
        "fallback_model": spec.fallback_model,
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
        (d["name"], names(d["input_fields"]), names(d["output_fields"]), ",".join(a["name"] for a in d["arguments"]) or "-",
         d["default_model"] or "-", d["fallback_model"] or "-", ",".join(m["name"] for m in d["metrics"]) or "-",
         ",".join(d["capabilities"]))
        for d in described
    ]
    print_table(("task", "inputs", "outputs", "arguments", "default model", "fallback", "metrics", "capabilities"), rows)
    return 0
