"""A softmax-regression classifier on fixed sentence embeddings (few-shot classification, embedded sentiment).

Trained full-batch with L-BFGS in torch: a few hundred examples take well under
a second once they are embedded.  Deterministic for the same inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LinearProbe:
    """``scores = softmax(embeddings @ weight.T + bias)`` over ``labels``."""

    labels: tuple[str, ...]
    weight: Any  # torch.Tensor, (n_labels, dim)
    bias: Any  # torch.Tensor, (n_labels,)

    @property
    def dim(self) -> int:
        return int(self.weight.shape[1])

    def probabilities(self, embeddings: Any) -> Any:
        """Rows of label probabilities (torch tensor) for a (n, dim) tensor of embeddings."""
        import torch

        embeddings = embeddings.to(dtype=self.weight.dtype, device=self.weight.device)
        return torch.softmax(embeddings @ self.weight.T + self.bias, dim=-1)

    def to_json(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "weight": self.weight.tolist(), "bias": self.bias.tolist()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearProbe:
        import torch

        return cls(
            labels=tuple(data["labels"]),
            weight=torch.tensor(data["weight"], dtype=torch.float32),
            bias=torch.tensor(data["bias"], dtype=torch.float32),
        )


def train_linear_probe(
    embeddings: Any,
    labels: Sequence[str],
    *,
    l2: float = 1.0,
    label_order: Sequence[str] | None = None,
    max_iter: int = 200,
) -> LinearProbe:
    """Fit softmax regression on ``embeddings`` (n, dim) with string ``labels``.

    The loss is the summed cross-entropy plus ``l2 / 2 * ||weight||^2`` (the
    bias is not penalised), i.e. scikit-learn's ``LogisticRegression(C=1/l2)``.
    """
    import torch

    order = tuple(label_order) if label_order is not None else tuple(sorted(set(labels)))
    index = {label: i for i, label in enumerate(order)}
    # clone: embeddings made under inference_mode cannot take part in autograd as they are
    x = torch.as_tensor(embeddings, dtype=torch.float32).detach().cpu().clone()
    y = torch.tensor([index[label] for label in labels], dtype=torch.long)
    weight = torch.zeros(len(order), x.shape[1], requires_grad=True)
    bias = torch.zeros(len(order), requires_grad=True)
    optimizer = torch.optim.LBFGS([weight, bias], lr=1.0, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure() -> Any:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(x @ weight.T + bias, y, reduction="sum")
        loss = loss + 0.5 * l2 * weight.pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        optimizer.step(closure)
    return LinearProbe(labels=order, weight=weight.detach(), bias=bias.detach())
