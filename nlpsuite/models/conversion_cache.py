"""Converted models on disk (ONNX exports, int8 quantizations, merged adapter weights, CTranslate2 models), made once.

A conversion is stored under ``$NLPSUITE_CACHE_DIR/converted`` (default
``~/.cache/nlpsuite/converted``, the directory of the prediction cache) by a
name that holds the SHA-256 of the weights it was made from and the recipe
version, so changed weights or a changed recipe never reuse a stale file, and
every later process loads the file instead of converting again.  Files are
written to a temporary name and renamed into place: two processes converting
at once both end with a whole file (or directory: a CTranslate2 model is one).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

SUBDIRECTORY = "converted"


def conversion_dir() -> Path:
    from nlpsuite.cache_dir import default_cache_dir

    return default_cache_dir() / SUBDIRECTORY


def converted_file(name: str, convert: Callable[[Path], None]) -> tuple[Path, bool]:
    """``(path, made_now)``: the cached file ``name``, made by ``convert(temporary_path)`` when missing."""
    return _converted(name, convert, Path.is_file)


def converted_directory(name: str, convert: Callable[[Path], None]) -> tuple[Path, bool]:
    """``(path, made_now)``: the cached directory ``name``, made by ``convert(temporary_path)`` when missing
    (``convert`` creates the directory)."""
    return _converted(name, convert, Path.is_dir)


def _converted(name: str, convert: Callable[[Path], None], present: Callable[[Path], bool]) -> tuple[Path, bool]:
    target = conversion_dir() / name
    if present(target):
        return target, False
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        convert(partial)
        try:
            os.replace(partial, target)
        except OSError:
            # a directory cannot replace another: a second process finished first, and its copy is as good
            if not present(target):
                raise
    finally:
        if partial.is_dir():
            shutil.rmtree(partial, ignore_errors=True)
        elif partial.exists():
            partial.unlink()
    return target, True
