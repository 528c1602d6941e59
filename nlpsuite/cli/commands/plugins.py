"""``nlpsuite plugins``: every plugin seen, with version, hooks, status and error."""

from __future__ import annotations

import argparse

HELP = "list plugins with their version, hooks and load status"


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
        (p.name, p.version or "-", "built-in" if p.builtin else p.distribution or "-", p.status,
         ",".join(h.removeprefix("register_") for h in p.hooks), p.error or "")
        for p in plugins
    ]
    print_table(("name", "version", "distribution", "status", "hooks", "error"), rows)
    return 0
