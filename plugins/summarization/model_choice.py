"""Which summarizer a model calls for: abstractive (seq2seq) or extractive (sentence encoder)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from nlpsuite.errors import UsageError
from nlpsuite.models.loading import model_config
from nlpsuite.models.reference import ModelRequest
from nlpsuite.specs import TaskOptions

SummarizerKind = Literal["abstractive", "extractive"]


def summarizer_kind(request: ModelRequest, options: TaskOptions) -> SummarizerKind:
    """``extractive`` for sentence encoders, ``abstractive`` for encoder-decoder models.

    Reads only the config (no weights), so an unavailable hub model raises
    ``ModelUnavailableError`` here and the host can fall back.
    """
    if request.model_kind == "sentence-transformer":
        return "extractive"
    if request.kind == "local" and (Path(request.source) / "modules.json").is_file():
        return "extractive"  # a sentence-transformers directory
    config = model_config(request, options)
    if config.get("is_encoder_decoder"):
        return "abstractive"
    architectures = config.get("architectures") or []
    # A bare encoder (BertModel, MPNetModel, …) embeds sentences with mean pooling.
    if all(name.endswith("Model") for name in architectures):
        return "extractive"
    raise UsageError(
        f"model {request.display_name} ({', '.join(architectures)}) cannot summarize: it is neither a "
        "sequence-to-sequence model nor a sentence encoder",
        hint="pass a seq2seq model such as sshleifer/distilbart-cnn-12-6, or --model all-MiniLM-L6-v2 for extractive summaries",
    )
