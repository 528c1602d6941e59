"""Engines that run the predict stage: in this process (``local``) or on Ray Data (``ray``).

An engine answers one question: given a loaded task and input records (in
the order the harness wants them predicted), produce one output per record,
batch by batch.  Everything around it — the per-sample cache, committing each
batch, ``samples.jsonl``, scoring — stays in the harness, so resume, rescore,
compare and reports work the same whichever engine predicted.

Use::

    from nlpsuite.evaluation.engines import EngineSettings, open_engine

    with open_engine(EngineSettings(name="ray", num_workers=2)) as engine:
        run_eval(request, engine=engine)                          # the harness
        predict_with_cache(loaded, dataset, cache=c, key=k, engine=engine)
        outputs = predict_records(engine, loaded, records)        # no cache

Engines never change predictions: the cache key does not name the engine.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    from nlpsuite.runtime import LoadedTask

ENGINE_NAMES = ("local", "ray")


@dataclass(frozen=True)
class PredictedBatch:
    """Outputs for some of the records an engine was given.

    ``indices`` are positions in the record list passed to
    :meth:`PredictEngine.predict_batches`; ``outputs[k]`` answers
    ``records[indices[k]]``.  ``seconds`` is how long the batch took where it ran.
    """

    indices: tuple[int, ...]
    outputs: list[dict[str, Any]]
    seconds: float = 0.0


@runtime_checkable
class PredictEngine(Protocol):
    """Runs :meth:`LoadedTask.predict` over many records, somewhere.

    ``predict_batches`` yields :class:`PredictedBatch` objects in any order;
    together they cover every index exactly once (an engine that cannot keep
    that promise raises).  Batches hold at most ``batch_size`` records, formed
    from consecutive records, so a length-sorted input gives the same padding
    everywhere.  ``progress`` (a tqdm-like bar or ``None``) is advanced by one
    per record answered.
    """

    name: str

    def predict_batches(self, loaded: LoadedTask, records: Sequence[dict[str, Any]], *, batch_size: int,
                        progress: Any = None) -> Iterator[PredictedBatch]: ...

    def describe(self) -> dict[str, Any]:
        """What results.json records under ``runtime.engine``."""
        ...

    def close(self) -> None:
        """Release what the engine started (a local Ray); a no-op when nothing was."""
        ...


@dataclass(frozen=True)
class EngineSettings:
    """Which engine, and for Ray where and how wide (the ``--engine`` options).

    ``address``: ``""`` starts a private local Ray kept on loopback; ``"auto"``
    joins the cluster this machine belongs to; ``"ray://host:10001"`` goes
    through Ray Client.  ``runtime_env`` is passed to ``ray.init`` when joining
    a cluster (so workers get the same plugins).
    """

    name: str = "local"
    address: str = ""
    num_workers: int = 2
    cpus_per_worker: float = 1.0
    gpus_per_worker: float = 0.0
    runtime_env: dict[str, Any] | None = None


def open_engine(settings: EngineSettings | None = None) -> PredictEngine:
    """The engine ``settings`` name (local by default); use it as a context manager or call ``close``.

    Raises :class:`~nlpsuite.errors.UsageError` (exit 2) for an unknown engine,
    or for ``ray`` when Ray is not installed, before any model loads.
    """
    from nlpsuite.errors import UsageError

    settings = settings or EngineSettings()
    if settings.name == "local":
        from nlpsuite.evaluation.engines.local import LocalEngine

        return LocalEngine()
    if settings.name == "ray":
        from nlpsuite.evaluation.engines.ray_engine import RayEngine

        return RayEngine(settings)
    raise UsageError(f"unknown engine {settings.name!r}", hint=f"use one of: {', '.join(ENGINE_NAMES)}")


def predict_records(engine: PredictEngine, loaded: LoadedTask, records: Sequence[dict[str, Any]], *,
                    batch_size: int | None = None, progress: Any = None) -> list[dict[str, Any]]:
    """One output per record, in input order, predicted by ``engine`` (no cache)."""
    outputs: list[dict[str, Any] | None] = [None] * len(records)
    for batch in engine.predict_batches(loaded, records, batch_size=batch_size or loaded.batch_size,
                                        progress=progress):
        for index, output in zip(batch.indices, batch.outputs):
            outputs[index] = output
    return outputs  # type: ignore[return-value]
