"""Example third-party nlpsuite plugin: keyword extraction over sentence embeddings.

Candidates are the text's words and two-word phrases (stop words dropped); each is
scored by cosine similarity to the whole text and picked greedily with maximal
marginal relevance (``diversity`` trades relevance for variety).
"""

from __future__ import annotations

import re
from typing import Any

from nlpsuite import FieldSpec, TaskOptions, TaskSpec, argument, hookimpl
from nlpsuite.models.loading import load_sentence_transformer
from nlpsuite.models.reference import ModelRequest

STOP_WORDS = frozenset(
    "a an and are as at be been but by for from has have he her his i in is it its of on or our she so that the "
    "their them they this to was we were what when which who will with you your not no do does did can could "
    "would should than then there these those into over under about after before more most very just also now".split()
)
WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")

#: The plugin API this plugin was written for.
NLPSUITE_PLUGIN_API = "1.0"

ARGUMENTS = (
    argument("top_k", "integer", "how many key phrases to return", default=5, minimum=1, maximum=50),
    argument("diversity", "number", "0: most relevant phrases; 1: most varied", default=0.5, minimum=0, maximum=1),
)


def candidates(text: str) -> list[str]:
    """Distinct content words and adjacent content-word pairs, in order of first appearance."""
    words = WORD.findall(text)
    found: dict[str, None] = {}
    for i, word in enumerate(words):
        lowered = word.lower()
        if lowered in STOP_WORDS:
            continue
        found.setdefault(lowered, None)
        if i + 1 < len(words) and words[i + 1].lower() not in STOP_WORDS:
            found.setdefault(f"{lowered} {words[i + 1].lower()}", None)
    return list(found)


class KeywordExtractor:
    batch_size = 16

    def __init__(self, encoder: Any, top_k: int, diversity: float) -> None:
        self.encoder = encoder
        self.top_k = top_k
        self.diversity = diversity

    def config(self) -> dict[str, Any]:
        return {"top_k": self.top_k, "diversity": self.diversity}

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self._extract(record["text"]) for record in records]

    def _extract(self, text: str) -> dict[str, Any]:
        phrases = candidates(text)
        if not phrases:
            return {"keywords": [], "scores": []}
        vectors = self.encoder.encode([text, *phrases], normalize_embeddings=True, convert_to_numpy=True)
        relevance = vectors[1:] @ vectors[0]
        similarity = vectors[1:] @ vectors[1:].T
        chosen: list[int] = []
        while len(chosen) < min(self.top_k, len(phrases)):
            penalty = similarity[:, chosen].max(axis=1) if chosen else 0.0
            gain = (1 - self.diversity) * relevance - self.diversity * penalty
            gain[chosen] = -float("inf")
            chosen.append(int(gain.argmax()))
        return {"keywords": [phrases[i] for i in chosen], "scores": [round(float(relevance[i]), 4) for i in chosen]}


def build(request: ModelRequest, options: TaskOptions) -> KeywordExtractor:
    encoder = load_sentence_transformer(request, options)
    args = options.task_args  # typed, range-checked and defaulted by the host from ARGUMENTS
    return KeywordExtractor(encoder, top_k=args["top_k"], diversity=float(args["diversity"]))


@hookimpl
def register_tasks() -> list[TaskSpec]:
    return [
        TaskSpec(
            name="keywords",
            description="key words and phrases of a text, ranked by embedding similarity (example third-party plugin)",
            input_fields=[FieldSpec("text", description="the text to describe")],
            output_fields=[
                FieldSpec("keywords", type="text_list", description="key phrases, best first"),
                FieldSpec("scores", type="json", description="cosine similarity of each phrase to the text"),
            ],
            build=build,
            default_model="sentence-transformers/all-MiniLM-L6-v2",
            fallback_model="all-MiniLM-L6-v2",
            arguments=ARGUMENTS,
            examples=[{"text": "Solar panels on school roofs cut the town's electricity bill by a third last winter."}],
        )
    ]
