"""The BERT encoder forward pass in plain torch, from a safetensors file.

No transformers model class or config machinery: loading is reading the tensors,
so a fresh process answers without importing transformers (seconds of a cold
start).  Attention goes through ``scaled_dot_product_attention``; the result
equals transformers' ``BertModel`` with mean pooling to float rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nlpsuite.models.bert_layout import BertLayout, read_bert_weights


class TorchBertForward:
    """``(ids, mask) → mean-pooled last hidden states`` for the weights of ``layout`` (float32, CPU)."""

    def __init__(self, layout: BertLayout, weights: dict[str, Any] | None = None) -> None:
        import torch

        self.layout = layout
        tensors = weights if weights is not None else read_bert_weights(layout.weights_file, framework="pt")
        self.w = {k: (v if isinstance(v, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(v))).float()
                  for k, v in tensors.items()}
        # a text is always segment 0: add that row into the position table once
        self.positions = self.w["embeddings.position_embeddings.weight"] + self.w["embeddings.token_type_embeddings.weight"][0]

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            return self.pooled(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()

    def pooled(self, ids: Any, mask: Any) -> Any:
        import torch
        import torch.nn.functional as F

        w, layout = self.w, self.layout
        eps, heads, dim = layout.layer_norm_eps, layout.num_heads, layout.head_dim
        batch, width = ids.shape
        hidden = F.embedding(ids, w["embeddings.word_embeddings.weight"]) + self.positions[:width]
        hidden = F.layer_norm(hidden, (layout.hidden_size,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        keep = mask.bool()
        # every row of a length-sorted batch of equal lengths needs no mask at all (the fast kernel path)
        attention_mask = None if bool(keep.all()) else keep[:, None, None, :]
        for i in range(layout.num_layers):
            p = f"encoder.layer.{i}."

            def split(x: Any) -> Any:
                return x.view(batch, width, heads, dim).transpose(1, 2)

            q = split(F.linear(hidden, w[p + "attention.self.query.weight"], w[p + "attention.self.query.bias"]))
            k = split(F.linear(hidden, w[p + "attention.self.key.weight"], w[p + "attention.self.key.bias"]))
            v = split(F.linear(hidden, w[p + "attention.self.value.weight"], w[p + "attention.self.value.bias"]))
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=attention_mask)
            context = context.transpose(1, 2).reshape(batch, width, layout.hidden_size)
            attended = F.linear(context, w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"])
            hidden = F.layer_norm(attended + hidden, (layout.hidden_size,), w[p + "attention.output.LayerNorm.weight"],
                                  w[p + "attention.output.LayerNorm.bias"], eps)
            inner = F.gelu(F.linear(hidden, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"]))
            out = F.linear(inner, w[p + "output.dense.weight"], w[p + "output.dense.bias"])
            hidden = F.layer_norm(out + hidden, (layout.hidden_size,), w[p + "output.LayerNorm.weight"],
                                  w[p + "output.LayerNorm.bias"], eps)
        weights = mask.to(hidden.dtype).unsqueeze(-1)
        return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
