"""The BERT encoder forward pass in plain torch, from a safetensors file.

No transformers model class or config machinery: loading is reading the tensors,
so a fresh process answers without importing transformers (seconds of a cold
start).  Attention goes through ``scaled_dot_product_attention``; the dense
layers of a padded batch run on its real tokens only (packed).  The result
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
        batch, width = ids.shape
        hidden = F.embedding(ids, w["embeddings.word_embeddings.weight"]) + self.positions[:width]
        hidden = F.layer_norm(hidden, (layout.hidden_size,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"],
                              layout.layer_norm_eps)
        keep = mask.bool()
        if bool(keep.all()):  # a length-sorted batch of equal lengths: no padding, no mask (the fast kernel path)
            return self.encoded(hidden, None, None).mean(1)
        # Padding-free: the dense layers (most of the FLOPs) see only real tokens, packed as (tokens, hidden);
        # attention alone runs on the padded (batch, width) grid.
        where = keep.reshape(-1).nonzero().squeeze(1)
        packed = self.encoded(hidden.reshape(batch * width, -1)[where], keep, where)
        lengths = keep.sum(1)
        rows = torch.repeat_interleave(torch.arange(batch), lengths)
        sums = torch.zeros(batch, layout.hidden_size, dtype=packed.dtype).index_add_(0, rows, packed)
        return sums / lengths.clamp(min=1).to(packed.dtype).unsqueeze(1)

    def encoded(self, hidden: Any, keep: Any, where: Any) -> Any:
        """The encoder layers over ``hidden``: (batch, width, hidden) unpadded when ``keep`` is None, else
        the real tokens packed as (tokens, hidden), ``where`` their flat places in ``keep``'s (batch, width) grid."""
        import torch
        import torch.nn.functional as F

        w, layout = self.w, self.layout
        eps, heads, dim, size = layout.layer_norm_eps, layout.num_heads, layout.head_dim, layout.hidden_size
        batch, width = keep.shape if keep is not None else hidden.shape[:2]
        attention_mask = keep[:, None, None, :] if keep is not None else None

        def grid(x: Any) -> Any:  # packed → (batch, heads, width, dim), zeros at padding
            if keep is not None:
                x = x.new_zeros(batch * width, x.shape[-1]).index_copy_(0, where, x)
            return x.view(batch, width, heads, dim).transpose(1, 2)

        for i in range(layout.num_layers):
            p = f"encoder.layer.{i}."
            q = grid(F.linear(hidden, w[p + "attention.self.query.weight"], w[p + "attention.self.query.bias"]))
            k = grid(F.linear(hidden, w[p + "attention.self.key.weight"], w[p + "attention.self.key.bias"]))
            v = grid(F.linear(hidden, w[p + "attention.self.value.weight"], w[p + "attention.self.value.bias"]))
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=attention_mask).transpose(1, 2).reshape(-1, size)
            if keep is not None:
                context = context[where]
            attended = F.linear(context, w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"])
            hidden = F.layer_norm(attended.view_as(hidden) + hidden, (size,), w[p + "attention.output.LayerNorm.weight"],
                                  w[p + "attention.output.LayerNorm.bias"], eps)
            inner = F.gelu(F.linear(hidden, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"]))
            out = F.linear(inner, w[p + "output.dense.weight"], w[p + "output.dense.bias"])
            hidden = F.layer_norm(out + hidden, (size,), w[p + "output.LayerNorm.weight"],
                                  w[p + "output.LayerNorm.bias"], eps)
        return hidden
