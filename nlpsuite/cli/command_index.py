"""A record of the CLI's commands (names and one-line helps), so ``nlpsuite --help`` loads no plugin.

The top-level help lists plugin commands, which come from the plugins' ``register_commands``
hook: building it for real imports pluggy, ``importlib.metadata`` and every plugin, 5–10× the
cost of starting Python.  Every full parser build records the commands here (under the cache
directory); a bare ``nlpsuite``, ``nlpsuite -h`` or ``nlpsuite --help`` prints from the record
while it still describes this environment, and otherwise builds the parser as before.

The record is fresh while its *fingerprint* is unchanged: the nlpsuite version, the interpreter,
``sys.path``, the plugin-selection variable, and, for every distribution on ``sys.path`` that
declares ``nlpsuite`` entry points, its metadata directory's name and modification time and that
entry-point section.  Installing, upgrading or removing a plugin changes it.  An editable plugin
whose source changes its commands without a reinstall is seen by the next other command, which
rebuilds the parser and the record.  A build in which a plugin failed or had a problem records
nothing (and removes the record), so ``--help`` goes the slow way and shows the warnings; so does
any run with plugin tracing or strict mode on.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

RECORD_FILE = "cli-commands.json"
#: Bump when the record's layout changes.
RECORD_VERSION = 1
ENTRY_POINT_SECTION = "[nlpsuite]"
# the plugin manager's switches (nlpsuite.plugin_manager names them; importing it here would cost what this saves)
SELECTION_ENV = "NLPSUITE_LOAD_PLUGINS"
SLOW_PATH_ENVS = ("NLPSUITE_TRACE_PLUGINS", "NLPSUITE_STRICT_PLUGINS")

Commands = list[tuple[str, str]]


def record_path() -> Path:
    from nlpsuite.cache_dir import default_cache_dir

    return default_cache_dir() / RECORD_FILE


def _entry_point_section(text: str) -> str | None:
    """The ``[nlpsuite]`` section of an ``entry_points.txt``, or ``None``."""
    lines = text.splitlines()
    try:
        start = [line.strip() for line in lines].index(ENTRY_POINT_SECTION)
    except ValueError:
        return None
    section = []
    for line in lines[start + 1:]:
        if line.strip().startswith("["):
            break
        if line.strip():
            section.append(line.strip())
    return "\n".join(section)


def _plugin_distributions(entry: str) -> list[list[Any]]:
    """``[directory name, mtime_ns, section]`` of each distribution in ``entry`` declaring nlpsuite entry points."""
    directory = entry or "."
    try:
        names = sorted(os.listdir(directory))
    except OSError:  # a zip, or a missing path: its modification time stands for its content
        try:
            return [[entry, os.stat(directory).st_mtime_ns, None]]
        except OSError:
            return []
    found = []
    for name in names:
        if not name.endswith((".dist-info", ".egg-info")):
            continue
        path = os.path.join(directory, name)
        try:
            with open(os.path.join(path, "entry_points.txt"), encoding="utf-8") as handle:
                text = handle.read()
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            continue
        section = _entry_point_section(text) if ENTRY_POINT_SECTION in text else None
        if section is not None:
            found.append([os.path.join(entry, name), mtime, section])
    return found


def fingerprint() -> str:
    """What the command list depends on, hashed (see the module docstring)."""
    from nlpsuite import __version__

    description = {
        "record": RECORD_VERSION,
        "nlpsuite": __version__,
        "python": sys.executable,
        "path": list(sys.path),
        "selection": os.environ.get(SELECTION_ENV),
        "distributions": [found for entry in sys.path for found in _plugin_distributions(entry)],
    }
    return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()


def usable() -> bool:
    """Whether this process may print help from the record (tracing and strict mode want the real build)."""
    return not any(os.environ.get(name, "").strip() for name in SLOW_PATH_ENVS)


def recorded_commands() -> Commands | None:
    """The recorded commands when the record is fresh, else ``None``."""
    try:
        record = json.loads(record_path().read_text(encoding="utf-8"))
        if record.get("version") != RECORD_VERSION or record.get("fingerprint") != fingerprint():
            return None
        return [(str(name), str(help_text)) for name, help_text in record["commands"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(commands: Commands, *, healthy: bool) -> None:
    """Record ``commands`` after a full build (rewritten only when it changed); a build with plugin problems
    removes the record instead.  Best effort: an unwritable cache directory only costs speed."""
    path = record_path()
    try:
        if not healthy:
            path.unlink(missing_ok=True)
            return
        text = json.dumps({"version": RECORD_VERSION, "fingerprint": fingerprint(),
                           "commands": [list(command) for command in commands]}, indent=1)
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        return


def print_recorded_help(top_level: Callable[[], tuple[Any, Any]]) -> bool:
    """Print the top-level help from a fresh record; ``False`` (nothing printed) when there is none.

    ``top_level()`` returns the top-level parser and its subcommand action, built exactly as the full
    build builds them, so both paths print the same text.
    """
    if not usable():
        return False
    commands = recorded_commands()
    if commands is None:
        return False
    parser, sub = top_level()
    for name, help_text in commands:
        sub.add_parser(name, help=help_text)
    parser.print_help()
    return True
