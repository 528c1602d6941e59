"""Classification on a sentence encoder (the embedded all-MiniLM-L6-v2 offline).

* zero-shot: each candidate label gets an anchor: its description (``label_descriptions``),
  else ``description_template`` filled with the label, else the mean of a prompt ensemble
  (:mod:`label_prompts`); optionally calibrated against generic texts; then, when many texts
  share the labels, refined on those texts (:mod:`label_adaptation`).  The text goes to the
  label whose anchor is most similar (cosine), and ``scores`` are the softmax of the
  similarities divided by ``temperature``;
* few-shot: with ``examples=PATH`` (a user's labelled examples), a softmax-regression probe
  blended with label prototypes that count the label name as evidence where the examples
  say it helps (:mod:`few_shot`), trained at first use and kept in memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nlpsuite.errors import InputError, UsageError
from nlpsuite.models.encoder_runtime import encoder_runtime
from nlpsuite.models.loading import load_sentence_transformer
from nlpsuite.models.reference import ModelRequest
from nlpsuite.plugins.classification.candidate_labels import candidate_labels, parse_labels
from nlpsuite.labelled_examples import read_examples
from nlpsuite.models.sentence_encoder import embed, embed_with_warnings
from nlpsuite.plugins.classification.few_shot import NAME_WEIGHTS, PROBE_L2, FewShotClassifier, train_few_shot
from nlpsuite.plugins.classification.label_adaptation import (
    ADAPTATION_MODES,
    ADAPTIVE_BATCH_SIZE,
    MIN_TEXTS_PER_LABEL,
    ROUNDS,
    STEP,
    refine_anchors,
)
from nlpsuite.plugins.classification.label_prompts import (
    CALIBRATION_FILE,
    CALIBRATION_MODES,
    DEFAULT_TEMPLATES,
    anchor,
    calibration_texts,
    label_texts,
)
from nlpsuite.session import Session, session_of
from nlpsuite.specs import TaskOptions

DEFAULT_TEMPERATURE = 0.05



def label_descriptions(task_args: Mapping[str, Any]) -> dict[str, str]:
    """``label_descriptions`` (JSON, already parsed by the host) as a dict of label → description."""
    value = task_args.get("label_descriptions")
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise UsageError(
            "label_descriptions must be a JSON object mapping each label to a description",
            hint='e.g. --arg \'label_descriptions={"sports": "This is sports news.", "business": "This is business news."}\'',
        )
    return {str(k): v for k, v in value.items()}


def description_template(task_args: Mapping[str, Any]) -> str | None:
    """The user's single template, or ``None`` for the default prompt ensemble."""
    if task_args.get("description_template") is None:
        return None
    template = str(task_args["description_template"])
    if template.count("{}") != 1:
        raise UsageError(
            f"description_template {template!r} must contain '{{}}' exactly once (where the label goes)",
            hint='e.g. --arg "description_template=This text is about {}."',
        )
    return template


def few_shot_classifier(model: Any, source_key: tuple[Any, ...], path: str, session: Session) -> FewShotClassifier:
    """The classifier trained on the examples in ``path``, once per (model, file version) in a session."""
    file = Path(path).expanduser()
    stat = file.stat() if file.is_file() else None
    key = (*source_key, str(file.resolve()), stat.st_mtime_ns if stat else None, stat.st_size if stat else None)

    def train() -> FewShotClassifier:
        import torch

        examples = read_examples(file)
        embeddings = embed(model, [e.text for e in examples])
        labels = sorted({e.label for e in examples})
        names = torch.stack([anchor(embed(model, label_texts(label, None, None))) for label in labels])
        return train_few_shot(embeddings, [e.label for e in examples], names)

    return session.cache("few-shot-classifier").get_or_load(key, train)


class EmbeddingClassification:
    def __init__(self, request: ModelRequest, options: TaskOptions) -> None:
        self.request = request
        self.task_args = dict(options.task_args)
        self.model = load_sentence_transformer(request, options)
        self.examples = self.task_args.get("examples")
        self.temperature = float(self.task_args.get("temperature", DEFAULT_TEMPERATURE))  # host-checked > 0
        self.classifier: FewShotClassifier | None = None
        self.adaptation = "off"
        if self.examples is not None:
            self.classifier = few_shot_classifier(self.model, (request.source, request.revision, str(self.model.device),
                                                               *encoder_runtime(self.model).values()),
                                                  str(self.examples), session_of(options))
        else:
            self.descriptions = label_descriptions(self.task_args)
            self.template = description_template(self.task_args)
            self.calibration = str(self.task_args.get("calibration", CALIBRATION_MODES[0]))
            self.adaptation = str(self.task_args.get("label_adaptation", ADAPTATION_MODES[0]))
        self._anchor_cache: dict[str, Any] = {}
        self._calibration_embeddings: Any = None

    @property
    def batch_size(self) -> int:
        # Adaptation learns from the texts of one call: give it enough of them.
        return ADAPTIVE_BATCH_SIZE if self.adaptation == "batch" else 64

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        embeddings, warnings = embed_with_warnings(self.model, [r["text"] for r in records])
        if self.classifier is not None:
            return self._few_shot(records, embeddings, warnings)
        return self._zero_shot(records, embeddings, warnings)

    def _few_shot(self, records: list[dict[str, Any]], embeddings: Any, warnings: list[list[str]]) -> list[dict[str, Any]]:
        assert self.classifier is not None
        probs = self.classifier.probabilities(embeddings.cpu()).tolist()
        outputs = []
        for record, row, notes in zip(records, probs, warnings):
            scores = dict(zip(self.classifier.labels, row))
            wanted = record.get("labels")
            if wanted:
                wanted = parse_labels(wanted, "record field 'labels'")
                unknown = [label for label in wanted if label not in scores]
                if unknown:
                    raise InputError(
                        f"labels {unknown} do not occur in the examples file {self.examples}",
                        hint=f"the few-shot classifier knows only {list(self.classifier.labels)}; add examples for the others",
                    )
                total = sum(scores[label] for label in wanted) or 1.0
                scores = {label: scores[label] / total for label in wanted}
            outputs.append(self._output(scores, notes))
        return outputs

    def _zero_shot(self, records: list[dict[str, Any]], embeddings: Any, warnings: list[list[str]]) -> list[dict[str, Any]]:
        import torch

        embeddings = embeddings.cpu()
        labels_of = [tuple(candidate_labels(record, self.task_args)) for record in records]
        groups: dict[tuple[str, ...], list[int]] = {}
        for i, labels in enumerate(labels_of):
            groups.setdefault(labels, []).append(i)
        probs: dict[int, list[float]] = {}
        for labels, rows in groups.items():
            texts = embeddings[rows]
            anchors = torch.stack([self._anchor(label) for label in labels])
            if self.adaptation == "batch" and len(rows) >= MIN_TEXTS_PER_LABEL * len(labels):
                anchors = refine_anchors(texts, anchors)
            similarity = texts @ anchors.T - self._label_pull(anchors)
            for i, row in zip(rows, torch.softmax(similarity / self.temperature, dim=1).tolist()):
                probs[i] = row
        return [self._output(dict(zip(labels_of[i], probs[i])), warnings[i]) for i in range(len(records))]

    def _anchor(self, label: str) -> Any:
        if label not in self._anchor_cache:
            texts = label_texts(label, self.descriptions.get(label), self.template)
            self._anchor_cache[label] = anchor(embed(self.model, texts).cpu())
        return self._anchor_cache[label]

    def _label_pull(self, anchors: Any) -> Any:
        """How much each anchor attracts texts in general (0 without calibration)."""
        if self.calibration == "none":
            return 0.0
        if self._calibration_embeddings is None:
            self._calibration_embeddings = embed(self.model, list(calibration_texts())).cpu()
        return (self._calibration_embeddings @ anchors.T).mean(dim=0)

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
        if self.classifier is not None:
            return {
                "method": "few-shot: linear probe + label prototypes (label name counted as examples), "
                "averaged in log-probability",
                "examples": str(self.examples),
                "labels": list(self.classifier.labels),
                "l2": PROBE_L2,
                "label_name_weight": self.classifier.name_weight,
                "label_name_weight_choice": f"leave-one-out log-loss on the examples over {list(NAME_WEIGHTS)}",
                "max_input_tokens": int(self.model.max_seq_length),
                **encoder_runtime(self.model),
            }
        return {
            "method": "zero-shot by label-anchor similarity",
            "templates": [self.template] if self.template else list(DEFAULT_TEMPLATES),
            "template_use": "the given description_template" if self.template
            else "prompt ensemble: mean of the template embeddings",
            "label_descriptions": self.descriptions,
            "calibration": self.calibration if self.calibration == "none"
            else f"generic: subtract each anchor's mean similarity to {CALIBRATION_FILE} ({len(calibration_texts())} texts)",
            "label_adaptation": self.adaptation if self.adaptation == "off"
            else {"mode": "batch", "rounds": ROUNDS, "step": STEP, "min_texts_per_label": MIN_TEXTS_PER_LABEL,
                  "texts_per_call": ADAPTIVE_BATCH_SIZE},
            "temperature": self.temperature,
            "max_input_tokens": int(self.model.max_seq_length),
            **encoder_runtime(self.model),
        }
