"""``nlpsuite plugins``: every plugin seen, with version, hooks, status and error."""

from __future__ import annotations

import argparse
from typing import Any

HELP = "list plugins with their version, plugin API, hooks and load status"
EPILOG = """\
--json prints a list of {name, distribution, version, builtin, status (loaded |
failed | skipped), error, hooks, module, api_version (the plugin API the plugin
declares, or null), api_compatible (true, false, or null when undeclared),
problems}.  This output is stable for tools within plugin API 1.x; fields are
only ever added."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")
    sub = parser.add_subparsers(dest="plugins_command", metavar="new")
    new = sub.add_parser("new", help="write a new plugin package that runs and passes its tests as generated",
                         description="write a new plugin package (pyproject.toml with the entry point, a module with "
                         "a skeleton per hook, tests using nlpsuite.testing) that runs and passes its tests as generated")
    new.add_argument("name", help="plugin name, e.g. sentence-similarity (the distribution is nlpsuite-NAME)")
    new.add_argument("--hooks", default="tasks", metavar="H1,H2",
                     help="skeletons to write: tasks (always), metrics, datasets, perturbations, commands")
    new.add_argument("--directory", "-d", default=".", help="where to write the package folder (default: here)")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "plugins_command", None) == "new":
        return run_new(args)
    return run_list(args)


def run_new(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nlpsuite.registry import get_registry
    from nlpsuite.scaffold import SCAFFOLD_HOOKS, write_plugin

    registry = get_registry()
    taken = [*registry.host.plugins, *(name for table in registry.entries.values() for name in table)]
    root = write_plugin(args.name, args.hooks.split(","), Path(args.directory), taken)
    print(f"wrote {root}/ (hooks: {args.hooks}; others: {', '.join(h for h in SCAFFOLD_HOOKS if h not in args.hooks)})")
    print(f"next: pip install -e {root} && python -m pytest {root}/tests")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from nlpsuite.cli.table import print_json, print_table
    from nlpsuite.registry import get_plugins

    plugins = get_plugins()
    if args.json:
        print_json([p.to_dict() for p in plugins])
        return 0
    rows = [
        (p.name, p.version or "-", "built-in" if p.builtin else p.distribution or "-", _api(p), p.status,
         ",".join(h.removeprefix("register_") for h in p.hooks), "; ".join(filter(None, [p.error, *p.problems])))
        for p in plugins
    ]
    print_table(("name", "version", "distribution", "api", "status", "hooks", "error"), rows)
    return 0


def _api(plugin: Any) -> str:
    if plugin.api_version is None:
        return "undeclared"
    return plugin.api_version + ("" if plugin.api_compatible else " (incompatible)")
