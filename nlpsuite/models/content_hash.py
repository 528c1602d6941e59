"""SHA-256 of what a file or model directory holds, with a stat-keyed record as an accelerator.

Caches that answer for a model (the prediction cache's model identity, ONNX and CTranslate2
conversions, merged sentiment weights) are keyed by content: weights, config and tokenizer
files.  A directory rewritten in place with the same sizes and modification times, or a
``config.json`` edited beside unchanged weights, gets a new key.

Hashing a 500 MB model takes a fraction of a second to seconds (see the README's figures),
too much for every command, so each file's digest is recorded under
``$NLPSUITE_CACHE_DIR/content-hashes`` with what ``stat`` says about the file (size,
modification and status-change times, inode, device) and a digest of its first and last
MiB.  The record is used only while all of that is unchanged: the status-change time moves
on every write and on every ``touch``/``utime`` (a program cannot set it back), and the
sampled bytes are read again each time, a content check that overrules a matching ``stat``.
Any difference means a full rehash.  A record that cannot be read or written only costs the
rehash.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

RECORD_DIR = "content-hashes"
#: Bump when a record's layout or meaning changes: older records are not trusted.
RECORD_VERSION = 1
CHUNK = 1 << 20
#: Bytes read from each end of a file for the sample check on every use.
SAMPLE = 1 << 20


def _records_dir() -> Path:
    from nlpsuite.cache_dir import default_cache_dir

    return default_cache_dir() / RECORD_DIR


def _stat_key(stat: os.stat_result) -> list[int]:
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev]


def _sample_digest(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        digest.update(handle.read(SAMPLE))
        if size > 2 * SAMPLE:
            handle.seek(size - SAMPLE)
            digest.update(handle.read(SAMPLE))
    return digest.hexdigest()


def full_sha256(path: Path) -> str:
    """SHA-256 of every byte of ``path`` (no record consulted)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of ``path``'s content, from its record when ``stat`` and the sampled bytes still match it."""
    path = Path(path)
    resolved = path.resolve()
    stat = resolved.stat()
    record_path = _records_dir() / (hashlib.sha256(str(resolved).encode()).hexdigest() + ".json")
    sample = _sample_digest(resolved, stat.st_size)
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if (record.get("version") == RECORD_VERSION and record.get("path") == str(resolved)
                and record.get("stat") == _stat_key(stat) and record.get("sample") == sample):
            return str(record["sha256"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    digest = full_sha256(resolved)
    after = resolved.stat()
    if _stat_key(after) == _stat_key(stat):  # not written to while it was read: the record describes it
        _write_record(record_path, {"version": RECORD_VERSION, "path": str(resolved), "stat": _stat_key(after),
                                    "sample": sample, "sha256": digest})
    return digest


def _write_record(path: Path, record: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".partial")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.replace(partial, path)
    except OSError:
        return  # an unwritable cache directory costs a rehash next time, nothing else


def model_files(directory: Path) -> list[Path]:
    """The files of a model directory that can change its outputs: every regular file, hidden ones
    (``.git``, ``.cache``, editor files) and README/licence texts aside, in a stable order."""
    found = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or name.lower().startswith(("readme", "license", "licence")):
                continue
            path = Path(root) / name
            if path.is_file():
                found.append(path)
    return found


def directory_sha256(directory: Path) -> str:
    """SHA-256 over the relative path and content digest of each of :func:`model_files`."""
    from nlpsuite.errors import InputError

    directory = Path(directory)
    digest = hashlib.sha256()
    for path in model_files(directory):
        try:
            file_digest = file_sha256(path)
        except OSError as exc:
            raise InputError(f"cannot read the model file {path}: {exc.strerror or exc}",
                             hint="check that the model directory's files are readable and whole") from None
        digest.update(f"{path.relative_to(directory).as_posix()}\0{file_digest}\n".encode())
    return digest.hexdigest()
