"""Converted models on disk (ONNX exports, int8 quantizations, merged adapter weights), made once.

A conversion is stored under ``$NLPSUITE_CACHE_DIR/converted`` (default
``~/.cache/nlpsuite/converted``, the directory of the prediction cache) by a
name that holds the SHA-256 of the weights it was made from and the recipe
version, so changed weights or a changed recipe never reuse a stale file, and
every later process loads the file instead of converting again.  Files are
written to a temporary name and renamed into place: two processes converting
at once both end with a whole file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

SUBDIRECTORY = "converted"


def conversion_dir() -> Path:
    from nlpsuite.cache_dir import default_cache_dir

    return default_cache_dir() / SUBDIRECTORY


def converted_file(name: str, convert: Callable[[Path], None]) -> tuple[Path, bool]:
    """``(path, made_now)``: the cached file ``name``, made by ``convert(temporary_path)`` when missing."""
    target = conversion_dir() / name
    if target.is_file():
        return target, False
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        convert(partial)
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
    return target, True
