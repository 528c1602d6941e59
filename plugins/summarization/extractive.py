"""Extractive summaries over sentence embeddings: centroid relevance with MMR redundancy control.

Each sentence is scored by its cosine similarity to the document's centroid
(the mean of its sentence embeddings: what the document is mostly about).
Sentences are picked one at a time by maximal marginal relevance,
``λ·relevance − (1−λ)·(highest similarity to a sentence already picked)``,
so a second sentence saying the same thing loses to one adding something new,
until the sentence or word budget is spent.  The summary lists the picked
sentences in document order, verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from nlpsuite.models.loading import load_sentence_transformer
from nlpsuite.models.reference import ModelRequest
from nlpsuite.plugins.summarization.arguments import fraction_arg, int_arg
from nlpsuite.sentences import SPLIT_RULE, sentence_spans
from nlpsuite.specs import TaskOptions

DEFAULT_MAX_SENTENCES = 3
DEFAULT_MAX_WORDS = 80
DEFAULT_MMR_LAMBDA = 0.7
DEFAULT_MIN_SENTENCE_WORDS = 4
#: A passage with no sentence boundary for this many words is cut into pieces of this size,
#: so that one run-on "sentence" can neither swamp the budget nor the encoder's window.
MAX_PASSAGE_WORDS = 60
SENTENCE_JOINER = " "

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Budget:
    max_sentences: int
    max_words: int
    mmr_lambda: float
    min_sentence_words: int


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def candidate_passages(document: str) -> tuple[list[str], bool]:
    """The document's sentences (one per line break at least), run-on passages cut into word windows."""
    passages: list[str] = []
    cut = False
    for start, end in sentence_spans(document, split_lines=True):
        words = _WORD.findall(document[start:end])
        if len(words) <= MAX_PASSAGE_WORDS:
            passages.append(document[start:end])
            continue
        cut = True
        passages.extend(" ".join(words[i : i + MAX_PASSAGE_WORDS]) for i in range(0, len(words), MAX_PASSAGE_WORDS))
    return passages, cut


def select_sentences(embeddings: Any, word_counts: list[int], eligible: list[bool], budget: Budget) -> list[int]:
    """Indices of the sentences to keep, in document order (``embeddings`` are L2-normalised rows)."""
    import numpy as np

    candidates = [i for i, ok in enumerate(eligible) if ok] or list(range(len(word_counts)))
    vectors = np.asarray(embeddings, dtype=np.float64)
    centroid = vectors[candidates].mean(axis=0)
    norm = np.linalg.norm(centroid)
    relevance = vectors @ (centroid / norm) if norm > 0 else np.zeros(len(vectors))
    similarity = vectors @ vectors.T
    chosen: list[int] = []
    words_left = budget.max_words
    remaining = list(candidates)
    while remaining and len(chosen) < budget.max_sentences:
        redundancy = similarity[np.ix_(remaining, chosen)].max(axis=1) if chosen else np.zeros(len(remaining))
        scores = budget.mmr_lambda * relevance[remaining] - (1.0 - budget.mmr_lambda) * redundancy
        fitting = [(score, i) for score, i in zip(scores, remaining) if word_counts[i] <= words_left]
        if not fitting:
            break
        # Ties go to the earlier sentence (news puts the main point first).
        _, best = max(fitting, key=lambda pair: (pair[0], -pair[1]))
        chosen.append(best)
        remaining.remove(best)
        words_left -= word_counts[best]
    return sorted(chosen)


class ExtractiveSummarizer:
    """Summaries made of a document's own sentences, chosen with a sentence encoder."""

    batch_size = 32

    def __init__(self, request: ModelRequest, options: TaskOptions) -> None:
        self.request = request
        self.budget = Budget(
            max_sentences=int_arg(options, "max_sentences", DEFAULT_MAX_SENTENCES) or DEFAULT_MAX_SENTENCES,
            max_words=int_arg(options, "max_words", DEFAULT_MAX_WORDS) or DEFAULT_MAX_WORDS,
            mmr_lambda=fraction_arg(options, "mmr_lambda", DEFAULT_MMR_LAMBDA),
            min_sentence_words=int_arg(options, "min_sentence_words", DEFAULT_MIN_SENTENCE_WORDS, minimum=0) or 0,
        )
        self.encoder = load_sentence_transformer(request, options)

    def config(self) -> dict[str, Any]:
        return {
            "method": "extractive",
            "encoder": self.request.display_name,
            "selection": "centroid relevance + maximal marginal relevance (cosine similarity)",
            "sentence_split": f"{SPLIT_RULE}; every line break ends one; passages over {MAX_PASSAGE_WORDS} words "
            "without a boundary are cut into word windows",
            "max_sentences": self.budget.max_sentences,
            "max_words": self.budget.max_words,
            "mmr_lambda": self.budget.mmr_lambda,
            "min_sentence_words": self.budget.min_sentence_words,
            "order": "document order",
        }

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        split = [candidate_passages(str(record["document"])) for record in records]
        texts = [passage for passages, _ in split for passage in passages]
        # One encode call for the whole batch: the encoder sorts and pads by length itself.
        embeddings = (
            self.encoder.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
            if texts
            else []
        )
        outputs = []
        offset = 0
        for passages, cut in split:
            rows = embeddings[offset : offset + len(passages)]
            offset += len(passages)
            outputs.append(self._summarize(passages, rows, cut))
        return outputs

    def _summarize(self, passages: list[str], embeddings: Any, cut: bool) -> dict[str, Any]:
        warnings = []
        if cut:
            warnings.append(
                f"document has a passage of more than {MAX_PASSAGE_WORDS} words without a sentence boundary; "
                f"it was cut into {MAX_PASSAGE_WORDS}-word pieces"
            )
        if not passages:
            return {"summary": "", "warnings": ["document is blank: nothing to summarize"]}
        counts = [word_count(p) for p in passages]
        eligible = [n >= self.budget.min_sentence_words for n in counts]
        chosen = select_sentences(embeddings, counts, eligible, self.budget)
        if not chosen:
            # Even the most central sentence is over the word budget: keep its beginning, and say so.
            best = select_sentences(embeddings, counts, eligible, Budget(1, max(counts), self.budget.mmr_lambda, 0))[0]
            words = _WORD.findall(passages[best])
            warnings.append(
                f"no sentence fits the {self.budget.max_words}-word budget; the most central one "
                f"({len(words)} words) was cut to {self.budget.max_words} words"
            )
            summary = " ".join(words[: self.budget.max_words])
        else:
            summary = SENTENCE_JOINER.join(passages[i] for i in chosen)
        output: dict[str, Any] = {"summary": summary}
        if warnings:
            output["warnings"] = warnings
        return output
