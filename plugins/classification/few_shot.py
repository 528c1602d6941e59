"""Few-shot classification from a user's labelled examples on frozen sentence embeddings.

Two views of the examples, averaged in log-probability:

* a softmax-regression probe (:mod:`nlpsuite.models.linear_probe`), strong once there
  are a dozen or more examples per label;
* class prototypes (the mean example embedding per label, compared by cosine with
  temperature :data:`PROTOTYPE_TEMPERATURE`) that also count the label's own name, as a
  zero-shot anchor, as ``name_weight`` extra examples.  With two or four examples a label
  name such as "sports" says as much as the examples; a name such as "queue-a" says
  nothing, so ``name_weight`` is chosen from :data:`NAME_WEIGHTS` by leave-one-out
  log-loss on the examples themselves: names that do not help get weight 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nlpsuite.models.linear_probe import LinearProbe, train_linear_probe

#: L2 penalty of the probe (scikit-learn's C = 1 / PROBE_L2).
PROBE_L2 = 0.1
PROTOTYPE_TEMPERATURE = 0.05
NAME_WEIGHTS = (0.0, 1.0, 2.0, 4.0, 8.0)


@dataclass(frozen=True)
class FewShotClassifier:
    labels: tuple[str, ...]
    probe: LinearProbe
    prototypes: Any  # torch.Tensor (labels × dim), unit rows
    name_weight: float

    def probabilities(self, embeddings: Any) -> Any:
        import torch

        x = embeddings.to(dtype=torch.float32, device="cpu")
        probe_log = torch.log_softmax(x @ self.probe.weight.T + self.probe.bias, dim=-1)
        proto_log = torch.log_softmax(x @ self.prototypes.T / PROTOTYPE_TEMPERATURE, dim=-1)
        return torch.softmax(probe_log + proto_log, dim=-1)


def prototypes(embeddings: Any, targets: Any, name_anchors: Any, weight: float) -> Any:
    import torch

    rows = []
    for j in range(name_anchors.shape[0]):
        row = embeddings[targets == j].sum(dim=0) + weight * name_anchors[j]
        rows.append(row / row.norm().clamp_min(1e-12))
    return torch.stack(rows)


def leave_one_out_loss(embeddings: Any, targets: Any, name_anchors: Any, weight: float) -> float:
    """Summed log-loss of the prototype view on each example with that example left out."""
    import torch

    sums = torch.stack([embeddings[targets == j].sum(dim=0) for j in range(name_anchors.shape[0])])
    loss = 0.0
    for i in range(len(embeddings)):
        rows = sums.clone()
        rows[targets[i]] -= embeddings[i]
        rows = rows + weight * name_anchors
        rows = rows / rows.norm(dim=1, keepdim=True).clamp_min(1e-12)
        logits = embeddings[i] @ rows.T / PROTOTYPE_TEMPERATURE
        loss -= float(torch.log_softmax(logits, dim=0)[targets[i]])
    return loss


def train_few_shot(embeddings: Any, labels: Sequence[str], name_anchors: Any) -> FewShotClassifier:
    """Fit both views; ``name_anchors`` (sorted labels × dim) are the labels' zero-shot anchors."""
    import torch

    order = tuple(sorted(set(labels)))
    x = torch.as_tensor(embeddings, dtype=torch.float32).detach().cpu().clone()
    anchors = torch.as_tensor(name_anchors, dtype=torch.float32).detach().cpu()
    targets = torch.tensor([order.index(label) for label in labels])
    # Ties go to the smaller weight: the examples, not the names, are what the user gave as evidence.
    losses = [(leave_one_out_loss(x, targets, anchors, w), w) for w in NAME_WEIGHTS]
    weight = min(losses, key=lambda pair: (round(pair[0], 9), pair[1]))[1]
    probe = train_linear_probe(x, list(labels), l2=PROBE_L2, label_order=order)
    return FewShotClassifier(order, probe, prototypes(x, targets, anchors, weight), weight)
