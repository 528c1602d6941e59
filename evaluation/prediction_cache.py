"""Per-sample prediction cache: what makes ``nlpsuite eval`` resumable and reruns cheap.

Storage: one SQLite file in WAL mode under ``$NLPSUITE_CACHE_DIR`` (default
``~/.cache/nlpsuite``), one transaction per batch.  Why SQLite rather than an
append-only file in the run directory:

* a batch is committed atomically; a process killed mid-write (SIGKILL,
  Ctrl-C, out of memory) leaves the last committed batch intact and no torn
  row, with no repair code of ours (WAL with ``synchronous=NORMAL`` is durable
  against process crashes; a power cut may lose only the last batches, which
  are then recomputed);
* the cache lives outside the run directory, so resuming does not depend on
  ``--output-dir`` and deleting a run directory never loses predictions;
* concurrent evals (two terminals, a notebook) share it safely.

Key: a *config key* (cache schema version, task and its plugin version, model
identity — id, revision, files, dtype, device, model args —, the effective task
config incl. generation settings, task args) plus the dataset identity, the
sample id and a hash of the sample's input.  Anything that can change a
prediction is in it, so a changed config never reuses a stale prediction.
Failed samples are not cached: a rerun retries them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nlpsuite.cache_dir import default_cache_dir

#: Bump when the key recipe or the stored row format changes: old rows are then never matched.
CACHE_SCHEMA_VERSION = 1
CACHE_FILE = "predictions.sqlite3"
# sample ids per lookup query (SQLite allows 32766 parameters since 3.32, 999 before)
_LOOKUP_CHUNK = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS configs (
    config_key TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS predictions (
    config_key TEXT NOT NULL,
    dataset_key TEXT NOT NULL,
    sample_id TEXT NOT NULL,
    input_hash TEXT NOT NULL,
    output TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (config_key, dataset_key, sample_id, input_hash)
);
"""


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def config_key(description: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of everything that can change a prediction, plus the schema version."""
    return hashlib.sha256(canonical_json({"cache_schema": CACHE_SCHEMA_VERSION, **description}).encode()).hexdigest()


class PredictionCache:
    """Stored outputs by (config key, dataset key, sample id, input hash)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # autocommit mode: each ``with self._db`` block below is one explicit transaction
        self._db = sqlite3.connect(str(self.path), timeout=60.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    @classmethod
    def open_default(cls) -> PredictionCache:
        return cls(default_cache_dir() / CACHE_FILE)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> PredictionCache:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def remember_config(self, key: str, description: Mapping[str, Any]) -> None:
        """Store what went into ``key`` (to answer "why was nothing reused?")."""
        with self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO configs (config_key, description, created) VALUES (?, ?, ?)",
                (key, canonical_json(description), time.time()),
            )

    def lookup(self, key: str, dataset_key: str, samples: Sequence[tuple[str, str]]) -> dict[str, dict[str, Any]]:
        """Stored outputs for ``(sample id, input hash)`` pairs, by sample id (absent when not stored).

        Asked by id in chunks through the primary key, so the cost follows ``samples`` (a ``--limit``
        run reads only its own rows), not everything stored for the dataset.
        """
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(samples), _LOOKUP_CHUNK):
            wanted = dict(samples[start:start + _LOOKUP_CHUNK])
            rows = self._db.execute(
                "SELECT sample_id, input_hash, output FROM predictions WHERE config_key = ? AND dataset_key = ? "
                f"AND sample_id IN ({','.join('?' * len(wanted))})",
                (key, dataset_key, *wanted),
            )
            for sample_id, stored_hash, output in rows:
                if wanted.get(sample_id) == stored_hash:
                    found[sample_id] = json.loads(output)
        return found

    def store(self, key: str, dataset_key: str, rows: Iterable[tuple[str, str, Mapping[str, Any]]]) -> int:
        """Commit ``(sample id, input hash, output)`` rows in one transaction; returns how many."""
        now = time.time()
        values = [(key, dataset_key, sid, ihash, canonical_json(output), now) for sid, ihash, output in rows]
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO predictions (config_key, dataset_key, sample_id, input_hash, output, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                values,
            )
        return len(values)

    def count(self, key: str | None = None) -> int:
        if key is None:
            return self._db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM predictions WHERE config_key = ?", (key,)).fetchone()[0]
