"""A tiny GPT-2 trained in seconds on a few sentences, saved with ``save_pretrained``.

Tests load it back through the normal model path (``load_task("generation",
model=str(dir))``) like any hub model.  Each sentence is trained on as
``<s> words </s>`` and as ``words </s>`` (GPT-2's tokenizer adds no ``<s>``, so a
prompt arrives without one), so after a few hundred full-batch steps the model has
memorised its sentences: their perplexity is near 1, the same words shuffled
score far higher, and greedy generation from the start of a sentence finishes
that sentence and stops at ``</s>``.  ``train=False`` saves the randomly
initialised twin, whose next-token distribution is close to uniform over its
vocabulary (perplexity close to the vocabulary size).

    from nlpsuite.testing.tiny_causal_lm import build_tiny_causal_lm
    path = build_tiny_causal_lm(tmp_path / "gpt2")

The tokenizer is word-level (:mod:`nlpsuite.testing.tiny_tokenizer`, lower-cased)
and adds no special tokens when encoding, as GPT-2's does; its
``model_max_length`` is the model's context (``context`` positions), small by
default so that tests can score texts longer than the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nlpsuite.testing.tiny_tokenizer import build_word_tokenizer
from nlpsuite.testing.tiny_training import fit_full_batch, save_model

#: Sentences the tiny model memorises (written for these tests).  The first holds the
#: document's example sentence, so greedy decoding from it has something to continue.
DEFAULT_SENTENCES: tuple[str, ...] = (
    "the quick brown fox jumps over the lazy dog and runs into the woods .",
    "a small bird sings in the old tree every morning .",
    "my sister reads a long book on the train .",
    "the baker makes fresh bread before the sun rises .",
    "children play football in the park after school .",
    "an old man walks his black cat along the river .",
)

#: Positions in the tiny model's context window.
DEFAULT_CONTEXT = 32


def build_tiny_causal_lm(
    directory: str | Path,
    sentences: Sequence[str] = DEFAULT_SENTENCES,
    *,
    steps: int = 200,
    seed: int = 0,
    train: bool = True,
    context: int = DEFAULT_CONTEXT,
    extra_words: Sequence[str] = (),
    learning_rate: float = 3e-3,
) -> Path:
    """Build (and unless ``train=False``, train) a 2-layer GPT-2; return its directory.

    The vocabulary holds the special tokens, every word of ``sentences`` and
    ``extra_words`` (words a test shows the model without training on them).
    """
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    directory = Path(directory)
    tokenizer = build_word_tokenizer(sentences, template="$A", extra_tokens=extra_words)
    tokenizer.model_max_length = context
    torch.manual_seed(seed)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=context,
        n_embd=48,
        n_layer=2,
        n_head=2,
        n_inner=96,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = GPT2LMHeadModel(config)
    if train and sentences:
        fit_full_batch(model, _training_batch(tokenizer, sentences, context), steps=steps, learning_rate=learning_rate)
    return save_model(directory, model, tokenizer)


def _training_batch(tokenizer, sentences: Sequence[str], context: int) -> dict:
    """``<s> sentence </s>`` and ``sentence </s>`` rows, right-padded; padding is masked out of inputs and loss."""
    import torch

    rows = []
    for sentence in sentences:
        body = [*tokenizer(sentence)["input_ids"], tokenizer.eos_token_id]
        rows += [[tokenizer.bos_token_id, *body][:context], body[:context]]
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), tokenizer.pad_token_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = 1
    labels = ids.masked_fill(mask == 0, -100)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}
