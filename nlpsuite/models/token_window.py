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


#: Characters of a long text read per token of the window at first (doubled while that is not enough).
CHARS_PER_TOKEN = 8
#: Tokens beyond the window a prefix must reach, so that where it was cut cannot change the window's tokens.
MARGIN_TOKENS = 16


class AtLeast(int):
    """A token count that stopped once the text was known to exceed the window (the total was not counted)."""


def input_token_counts(tokenizer: Any, texts: list[str], pairs: list[str] | None = None) -> list[int]:
    """Tokens each input takes with special tokens, before any truncation (every character is tokenized)."""
    # verbose=False: counting is meant to see over-long inputs, the warning comes with the output
    kwargs = {"add_special_tokens": True, "verbose": False}
    encoded = tokenizer(texts, pairs, **kwargs) if pairs is not None else tokenizer(texts, **kwargs)
    return [len(ids) for ids in encoded["input_ids"]]


def window_chars(window: int) -> int:
    """Characters above which a text is read as a prefix (:func:`window_texts`)."""
    return (window + MARGIN_TOKENS) * CHARS_PER_TOKEN


def window_texts(tokenizer: Any, texts: list[str], window: int,
                 pairs: list[str] | None = None) -> tuple[list[str], list[int]]:
    """``(texts, counts)``: each text, or for one far longer than ``window`` tokens a prefix of it that already
    holds more than the window (cut at a space), and the tokens each takes (:class:`AtLeast` for a prefix).

    The model then reads the same first ``window`` tokens as from the whole text, and the cost follows the
    window, not the text: counting a 20 MB line for a 256-token window tokenized all of it (about 3.5 GB
    and 38 s); now about 2 kB of it.
    """
    budget = window_chars(window)
    short = [i for i, text in enumerate(texts) if len(text) <= budget]
    out_texts, counts = list(texts), [0] * len(texts)
    if short:
        found = input_token_counts(tokenizer, [texts[i] for i in short], [pairs[i] for i in short] if pairs else None)
        for i, n in zip(short, found):
            counts[i] = n
    for i in sorted(set(range(len(texts))) - set(short)):
        out_texts[i], counts[i] = _bounded(tokenizer, texts[i], pairs[i] if pairs else None, window, budget)
    return out_texts, counts


def _bounded(tokenizer: Any, text: str, pair: str | None, window: int, chars: int) -> tuple[str, int]:
    while chars < len(text):
        cut = text.rfind(" ", chars // 2, chars)  # at a space, so no word is split where the prefix ends
        prefix = text[: cut if cut > 0 else chars]
        [n] = input_token_counts(tokenizer, [prefix], [pair] if pair is not None else None)
        if n > window + MARGIN_TOKENS:
            return prefix, AtLeast(n)
        chars *= 2
    [n] = input_token_counts(tokenizer, [text], [pair] if pair is not None else None)
    return text, n


def truncation_warning(n_tokens: int, window: int) -> str:
    given = f"more than {int(n_tokens)} tokens given" if isinstance(n_tokens, AtLeast) else f"{n_tokens} tokens given"
    return (
        f"input truncated to the model's window of {window} tokens ({given}): "
        "the rest of the text was not read"
    )
