"""Example third-party nlpsuite plugin: keyword extraction over sentence embeddings.

Candidates are the text's words and two-word phrases (stop words dropped); each is
scored by cosine similarity to the whole text and picked greedily with maximal
marginal relevance (``diversity`` trades relevance for variety).

Besides the ``keywords`` task it registers what an outside author typically adds:
a metric (``keyword_f1``, corpus F1 of predicted against reference phrases, with
sufficient statistics so its bootstrap CI and paired tests are exact), a dataset
(``keywords-sample``) and a perturbation for audits (``spelling``: American ↔
British spellings, which should not change the keywords' meaning).
"""

from __future__ import annotations

import re
from typing import Any

from nlpsuite import (
    DatasetSpec,
    FieldSpec,
    MetricBinding,
    MetricResult,
    MetricSpec,
    PerturbationResult,
    PerturbationSpec,
    Substitution,
    TaskOptions,
    TaskSpec,
    argument,
    hookimpl,
)
from nlpsuite.models.encoder_runtime import encoder_runtime
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
        # what runs the encoder (auto picks per machine) is part of the config, so of the harness's cache key
        return {"top_k": self.top_k, "diversity": self.diversity, **encoder_runtime(self.encoder)}

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
            reference_field="keywords",
            default_model="sentence-transformers/all-MiniLM-L6-v2",
            fallback_model="all-MiniLM-L6-v2",
            arguments=ARGUMENTS,
            metrics=[MetricBinding("keyword_f1", prediction_field="keywords", reference_field="keywords")],
            examples=[{"text": "Solar panels on school roofs cut the town's electricity bill by a third last winter."}],
            sample_dataset="keywords-sample",
        )
    ]


def _phrases(value: Any) -> set[str]:
    return {str(p).strip().lower() for p in (value or []) if str(p).strip()}


def keyword_f1(predictions: list[Any], references: list[Any], args: Any) -> MetricResult:
    """Corpus F1 × 100 of predicted phrases against reference phrases (case-folded, exact match).

    Each sample contributes [matched, predicted, reference] counts; a failed sample predicts nothing.
    """
    rows = []
    for predicted, reference in zip(predictions, references):
        got, wanted = _phrases(predicted), _phrases(reference)
        rows.append([float(len(got & wanted)), float(len(got)), float(len(wanted))])
    per_sample = [aggregate_f1([row]) for row in rows]
    return MetricResult(value=aggregate_f1(rows), per_sample=per_sample, stats=rows,
                        settings={"matching": "exact phrase, case-folded", "scale": 100})


def aggregate_f1(rows: Any) -> float:
    matched = sum(r[0] for r in rows)
    total = sum(r[1] for r in rows) + sum(r[2] for r in rows)
    return 100.0 * 2 * matched / total if total else 0.0


@hookimpl
def register_metrics() -> list[MetricSpec]:
    return [MetricSpec(name="keyword_f1", description="F1 × 100 of predicted key phrases against reference ones",
                       version="1", higher_is_better=True, compute=keyword_f1, aggregate=aggregate_f1)]


SAMPLE = [
    {"id": "solar", "text": "Solar panels on the school roof now pay for most of its electricity.",
     "keywords": ["solar panels", "school roof", "electricity"]},
    {"id": "orchestra", "text": "The violin and the cello played a slow duet while the orchestra waited.",
     "keywords": ["violin", "cello", "orchestra", "duet"]},
    {"id": "harbour", "text": "Fishing boats returned to the harbour early because a storm was coming.",
     "keywords": ["fishing boats", "harbour", "storm"]},
    {"id": "library", "text": "The town library added a repair cafe where volunteers fix lamps and bicycles.",
     "keywords": ["town library", "repair cafe", "volunteers", "bicycles"]},
    {"id": "color", "text": "My favorite color for the kitchen is a pale green that brightens the center.",
     "keywords": ["favorite color", "kitchen", "pale green"]},
]


@hookimpl
def register_datasets() -> list[DatasetSpec]:
    return [DatasetSpec(name="keywords-sample", task="keywords", version="1", load=lambda: iter(SAMPLE),
                        description="five sentences with the key phrases a reader would pick, written for nlpsuite",
                        license="Apache-2.0")]


#: American → British spellings (a few common ones; both directions are swapped).
SPELLINGS = {"color": "colour", "favorite": "favourite", "center": "centre", "organize": "organise",
             "theater": "theatre", "harbor": "harbour", "neighbor": "neighbour", "gray": "grey"}


def swap_spelling(text: str, direction: str) -> PerturbationResult:
    table = SPELLINGS if direction == "us->uk" else {uk: us for us, uk in SPELLINGS.items()}
    pattern = re.compile(r"\b(" + "|".join(table) + r")(s?)\b", re.IGNORECASE)
    substitutions, pieces, last = [], [], 0
    for match in pattern.finditer(text):
        word = match.group(1)  # a plural "s" (group 2) stays as it is
        replacement = table[word.lower()]
        replacement = replacement.capitalize() if word[0].isupper() else replacement
        substitutions.append(Substitution(match.start(1), match.end(1), word, replacement))
        pieces += [text[last:match.start(1)], replacement]
        last = match.end(1)
    return PerturbationResult("".join([*pieces, text[last:]]), substitutions)


@hookimpl
def register_perturbations() -> list[PerturbationSpec]:
    return [PerturbationSpec(name="spelling", description="American <-> British spellings (color/colour, …)",
                             apply=swap_spelling, directions=("us->uk", "uk->us"), groups=("american", "british"),
                             provenance=lambda: [{"source": "common spelling pairs, written for nlpsuite-keywords"}])]
