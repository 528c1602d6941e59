"""JSON Lines reading with errors that name the file and line, and atomic writing."""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from nlpsuite.errors import InputError
from nlpsuite.specs import DatasetSpec


JSONL_HINT = 'each line must be one JSON object, e.g. {"id": "1", "text": "…"}'


def read_jsonl_numbered(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line.

    A line that is not a JSON object, or a file that is not UTF-8, raises
    :class:`InputError` naming the file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"input file {str(path)!r} does not exist", hint="check the path")
    with path.open(encoding="utf-8") as handle:
        number = 0
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(
                        f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno})", hint=JSONL_HINT
                    ) from None
                if not isinstance(record, dict):
                    raise InputError(
                        f"{path}:{number}: expected a JSON object, got {type(record).__name__}", hint=JSONL_HINT
                    )
                yield number, record
        except UnicodeDecodeError:
            raise InputError(f"{path}:{number + 1}: not UTF-8 text", hint="save the file as UTF-8") from None


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


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` so that readers see the old file or the new one, never half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600 files; results and reports are meant to be shared
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_jsonl_atomic(path: str | Path, records: Iterable[Any]) -> None:
    write_atomic(path, "".join(dumps(r) + "\n" for r in records))
