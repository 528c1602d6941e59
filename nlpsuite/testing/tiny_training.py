"""The training loop and saving step shared by the tiny test-model builders."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def fit_full_batch(model: Any, batch: Mapping[str, Any], *, steps: int, learning_rate: float) -> None:
    """``steps`` AdamW steps on one batch (keyword inputs incl. ``labels``); leaves the model in eval mode.

    A model this small gains nothing from several threads, and on a busy machine
    they contend (about 5x slower there), so training runs on one thread and
    restores the caller's setting afterwards.
    """
    import torch

    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model.train()
        for _ in range(steps):
            optimizer.zero_grad()
            model(**batch).loss.backward()
            optimizer.step()
    finally:
        torch.set_num_threads(threads)
        model.eval()


def save_model(directory: Path, model: Any, tokenizer: Any) -> Path:
    """``save_pretrained`` model and tokenizer into ``directory`` (created), as a hub model is laid out."""
    model.eval()
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
