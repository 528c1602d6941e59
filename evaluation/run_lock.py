"""One writer at a time in a run directory.

``results.json`` and ``samples.jsonl`` (``audit.json`` and ``pairs.jsonl``) are each replaced
atomically, but a pair of them is only consistent when one command writes both: an ``eval``
rewriting a directory while a ``rescore`` reads and rewrites it could leave results of one
run beside samples of the other.  Every command that writes a run directory holds an
exclusive ``flock`` on its ``.nlpsuite-lock`` while it reads what it rewrites and writes;
another waits (saying so), and gives up after :data:`WAIT_S` with the holder named.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nlpsuite.errors import OutputError

LOCK_FILE = ".nlpsuite-lock"
#: How long a command waits for another one's write phase (writing reports of a large run takes a while).
WAIT_S = 600.0
POLL_S = 0.1


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096).decode("utf-8") or "{}")
        return f"`nlpsuite {info.get('command', '?')}` (process {info.get('pid', '?')})"
    except (OSError, ValueError, AttributeError):
        return "another nlpsuite command"


@contextmanager
def run_dir_lock(directory: Path, command: str, *, wait_s: float = WAIT_S) -> Iterator[None]:
    """Hold ``directory``'s write lock for the block (the directory is created when missing)."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError(f"cannot lock the run directory {directory}: {exc.strerror or exc}",
                          hint="pass --output-dir with a directory you can write to") from None
    try:
        deadline = time.monotonic() + wait_s
        said = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OutputError(
                        f"run directory {directory} is being written by {_holder(fd)}; gave up after {wait_s:.0f} s",
                        hint="wait for that command to finish, or pass another --output-dir",
                    ) from None
                if not said:
                    print(f"nlpsuite: notice: waiting for {_holder(fd)} to finish writing {directory}", file=sys.stderr)
                    said = True
                time.sleep(POLL_S)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps({"pid": os.getpid(), "command": command}).encode("utf-8"))
        yield
    finally:
        os.close(fd)  # closing releases the lock
