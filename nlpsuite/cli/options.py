"""Options shared by every command that loads a model (run, eval, demo, audit)."""

from __future__ import annotations

import argparse
from typing import Any

from nlpsuite.arguments import parse_key_values
from nlpsuite.errors import UsageError
from nlpsuite.models.encoder_runtime import QUANTIZATIONS, RUNTIMES, runtime_model_args
from nlpsuite.session import Session
from nlpsuite.specs import TaskOptions, TaskSpec


def add_model_options(parser: argparse.ArgumentParser, *, task_settings: bool = True) -> None:
    """Model and device options; ``task_settings`` adds ``--arg``, ``--src/--tgt`` and ``--gen-kwargs``
    (for commands that run any task; the host refuses those a task does not declare)."""
    group = parser.add_argument_group("model")
    group.add_argument("--model", "-m", help="hub id (id@revision), local directory, or a name from `nlpsuite models`")
    group.add_argument("--offline", action="store_true", help="never contact the hub (same as HF_HUB_OFFLINE=1)")
    group.add_argument("--device", default=None, help="cpu, cuda, cuda:N, mps or auto (default: auto)")
    group.add_argument("--dtype", default=None, help="float32, float16, bfloat16 or auto (default: auto)")
    group.add_argument(
        "--batch-size", type=batch_size_value, default=None, metavar="N|auto",
        help="samples per batch, or auto (the task's preferred size; the default)",
    )
    group.add_argument(
        "--runtime", choices=RUNTIMES, default=None,
        help="what runs the model: auto (default: the fastest runtime installed that gives torch's outputs, "
        "measured once on this machine; `nlpsuite runtimes` shows it), torch, onnx (ONNX Runtime, for sentence "
        "encoders; needs pip install 'nlpsuite[fast]') or ct2 (CTranslate2, for translation, abstractive "
        "summarization and generation; needs pip install 'nlpsuite[ct2]')",
    )
    group.add_argument(
        "--quantize", choices=QUANTIZATIONS, default=None,
        help="int8 weights, on the fastest int8 runtime (onnx or ct2; faster on CPUs but outputs change: "
        "`nlpsuite compare` of an int8 run against its float32 run states how much)",
    )
    group.add_argument("--trust-remote-code", action="store_true", help="allow a model to run its own Python code")
    group.add_argument("--allow-pickle", action="store_true", help="allow pickled (non-safetensors) weights")
    group.add_argument("--quiet", "-q", action="store_true", help="no progress bar or notices on stderr")
    if not task_settings:
        return
    task = parser.add_argument_group("task settings (see `nlpsuite tasks --json` for what each task declares)")
    task.add_argument(
        "--arg", "-a", action="append", default=[], metavar="KEY=VALUE",
        help="task argument, e.g. labels=sports,politics (repeatable); checked against the task's declaration",
    )
    task.add_argument("--src", help="source language code (e.g. en), for tasks with a src_lang field (translation)")
    task.add_argument("--tgt", help="target language code (e.g. de), for tasks with a tgt_lang field (translation)")
    task.add_argument(
        "--gen-kwargs", default="", metavar="K=V,...",
        help="generation settings, e.g. num_beams=4,max_new_tokens=64, for tasks that generate text",
    )


def number_option(kind: type, minimum: float, *, above: bool = False):
    """An argparse ``type`` for a whole number (``kind=int``) or a number of at least ``minimum``
    (above it, with ``above``), whose error says what was wrong."""
    words = "a whole number" if kind is int else "a number"

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {words}") from None
        if value < minimum or (above and value == minimum):
            bound = f"above {minimum:g}" if above else f"at least {minimum:g}"
            raise argparse.ArgumentTypeError(f"{text!r} must be {bound}")
        return value

    return parse


positive_int = number_option(int, 1)


def add_output_options(parser: argparse.ArgumentParser, default_dir: str) -> None:
    """``--output-dir`` and ``--no-cache``, for commands that write a run directory (eval, audit)."""
    out = parser.add_argument_group("output")
    out.add_argument("--output-dir", "-o", help=f"run directory (default: {default_dir})")
    out.add_argument("--no-cache", action="store_true", help="neither reuse nor store cached predictions")


def batch_size_value(text: str) -> int | str:
    """``--batch-size``: a positive whole number, or ``auto`` (the task's preferred size)."""
    if text.strip().lower() == "auto":
        return "auto"
    return positive_int(text)


LANGUAGE_OPTIONS = (("src", "src_lang"), ("tgt", "tgt_lang"))


def task_options_from(args: argparse.Namespace, spec: TaskSpec | None = None) -> TaskOptions:
    """The options a command line asked for (values still text: the host types them against ``spec``)."""
    task_args: dict[str, Any] = parse_key_values(getattr(args, "arg", []), "--arg")
    for option, field in LANGUAGE_OPTIONS:
        value = getattr(args, option, None)
        if value is None:
            continue
        if spec is not None and field not in {f.name for f in (*spec.input_fields, *spec.arguments)}:
            raise UsageError(f"task {spec.name!r} takes no language code (--{option})",
                             hint="--src and --tgt are for tasks with source/target languages, such as translation")
        task_args[field] = value
    return TaskOptions(
        device=args.device,
        dtype=args.dtype,
        offline=args.offline,
        trust_remote_code=args.trust_remote_code,
        allow_pickle=args.allow_pickle,
        batch_size=None if args.batch_size == "auto" else args.batch_size,
        quiet=args.quiet,
        generation=parse_key_values(getattr(args, "gen_kwargs", ""), "--gen-kwargs"),
        task_args=task_args,
        model_args=runtime_model_args(getattr(args, "runtime", None), getattr(args, "quantize", None)),
    )


def command_session(args: argparse.Namespace) -> Session:
    """The session of one CLI command.

    A command line is one request in its own process, so ``--offline`` may also
    set the Hugging Face offline variables for libraries nlpsuite does not drive
    (``datasets``); long-running front ends (the demo) never do.
    """
    from nlpsuite._privacy import enable_offline_mode

    if getattr(args, "offline", False):
        enable_offline_mode()
    return Session(offline=True if getattr(args, "offline", False) else None)


def notifier(args: argparse.Namespace):
    """Notices go to stderr unless --quiet."""
    from nlpsuite.runtime import print_notice

    return (lambda _message: None) if getattr(args, "quiet", False) else print_notice
