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


def run(args: argparse.Namespace) -> int:
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
