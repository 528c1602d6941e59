"""Low-rank adapters (LoRA) for the linear layers of a BERT-style encoder, in plain torch.

Training wraps chosen ``nn.Linear`` layers so that ``y = W x + b + s · B A x`` with a
frozen ``W`` and small trainable ``A`` (rank × in) and ``B`` (out × rank), ``s = alpha / rank``.
At inference the product ``s · B A`` is added into ``W`` of a *copy* of the encoder
(:func:`merge_low_rank`), so adapted predictions cost exactly what plain ones do.
"""

from __future__ import annotations

import math
from typing import Any

#: The linear layers of each BERT layer that get an adapter: attention query, key, value and
#: output, and both feed-forward layers.
TARGETS = ("attention.self.query", "attention.self.key", "attention.self.value",
           "attention.output.dense", "intermediate.dense", "output.dense")


def encoder_layers(bert: Any) -> Any:
    """The transformer layers of a Hugging Face BERT model (``bert.encoder.layer``)."""
    return bert.encoder.layer


def _module(root: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        root = getattr(root, part)
    return root


def _set_module(root: Any, dotted: str, module: Any) -> None:
    parent, _, name = dotted.rpartition(".")
    setattr(_module(root, parent) if parent else root, name, module)


def make_low_rank_linear(base: Any, rank: int, alpha: float, dropout: float, generator: Any) -> Any:
    """``base`` (kept frozen) plus a trainable rank-``rank`` update; ``B`` starts at zero so training starts from ``base``."""
    import torch
    from torch import nn

    class LowRankLinear(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.base = base
            self.scale = alpha / rank
            self.dropout = nn.Dropout(dropout)
            a = torch.empty(rank, base.in_features)
            bound = 1.0 / math.sqrt(base.in_features)
            a.uniform_(-bound, bound, generator=generator)
            self.lora_A = nn.Parameter(a)
            self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank))

        def forward(self, x: Any) -> Any:
            return self.base(x) + (self.dropout(x) @ self.lora_A.T @ self.lora_B.T) * self.scale

    for p in base.parameters():
        p.requires_grad_(False)
    return LowRankLinear()


def attach_low_rank(bert: Any, rank: int, alpha: float, dropout: float, seed: int) -> list[Any]:
    """Freeze ``bert`` and wrap every target layer in place; returns the trainable parameters (``A`` then ``B`` per layer)."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    for p in bert.parameters():
        p.requires_grad_(False)
    params = []
    for layer in encoder_layers(bert):
        for target in TARGETS:
            wrapped = make_low_rank_linear(_module(layer, target), rank, alpha, dropout, generator)
            _set_module(layer, target, wrapped)
            params += [wrapped.lora_A, wrapped.lora_B]
    return params


def low_rank_state(bert: Any) -> dict[str, Any]:
    """``{"layers.{i}.{target}.lora_A"|"lora_B": tensor}`` of a model :func:`attach_low_rank` wrapped."""
    state = {}
    for i, layer in enumerate(encoder_layers(bert)):
        for target in TARGETS:
            wrapped = _module(layer, target)
            state[f"layers.{i}.{target}.lora_A"] = wrapped.lora_A.detach().clone()
            state[f"layers.{i}.{target}.lora_B"] = wrapped.lora_B.detach().clone()
    return state


def merge_low_rank(bert: Any, state: dict[str, Any], scale: float) -> None:
    """Add ``scale · B A`` into each target layer's weight of ``bert`` (a copy: this changes it in place)."""
    import torch

    with torch.no_grad():
        for i, layer in enumerate(encoder_layers(bert)):
            for target in TARGETS:
                linear = _module(layer, target)
                a = state[f"layers.{i}.{target}.lora_A"].to(torch.float32)
                b = state[f"layers.{i}.{target}.lora_B"].to(torch.float32)
                delta = (b @ a) * scale
                linear.weight.add_(delta.to(dtype=linear.weight.dtype, device=linear.weight.device))


def merged_state(weights: dict[str, Any], state: dict[str, Any], scale: float, num_layers: int) -> dict[str, Any]:
    """``weights`` (a BERT state dict, names without ``bert.``) with ``scale · B A`` added into each target
    weight, as :func:`merge_low_rank` does to a model (the same float32 arithmetic, so the same weights)."""
    import torch

    merged = dict(weights)
    with torch.no_grad():
        for i in range(num_layers):
            for target in TARGETS:
                name = f"encoder.layer.{i}.{target}.weight"
                a = state[f"layers.{i}.{target}.lora_A"].to(torch.float32)
                b = state[f"layers.{i}.{target}.lora_B"].to(torch.float32)
                merged[name] = weights[name] + ((b @ a) * scale).to(weights[name].dtype)
    return merged
