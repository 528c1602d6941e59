"""The parser class of every subcommand: an option it does not know is reported by that subcommand.

Plain argparse hands a subcommand's unknown options up to the top-level parser, which prints
``nlpsuite``'s own usage and "unrecognized arguments": the user of ``nlpsuite eval --datset x``
learns neither which options ``eval`` has nor that ``--dataset`` was meant.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence
from typing import Any


class CommandParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that refuses leftover arguments itself, suggesting the closest option."""

    def parse_known_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> tuple[Any, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(self.unrecognized_message(extras))
        return parsed, extras

    def unrecognized_message(self, extras: Sequence[str]) -> str:
        first_option = next((e for e in extras if e.startswith("-") and e != "-"), None)
        message = f"unrecognized argument{'s' if len(extras) > 1 else ''}: {' '.join(extras)}"
        if first_option is None:
            return message
        name = first_option.split("=", 1)[0]
        known = [o for o in self._option_string_actions if o.startswith("--")]
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if close:
            return f"{message}; did you mean {close[0]}?"
        return f"{message} (see `{self.prog} --help` for its options)"
