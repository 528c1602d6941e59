"""What the reports show of a run's samples, gathered while streaming samples.jsonl.

The reports need, per metric, the per-sample scores (for the histogram) and the
samples to look at (failed ones, then the worst on the main metric).  One pass
keeps those scores as float arrays and the first failed rows; the few worst
rows are then parsed again by position.  So a report of a large run holds a few
bytes per sample, never the rows themselves.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from nlpsuite.evaluation.results import RunRecord

WORST_SAMPLES = 10


class SampleDigest:
    """Per-sample scores of ``metrics`` and the samples to look at, from ``run``'s samples.jsonl."""

    def __init__(self, run: RunRecord, metrics: Sequence[str]) -> None:
        self._run = run
        self.n = 0
        self.failed: list[Mapping[str, Any]] = []
        self._present: set[str] = set()
        self._finite = {name: array("d") for name in metrics}
        # per metric, the score and row number of each sample that did not fail
        self._keys = {name: array("d") for name in metrics}
        self._rows = {name: array("q") for name in metrics}
        for number, sample in enumerate(run.iter_samples()):
            self.n += 1
            error = sample.get("error")
            if error and len(self.failed) < WORST_SAMPLES:
                self.failed.append(sample)
            scores = sample.get("scores") or {}
            for name in metrics:
                if name not in scores:
                    continue
                self._present.add(name)
                value = scores[name]
                if isinstance(value, (int, float)) and math.isfinite(value):
                    self._finite[name].append(float(value))
                if not error:
                    self._keys[name].append(value)
                    self._rows[name].append(number)

    def has_scores(self, name: str) -> bool:
        """Whether any sample carries a per-sample score for ``name``."""
        return name in self._present

    def per_sample(self, name: str) -> list[float]:
        """The finite per-sample scores of ``name``, in sample order."""
        return list(self._finite.get(name, ()))

    def worst(self, name: str | None, higher_is_better: bool) -> list[Mapping[str, Any]]:
        """Failed samples first, then the lowest-scoring (highest for lower-is-better) on ``name``."""
        if name is None or len(self.failed) >= WORST_SAMPLES:
            return self.failed[:WORST_SAMPLES]
        keys, rows = self._keys[name], self._rows[name]
        # a stable sort, as sorting the rows themselves by score was
        order = sorted(range(len(keys)), key=keys.__getitem__, reverse=not higher_is_better)
        chosen = [rows[k] for k in order[:WORST_SAMPLES - len(self.failed)]]
        found = self._run.samples_at(chosen)
        return self.failed + [found[number] for number in chosen]
