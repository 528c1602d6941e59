"""Keep a faulty prediction cache from blocking any run.

The cache only saves time, so no fault in it may stop an evaluation:

* a damaged file (not a database, truncated, malformed pages, unreadable) is
  moved aside under a name that is printed, and a fresh cache is started;
* a location where nothing can be written (read-only, disk full, a file in the
  way, locked by another process for too long) makes the rest of the run go
  uncached, with a warning that says why and what to do.

Faults can surface at open or on any later query (SQLite reads a truncated
file's missing pages only when a query needs them), so every call is guarded.
Each warning is printed once on stderr and kept in :attr:`GuardedCache.warnings`
for results.json.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from nlpsuite.evaluation.prediction_cache import CACHE_FILE, PredictionCache, default_cache_dir

T = TypeVar("T")

# SQLite result codes that mean the file itself is damaged, not the place it lives in
_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
_SIDE_FILES = ("-wal", "-shm")


def print_warning(message: str) -> None:
    print(f"nlpsuite: warning: {message}", file=sys.stderr)


def _is_damage(exc: BaseException) -> bool:
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    return name in _DAMAGED or "malformed" in text or "not a database" in text


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


class GuardedCache:
    """The :class:`PredictionCache` calls the runner makes, degrading instead of failing.

    ``cache`` is ``None`` once the run has gone uncached; then lookups find
    nothing and stores keep nothing.
    """

    def __init__(self, path: Path, *, warn: Callable[[str], None] = print_warning) -> None:
        self.path = Path(path)
        self.warnings: list[str] = []
        self._warn = warn
        self._configs: list[tuple[str, Mapping[str, Any]]] = []
        self.cache: PredictionCache | None = None
        self.cache = self._open()

    @classmethod
    def open_default(cls, *, warn: Callable[[str], None] = print_warning) -> GuardedCache:
        return cls(default_cache_dir() / CACHE_FILE, warn=warn)

    @property
    def active(self) -> bool:
        return self.cache is not None

    def _say(self, message: str) -> None:
        self.warnings.append(message)
        self._warn(message)

    def _open(self, *, after_damage: bool = False) -> PredictionCache | None:
        try:
            cache = PredictionCache(self.path)
            # reading the schema touches the first pages: damage there shows now, not mid-run
            cache.count()
            return cache
        except (sqlite3.Error, OSError) as exc:
            if not after_damage and self.path.exists() and (_is_damage(exc) or not os.access(self.path, os.R_OK | os.W_OK)
                                                            or "unable to open" in str(exc).lower()):
                return self._set_aside(exc)
            self._go_uncached(exc)
            return None

    def _go_uncached(self, exc: BaseException) -> None:
        self._say(
            f"the prediction cache {self.path} cannot be used ({_why(exc)}); this run is uncached "
            "(predictions are neither reused nor stored). Fix: free disk space or make that location writable, "
            "set NLPSUITE_CACHE_DIR to a writable directory, or pass --no-cache"
        )

    def _set_aside(self, exc: BaseException) -> PredictionCache | None:
        """Move the damaged file (and its WAL side files) aside and start a fresh cache."""
        if self.cache is not None:
            try:
                self.cache.close()
            except sqlite3.Error:
                pass
            self.cache = None
        stamp = f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        aside, number = self.path.with_name(stamp), 1
        while aside.exists():  # never overwrite an earlier damaged copy
            number += 1
            aside = self.path.with_name(f"{stamp}-{number}")
        try:
            os.replace(self.path, aside)
            for suffix in _SIDE_FILES:
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    os.replace(side, aside.with_name(aside.name + suffix))
        except OSError as move_error:
            self._say(
                f"the prediction cache {self.path} is unusable ({_why(exc)}) and could not be moved aside "
                f"({_why(move_error)}); this run is uncached. Fix: delete that file, or set NLPSUITE_CACHE_DIR "
                "to another directory"
            )
            return None
        self._say(
            f"the prediction cache {self.path} was unusable ({_why(exc)}); moved it to {aside} and started a "
            "fresh cache (earlier predictions will be recomputed; delete the moved file when you no longer need it)"
        )
        fresh = self._open(after_damage=True)
        if fresh is not None:
            for key, description in self._configs:
                fresh.remember_config(key, description)
        return fresh

    def _guard(self, call: Callable[[PredictionCache], T], empty: T) -> T:
        """``call`` on the cache; on damage, retry once on a fresh cache; on any other fault, go uncached."""
        for _attempt in range(2):
            if self.cache is None:
                return empty
            try:
                return call(self.cache)
            except sqlite3.Error as exc:
                if _is_damage(exc):
                    self.cache = self._set_aside(exc)
                    continue
                try:
                    self.cache.close()
                except sqlite3.Error:
                    pass
                self.cache = None
                self._go_uncached(exc)
                return empty
        return empty

    def remember_config(self, key: str, description: Mapping[str, Any]) -> None:
        self._configs.append((key, description))
        self._guard(lambda c: c.remember_config(key, description), None)

    def lookup(self, key: str, dataset_key: str, samples: Sequence[tuple[str, str]]) -> dict[str, dict[str, Any]]:
        return self._guard(lambda c: c.lookup(key, dataset_key, samples), {})

    def store(self, key: str, dataset_key: str, rows: Iterable[tuple[str, str, Mapping[str, Any]]]) -> int:
        rows = list(rows)
        return self._guard(lambda c: c.store(key, dataset_key, rows), 0)

    def close(self) -> None:
        if self.cache is not None:
            try:
                self.cache.close()
            except sqlite3.Error:
                pass
            self.cache = None

    def __enter__(self) -> GuardedCache:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
