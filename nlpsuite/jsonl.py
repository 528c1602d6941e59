"""JSON Lines reading with errors that name the file and line, and atomic writing."""

from __future__ import annotations

import contextlib
import functools
import glob
import json
import os
import socket
import tempfile
from collections.abc import Container, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from nlpsuite.errors import InputError
from nlpsuite.specs import DatasetSpec
from nlpsuite.text_files import iter_lines


JSONL_HINT = 'each line must be one JSON object, e.g. {"id": "1", "text": "…"}'


def read_jsonl_numbered(path: str | Path, what: str = "input file", *,
                        only: Container[int] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line.

    A line that is not a JSON object, bytes that are not UTF-8 (reported at
    their own line), or a path that is not a readable regular file raise
    :class:`InputError` naming the file and line; ``what`` names the file in
    errors (``dataset file``).  A byte-order mark is accepted.  ``only`` names
    the records wanted by position (0-based over non-blank lines); the other
    lines are skipped unparsed.
    """
    path = Path(path)
    position = -1
    for number, line in iter_lines(path, what):
        if not line.strip():
            continue
        position += 1
        if only is not None and position not in only:
            continue
        try:
            record = json.loads(line, object_pairs_hook=_refuse_duplicate_keys)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno})", hint=JSONL_HINT
            ) from None
        except DuplicateKey as exc:
            raise InputError(
                f"{path}:{number}: key {exc.key!r} appears twice in one object, with {exc.first} and {exc.second}; "
                "it could be read either way",
                hint="keep one of them (JSON readers disagree on which wins)",
            ) from None
        if not isinstance(record, dict):
            raise InputError(
                f"{path}:{number}: expected a JSON object, got {type(record).__name__}", hint=JSONL_HINT
            )
        yield number, record


class DuplicateKey(ValueError):
    """One JSON object names a key twice (Python's json keeps the last silently; other readers the first)."""

    def __init__(self, key: str, first: Any, second: Any) -> None:
        super().__init__(key)
        self.key, self.first, self.second = key, _shown(first), _shown(second)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in pairs:
        if key in record:
            raise DuplicateKey(key, record[key], value)
        record[key] = value
    return record


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield one object per non-blank line (errors as :func:`read_jsonl_numbered`)."""
    for _number, record in read_jsonl_numbered(path):
        yield record


def read_package_jsonl(package: str, relative_path: str) -> list[dict[str, Any]]:
    """Records of a JSONL file shipped inside ``package`` (e.g. a plugin's ``data/sample.jsonl``)."""
    from importlib import resources

    with resources.as_file(resources.files(package).joinpath(relative_path)) as path:
        return list(read_jsonl(path))


def packaged_sample_dataset(*, name: str, task: str, package: str, description: str) -> DatasetSpec:
    """A task's built-in sample: ``data/<name>.jsonl`` shipped in ``package``, written by the project."""
    return DatasetSpec(
        name=name,
        task=task,
        description=description,
        load=functools.partial(read_package_jsonl, package, f"data/{name}.jsonl"),
        version="1",
        license="Apache-2.0 (part of nlpsuite)",
    )


def dumps(record: Any) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=False, default=str)


def _temp_tag() -> str:
    """Host and process id in a temp file's name: what lets a later write tell a dead writer's leftovers."""
    return f"{socket.gethostname()}-{os.getpid()}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_temps(path: Path) -> None:
    """Delete temp files that writes to ``path`` from processes now gone (SIGKILL, SIGTERM) left behind.

    A ``finally`` cannot run when a process is killed, so the next write of the
    same file cleans up instead.  Only this host's temps are judged: a writer on
    another machine sharing the directory may still be alive.
    """
    host = socket.gethostname()
    for candidate in path.parent.glob(f".{glob.escape(path.name)}.{glob.escape(host)}-*.tmp"):
        pid = candidate.name[len(path.name) + len(host) + 3 :].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _process_alive(int(pid)):
            candidate.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_writer(path: str | Path) -> Iterator[TextIO]:
    """A text handle whose contents replace ``path`` when the block ends, so readers see the old file or
    the new one, never half of it.

    What the block writes goes to a temp file beside ``path`` (streamed, never held whole); the temp
    file is removed on any exception (Ctrl-C included), and one left by a killed process is removed
    by the next write of the same file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{_temp_tag()}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600 files; results and reports are meant to be shared
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_writer`)."""
    with atomic_writer(path) as handle:
        handle.write(text)


def write_jsonl_atomic(path: str | Path, records: Iterable[Any]) -> None:
    """One JSON line per record, written atomically as the records come (an iterator is never held whole)."""
    with atomic_writer(path) as handle:
        for record in records:
            handle.write(dumps(record) + "\n")
