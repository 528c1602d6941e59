"""Which classifier a model calls for: fine-tuned, zero-shot NLI, or a sentence encoder.

Decided from the model's config alone; shared by every task that classifies (classification, sentiment).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from nlpsuite.errors import UsageError
from nlpsuite.models.loading import model_config
from nlpsuite.models.reference import ModelRequest
from nlpsuite.specs import TaskOptions

ClassifierKind = Literal["fine-tuned", "nli", "embedding"]


def entailment_index(label2id: dict[str, int]) -> int | None:
    """The id of the entailment class in an NLI config, or ``None`` when it is not an NLI model."""
    for name, index in label2id.items():
        if str(name).lower().startswith("entail"):
            return int(index)
    return None



def is_sentence_encoder(request: ModelRequest) -> bool:
    if request.model_kind == "sentence-transformer":
        return True
    return request.kind == "local" and (Path(request.source) / "modules.json").is_file()


def classifier_kind(request: ModelRequest, options: TaskOptions) -> ClassifierKind:
    """Decide from the config alone (no weights), so an unavailable hub model raises ``ModelUnavailableError`` here."""
    if is_sentence_encoder(request):
        return "embedding"
    config = model_config(request, options)
    kind = kind_of_config(config)
    if kind is not None:
        return kind
    architectures = config.get("architectures") or []
    raise UsageError(
        f"model {request.display_name} ({', '.join(architectures) or 'no architectures in its config'}) cannot classify: "
        "it is neither a sequence classifier nor a sentence encoder",
        hint="pass a fine-tuned classifier, an NLI model such as facebook/bart-large-mnli, or --model all-MiniLM-L6-v2",
    )


def kind_of_config(config: dict) -> ClassifierKind | None:
    """The classifier a config.json calls for, or ``None`` when it cannot classify."""
    architectures = config.get("architectures") or []
    if any(name.endswith("ForSequenceClassification") for name in architectures):
        return "nli" if entailment_index(config.get("label2id") or {}) is not None else "fine-tuned"
    if architectures and all(name.endswith("Model") for name in architectures):
        return "embedding"  # a bare encoder embeds sentences with mean pooling
    return None


def kind_from_files(request: ModelRequest) -> ClassifierKind | None:
    """The classifier kind when known from files on this machine alone (a registered or local model), else ``None``.

    For checks before anything loads: it reads no weights, imports no transformers and contacts no hub.
    """
    if is_sentence_encoder(request):
        return "embedding"
    if request.kind != "local":
        return None
    try:
        config = json.loads((Path(request.source) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # the loader reports an unreadable model directory with its own clear error
    return kind_of_config(config) if isinstance(config, dict) else None
