"""Length-sorted batching that returns results in input order, with a quiet-aware progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: The bar appears only once work has run this long (seconds).
PROGRESS_DELAY_S = 2.0


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> Iterator[list[int]]:
    """Indices grouped into batches of similar length (longest first), so padding stays small."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def progress_bar(total: int, *, quiet: bool = False, desc: str = "") -> Any:
    """A tqdm bar on stderr, off when quiet or when stderr is not a terminal."""
    from tqdm.auto import tqdm

    disable = quiet or not sys.stderr.isatty()
    return tqdm(total=total, desc=desc, unit="sample", file=sys.stderr, disable=disable, delay=PROGRESS_DELAY_S)


def map_in_sorted_batches(
    items: Sequence[T],
    run_batch: Callable[[list[T]], list[R]],
    *,
    length: Callable[[T], int],
    batch_size: int,
    on_batch_error: Callable[[list[T], Exception], list[R]] | None = None,
    progress: Any = None,
) -> list[R]:
    """Run ``run_batch`` over length-sorted batches and return results in the order of ``items``.

    ``on_batch_error(batch, exc)`` gives the results for a batch that raised
    (e.g. retrying item by item); without it the exception propagates.
    """
    results: list[R | None] = [None] * len(items)
    lengths = [length(item) for item in items]
    for indices in length_sorted_batches(lengths, batch_size):
        batch = [items[i] for i in indices]
        try:
            outputs = run_batch(batch)
            if len(outputs) != len(batch):
                raise RuntimeError(f"predict returned {len(outputs)} outputs for {len(batch)} inputs")
        except Exception as exc:  # noqa: BLE001 - isolate one bad batch
            if on_batch_error is None:
                raise
            outputs = on_batch_error(batch, exc)
        for index, output in zip(indices, outputs):
            results[index] = output
        if progress is not None:
            progress.update(len(batch))
    return results  # type: ignore[return-value]
