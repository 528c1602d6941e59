"""Tiny seq2seq models for the summarization and translation tests, built once per test session.

Both test modules import these fixtures; each model is built into the
session's base temp directory and reused when it is already there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nlpsuite.testing.tiny_seq2seq import build_tiny_seq2seq

#: Short documents and the summaries the tiny summarizer memorises (written for these tests).
SUMMARY_PAIRS: tuple[tuple[str, str], ...] = (
    (
        "the council closed the old library . the books moved to the new centre in spring .",
        "library moved to the new centre .",
    ),
    (
        "heavy rain flooded many homes on sunday . firefighters rescued a man from his car .",
        "rain flooded homes and a man was rescued .",
    ),
    (
        "the bakery won the national bread prize . the owners opened the shop three years ago .",
        "young bakery won the bread prize .",
    ),
    (
        "the zoo welcomed two red panda cubs . visitors can see them in the morning .",
        "zoo has two new panda cubs .",
    ),
    (
        "train tickets will cost more from january . passengers called the rise unfair .",
        "train tickets get more expensive .",
    ),
    (
        "a lost dog walked home after three weeks . the family thanked everyone who helped .",
        "lost dog found its way home .",
    ),
)

#: The summarizer's window: small, so that a few of the documents above overflow it.
SUMMARIZER_WINDOW = 48


def _built(tmp_path_factory: pytest.TempPathFactory, name: str, **kwargs) -> Path:
    directory = tmp_path_factory.getbasetemp() / "nlpsuite-tiny-seq2seq" / name
    if not (directory / "config.json").is_file():
        build_tiny_seq2seq(directory, **kwargs)
    return directory


@pytest.fixture(scope="session")
def tiny_translator(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Marian en→de memorising the default pairs; its directory name carries the pair, like a hub id."""
    return _built(tmp_path_factory, "tiny-opus-mt-en-de")


@pytest.fixture(scope="session")
def tiny_translator_untrained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same Marian model as initialised, before any training."""
    return _built(tmp_path_factory, "tiny-opus-mt-en-de-untrained", train=False)


@pytest.fixture(scope="session")
def tiny_summarizer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Marian memorising document → summary pairs, with a 48-token window."""
    return _built(tmp_path_factory, "tiny-summarizer", pairs=SUMMARY_PAIRS, max_positions=SUMMARIZER_WINDOW)


@pytest.fixture(scope="module", autouse=False)
def one_torch_thread() -> Iterator[None]:
    """Tiny models run several times faster on one thread when the CPU is shared; restored afterwards."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
