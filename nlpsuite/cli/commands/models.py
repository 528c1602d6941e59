"""``nlpsuite models``: models plugins registered by name, and each task's default and fallback."""

from __future__ import annotations

import argparse

HELP = "list registered models, or the models a task uses (--task)"
EPILOG = """\
"kind" is what a model is (sentence-transformer, seq2seq, sequence-classification,
masked-lm, causal-lm, other; "-" when unknown before loading), as in results.json's
model.kind; "origin" is where it comes from (registered, hub, local)."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", "-t", help="show the models this task uses")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    from nlpsuite.cli.table import print_json, print_table
    from nlpsuite.registry import find_model_spec, get_models, get_task, provider_of

    rows = []
    if args.task:
        spec = get_task(args.task)
        if spec.default_model:
            rows.append({"name": spec.default_model, "role": "default", "origin": "hub", "kind": None,
                         "plugin": provider_of("tasks", spec.name)})
        if spec.fallback_model:
            fallback = find_model_spec(spec.fallback_model)
            rows.append({"name": spec.fallback_model, "role": "fallback (offline)", "origin": "registered",
                         "kind": fallback.kind if fallback else None, "plugin": provider_of("models", spec.fallback_model)})
        for model in get_models():
            if spec.name in model.tasks and model.name != spec.fallback_model:
                rows.append({"name": model.name, "role": "registered", "origin": "registered", "kind": model.kind,
                             "plugin": provider_of("models", model.name)})
    else:
        rows = [
            {"name": m.name, "role": "embedded" if m.embedded else "registered", "origin": "registered",
             "kind": m.kind, "tasks": list(m.tasks), "description": m.description, "plugin": provider_of("models", m.name)}
            for m in get_models()
        ]
    if args.json:
        print_json(rows)
        return 0
    print_table(("model", "role", "origin", "kind", "plugin"),
                [(r["name"], r["role"], r["origin"], r["kind"] or "-", r["plugin"]) for r in rows])
    return 0
