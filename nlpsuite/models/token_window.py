"""How many tokens a model reads at once, and the warning an output carries when an input is cut to fit."""

from __future__ import annotations

from typing import Any

#: Tokenizers without a recorded limit report a huge sentinel (``int(1e30)``); anything above this is "unknown".
UNKNOWN_LIMIT = 1_000_000


def model_window(tokenizer: Any, config: Any = None, default: int = 512) -> int:
    """The longest input in tokens: the tokenizer's limit, else the model's position table, else ``default``."""
    limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(limit, int) and 0 < limit < UNKNOWN_LIMIT:
        return limit
    positions = getattr(config, "max_position_embeddings", None) if config is not None else None
    if isinstance(positions, int) and positions > 0:
        return positions
    return default


def input_token_counts(tokenizer: Any, texts: list[str], pairs: list[str] | None = None) -> list[int]:
    """Tokens each input takes with special tokens, before any truncation."""
    # verbose=False: counting is meant to see over-long inputs, the warning comes with the output
    kwargs = {"add_special_tokens": True, "verbose": False}
    encoded = tokenizer(texts, pairs, **kwargs) if pairs is not None else tokenizer(texts, **kwargs)
    return [len(ids) for ids in encoded["input_ids"]]


def truncation_warning(n_tokens: int, window: int) -> str:
    return (
        f"input truncated to the model's window of {window} tokens ({n_tokens} tokens given): "
        "the rest of the text was not read"
    )
