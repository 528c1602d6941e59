"""The embedded sentiment adapter's training sentences, all written for nlpsuite.

Five sources, every one of them project-owned (no public sentiment corpus is used):

* ``data/sentiment-train.jsonl``: 692 short reviews of films, products, places and services;
* ``data/sentiment-reviews.jsonl``: 318 (mostly longer) film-review sentences in lower case with
  split-off punctuation, many with a concession the final judgement overrules
  ("although it runs long , …"), negation ("there is not a false note …") and understatement;
* ``data/sentiment-critics.jsonl``: 1,798 more film-review sentences in the same style, across
  genres and lengths (fragments to 45 words), with faint praise, sarcasm, rhetorical
  questions, verdicts carried by one element (a performance, the score) and mixed verdicts;
* ``data/sentiment-everyday.jsonl``: 1,200 reviews of everything but films (services, shops,
  travel, restaurants, products, apps, games, books, music), in ordinary written English, so
  the film-heavy data does not narrow what the model reads as praise or complaint;
* ``data/sentiment-phrases.json``: review fragments (subjects, about 230 positive and 220
  negative adjectives, verdict nouns, clauses, neutral openers) that :func:`composed_examples` joins by fixed templates into
  sentences whose label follows from how the clauses are joined: the clause after "but" or
  after an "although …" concession decides, "not"/"far from" flip an adjective.

Composition is seeded, so the same files always give the same sentences in the same order.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from nlpsuite.labelled_examples import LabelledExample, read_examples

#: Film-review sentences nlpsuite wrote and never trains on: the figure that chooses training settings.
HELDOUT_FILE = "sentiment-heldout.jsonl"
SOURCE_FILES = ("sentiment-train.jsonl", "sentiment-reviews.jsonl", "sentiment-critics.jsonl",
                "sentiment-everyday.jsonl", "sentiment-phrases.json")
#: Composed sentences per label (fixed before any measurement).
COMPOSED_PER_LABEL = 1000
COMPOSE_SEED = 0


def data_path(name: str) -> Path:
    return Path(str(resources.files("nlpsuite.plugins.sentiment") / "data" / name))


def _flip(label: str) -> str:
    return "negative" if label == "positive" else "positive"


def _templates(phrases: dict[str, list[str]]) -> list[Callable[[random.Random, str], str]]:
    """Sentence makers: each takes a random source and the label the sentence must have."""
    subjects = phrases["subjects"]
    adjectives = {"positive": phrases["positive_adjectives"], "negative": phrases["negative_adjectives"]}
    clauses = {"positive": phrases["positive_clauses"], "negative": phrases["negative_clauses"]}
    openers = phrases["neutral_openers"]
    nouns = {"positive": phrases["positive_nouns"], "negative": phrases["negative_nouns"]}

    def adj(rng: random.Random, label: str) -> str:
        return rng.choice(adjectives[label])

    def clause(rng: random.Random, label: str) -> str:
        return rng.choice(clauses[label])

    def noun(rng: random.Random, label: str) -> str:
        return rng.choice(nouns[label])

    def subj(rng: random.Random) -> str:
        return rng.choice(subjects)

    return [
        lambda r, y: f"{subj(r)} is {adj(r, y)} .",
        lambda r, y: f"{subj(r)} is {adj(r, y)} and {adj(r, y)} .",
        lambda r, y: f"a {adj(r, y)} , {adj(r, y)} film .",
        lambda r, y: f"{clause(r, y)} .",
        lambda r, y: f"{subj(r)} is {noun(r, y)} .",
        lambda r, y: f"{subj(r)} is nothing short of {noun(r, y)} .",
        lambda r, y: f"{adj(r, y)} .",
        lambda r, y: f"{subj(r)} is {noun(r, y)} , and {clause(r, y)} .",
        lambda r, y: f"{clause(r, y)} , and {clause(r, y)} .",
        lambda r, y: f"{clause(r, y)} ; {subj(r)} is {adj(r, y)} .",
        lambda r, y: f"{r.choice(openers)} {subj(r)} is {adj(r, y)} , and {clause(r, y)} .",
        # negation flips the adjective's polarity
        lambda r, y: f"{subj(r)} is not {adj(r, _flip(y))} .",
        lambda r, y: f"{subj(r)} is far from {adj(r, _flip(y))} .",
        lambda r, y: f"{subj(r)} is never {adj(r, _flip(y))} , and {clause(r, y)} .",
        lambda r, y: f"i would n't call {subj(r)} {adj(r, _flip(y))} .",
        lambda r, y: f"{subj(r)} is hardly {noun(r, _flip(y))} .",
        # concessions: the main clause decides
        lambda r, y: f"although {clause(r, _flip(y))} , {clause(r, y)} .",
        lambda r, y: f"even though {subj(r)} is {adj(r, _flip(y))} at times , {clause(r, y)} .",
        lambda r, y: f"{clause(r, _flip(y))} , but {clause(r, y)} .",
        lambda r, y: f"{clause(r, _flip(y))} , but {subj(r)} is still {noun(r, y)} .",
        lambda r, y: f"{subj(r)} is {adj(r, _flip(y))} in places , but {clause(r, y)} .",
        lambda r, y: f"{subj(r)} could have been {adj(r, _flip(y))} , but {clause(r, y)} .",
        lambda r, y: f"{clause(r, y)} , even if {clause(r, _flip(y))} .",
        lambda r, y: f"{subj(r)} is {adj(r, y)} , despite the fact that {clause(r, _flip(y))} .",
        lambda r, y: f"{subj(r)} wants to be {adj(r, _flip(y))} , but in the end {clause(r, y)} .",
        lambda r, y: f"on paper {subj(r)} sounds {adj(r, _flip(y))} ; on screen {clause(r, y)} .",
    ]


def composed_examples(per_label: int = COMPOSED_PER_LABEL, seed: int = COMPOSE_SEED) -> list[LabelledExample]:
    """``per_label`` distinct sentences of each label composed from ``data/sentiment-phrases.json``."""
    phrases = json.loads(data_path("sentiment-phrases.json").read_text(encoding="utf-8"))
    templates = _templates(phrases)
    rng = random.Random(seed)
    seen: set[str] = set()
    examples: list[LabelledExample] = []
    for label in ("positive", "negative"):
        made = 0
        while made < per_label:
            text = rng.choice(templates)(rng, label)
            if text in seen:
                continue
            seen.add(text)
            examples.append(LabelledExample(text, label))
            made += 1
    return examples


def training_examples() -> list[LabelledExample]:
    """Every training sentence: the hand-written files in :data:`SOURCE_FILES` order, then the composed ones."""
    written = [example for name in SOURCE_FILES if name.endswith(".jsonl") for example in read_examples(data_path(name))]
    return [*written, *composed_examples()]
