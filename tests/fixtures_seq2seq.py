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


def build_tiny_m2m100(directory: Path, pairs: tuple[tuple[str, str], ...], *, steps: int = 250, seed: int = 0) -> Path:
    """A tiny M2M100 model trained both ways (en→de and de→en) with ``__en__``/``__de__`` language tokens.

    Source ids are ``[source-language token] + tokens + [</s>]`` and the target
    starts with the target-language token, as in M2M100, so only the language
    codes tell the model which way to translate.
    """
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration

    from nlpsuite.testing.tiny_tokenizer import build_word_tokenizer

    tokenizer = build_word_tokenizer([text for pair in pairs for text in pair])
    tokenizer.add_special_tokens({"additional_special_tokens": ["__en__", "__de__"]})
    en, de = tokenizer.convert_tokens_to_ids(["__en__", "__de__"])
    eos = tokenizer.eos_token_id

    def ids(text: str, language: int) -> list[int]:
        return [language, *tokenizer(text, add_special_tokens=False)["input_ids"], eos]

    sources = [ids(s, en) for s, _ in pairs] + [ids(t, de) for _, t in pairs]
    targets = [ids(t, de) for _, t in pairs] + [ids(s, en) for s, _ in pairs]
    torch.manual_seed(seed)
    model = M2M100ForConditionalGeneration(
        M2M100Config(
            vocab_size=len(tokenizer), d_model=64, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
            decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128, max_position_embeddings=64,
            pad_token_id=tokenizer.pad_token_id, eos_token_id=eos, bos_token_id=tokenizer.bos_token_id,
            decoder_start_token_id=eos, dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
        )
    )
    batch = tokenizer.pad({"input_ids": sources}, return_tensors="pt")
    labels = tokenizer.pad({"input_ids": targets}, return_tensors="pt")["input_ids"]
    labels[labels == tokenizer.pad_token_id] = -100
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # see build_tiny_seq2seq: faster on a shared CPU
    try:
        model.train()
        for _ in range(steps):
            optimizer.zero_grad()
            model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=labels).loss.backward()
            optimizer.step()
    finally:
        torch.set_num_threads(threads)
    model.eval()
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_m2m100(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny M2M100 that translates four of the default pairs in both directions, steered by language codes."""
    from nlpsuite.testing.tiny_seq2seq import DEFAULT_PAIRS

    directory = tmp_path_factory.getbasetemp() / "nlpsuite-tiny-seq2seq" / "tiny-m2m100"
    if not (directory / "config.json").is_file():
        build_tiny_m2m100(directory, DEFAULT_PAIRS[:4])
    return directory
