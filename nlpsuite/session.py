"""A session: the state one front end keeps while it serves requests.

The CLI makes one per command, the harness one per run, the web demo one per
server and each Ray worker one per actor.  A session holds

* ``offline``: whether models may be fetched from the hub (a request that asks
  for offline mode gets it through its options; it never flips the process);
* ``models``: the loaded models, bounded (least recently used evicted first),
  shared by every tab, user and call of that front end;
* named caches for other derived objects (trained probes, adapted encoders),
  bounded the same way.

Nothing here imports torch.  Library callers that pass no session share the
process's default one (:func:`default_session`).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace
from typing import Any, TypeVar

from nlpsuite._privacy import offline_requested
from nlpsuite.specs import TaskOptions

T = TypeVar("T")

MAX_MODELS_ENV = "NLPSUITE_MAX_MODELS"
DEFAULT_MAX_MODELS = 4
DEFAULT_MAX_ENTRIES = 16


class BoundedCache:
    """A thread-safe least-recently-used cache that loads each key once.

    Two threads asking for the same missing key wait for one load rather than
    loading the model twice; different keys load concurrently.
    """

    def __init__(self, max_entries: int) -> None:
        if max_entries < 1:
            raise ValueError("a cache holds at least one entry")
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._loading: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.evictions = 0

    def get_or_load(self, key: Hashable, load: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    return self._entries[key]
            value = load()
            with self._lock:
                self._entries[key] = value
                self._loading.pop(key, None)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
                    self.evictions += 1
            return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def discard(self, key: Hashable) -> None:
        """Drop ``key``'s entry, if any (a probe's losing candidate)."""
        with self._lock:
            self._entries.pop(key, None)

    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries


def _max_models_from_env() -> int:
    raw = os.environ.get(MAX_MODELS_ENV, "").strip()
    try:
        return max(1, int(raw)) if raw else DEFAULT_MAX_MODELS
    except ValueError:
        return DEFAULT_MAX_MODELS


class Session:
    """Offline mode, the bounded model cache and the other caches of one front end."""

    def __init__(self, *, offline: bool | None = None, max_models: int | None = None) -> None:
        # None: follow HF_HUB_OFFLINE as it is when the session starts
        self.offline = offline_requested() if offline is None else bool(offline)
        self.models = BoundedCache(max_models or _max_models_from_env())
        self._caches: dict[str, BoundedCache] = {}
        self._lock = threading.Lock()

    def cache(self, name: str, max_entries: int = DEFAULT_MAX_ENTRIES) -> BoundedCache:
        """The session's cache called ``name`` (made on first use)."""
        with self._lock:
            if name not in self._caches:
                self._caches[name] = BoundedCache(max_entries)
            return self._caches[name]

    def options(self, options: TaskOptions | None = None, **changes: Any) -> TaskOptions:
        """``options`` (or defaults) bound to this session; offline if either asks for it."""
        options = options or TaskOptions()
        offline = bool(changes.pop("offline", options.offline)) or self.offline
        return replace(options, session=self, offline=offline, **changes)

    def clear(self) -> None:
        self.models.clear()
        with self._lock:
            for cache in self._caches.values():
                cache.clear()


_default: Session | None = None
_default_lock = threading.Lock()


def default_session() -> Session:
    """The session shared by callers that bring none (library use, notebooks)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Session(offline=False)
        return _default


def session_of(options: TaskOptions | None) -> Session:
    """The session ``options`` belong to, else the default one."""
    session = getattr(options, "session", None) if options is not None else None
    return session if isinstance(session, Session) else default_session()
