"""The local engine: predict in this process, one batch at a time (the harness's default)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from nlpsuite.evaluation.engines import PredictedBatch

if TYPE_CHECKING:  # pragma: no cover
    from nlpsuite.runtime import LoadedTask


class LocalEngine:
    """Hands :meth:`LoadedTask.predict` one batch of consecutive records at a time, in order."""

    name = "local"

    def predict_batches(self, loaded: LoadedTask, records: Sequence[dict[str, Any]], *, batch_size: int,
                        progress: Any = None) -> Iterator[PredictedBatch]:
        for start in range(0, len(records), batch_size):
            indices = tuple(range(start, min(start + batch_size, len(records))))
            began = time.perf_counter()
            outputs = loaded.predict([dict(records[i]) for i in indices], progress=progress)
            yield PredictedBatch(indices=indices, outputs=outputs, seconds=time.perf_counter() - began)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name}

    def close(self) -> None:
        return None

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
