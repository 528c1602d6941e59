"""``nlpsuite run``: run a task on one text or a JSONL file and print JSON lines."""

from __future__ import annotations

import argparse
import sys

from typing import Any

from nlpsuite.cli.options import add_model_options, command_session, notifier, task_options_from
from nlpsuite.errors import NlpsuiteError, UsageError, failure_exit_status

HELP = "run a task on TEXT or an --input JSONL file; prints one JSON line per input"
EPILOG = """\
Each output line is {"id", "input", "prediction", "error", "task", "model"}: the same
"id"/"input"/"prediction"/"error" as a row of an eval's samples.jsonl.
--stream (tasks with the stream capability) prints partial outputs of one TEXT as
{"partial": …} lines, then the final line.

exit status: 0 every input answered; 3 some inputs failed (their "error" is set);
4 every input failed; 2 bad arguments or input; 1 internal error."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", "-t", required=True, help="task name (see `nlpsuite tasks`)")
    parser.add_argument("text", nargs="?", help="input text for the task's main text field")
    parser.add_argument("--input", "-i", metavar="FILE.jsonl", help="one JSON object per line with the task's input fields")
    parser.add_argument("--columns", metavar="FIELD=COLUMN,...",
                        help="map task fields to the input's keys, e.g. document=text (as for `nlpsuite eval`)")
    parser.add_argument("--stream", action="store_true", help="print output as it is produced (tasks that can stream)")
    add_model_options(parser)


def run(args: argparse.Namespace) -> int:
    from nlpsuite.jsonl import dumps
    from nlpsuite.preflight import check_records
    from nlpsuite.records import with_task_defaults
    from nlpsuite.registry import get_task
    from nlpsuite.runtime import load_task, resolve_options

    spec = get_task(args.task)
    if (args.text is None) == (args.input is None):
        raise UsageError("give either TEXT or --input FILE.jsonl", hint=f'e.g. nlpsuite run --task {spec.name} "some text"')
    if args.stream and args.text is None:
        raise UsageError("--stream takes one TEXT, not --input", hint=f'e.g. nlpsuite run --task {spec.name} --stream "…"')
    if args.stream and "stream" not in spec.capabilities:
        raise UsageError(f"task {spec.name!r} cannot stream", hint="drop --stream; `nlpsuite tasks --json` lists capabilities")
    session = command_session(args)
    options = resolve_options(spec, task_options_from(args, spec))  # bad arguments stop here, before a model loads
    if args.text is not None:
        if args.columns:
            raise UsageError("--columns maps the keys of an --input file; TEXT has none",
                             hint="drop --columns, or pass --input FILE.jsonl")
        numbered = [("TEXT", {spec.text_fields[0] if spec.text_fields else spec.input_fields[0].name: args.text})]
    else:
        numbered = input_records(spec, args.input, args.columns)
    # every record is checked before the model loads: one that cannot be predicted stops the run here
    check_records(spec, numbered, model=args.model, task_args=options.task_args, columns_option=args.input is not None)
    records = [with_task_defaults(spec, r, options.task_args) for _where, r in numbered]

    task = load_task(spec.name, args.model, options, notify=notifier(args), session=session)
    model = task.model.to_dict()
    if args.stream:
        outputs = [_stream_one(task, records[0], model)]
    else:
        outputs = task.predict(records)
    failures = 0
    for number, (record, output) in enumerate(zip(records, outputs), start=1):
        failures += "error" in output
        sys.stdout.write(dumps({**output_row(record, output, number), "task": spec.name, "model": model}) + "\n")
    sys.stdout.flush()
    if failures:
        print(f"nlpsuite: {failures} of {len(records)} inputs failed; see their \"error\" fields", file=sys.stderr)
    return failure_exit_status(failures, len(records))


def input_records(spec: Any, path: str, columns_text: str | None) -> list[tuple[str, dict[str, Any]]]:
    """``(file:line, record)`` for each record of an --input file, its keys mapped by ``--columns``;
    a file without records is refused (running nothing and saying nothing would look like success)."""
    from nlpsuite.columns import AmbiguousColumn, mapped_record, parse_columns
    from nlpsuite.errors import InputError
    from nlpsuite.jsonl import read_jsonl_numbered

    columns = parse_columns(columns_text, spec, with_reference=False)
    numbered = []
    for line, row in read_jsonl_numbered(path):
        try:
            numbered.append((f"{path}:{line}", mapped_record(row, columns)))
        except AmbiguousColumn as exc:
            raise InputError(f"{path}:{line}: {exc.message}", hint=exc.hint) from None
    if not numbered:
        raise InputError(f"input file {path} holds no records (it is empty or blank)",
                         hint="write one JSON object per line, e.g. {\"text\": \"…\"}")
    return numbered


def _stream_one(task: Any, record: dict[str, Any], model: dict[str, Any]) -> dict[str, Any]:
    from nlpsuite.jsonl import dumps

    final: dict[str, Any] = {}
    try:
        for partial in task.stream(record):
            final = partial
            sys.stdout.write(dumps({"partial": partial}) + "\n")
            sys.stdout.flush()
    except NlpsuiteError as exc:
        return {"error": exc.message}
    return final


def output_row(record: dict[str, Any], output: dict[str, Any], number: int) -> dict[str, Any]:
    """The shape shared with samples.jsonl: id, input, prediction (or null) and error (or null)."""
    error = output.get("error")
    return {
        "id": record.get("id", number) if isinstance(record, dict) else number,
        "input": record,
        "prediction": None if error else output,
        "error": error,
    }
