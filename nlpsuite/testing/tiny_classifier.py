"""A tiny BERT sequence classifier trained in seconds on a few labelled sentences, saved with ``save_pretrained``.

Tests load it back through the normal model path (``load_task("classification",
model=str(dir))`` or ``load_task("sentiment", …)``) like any hub classifier: its
labels come from ``config.id2label``.  Trained, it gets its own sentences right;
the untrained twin (``train=False``, same seed and architecture) guesses.

An example's text may be a (premise, hypothesis) pair: with labels such as
``("entailment", "contradiction")`` that makes a tiny NLI model for zero-shot tests.

    from nlpsuite.testing.tiny_classifier import build_tiny_classifier
    path = build_tiny_classifier(tmp_path / "clf")
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Union

from nlpsuite.testing.tiny_tokenizer import build_word_tokenizer
from nlpsuite.testing.tiny_training import fit_full_batch, save_model

#: A text, or a (premise, hypothesis) pair.
ExampleText = Union[str, tuple[str, str]]

#: (text, label) pairs; the labels are the default ``labels`` below.
DEFAULT_EXAMPLES: tuple[tuple[str, str], ...] = (
    ("a wonderful and moving film", "positive"),
    ("i loved every minute of it", "positive"),
    ("the acting is superb", "positive"),
    ("a delightful funny story", "positive"),
    ("great music and a warm heart", "positive"),
    ("what a lovely day", "positive"),
    ("a dull and lifeless film", "negative"),
    ("i hated every minute of it", "negative"),
    ("the acting is terrible", "negative"),
    ("a boring tedious story", "negative"),
    ("awful music and a cold heart", "negative"),
    ("what a miserable day", "negative"),
)

#: Position embeddings (and so the input window, in tokens, special tokens included).
WINDOW = 64


def build_tiny_classifier(
    directory: str | Path,
    examples: Sequence[tuple[ExampleText, str]] = DEFAULT_EXAMPLES,
    labels: Sequence[str] = ("negative", "positive"),
    *,
    steps: int = 60,
    seed: int = 0,
    train: bool = True,
    extra_words: Sequence[str] = (),
    learning_rate: float = 3e-3,
) -> Path:
    """Build (and unless ``train=False``, train) a 2-layer BERT classifier over ``labels``; return its directory.

    The word-level vocabulary holds every word of ``examples`` plus ``extra_words``;
    ``config.id2label`` lists ``labels`` in order.  ``train=False`` saves the
    randomly initialised twin, a baseline that has learnt nothing.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    unknown = sorted({label for _, label in examples} - set(labels))
    if unknown:
        raise ValueError(f"examples use labels {unknown} that are not in labels={list(labels)}")
    directory = Path(directory)
    firsts = [text if isinstance(text, str) else text[0] for text, _ in examples]
    seconds = [text[1] for text, _ in examples if not isinstance(text, str)]
    if seconds and len(seconds) != len(examples):
        raise ValueError("examples must be all single texts or all (premise, hypothesis) pairs")
    tokenizer = build_word_tokenizer([*firsts, *seconds], template="<cls> $A <sep>", extra_tokens=extra_words)
    _add_pair_template(tokenizer)
    tokenizer.model_max_length = WINDOW
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=WINDOW,
        pad_token_id=tokenizer.pad_token_id,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        architectures=["BertForSequenceClassification"],
    )
    model = BertForSequenceClassification(config)
    if train and examples:
        batch = tokenizer(firsts, seconds or None, padding=True, return_tensors="pt")
        targets = torch.tensor([list(labels).index(label) for _, label in examples])
        fit_full_batch(model, {**batch, "labels": targets}, steps=steps, learning_rate=learning_rate)
    return save_model(directory, model, tokenizer)


def _add_pair_template(tokenizer) -> None:
    """Let the tokenizer encode (premise, hypothesis) pairs as ``<cls> A <sep> B <sep>`` (segment ids 0, 1)."""
    from tokenizers import processors

    vocab = tokenizer.get_vocab()
    tokenizer.backend_tokenizer.post_processor = processors.TemplateProcessing(
        single="<cls> $A <sep>",
        pair="<cls> $A <sep> $B:1 <sep>:1",
        special_tokens=[("<cls>", vocab["<cls>"]), ("<sep>", vocab["<sep>"])],
    )
