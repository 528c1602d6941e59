"""Converted models on disk (ONNX exports, int8 quantizations, merged adapter weights, CTranslate2 models), made once.

A conversion is stored under ``$NLPSUITE_CACHE_DIR/converted`` (default
``~/.cache/nlpsuite/converted``, the directory of the prediction cache) by a name
that holds the SHA-256 of the model files it was made from and the recipe version,
so changed weights or config, or a changed recipe, never reuse a stale file.

Each entry is a directory holding the converted file (or directory) and a
``manifest.json`` with the size and SHA-256 of every file in it.  An entry is
verified before each use (cheaply: :mod:`.content_hash` records digests by
``stat``); one that is damaged, truncated or unreadable is set aside and converted
again, with a notice.  A conversion is written into a private temporary directory
and published by one ``rename``: two processes converting the same model at once
(Ray actors, two evals) each end with a whole entry, the first to publish wins and
the other uses it.  A conversion that fails leaves nothing; one whose process was
killed is swept up by the next conversion of the same name.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SUBDIRECTORY = "converted"
MANIFEST = "manifest.json"
#: Bump when the entry layout changes: entries of another layout are converted again.
LAYOUT_VERSION = 2
#: A partial conversion of another machine (shared cache) is swept only when this old.
STALE_PARTIAL_S = 24 * 3600


def conversion_dir() -> Path:
    from nlpsuite.cache_dir import default_cache_dir

    return default_cache_dir() / SUBDIRECTORY


def print_notice(message: str) -> None:
    print(f"nlpsuite: notice: {message}", file=sys.stderr)


def converted_file(name: str, convert: Callable[[Path], None], *,
                   notify: Callable[[str], None] = print_notice) -> tuple[Path, bool]:
    """``(path, made_now)``: the cached file ``name``, made by ``convert(temporary_path)`` when missing or damaged."""
    return _converted(name, name, convert, notify)


def converted_directory(name: str, convert: Callable[[Path], None], *,
                        notify: Callable[[str], None] = print_notice) -> tuple[Path, bool]:
    """``(path, made_now)``: the cached directory ``name``, made by ``convert(temporary_path)`` when missing or
    damaged (``convert`` creates the directory)."""
    return _converted(name, "model", convert, notify)


def entry_problem(entry: Path, payload: str) -> str | None:
    """Why ``entry`` cannot be used (absent, damaged, truncated, of another layout), or ``None`` when it is whole."""
    from nlpsuite.models.content_hash import file_sha256

    if not entry.exists():
        return "absent"
    try:
        manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("layout") != LAYOUT_VERSION or manifest.get("payload") != payload:
            return "it was written by another nlpsuite version"
        files = manifest["files"]
        if not files:
            return "its manifest lists no files"
        for relative, expected in files.items():
            path = entry / relative
            size = path.stat().st_size
            if size != expected["size"]:
                return f"{relative} has {size} bytes, {expected['size']} were written"
            if file_sha256(path) != expected["sha256"]:
                return f"{relative} does not hold what was written (SHA-256 differs)"
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return f"it cannot be read ({type(exc).__name__}: {exc})"
    return None


def _converted(name: str, payload: str, convert: Callable[[Path], None],
               notify: Callable[[str], None]) -> tuple[Path, bool]:
    root = conversion_dir()
    entry = root / name
    problem = entry_problem(entry, payload)
    if problem is None:
        return entry / payload, False
    if problem != "absent":
        notify(f"the converted model {entry} is unusable ({problem}); converting it again")
        _set_aside(entry)
    try:
        root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=root, prefix=_partial_prefix(name), suffix=".partial"))
    except OSError as exc:
        # an unwritable cache costs a conversion per process, never the run
        notify(f"cannot write the conversion cache {root} ({exc.strerror or exc}); converting for this process "
               "only (set NLPSUITE_CACHE_DIR to a writable directory to keep conversions)")
        root = _process_root()
        entry = root / name
        if entry_problem(entry, payload) is None:
            return entry / payload, False
        work = Path(tempfile.mkdtemp(dir=root, prefix=_partial_prefix(name), suffix=".partial"))
    _sweep_partials(root, name)
    try:
        convert(work / payload)
        _write_manifest(work, payload)
        try:
            os.rename(work, entry)  # atomic; refused when another process published first
        except OSError:
            if entry_problem(entry, payload) is not None:
                _set_aside(entry)  # what is there is not whole: ours replaces it
                os.rename(work, entry)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return entry / payload, True


_PROCESS_ROOT: list[Path] = []


def _process_root() -> Path:
    """A temporary conversion directory of this process, removed when it exits."""
    if not _PROCESS_ROOT:
        import atexit

        _PROCESS_ROOT.append(Path(tempfile.mkdtemp(prefix="nlpsuite-converted-")))
        atexit.register(shutil.rmtree, _PROCESS_ROOT[0], True)
    return _PROCESS_ROOT[0]


def _write_manifest(work: Path, payload: str) -> None:
    from nlpsuite.models.content_hash import full_sha256

    target = work / payload
    paths = [target] if target.is_file() else sorted(p for p in target.rglob("*") if p.is_file())
    files = {p.relative_to(work).as_posix(): {"size": p.stat().st_size, "sha256": full_sha256(p)} for p in paths}
    (work / MANIFEST).write_text(json.dumps({"layout": LAYOUT_VERSION, "payload": payload, "files": files},
                                            indent=1), encoding="utf-8")


def _set_aside(entry: Path) -> None:
    """Remove ``entry`` by first renaming it away, so no process sees it half deleted."""
    aside = Path(tempfile.mkdtemp(dir=entry.parent, prefix=f".{entry.name}.", suffix=".unusable"))
    try:
        os.replace(entry, aside / "entry")
    except OSError:
        pass  # another process set it aside already
    shutil.rmtree(aside, ignore_errors=True)


def _host() -> str:
    return socket.gethostname().replace(".", "_")  # dots separate the parts of a partial's name


def _partial_prefix(name: str) -> str:
    return f".{name}.{_host()}.{os.getpid()}."


def _sweep_partials(root: Path, name: str) -> None:
    """Remove partial conversions of ``name`` whose process is gone (this machine) or that are a day old."""
    host = _host()
    for partial in root.glob(f".{name}.*.partial"):
        parts = partial.name[len(name) + 2:].split(".")
        try:
            same_host = parts[0] == host
            alive = same_host and _alive(int(parts[1]))
            old = time.time() - partial.stat().st_mtime > STALE_PARTIAL_S
        except (IndexError, ValueError, OSError):
            continue
        if (same_host and not alive) or old:
            shutil.rmtree(partial, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
