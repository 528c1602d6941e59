"""Tiny BERT classifiers for the classification and sentiment tests, built once per test session.

Each model is built into the session's base temp directory and reused when it
is already there: a sentiment classifier (trained, and its untrained twin) and
a tiny NLI model that has learnt which of two topics a hypothesis names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nlpsuite.testing.tiny_classifier import DEFAULT_EXAMPLES, build_tiny_classifier

#: Texts on two topics the tiny NLI model is trained on (written for these tests).
NLI_TEXTS: dict[str, tuple[str, ...]] = {
    "sports": ("the team won the match", "she scored a late goal", "the runner broke the record"),
    "cooking": ("bake the bread for an hour", "stir the soup and add salt", "chop the onions finely"),
}
NLI_TEMPLATE = "this example is {} ."


def nli_examples(template: str = NLI_TEMPLATE) -> list[tuple[tuple[str, str], str]]:
    """Every (text, hypothesis for each topic) pair: entailment for the text's topic, contradiction otherwise."""
    return [
        ((text, template.format(candidate)), "entailment" if candidate == topic else "contradiction")
        for topic, texts in NLI_TEXTS.items()
        for text in texts
        for candidate in NLI_TEXTS
    ]


def _built(factory: pytest.TempPathFactory, name: str, **kwargs) -> Path:
    directory = factory.getbasetemp() / name
    if (directory / "config.json").is_file():
        return directory
    return build_tiny_classifier(directory, **kwargs)


@pytest.fixture(scope="session")
def tiny_sentiment_classifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A classifier over (negative, positive) that has memorised ``DEFAULT_EXAMPLES``."""
    return _built(tmp_path_factory, "tiny-sentiment-classifier", examples=DEFAULT_EXAMPLES)


@pytest.fixture(scope="session")
def tiny_sentiment_classifier_untrained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same classifier as initialised, before any training."""
    return _built(tmp_path_factory, "tiny-sentiment-classifier-untrained", examples=DEFAULT_EXAMPLES, train=False)


@pytest.fixture(scope="session")
def tiny_nli(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An NLI model (entailment, contradiction) trained on ``nli_examples()``."""
    return _built(tmp_path_factory, "tiny-nli", examples=nli_examples(), labels=("entailment", "contradiction"), steps=80)
