"""Transductive refinement of zero-shot label anchors on the texts being classified.

A label's anchor (its prompt embedding) lies near, not in, the region its texts occupy.
Given many texts to classify with the same labels, each round assigns every text to its
nearest anchor and moves each anchor halfway towards the mean of its texts
(self-training of class prototypes; cf. label-name-only classification by Meng et al. 2020
and prototype refinement in few-shot learning).  A label no text went to keeps its anchor.

Moving the chosen label's anchor towards a text can only raise that text's similarity to
it, so one text alone never changes label; a prediction does depend on the other texts
in the same call, which is why it is applied only to groups of at least
:data:`MIN_TEXTS_PER_LABEL` texts per label, and can be switched off.
"""

from __future__ import annotations

from typing import Any

ADAPTATION_MODES = ("batch", "off")
ROUNDS = 2
STEP = 0.5
MIN_TEXTS_PER_LABEL = 4
#: Texts classified (and adapted on) together: larger groups give better label means.
ADAPTIVE_BATCH_SIZE = 512


def refine_anchors(embeddings: Any, anchors: Any, *, rounds: int = ROUNDS, step: float = STEP) -> Any:
    """Anchors (labels × dim) moved towards the texts (n × dim) nearest to each; all rows unit length."""
    import torch

    refined = anchors
    for _ in range(rounds):
        nearest = (embeddings @ refined.T).argmax(dim=1)
        rows = []
        for j in range(anchors.shape[0]):
            members = embeddings[nearest == j]
            if len(members) == 0:
                rows.append(anchors[j])
                continue
            mean = members.mean(dim=0)
            row = (1 - step) * anchors[j] + step * mean / mean.norm().clamp_min(1e-12)
            rows.append(row / row.norm().clamp_min(1e-12))
        refined = torch.stack(rows)
    return refined
