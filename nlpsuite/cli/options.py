"""Options shared by every command that loads a model (run, eval, demo, audit)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from nlpsuite.errors import UsageError
from nlpsuite.specs import TaskOptions


def add_model_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("model")
    group.add_argument("--model", "-m", help="hub id (id@revision), local directory, or a name from `nlpsuite models`")
    group.add_argument("--offline", action="store_true", help="never contact the hub (same as HF_HUB_OFFLINE=1)")
    group.add_argument("--device", default=None, help="cpu, cuda, cuda:N, mps or auto (default: auto)")
    group.add_argument("--dtype", default=None, help="float32, float16, bfloat16 or auto (default: auto)")
    group.add_argument(
        "--batch-size", type=batch_size_value, default=None, metavar="N|auto",
        help="samples per batch, or auto (the task's preferred size; the default)",
    )
    group.add_argument("--trust-remote-code", action="store_true", help="allow a model to run its own Python code")
    group.add_argument("--allow-pickle", action="store_true", help="allow pickled (non-safetensors) weights")
    group.add_argument("--src", help="source language code (e.g. en), for tasks that take one")
    group.add_argument("--tgt", help="target language code (e.g. de), for tasks that take one")
    group.add_argument(
        "--arg", "-a", action="append", default=[], metavar="KEY=VALUE",
        help="task argument, e.g. labels=sports,politics (repeatable)",
    )
    group.add_argument(
        "--gen-kwargs", default="", metavar="K=V,...", help="generation settings, e.g. num_beams=4,max_new_tokens=64"
    )
    group.add_argument("--quiet", "-q", action="store_true", help="no progress bar or notices on stderr")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def batch_size_value(text: str) -> int | str:
    """``--batch-size``: a positive whole number, or ``auto`` (the task's preferred size)."""
    if text.strip().lower() == "auto":
        return "auto"
    return positive_int(text)


def parse_value(text: str) -> Any:
    """JSON scalars and lists where they parse (4, 0.5, true, [1,2]); otherwise the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_pairs(items: list[str] | str, option: str) -> dict[str, Any]:
    """``["a=1", "b=x"]`` or ``"a=1,b=x"`` to a dict, with an error naming the bad item."""
    if isinstance(items, str):
        items = [part for part in items.split(",") if part.strip()] if items else []
    result: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} {item!r} is not KEY=VALUE", hint=f"write e.g. {option} num_beams=4")
        result[key.strip()] = parse_value(value.strip())
    return result


def task_options_from(args: argparse.Namespace) -> TaskOptions:
    task_args = parse_pairs(args.arg, "--arg")
    if args.src:
        task_args["src_lang"] = args.src
    if args.tgt:
        task_args["tgt_lang"] = args.tgt
    return TaskOptions(
        device=args.device,
        dtype=args.dtype,
        offline=args.offline,
        trust_remote_code=args.trust_remote_code,
        allow_pickle=args.allow_pickle,
        batch_size=None if args.batch_size == "auto" else args.batch_size,
        quiet=args.quiet,
        generation=parse_pairs(args.gen_kwargs, "--gen-kwargs"),
        task_args=task_args,
    )


def notifier(args: argparse.Namespace):
    """Notices go to stderr unless --quiet."""
    from nlpsuite.runtime import print_notice

    return (lambda _message: None) if getattr(args, "quiet", False) else print_notice
