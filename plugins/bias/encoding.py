"""Encode association-test stimuli with a sentence encoder, once per distinct string."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nlpsuite.plugins.bias.definitions import AssociationTest


@dataclass(frozen=True)
class EncodedTest:
    """Embedding rows of each set, and for every row the word it came from (its unit)."""

    vectors: dict[str, np.ndarray]
    units: dict[str, list[str]]
    truncated: int


class StimulusEncoder:
    """Wraps a ``SentenceTransformer``; caches embeddings so a battery encodes shared words once."""

    def __init__(self, model: Any, batch_size: int = 64) -> None:
        self.model = model
        self.batch_size = batch_size
        self._cache: dict[str, np.ndarray] = {}

    @property
    def max_tokens(self) -> int | None:
        return getattr(self.model, "max_seq_length", None)

    def _token_count(self, text: str) -> int:
        tokenizer = getattr(self.model, "tokenizer", None)
        if tokenizer is None:
            return 0
        return len(tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text (float64), in order."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            import torch

            with torch.inference_mode():
                vectors = self.model.encode(
                    missing, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False
                )
            for text, vector in zip(missing, np.asarray(vectors, dtype=np.float64)):
                self._cache[text] = vector
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 0))

    def encode_test(self, test: AssociationTest) -> EncodedTest:
        """Embeddings of every stimulus of ``test`` (word, or the word in each template)."""
        vectors: dict[str, np.ndarray] = {}
        units: dict[str, list[str]] = {}
        stimuli: dict[str, list[str]] = {}
        for key, stimulus_set in test.sets().items():
            stimuli[key] = [s for word in stimulus_set.examples for s in test.stimuli(word)]
            units[key] = [word for word in stimulus_set.examples for _ in test.stimuli(word)]
        everything = list(dict.fromkeys(s for texts in stimuli.values() for s in texts))
        limit = self.max_tokens
        truncated = sum(1 for s in everything if limit and self._token_count(s) > limit) if limit else 0
        rows = self.encode(everything)
        index = {text: i for i, text in enumerate(everything)}
        for key, texts in stimuli.items():
            vectors[key] = rows[[index[t] for t in texts]]
        return EncodedTest(vectors=vectors, units=units, truncated=truncated)
