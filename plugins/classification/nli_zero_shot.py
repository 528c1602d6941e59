"""Zero-shot classification with an NLI model (``facebook/bart-large-mnli`` style).

Each candidate label becomes a hypothesis (``hypothesis_template`` filled with
the label) and the text is the premise; the label whose hypothesis is most
entailed wins, and ``scores`` are the softmax of the entailment logits over the
labels (one label per text).
"""

from __future__ import annotations

from typing import Any

from nlpsuite.errors import UsageError
from nlpsuite.models.classifier_kind import entailment_index
from nlpsuite.models.loading import load_pretrained
from nlpsuite.models.reference import ModelRequest
from nlpsuite.plugins.classification.candidate_labels import candidate_labels
from nlpsuite.models.token_window import model_window, truncation_warning, window_texts
from nlpsuite.specs import TaskOptions

DEFAULT_HYPOTHESIS_TEMPLATE = "This example is {}."
#: Premise-hypothesis pairs per forward pass.
PAIRS_PER_PASS = 64


def hypothesis_template(task_args: dict[str, Any]) -> str:
    template = str(task_args.get("hypothesis_template", DEFAULT_HYPOTHESIS_TEMPLATE))
    if template.count("{}") != 1:
        raise UsageError(
            f"hypothesis_template {template!r} must contain '{{}}' exactly once (where the label goes)",
            hint='e.g. --arg "hypothesis_template=This text is about {}."',
        )
    return template


class NliZeroShotClassification:
    batch_size = 8

    def __init__(self, request: ModelRequest, options: TaskOptions) -> None:
        self.task_args = dict(options.task_args)
        self.template = hypothesis_template(self.task_args)
        self.model, self.tokenizer = load_pretrained(request, options, "AutoModelForSequenceClassification")
        index = entailment_index(dict(self.model.config.label2id))
        if index is None:
            raise UsageError(f"model {request.display_name} has no 'entailment' label: it is not an NLI model")
        self.entailment = index
        self.window = model_window(self.tokenizer, self.model.config)

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        per_record = [candidate_labels(r, self.task_args) for r in records]
        premises, hypotheses, owners = [], [], []
        for i, (record, labels) in enumerate(zip(records, per_record)):
            for label in labels:
                premises.append(record["text"])
                hypotheses.append(self.template.format(label))
                owners.append(i)
        # a premise far over the window is read as a prefix that holds it: cost follows the window, not the text
        premises, counts = window_texts(self.tokenizer, premises, self.window, hypotheses)
        logits = self._entailment_logits(premises, hypotheses)
        outputs = []
        start = 0
        import torch

        for i, labels in enumerate(per_record):
            end = start + len(labels)
            probs = torch.softmax(logits[start:end], dim=0).tolist()
            longest = max(counts[start:end])
            scores = {label: round(p, 6) for label, p in zip(labels, probs)}
            output: dict[str, Any] = {"label": max(scores, key=scores.__getitem__), "scores": scores}
            if longest > self.window:
                output["warnings"] = [truncation_warning(longest, self.window)]
            outputs.append(output)
            start = end
        return outputs

    def _entailment_logits(self, premises: list[str], hypotheses: list[str]) -> Any:
        import torch

        chunks = []
        for at in range(0, len(premises), PAIRS_PER_PASS):
            batch = self.tokenizer(
                premises[at : at + PAIRS_PER_PASS],
                hypotheses[at : at + PAIRS_PER_PASS],
                padding=True,
                truncation="only_first",
                max_length=self.window,
                return_tensors="pt",
            )
            batch = {k: v.to(self.model.device) for k, v in batch.items()}
            with torch.inference_mode():
                chunks.append(self.model(**batch).logits[:, self.entailment].float().cpu())
        return torch.cat(chunks)

    def config(self) -> dict[str, Any]:
        return {
            "method": "zero-shot NLI",
            "hypothesis_template": self.template,
            "entailment_label_id": self.entailment,
            "max_input_tokens": self.window,
        }

