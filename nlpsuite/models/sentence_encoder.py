"""Embed texts with a sentence-transformers encoder, warning about inputs cut to its window."""

from __future__ import annotations

from typing import Any

from nlpsuite.models.token_window import truncation_warning, window_texts


def encoder_window(model: Any) -> int:
    return int(model.max_seq_length)


def embed(model: Any, texts: list[str], *, batch_size: int = 64) -> Any:
    """Unit-length embeddings (torch tensor, (n, dim)) on the model's device."""
    import torch

    with torch.inference_mode():
        return model.encode(
            texts, batch_size=batch_size, convert_to_tensor=True, normalize_embeddings=True, show_progress_bar=False
        ).float()


def embed_with_warnings(model: Any, texts: list[str]) -> tuple[Any, list[list[str]]]:
    """Embeddings plus, per text, a truncation warning when it is longer than the encoder's window."""
    window = encoder_window(model)
    counted = getattr(model, "encode_with_counts", None)
    if callable(counted):  # a direct encoder tokenizes once for both
        vectors, counts = counted(texts, normalize_embeddings=True)
        warnings = [[truncation_warning(n, window)] if n > window else [] for n in counts]
        return vectors, warnings
    texts, counts = window_texts(model.tokenizer, list(texts), window)  # long texts cut to what is read
    warnings = [[truncation_warning(n, window)] if n > window else [] for n in counts]
    return embed(model, texts), warnings
