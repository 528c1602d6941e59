"""Build the argument parser from the built-in commands plus plugin commands, and run one.

Built-in command modules expose ``HELP``, ``configure(parser)`` and ``run(args) -> int``;
importing them must stay cheap (no torch), so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

from nlpsuite import __version__
from nlpsuite.cli.command_parser import CommandParser
from nlpsuite.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, NlpsuiteError

#: Built-in subcommands, each a module under ``nlpsuite.cli.commands``.
BUILTIN_COMMANDS: tuple[str, ...] = ("run", "plugins", "tasks", "models", "datasets", "runtimes", "eval", "rescore",
                                     "compare", "audit", "demo")


EXIT_STATUSES = """\
exit status (every command):
  0    success
  1    internal error (a bug; rerun with --debug for the traceback)
  2    bad arguments, options or input; nothing was run
  3    some inputs failed: their outputs carry "error", the rest were written
  4    every input failed
  130  interrupted"""


def _debug_option() -> argparse.ArgumentParser:
    # accepted before or after the command name; SUPPRESS keeps a later default from resetting it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks for errors")
    return common


def top_level_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    """The ``nlpsuite`` parser without its commands, and the action that holds them."""
    parser = argparse.ArgumentParser(
        prog="nlpsuite",
        description="NLP task applications (summarization, translation, classification, sentiment, "
        "bias probing, text generation) on one plugin interface.",
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"nlpsuite {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    # each command reports its own unknown options, with its usage and the option probably meant
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    return parser, sub


def build_parser() -> argparse.ArgumentParser:
    parser, sub = top_level_parser()
    common = _debug_option()
    for name in BUILTIN_COMMANDS:
        module = importlib.import_module(f"nlpsuite.cli.commands.{name.replace('-', '_')}")
        epilog = "\n\n".join(part for part in (getattr(module, "EPILOG", ""), EXIT_STATUSES) if part)
        command_parser = sub.add_parser(name, help=module.HELP, description=module.HELP, parents=[common],
                                        epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
        module.configure(command_parser)
        command_parser.set_defaults(handler=module.run)
    _add_plugin_commands(sub, common)
    _remember_commands(sub)
    return parser


def _remember_commands(sub: argparse._SubParsersAction) -> None:
    from nlpsuite.cli import command_index
    from nlpsuite.registry import get_registry

    plugins = get_registry().host.plugins.values()
    healthy = all(info.status != "failed" and not info.problems for info in plugins)
    command_index.remember([(action.dest, action.help or "") for action in sub._choices_actions], healthy=healthy)


def _add_plugin_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from nlpsuite.plugin_manager import stdout_to_stderr
    from nlpsuite.registry import get_commands, get_registry, provider_of

    for spec in get_commands():
        plugin = provider_of("commands", spec.name)
        if spec.name in sub.choices:
            get_registry().host.note_problem(plugin, f"command {spec.name!r} clashes with a built-in command; ignored")
            continue
        command_parser = sub.add_parser(spec.name, help=spec.help, description=spec.help, parents=[common],
                                        epilog=EXIT_STATUSES, formatter_class=argparse.RawDescriptionHelpFormatter)
        try:
            with stdout_to_stderr():
                spec.configure(command_parser)
        except BaseException as exc:  # noqa: BLE001 - a plugin's parser setup must not take the CLI down
            sub._name_parser_map.pop(spec.name, None)
            sub._choices_actions[:] = [a for a in sub._choices_actions if a.dest != spec.name]
            get_registry().host.note_problem(plugin, f"command {spec.name!r}: configure raised {type(exc).__name__}: {exc}")
            continue
        command_parser.set_defaults(handler=spec.run)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    code = _run(argv)
    if os.environ.get("NLPSUITE_RAY_EXIT_RECORD"):  # the supervised child of a run on Ray (ray_supervisor)
        from nlpsuite.cli.ray_supervisor import record_exit

        record_exit(code)
    return code


def _run(argv: list[str]) -> int:
    debug = "--debug" in argv[: argv.index("--")] if "--" in argv else "--debug" in argv
    try:
        if argv in ([], ["-h"], ["--help"]):
            from nlpsuite.cli import command_index

            if command_index.print_recorded_help(top_level_parser):
                return EXIT_OK
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help()
            return 0
        if getattr(args, "engine", None) == "ray":
            from nlpsuite.cli.ray_supervisor import needs_supervision, run_supervised

            # only this process's own command line can be run again in a child (not an in-process caller's)
            if argv == sys.argv[1:] and needs_supervision(args):
                return run_supervised(argv)
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
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - last resort: a short message, traceback with --debug
        if debug:
            traceback.print_exc()
        else:
            print(f"nlpsuite: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
            print("  hint: rerun with --debug for the traceback; if a plugin is involved, "
                  "try NLPSUITE_LOAD_PLUGINS= to load built-ins only", file=sys.stderr)
        return EXIT_INTERNAL
