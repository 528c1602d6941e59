"""Sentiment from a fine-tuned classifier, its labels normalised to positive/negative/neutral."""

from __future__ import annotations

from typing import Any

from nlpsuite.models.reference import ModelRequest
from nlpsuite.models.sequence_classifier import SequenceClassifier
from nlpsuite.plugins.sentiment.polarity import SENTIMENT_LABELS, polarity_map
from nlpsuite.specs import TaskOptions


class FineTunedSentiment:
    """``label`` is the polarity with the most probability (summed over the model labels mapped to it)."""

    def __init__(self, request: ModelRequest, options: TaskOptions) -> None:
        self.classifier = SequenceClassifier(request, options)
        self.polarities = polarity_map(self.classifier.labels, request.display_name)
        self.batch_size = self.classifier.batch_size

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        probs, warnings = self.classifier.probabilities([r["text"] for r in records])
        outputs = []
        for row, notes in zip(probs.tolist(), warnings):
            by_polarity: dict[str, float] = {}
            for polarity, p in zip(self.polarities, row):
                by_polarity[polarity] = by_polarity.get(polarity, 0.0) + p
            label = max(by_polarity, key=by_polarity.__getitem__)
            output: dict[str, Any] = {
                "label": label,
                "score": round(by_polarity[label], 6),
                "scores": {k: round(by_polarity[k], 6) for k in SENTIMENT_LABELS if k in by_polarity},
            }
            if notes:
                output["warnings"] = notes
            outputs.append(output)
        return outputs

    def config(self) -> dict[str, Any]:
        return {
            **self.classifier.config(),
            "label_polarity": dict(zip(self.classifier.labels, self.polarities)),
        }
