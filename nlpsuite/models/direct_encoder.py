"""A sentence encoder run straight from its files: the ``encode`` interface of ``SentenceTransformer``.

:class:`DirectSentenceEncoder` does the work every runtime shares — tokenize with
the model's ``tokenizer.json`` (the Rust ``tokenizers`` library, no transformers),
sort by token count, cut into batches padded only to their own longest input,
pool and normalise, restore the input order — and hands each padded batch to a
*forward* function (plain torch in :mod:`.torch_bert`, ONNX Runtime in
:mod:`.onnx_encoder`) that returns the mean-pooled embeddings.  The code that
calls ``model.encode(...)``, ``model.max_seq_length`` and ``model.tokenizer``
(:mod:`nlpsuite.models.sentence_encoder`) works unchanged on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from nlpsuite.models.bert_layout import BertLayout
from nlpsuite.models.token_window import AtLeast, window_chars, window_texts

#: Padded tokens per forward pass (beyond a single text): short texts get many per pass, long ones few.  About
#: 1,000 keeps each layer's activations in the cores' caches; 8,192 ran slower on SST-2 dev (2 cores, AVX2).
TOKENS_PER_BATCH = 1024

Forward = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (ids, mask) int64 (b, t) → pooled float32 (b, dim)


class TokenCounter:
    """Just enough of a Hugging Face tokenizer for counting tokens (:func:`.token_window.input_token_counts`)."""

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer

    def __call__(self, texts: str | Sequence[str], pairs: Sequence[str] | None = None, **_: Any) -> dict[str, Any]:
        single = isinstance(texts, str)
        batch = [texts] if single else list(texts)
        inputs = list(zip(batch, pairs)) if pairs is not None else batch
        ids = [e.ids for e in self._tokenizer.encode_batch(inputs)]
        return {"input_ids": ids[0] if single else ids}


def load_tokenizer(layout: BertLayout, *, truncate: bool) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(layout.tokenizer_file))
    tokenizer.no_padding()  # tokenizer.json may pad to a fixed length; batches are padded here
    if truncate:
        tokenizer.enable_truncation(max_length=layout.max_seq_length)
    else:
        tokenizer.no_truncation()
    return tokenizer


def sorted_batches(lengths: Sequence[int], batch_size: int) -> Iterator[list[int]]:
    """Indices in batches of similar token counts, longest first; at most ``batch_size`` texts and
    (beyond a single text) about :data:`TOKENS_PER_BATCH` padded tokens each."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    start = 0
    while start < len(order):
        longest = max(lengths[order[start]], 1)
        size = max(1, min(batch_size, TOKENS_PER_BATCH // longest)) if batch_size > 1 else 1
        yield order[start:start + size]
        start += size


def padded(ids: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """``(input_ids, attention_mask)`` int64 arrays padded (with id 0) to the longest row."""
    width = max(len(row) for row in ids)
    array = np.zeros((len(ids), width), dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, values in enumerate(ids):
        array[row, :len(values)] = values
        mask[row, :len(values)] = 1
    return array, mask


class DirectSentenceEncoder:
    """``encode`` like ``SentenceTransformer.encode`` for a BERT mean-pooling encoder, on a given forward function.

    ``runtime`` and ``quantize`` say what runs the forward pass, ``chosen_by`` who chose it (``forced`` by
    the user, or ``auto``, then ``runtime_selection`` holds the measurements): all recorded with results.
    """

    def __init__(self, layout: BertLayout, forward: Forward, *, runtime: str, quantize: str = "none",
                 weights_sha256: str | None = None, chosen_by: str = "forced") -> None:
        self.layout = layout
        self.chosen_by = chosen_by
        self.runtime_selection: Any = None
        self.max_seq_length = layout.max_seq_length
        self.runtime = runtime
        self.quantize = quantize
        self.weights_sha256 = weights_sha256
        self.device = "cpu"
        self._forward = forward
        self._truncating = load_tokenizer(layout, truncate=True)
        self.tokenizer = TokenCounter(load_tokenizer(layout, truncate=False))

    def describe(self) -> dict[str, Any]:
        return {"runtime": self.runtime, "quantize": self.quantize, "runtime_chosen_by": self.chosen_by}

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        return [e.ids for e in self._truncating.encode_batch(list(texts))]

    def encode_with_counts(self, texts: Sequence[str], batch_size: int = 64, *,
                           normalize_embeddings: bool = True) -> tuple[Any, list[int]]:
        """``(embeddings tensor, tokens each text has before truncation)``, tokenizing once."""
        import torch

        # a text far over the window is read as a prefix that holds it (token_window.window_texts): its cost
        # follows the window, not the text; the others are tokenized once, as before
        texts = list(texts)
        far = [i for i, text in enumerate(texts) if len(text) > window_chars(self.max_seq_length)]
        cut: set[int] = set()
        if far:
            prefixes, _ = window_texts(self.tokenizer, [texts[i] for i in far], self.max_seq_length)
            for i, prefix in zip(far, prefixes):
                if len(prefix) < len(texts[i]):
                    texts[i] = prefix
                    cut.add(i)
        full = self.tokenizer(texts)["input_ids"]
        counts = [AtLeast(len(row)) if i in cut else len(row) for i, row in enumerate(full)]
        long = [i for i, n in enumerate(counts) if n > self.max_seq_length]
        if long:  # only over-long texts are tokenized again, with the model's truncation
            for i, ids in zip(long, self.token_ids([texts[i] for i in long])):
                full[i] = ids
        vectors = self.encode_ids(full, batch_size, normalize=normalize_embeddings)
        return torch.from_numpy(vectors), counts

    def encode(self, sentences: str | Sequence[str], batch_size: int = 64, *, convert_to_tensor: bool = False,
               convert_to_numpy: bool = True, normalize_embeddings: bool = False, show_progress_bar: bool = False,
               **_: Any) -> Any:
        """Embeddings in input order: a torch tensor with ``convert_to_tensor``, else a NumPy array."""
        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        vectors = self.encode_ids(self.token_ids(texts), batch_size, normalize=normalize_embeddings)
        if single:
            vectors = vectors[0]
        if convert_to_tensor:
            import torch

            return torch.from_numpy(vectors)
        return vectors

    def encode_ids(self, ids: list[list[int]], batch_size: int = 64, *, normalize: bool = False) -> np.ndarray:
        """Pooled embeddings (float32, (n, dim)) of already tokenized inputs, in their order."""
        out = np.zeros((len(ids), self.layout.hidden_size), dtype=np.float32)
        for batch in sorted_batches([len(row) for row in ids], batch_size):
            input_ids, mask = padded([ids[i] for i in batch])
            out[batch] = self._forward(input_ids, mask)
        if self.layout.normalize or normalize:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out
