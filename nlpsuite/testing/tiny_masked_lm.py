"""A tiny BERT masked LM trained in seconds on a few sentences, saved with ``save_pretrained``.

Tests load it back through the normal model path (``load_task(task, model=str(dir))``)
like any hub model.  Training masks every token of every sentence one at a time
(the pseudo-log-likelihood objective), so after a few hundred steps the model
has memorised its sentences: a sentence it saw scores clearly higher than the
same sentence with one word swapped.

    from nlpsuite.testing.tiny_masked_lm import build_tiny_masked_lm
    path = build_tiny_masked_lm(tmp_path / "mlm")
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nlpsuite.testing.tiny_tokenizer import build_word_tokenizer
from nlpsuite.testing.tiny_training import fit_full_batch, save_model

DEFAULT_SENTENCES: tuple[str, ...] = (
    "the cat sat on the mat",
    "the dog ran in the park",
    "a bird sang in the tree",
    "the fish swam in the pond",
    "my friend reads a book",
    "the baker makes fresh bread",
    "the farmer grows green corn",
    "a child plays with a ball",
)


def build_tiny_masked_lm(
    directory: str | Path,
    sentences: Sequence[str] = DEFAULT_SENTENCES,
    *,
    steps: int = 150,
    seed: int = 0,
    train: bool = True,
    extra_words: Sequence[str] = (),
    learning_rate: float = 3e-3,
) -> Path:
    """Build (and unless ``train=False``, train) a 2-layer BERT masked LM; return its directory.

    The word-level vocabulary holds every word of ``sentences`` plus ``extra_words``
    (words a test will show the model without training on them).  ``train=False``
    saves the randomly initialised twin, a baseline that has learnt nothing.
    """
    import torch
    from transformers import BertConfig, BertForMaskedLM

    directory = Path(directory)
    tokenizer = build_word_tokenizer(sentences, template="<cls> $A <sep>", extra_tokens=extra_words)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=48,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=96,
        max_position_embeddings=64,
        pad_token_id=tokenizer.pad_token_id,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    model = BertForMaskedLM(config)
    if train and sentences:
        inputs, labels = _one_mask_per_row(tokenizer, sentences)
        attention = (inputs != tokenizer.pad_token_id).long()
        batch = {"input_ids": inputs, "attention_mask": attention, "labels": labels}
        fit_full_batch(model, batch, steps=steps, learning_rate=learning_rate)
    return save_model(directory, model, tokenizer)


def _one_mask_per_row(tokenizer, sentences: Sequence[str]):
    """Every (sentence, position) with that one token masked, and the label at that position only."""
    import torch

    encoded = tokenizer(list(sentences), padding=True, return_special_tokens_mask=True, return_tensors="pt")
    ids, special = encoded["input_ids"], encoded["special_tokens_mask"].bool()
    rows, labels = [], []
    for sentence in range(ids.shape[0]):
        for position in range(ids.shape[1]):
            if special[sentence, position] or ids[sentence, position] == tokenizer.pad_token_id:
                continue
            row = ids[sentence].clone()
            label = torch.full_like(row, -100)
            label[position] = row[position]
            row[position] = tokenizer.mask_token_id
            rows.append(row)
            labels.append(label)
    return torch.stack(rows), torch.stack(labels)
