"""``nlpsuite datasets``: the datasets plugins registered, by task, with where they come from."""

from __future__ import annotations

import argparse
from typing import Any

HELP = "list registered datasets (names for `nlpsuite eval --dataset`) with their task and plugin"
EPILOG = """\
--json prints, per dataset: name, task, description, plugin, version, license, citation.
Besides these names, --dataset takes FILE.jsonl|.csv|.tsv, SRC.txt,REF.txt,
hf:org/name[:config][:split] and sacrebleu:TESTSET/SRC-TGT (see `nlpsuite eval --help`)."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", "-t", help="only the datasets of this task")
    parser.add_argument("--json", action="store_true", help="print JSON")


def describe_dataset(spec: Any, plugin: str) -> dict[str, Any]:
    return {
        "name": spec.name,
        "task": spec.task,
        "description": spec.description,
        "plugin": plugin,
        "version": spec.version,
        "license": spec.license,
        "citation": spec.citation,
    }


def run(args: argparse.Namespace) -> int:
    from nlpsuite.cli.table import print_json, print_table
    from nlpsuite.registry import get_datasets, get_task, provider_of

    task = get_task(args.task).name if args.task else None  # an unknown task is refused with "did you mean"
    described = [describe_dataset(d, provider_of("datasets", d.name)) for d in get_datasets(task)]
    if args.json:
        print_json(described)
        return 0
    if not described:
        print(f"no datasets registered{f' for task {task!r}' if task else ''}; --dataset also takes local files "
              "(see `nlpsuite eval --help`)")
        return 0
    print_table(("dataset", "task", "plugin", "description"), [
        (d["name"], d["task"], d["plugin"], d["description"]) for d in described])
    return 0
