"""Classification on a sentence encoder (the embedded all-MiniLM-L6-v2 offline).

* zero-shot: each candidate label gets a description (``label_descriptions``,
  else ``description_template`` filled with the label); the text goes to the
  label whose description embedding is most similar (cosine), and ``scores``
  are the softmax of the similarities divided by ``temperature``;
* few-shot: with ``examples=PATH`` (a user's labelled examples), a softmax
  regression on the examples' embeddings, trained at first use and kept in memory.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nlpsuite.errors import InputError, UsageError
from nlpsuite.models.loading import load_sentence_transformer
from nlpsuite.models.reference import ModelRequest
from nlpsuite.plugins.classification.candidate_labels import candidate_labels, parse_labels
from nlpsuite.labelled_examples import read_examples
from nlpsuite.models.linear_probe import LinearProbe, train_linear_probe
from nlpsuite.models.sentence_encoder import embed, embed_with_warnings
from nlpsuite.specs import TaskOptions

DEFAULT_DESCRIPTION_TEMPLATE = "This text is about {}."
DEFAULT_TEMPERATURE = 0.05
#: L2 penalty of the few-shot probe (scikit-learn's C = 1 / FEW_SHOT_L2).
FEW_SHOT_L2 = 0.1

_probes: dict[tuple[Any, ...], LinearProbe] = {}
_probes_lock = threading.Lock()


def label_descriptions(task_args: Mapping[str, Any]) -> dict[str, str]:
    """``label_descriptions`` as a dict: a mapping, or a JSON object given on the command line."""
    value = task_args.get("label_descriptions")
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise UsageError(
            "label_descriptions must be a JSON object mapping each label to a description",
            hint='e.g. --arg \'label_descriptions={"sports": "This is sports news.", "business": "This is business news."}\'',
        )
    return {str(k): v for k, v in value.items()}


def description_template(task_args: Mapping[str, Any]) -> str:
    template = str(task_args.get("description_template", DEFAULT_DESCRIPTION_TEMPLATE))
    if template.count("{}") != 1:
        raise UsageError(
            f"description_template {template!r} must contain '{{}}' exactly once (where the label goes)",
            hint='e.g. --arg "description_template=This text is about {}."',
        )
    return template


def few_shot_probe(model: Any, source_key: tuple[Any, ...], path: str) -> LinearProbe:
    """The probe trained on the examples in ``path``, trained once per (model, file version)."""
    file = Path(path).expanduser()
    stat = file.stat() if file.is_file() else None
    key = (*source_key, str(file.resolve()), stat.st_mtime_ns if stat else None, stat.st_size if stat else None)
    with _probes_lock:
        if key not in _probes:
            examples = read_examples(file)
            embeddings = embed(model, [e.text for e in examples])
            _probes[key] = train_linear_probe(embeddings, [e.label for e in examples], l2=FEW_SHOT_L2)
        return _probes[key]


class EmbeddingClassification:
    batch_size = 64

    def __init__(self, request: ModelRequest, options: TaskOptions) -> None:
        self.request = request
        self.task_args = dict(options.task_args)
        self.model = load_sentence_transformer(request, options)
        self.examples = self.task_args.get("examples")
        self.temperature = float(self.task_args.get("temperature", DEFAULT_TEMPERATURE))
        if self.temperature <= 0:
            raise UsageError(f"temperature must be above 0, got {self.temperature}", hint="e.g. --arg temperature=0.05")
        self.probe: LinearProbe | None = None
        if self.examples is not None:
            self.probe = few_shot_probe(self.model, (request.source, request.revision, str(self.model.device)),
                                        str(self.examples))
        else:
            self.descriptions = label_descriptions(self.task_args)
            self.template = description_template(self.task_args)
        self._description_cache: dict[str, Any] = {}

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        embeddings, warnings = embed_with_warnings(self.model, [r["text"] for r in records])
        if self.probe is not None:
            return self._few_shot(records, embeddings, warnings)
        return self._zero_shot(records, embeddings, warnings)

    def _few_shot(self, records: list[dict[str, Any]], embeddings: Any, warnings: list[list[str]]) -> list[dict[str, Any]]:
        assert self.probe is not None
        probs = self.probe.probabilities(embeddings.cpu()).tolist()
        outputs = []
        for record, row, notes in zip(records, probs, warnings):
            scores = dict(zip(self.probe.labels, row))
            wanted = record.get("labels")
            if wanted:
                wanted = parse_labels(wanted, "record field 'labels'")
                unknown = [label for label in wanted if label not in scores]
                if unknown:
                    raise InputError(
                        f"labels {unknown} do not occur in the examples file {self.examples}",
                        hint=f"the few-shot classifier knows only {list(self.probe.labels)}; add examples for the others",
                    )
                total = sum(scores[label] for label in wanted) or 1.0
                scores = {label: scores[label] / total for label in wanted}
            outputs.append(self._output(scores, notes))
        return outputs

    def _zero_shot(self, records: list[dict[str, Any]], embeddings: Any, warnings: list[list[str]]) -> list[dict[str, Any]]:
        import torch

        outputs = []
        for i, (record, notes) in enumerate(zip(records, warnings)):
            labels = candidate_labels(record, self.task_args)
            anchors = torch.stack([self._description_embedding(label) for label in labels])
            similarity = anchors @ embeddings[i]
            probs = torch.softmax(similarity / self.temperature, dim=0).tolist()
            outputs.append(self._output(dict(zip(labels, probs)), notes))
        return outputs

    def _description_embedding(self, label: str) -> Any:
        if label not in self._description_cache:
            text = self.descriptions.get(label) or self.template.format(label)
            self._description_cache[label] = embed(self.model, [text])[0]
        return self._description_cache[label]

    @staticmethod
    def _output(scores: dict[str, float], notes: list[str]) -> dict[str, Any]:
        output: dict[str, Any] = {
            "label": max(scores, key=scores.__getitem__),
            "scores": {k: round(v, 6) for k, v in scores.items()},
        }
        if notes:
            output["warnings"] = notes
        return output

    def config(self) -> dict[str, Any]:
        if self.probe is not None:
            return {
                "method": "few-shot linear probe on sentence embeddings",
                "examples": str(self.examples),
                "labels": list(self.probe.labels),
                "l2": FEW_SHOT_L2,
                "max_input_tokens": int(self.model.max_seq_length),
            }
        return {
            "method": "zero-shot by label-description similarity",
            "description_template": self.template,
            "label_descriptions": self.descriptions,
            "temperature": self.temperature,
            "max_input_tokens": int(self.model.max_seq_length),
        }
