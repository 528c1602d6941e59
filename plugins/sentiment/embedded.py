"""Sentiment on a sentence encoder (the embedded all-MiniLM-L6-v2 offline): see :mod:`.probe`."""

from __future__ import annotations

from typing import Any

from nlpsuite.models.loading import load_sentence_transformer
from nlpsuite.models.reference import ModelRequest
from nlpsuite.plugins.classification.sentence_encoder import embed_with_warnings
from nlpsuite.plugins.sentiment.probe import PROBE_L2, sentiment_probe
from nlpsuite.specs import TaskOptions


class EmbeddedSentiment:
    """``positive``/``negative`` from a linear probe on the text's sentence embedding."""

    batch_size = 64

    def __init__(self, request: ModelRequest, options: TaskOptions) -> None:
        self.model = load_sentence_transformer(request, options)
        model_sha = request.spec.sha256.get("model.safetensors") if request.spec is not None else None
        key = (request.source, request.revision, str(self.model.device))
        self.probe, self.provenance = sentiment_probe(self.model, key, model_sha)

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        embeddings, warnings = embed_with_warnings(self.model, [r["text"] for r in records])
        rows = self.probe.probabilities(embeddings.cpu()).tolist()
        outputs = []
        for row, notes in zip(rows, warnings):
            scores = dict(zip(self.probe.labels, row))
            label = max(scores, key=scores.__getitem__)
            output: dict[str, Any] = {
                "label": label,
                "score": round(scores[label], 6),
                "scores": {k: round(v, 6) for k, v in scores.items()},
            }
            if notes:
                output["warnings"] = notes
            outputs.append(output)
        return outputs

    def config(self) -> dict[str, Any]:
        return {
            "method": "linear probe on sentence embeddings",
            "probe": self.provenance,
            "labels": list(self.probe.labels),
            "l2": PROBE_L2,
            "max_input_tokens": int(self.model.max_seq_length),
        }
