"""A fine-tuned sequence classifier: its labels come from the model config (``id2label``)."""

from __future__ import annotations

from typing import Any

from nlpsuite.models.loading import load_pretrained
from nlpsuite.models.reference import ModelRequest
from nlpsuite.plugins.classification.candidate_labels import parse_labels
from nlpsuite.plugins.classification.token_window import model_window, token_counts, truncation_warning
from nlpsuite.specs import TaskOptions


class SequenceClassifier:
    """Label probabilities for texts from an ``AutoModelForSequenceClassification``."""

    batch_size = 32

    def __init__(self, request: ModelRequest, options: TaskOptions) -> None:
        self.request = request
        self.options = options
        self.model, self.tokenizer = load_pretrained(request, options, "AutoModelForSequenceClassification")
        id2label = self.model.config.id2label
        self.labels = [str(id2label[i]) for i in sorted(int(k) for k in id2label)]
        self.window = model_window(self.tokenizer, self.model.config)

    def probabilities(self, texts: list[str]) -> tuple[Any, list[list[str]]]:
        """A (n, n_labels) tensor of probabilities on the CPU and, per text, its warnings."""
        import torch

        counts = token_counts(self.tokenizer, texts)
        warnings = [[truncation_warning(n, self.window)] if n > self.window else [] for n in counts]
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.window, return_tensors="pt")
        batch = {k: v.to(self.model.device) for k, v in batch.items()}
        with torch.inference_mode():
            logits = self.model(**batch).logits
        return torch.softmax(logits.float(), dim=-1).cpu(), warnings

    def config(self) -> dict[str, Any]:
        return {"method": "fine-tuned classifier", "labels": self.labels, "max_input_tokens": self.window}


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
