"""Build the argument parser from the built-in commands plus plugin commands, and run one.

Built-in command modules expose ``HELP``, ``configure(parser)`` and ``run(args) -> int``;
importing them must stay cheap (no torch), so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

from nlpsuite import __version__
from nlpsuite.errors import NlpsuiteError

#: Built-in subcommands, each a module under ``nlpsuite.cli.commands``.
BUILTIN_COMMANDS: tuple[str, ...] = ("run", "plugins", "tasks", "models", "eval", "rescore", "compare")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nlpsuite",
        description="NLP task applications (summarization, translation, classification, sentiment, "
        "bias probing) on one plugin interface.",
    )
    parser.add_argument("--version", action="version", version=f"nlpsuite {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in BUILTIN_COMMANDS:
        module = importlib.import_module(f"nlpsuite.cli.commands.{name.replace('-', '_')}")
        command_parser = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(command_parser)
        command_parser.set_defaults(handler=module.run)
    _add_plugin_commands(sub)
    return parser


def _add_plugin_commands(sub: argparse._SubParsersAction) -> None:
    from nlpsuite.registry import get_commands

    for spec in get_commands():
        if spec.name in sub.choices:
            print(f"nlpsuite: warning: plugin command {spec.name!r} clashes with a built-in; ignored", file=sys.stderr)
            continue
        command_parser = sub.add_parser(spec.name, help=spec.help, description=spec.help)
        spec.configure(command_parser)
        command_parser.set_defaults(handler=spec.run)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help()
            return 0
        return int(args.handler(args) or 0)
    except NlpsuiteError as exc:
        if debug:
            traceback.print_exc()
        print(f"nlpsuite: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("nlpsuite: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - last resort: a short message, traceback with --debug
        if debug:
            traceback.print_exc()
        else:
            print(f"nlpsuite: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
            print("  hint: rerun with --debug for the traceback; if a plugin is involved, "
                  "try NLPSUITE_LOAD_PLUGINS= to load built-ins only", file=sys.stderr)
        return 1
