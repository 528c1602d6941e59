"""Find an unusable output directory before any prediction is made, not after an hour of them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from nlpsuite.errors import OutputError
from nlpsuite.evaluation.results import RESULTS_FILE, SAMPLES_FILE

_HINT = "pass --output-dir with a directory you can write to"


def check_run_dir_writable(directory: Path) -> None:
    """Raise :class:`OutputError` unless ``directory`` can be created (or exists) and written.

    Writes and removes a probe file in the directory, or in its nearest existing
    parent when it does not exist yet: permission bits do not tell about
    read-only mounts, and root passes every permission check.
    """
    directory = Path(directory)
    existing = directory
    while not os.path.lexists(existing) and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        what = "a file" if existing.is_file() else "not a directory"
        raise OutputError(
            f"cannot write the run directory {directory}: {existing} is {what}",
            hint=f"move {existing} out of the way, or {_HINT}",
        )
    if existing == directory:
        for name in (RESULTS_FILE, SAMPLES_FILE):
            if (directory / name).is_dir():
                raise OutputError(f"cannot write {directory / name}: a directory of that name is in the way",
                                  hint=f"remove that directory, or {_HINT}")
    try:
        handle, probe = tempfile.mkstemp(prefix=".nlpsuite-write-check-", dir=existing)
    except OSError as exc:
        raise OutputError(
            f"cannot write the run directory {directory}: {existing} is not writable ({exc.strerror or exc})",
            hint=_HINT,
        ) from None
    os.close(handle)
    os.unlink(probe)
