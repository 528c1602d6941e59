"""A fine-tuned sequence classifier: label probabilities, labels from the model config (``id2label``).

Shared by every task that classifies with such a model (classification, sentiment).
"""

from __future__ import annotations

from typing import Any

from nlpsuite.models.loading import load_pretrained
from nlpsuite.models.reference import ModelRequest
from nlpsuite.models.token_window import model_window, truncation_warning, window_texts
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

        texts, counts = window_texts(self.tokenizer, list(texts), self.window)  # long texts cut to what is read
        warnings = [[truncation_warning(n, self.window)] if n > self.window else [] for n in counts]
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.window, return_tensors="pt")
        batch = {k: v.to(self.model.device) for k, v in batch.items()}
        with torch.inference_mode():
            logits = self.model(**batch).logits
        return torch.softmax(logits.float(), dim=-1).cpu(), warnings

    def config(self) -> dict[str, Any]:
        return {"method": "fine-tuned classifier", "labels": self.labels, "max_input_tokens": self.window}
