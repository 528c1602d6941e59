"""Where nlpsuite keeps what it computes once: the prediction cache, converted models, the CLI's command index.

``$NLPSUITE_CACHE_DIR``, else ``$XDG_CACHE_HOME/nlpsuite``, else ``~/.cache/nlpsuite``.
Imports nothing beyond the standard library's ``os`` and ``pathlib``: ``nlpsuite --help`` reads it.
"""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    configured = os.environ.get("NLPSUITE_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nlpsuite"
