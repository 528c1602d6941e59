"""What scoring reads of a run's samples, as parallel columns rather than rows.

Scoring needs, per sample, only its id, references, prediction (``None`` when
the sample failed) and error, plus the candidate labels offered as input.  The
columns point at objects the caller already holds (dataset records and predictor
outputs during an eval, rows read back from ``samples.jsonl`` when rescoring),
so scoring a large run costs a few pointers per sample, not another copy of
every row, and the rows themselves can be streamed to disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nlpsuite.specs import TaskSpec


@dataclass(frozen=True)
class SampleColumns:
    """``predictions[i]`` is sample ``i``'s output mapping, or ``None`` when it failed (``errors[i]`` says why)."""

    ids: list[str]
    references: list[Any]
    predictions: list[Any]
    errors: list[Any]
    candidate_labels: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_failed(self) -> int:
        """Samples that carry an error (the ``failed_samples`` of results.json)."""
        return sum(error is not None for error in self.errors)

    @classmethod
    def from_rows(cls, task: TaskSpec, rows: Iterable[Mapping[str, Any]]) -> SampleColumns:
        """Columns of ``samples.jsonl``-shaped rows (read in one pass, so ``rows`` may be a stream)."""
        return cls._collect(task, (
            (str(row.get("id")), row.get("references"), row.get("input"), row.get("error"), row.get("prediction"))
            for row in rows))

    @classmethod
    def from_outputs(cls, task: TaskSpec, samples: Sequence[Mapping[str, Any]],
                     outputs: Sequence[Any]) -> SampleColumns:
        """Columns of dataset samples and their outputs (an output with an ``error`` key, or none, failed)."""
        return cls._collect(task, (
            (sample["id"], sample["references"], sample["input"], output_error(output), output)
            for sample, output in zip(samples, outputs)))

    @classmethod
    def _collect(cls, task: TaskSpec, entries: Iterable[tuple[str, Any, Any, Any, Any]]) -> SampleColumns:
        """Columns of ``(id, references, inputs, error, prediction)`` entries; a sample with an error or no
        prediction has prediction ``None``."""
        label_inputs = _label_input_fields(task)
        ids, references, predictions, errors = [], [], [], []
        candidates: set[str] = set()
        for sample_id, reference, inputs, error, prediction in entries:
            ids.append(sample_id)
            references.append(reference)
            errors.append(error)
            predictions.append(None if error else prediction)
            _add_candidates(candidates, inputs, label_inputs)
        return cls(ids, references, predictions, errors, frozenset(candidates))


def output_error(output: Any) -> Any:
    """The error a predictor output records (``"no output"`` when there is none), else ``None``."""
    return output.get("error") if isinstance(output, dict) else "no output"


def _label_input_fields(task: TaskSpec) -> list[str]:
    """Input fields that offer the model its candidate labels (``labels`` fields)."""
    return [f.name for f in task.input_fields if f.type == "labels"]


def _add_candidates(candidates: set[str], inputs: Any, fields: list[str]) -> None:
    for name in fields:
        value = (inputs or {}).get(name)
        if isinstance(value, list):
            candidates.update(str(v) for v in value)
