"""A tiny Marian translation model, trained in seconds to memorise a few sentence pairs.

Tests and evaluation checks need a real sequence-to-sequence model that loads
through the same path a hub model takes (``from_pretrained`` on a directory
written by ``save_pretrained``), with no network.  :func:`build_tiny_seq2seq`
trains a 2-layer Marian model with a word-level tokenizer on ``pairs`` until it
reproduces them, and saves model and tokenizer into a directory::

    from nlpsuite.testing.tiny_seq2seq import build_tiny_seq2seq
    from nlpsuite.runtime import load_task

    trained = build_tiny_seq2seq(tmp_path / "trained")
    untrained = build_tiny_seq2seq(tmp_path / "untrained", train=False)
    task = load_task("translation", model=str(trained))
    task.predict([{"source": "the cat sleeps on the sofa ."}])

With the default pairs and 300 steps the trained model reproduces every target
(sacrebleu BLEU 100 on them), while its untrained twin (same seed, same
initial weights, no training) scores near 0.  Any source/target pairs work,
e.g. document → summary pairs for summarization tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nlpsuite.testing.tiny_training import fit_full_batch, save_model

#: Ten English → German pairs written for these tests (lowercase: the word-level tokenizer lowercases).
DEFAULT_PAIRS: tuple[tuple[str, str], ...] = (
    ("the cat sleeps on the sofa .", "die katze schläft auf dem sofa ."),
    ("the dog plays in the garden .", "der hund spielt im garten ."),
    ("i drink coffee every morning .", "ich trinke jeden morgen kaffee ."),
    ("we are going to the station now .", "wir gehen jetzt zum bahnhof ."),
    ("the weather is cold today .", "das wetter ist heute kalt ."),
    ("my sister reads a long book .", "meine schwester liest ein langes buch ."),
    ("the children are singing loudly .", "die kinder singen laut ."),
    ("he buys fresh bread at the bakery .", "er kauft frisches brot in der bäckerei ."),
    ("the train is late again .", "der zug hat wieder verspätung ."),
    ("thank you for the nice evening .", "danke für den schönen abend ."),
)


def build_tiny_seq2seq(
    directory: str | Path,
    pairs: Sequence[tuple[str, str]] = DEFAULT_PAIRS,
    *,
    steps: int = 300,
    seed: int = 0,
    train: bool = True,
    d_model: int = 64,
    layers: int = 2,
    max_positions: int = 128,
    learning_rate: float = 3e-3,
) -> Path:
    """Build a tiny Marian model on ``pairs`` and ``save_pretrained`` it (model + tokenizer) into ``directory``.

    ``pairs`` are (source, target) texts; the vocabulary is every word in them
    (lowercased), so other text maps to ``<unk>``.  With ``train=True`` the model
    takes ``steps`` full-batch AdamW steps on the pairs (a few seconds on a CPU);
    with ``train=False`` it is saved as initialised, which for the same ``seed``
    is the exact starting point of the trained model (its "untrained twin").
    ``max_positions`` is the model's input window in tokens (longer inputs must
    be chunked or truncated by the caller).  Returns ``directory`` as a ``Path``.
    """
    import torch
    from transformers import MarianConfig, MarianMTModel

    from nlpsuite.testing.tiny_tokenizer import build_word_tokenizer

    if not pairs:
        raise ValueError("build_tiny_seq2seq needs at least one (source, target) pair")
    directory = Path(directory)
    tokenizer = build_word_tokenizer([text for pair in pairs for text in pair])
    tokenizer.model_max_length = max_positions
    pad_id, eos_id = tokenizer.pad_token_id, tokenizer.eos_token_id

    torch.manual_seed(seed)
    config = MarianConfig(
        vocab_size=len(tokenizer),
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=2 * d_model,
        decoder_ffn_dim=2 * d_model,
        max_position_embeddings=max_positions,
        pad_token_id=pad_id,
        eos_token_id=eos_id,
        # Marian starts decoding from the pad token.
        decoder_start_token_id=pad_id,
        forced_eos_token_id=eos_id,
        dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
        scale_embedding=True,
    )
    model = MarianMTModel(config)
    if train:
        _memorise(model, tokenizer, pairs, steps=steps, learning_rate=learning_rate, seed=seed)
    return save_model(directory, model, tokenizer)


def _memorise(model, tokenizer, pairs: Sequence[tuple[str, str]], *, steps: int, learning_rate: float, seed: int) -> None:
    import torch

    sources = [source for source, _ in pairs]
    targets = [target for _, target in pairs]
    limit = model.config.max_position_embeddings
    batch = tokenizer(sources, padding=True, truncation=True, max_length=limit, return_tensors="pt")
    labels = tokenizer(targets, padding=True, truncation=True, max_length=limit, return_tensors="pt")["input_ids"]
    labels[labels == tokenizer.pad_token_id] = -100
    # No token_type_ids: Marian does not take them.
    inputs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"], "labels": labels}
    torch.manual_seed(seed)
    fit_full_batch(model, inputs, steps=steps, learning_rate=learning_rate)
