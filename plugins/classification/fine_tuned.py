"""The classification task on a fine-tuned classifier (labels from the model config, ``id2label``)."""

from __future__ import annotations

from typing import Any

from nlpsuite.models.reference import ModelRequest
from nlpsuite.models.sequence_classifier import SequenceClassifier
from nlpsuite.plugins.classification.candidate_labels import parse_labels
from nlpsuite.specs import TaskOptions


class FineTunedClassification:
    """The classification task on a fine-tuned classifier.

    A record's ``labels`` (when given) restrict the choice to those of the
    model's labels; labels the model does not know are reported in a warning.
    """

    def __init__(self, request: ModelRequest, options: TaskOptions) -> None:
        self.classifier = SequenceClassifier(request, options)
        self.task_args = options.task_args
        self.batch_size = self.classifier.batch_size

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        probs, warnings = self.classifier.probabilities([r["text"] for r in records])
        outputs = []
        for record, row, notes in zip(records, probs.tolist(), warnings):
            labels = self.classifier.labels
            scores = dict(zip(labels, row))
            wanted = record.get("labels") or self.task_args.get("labels")
            if wanted:
                wanted = parse_labels(wanted, "labels")
                known = [label for label in wanted if label in scores]
                unknown = [label for label in wanted if label not in scores]
                if unknown:
                    notes = [*notes, f"labels {unknown} are not among this model's labels {labels} and were ignored"]
                if known:
                    total = sum(scores[label] for label in known) or 1.0
                    scores = {label: scores[label] / total for label in known}
            label = max(scores, key=scores.__getitem__)
            output: dict[str, Any] = {"label": label, "scores": {k: round(v, 6) for k, v in scores.items()}}
            if notes:
                output["warnings"] = notes
            outputs.append(output)
        return outputs

    def config(self) -> dict[str, Any]:
        return self.classifier.config()
