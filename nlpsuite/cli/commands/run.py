"""``nlpsuite run``: run a task on one text or a JSONL file and print JSON lines."""

from __future__ import annotations

import argparse
import sys

from nlpsuite.cli.options import add_model_options, notifier, task_options_from
from nlpsuite.errors import UsageError

HELP = "run a task on TEXT or an --input JSONL file; prints one JSON line per input"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", "-t", required=True, help="task name (see `nlpsuite tasks`)")
    parser.add_argument("text", nargs="?", help="input text for the task's main text field")
    parser.add_argument("--input", "-i", metavar="FILE.jsonl", help="one JSON object per line with the task's input fields")
    add_model_options(parser)


def run(args: argparse.Namespace) -> int:
    from nlpsuite.jsonl import dumps, read_jsonl
    from nlpsuite.records import with_task_defaults
    from nlpsuite.registry import get_task

    spec = get_task(args.task)
    if (args.text is None) == (args.input is None):
        raise UsageError("give either TEXT or --input FILE.jsonl", hint=f'e.g. nlpsuite run --task {spec.name} "some text"')
    options = task_options_from(args)
    if args.text is not None:
        records = [{spec.text_fields[0] if spec.text_fields else spec.input_fields[0].name: args.text}]
    else:
        records = list(read_jsonl(args.input))
    records = [with_task_defaults(spec, r, options.task_args) for r in records]

    from nlpsuite.runtime import load_task

    task = load_task(spec.name, args.model, options, notify=notifier(args))
    outputs = task.predict(records)
    model = task.model.to_dict()
    failures = 0
    for record, output in zip(records, outputs):
        failures += "error" in output
        sys.stdout.write(dumps({"task": spec.name, "input": record, "output": output, "model": model}) + "\n")
    sys.stdout.flush()
    if failures:
        print(f"nlpsuite: {failures} of {len(records)} inputs failed; see their \"error\" fields", file=sys.stderr)
    return 1 if failures == len(records) else 0
