"""A command on ``--engine ray`` runs in a child process, so that a cluster dying under it still ends with a word.

When the local raylet dies, Ray's core worker ends its driver process at once (exit 1 and one log line of
Ray's), before any Python code of the driver runs: the harness cannot say what was kept.  So on Linux an
``eval`` or ``audit`` on Ray runs the same command line in a child (which dies with this process, as its
private Ray does), and this process only waits.  The child records its exit status when it ends through
nlpsuite's own exit paths; a child that ended without a record was ended from outside (the cluster, a
signal), and this process says so, what the prediction cache keeps and how to resume.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from nlpsuite.errors import EXIT_INTERNAL

#: Set in the child: where it records its exit status (and that it is the supervised one).
RECORD_ENV = "NLPSUITE_RAY_EXIT_RECORD"
SUPERVISED_COMMANDS = ("eval", "audit")


def needs_supervision(args: argparse.Namespace) -> bool:
    return (getattr(args, "command", None) in SUPERVISED_COMMANDS and getattr(args, "engine", "local") == "ray"
            and RECORD_ENV not in os.environ and sys.platform.startswith("linux"))


def _die_with_parent() -> None:
    # the child (and with it its private Ray) ends when this process ends, however it ends
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def run_supervised(argv: list[str]) -> int:
    """Run ``argv`` (this command line) in a child; its exit status, or a message when it was ended from outside."""
    with tempfile.TemporaryDirectory(prefix="nlpsuite-run-") as scratch:
        record = Path(scratch) / "exit-status"
        child = subprocess.Popen([sys.executable, sys.argv[0], *argv], env={**os.environ, RECORD_ENV: str(record)},
                                 preexec_fn=_die_with_parent)
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the child, which answers it
        try:
            returncode = child.wait()
        finally:
            signal.signal(signal.SIGINT, previous)
        if record.is_file():
            return int(record.read_text(encoding="utf-8").strip() or EXIT_INTERNAL)
    from nlpsuite.cache_dir import default_cache_dir

    how = f"was killed by signal {-returncode}" if returncode < 0 else f"ended with exit status {returncode}"
    print(f"nlpsuite: error: the run's Ray driver {how} before the run finished: the Ray cluster stopped under "
          "it (a raylet or the head node died) or the process was killed", file=sys.stderr)
    print(f"  hint: predictions committed before that are kept in the prediction cache ({default_cache_dir()}); "
          "run the same command again to predict only the rest", file=sys.stderr)
    return EXIT_INTERNAL


def record_exit(code: int) -> None:
    """In the supervised child: tell the parent that the command ended through nlpsuite with ``code``."""
    path = os.environ.get(RECORD_ENV)
    if path:
        try:
            Path(path).write_text(str(code), encoding="utf-8")
        except OSError:  # the parent is gone or its scratch folder with it: nobody to tell
            pass
