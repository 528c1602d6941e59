"""Log-likelihood of texts under a causal language model, with a sliding window for long texts.

log P(X) = Σ_i log P(x_i | x_<i): each scored token's negative log-likelihood
(nats) comes from one forward pass over a window of the tokens before it.
Shared by the ``generation`` task (its ``score`` capability and perplexity over
a dataset) and the bias plugin (sentence log-probabilities of CrowS-Pairs-style
pairs on causal LMs).

**What is scored.**  A text is encoded without special tokens (as the model's
tokenizer encodes a prompt, minus nothing).  With ``score_first_token`` (the
default) the tokenizer's BOS token (GPT-2: ``<|endoftext|>``) is put in front as
context, so every token of the text is scored and ``n_bytes`` (the text's UTF-8
length) and ``n_tokens`` cover the same text: that is what makes bits per byte
comparable across tokenizers.  Without it (or when the tokenizer has no BOS
token) the first token is context only, the convention of the transformers
perplexity guide (``model(ids, labels=ids).loss``).  A text given with a
context (``score_pairs``: a prompt and its continuation) scores only the
continuation's tokens, conditioned on the context.

**The window.**  A model reads at most ``max_length`` tokens (its context,
e.g. 1024 for GPT-2).  A longer sequence of ``n`` tokens is scored in windows
that each end ``stride`` tokens after the previous one: window ``j`` scores the
positions ``[b_{j-1}, b_j)`` with ``b_0 = min(n, max_length)`` (the first window
scores positions ``1 … b_0-1``) and ``b_j = min(n, b_{j-1} + stride)``, feeding
the ``max_length`` tokens before ``b_j`` (fewer at the start).  Every token is
scored exactly once, and every token after the first window sees at least
``max_length - stride`` tokens of context, so ``stride = max_length - 1`` is
the exact-but-slow extreme and small strides are cheap but forgetful.  This is
the transformers guide's strided perplexity (its windows start at multiples
of ``stride``) except for the last window, which here is a full
``max_length`` long (as in lm-evaluation-harness's rolling windows), giving its
tokens more context; token counts are exact.  A text that fits in one window
is scored in a single pass, identical to ``model(ids, labels=ids)``.

**Speed.**  Windows of all texts are sorted by length and run in batches of at
most ``max_batch_tokens`` tokens (right-padded; the causal mask keeps padding out
of every real token's context), under ``torch.inference_mode()``, with the
log-softmax taken in float32.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nlpsuite.errors import UsageError
from nlpsuite.specs import TextScore

#: Used when neither the tokenizer nor the model config states a context length.
FALLBACK_CONTEXT = 1024
DEFAULT_BATCH_TOKENS = 4096


@dataclass(frozen=True)
class Window:
    """One forward pass: tokens ``[start, end)`` of a sequence, scoring positions ``[first, end)``."""

    start: int
    end: int
    first: int


def scoring_windows(n_tokens: int, max_length: int, stride: int, first_scored: int = 1) -> list[Window]:
    """The windows that score positions ``first_scored … n_tokens-1`` of an ``n_tokens`` sequence (see module doc)."""
    if max_length < 2:
        raise ValueError("max_length must be at least 2")
    if not 1 <= stride < max_length:
        raise ValueError(f"stride must be from 1 to max_length - 1 ({max_length - 1}), got {stride}")
    first_scored = max(1, first_scored)
    windows: list[Window] = []
    end = min(n_tokens, max_length)
    scored_from = 1
    while True:
        if end > first_scored and end > scored_from:
            windows.append(Window(max(0, end - max_length), end, max(scored_from, first_scored)))
        if end >= n_tokens:
            return windows
        scored_from = end
        end = min(n_tokens, end + stride)


def context_length(model: Any, tokenizer: Any = None) -> int:
    """Tokens the model reads at once: the smallest of its stated position limits."""
    bounds = []
    config = getattr(model, "config", None)
    for name in ("n_positions", "max_position_embeddings", "n_ctx", "seq_length"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            bounds.append(value)
            break
    tokenizer_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(tokenizer_max, int) and 1 < tokenizer_max < 1_000_000:
        bounds.append(tokenizer_max)
    return min(bounds) if bounds else FALLBACK_CONTEXT


class CausalScorer:
    """Scores texts (or continuations of contexts) with a causal LM; see the module docstring for the method."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        max_length: int | None = None,
        stride: int | None = None,
        score_first_token: bool = True,
        max_batch_tokens: int = DEFAULT_BATCH_TOKENS,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        window = context_length(model, tokenizer)
        if max_length is not None:
            if max_length < 2:
                raise UsageError(f"scoring window max_length={max_length} must be at least 2", hint="e.g. --arg max_length=512")
            window = min(window, max_length)
        self.max_length = window
        self.stride = stride if stride is not None else max(1, window // 2)
        if not 1 <= self.stride < window:
            raise UsageError(
                f"stride={self.stride} must be from 1 to {window - 1} (one less than the {window}-token window)",
                hint=f"e.g. --arg stride={max(1, window // 2)}",
            )
        bos = getattr(tokenizer, "bos_token_id", None)
        self.prefix_ids: list[int] = [int(bos)] if score_first_token and bos is not None else []
        self.max_batch_tokens = max(window, max_batch_tokens)

    def config(self) -> dict[str, Any]:
        """How texts are scored, as recorded with results."""
        first = (f"scored: the tokenizer's BOS token {self.tokenizer.bos_token!r} is the context of the first token"
                 if self.prefix_ids else "not scored: the first token is context only")
        return {
            "max_length": self.max_length,
            "stride": self.stride,
            "first_token": first,
            "windows": f"texts longer than {self.max_length} tokens are scored in windows ending {self.stride} "
                       f"tokens apart; each token is scored once, with at least {self.max_length - self.stride} "
                       "tokens of context after the first window",
            "units": "nll in nats, summed over scored tokens; perplexity = exp(nll / n_tokens); "
                     "bits per byte = nll / (ln 2 * UTF-8 bytes)",
        }

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False, truncation=False, verbose=False)["input_ids"])

    def score(self, texts: Sequence[str]) -> list[TextScore]:
        """Each text's log-likelihood on its own (the ``score`` capability)."""
        encoded = self.tokenizer(list(texts), add_special_tokens=False, truncation=False, verbose=False)["input_ids"] \
            if texts else []
        scores = self.score_ids([(list(self.prefix_ids), list(ids)) for ids in encoded])
        return [_with_bytes(s, t) for s, t in zip(scores, texts)]

    def score_pairs(self, contexts: Sequence[str], continuations: Sequence[str]) -> list[TextScore]:
        """log P(continuation | context) of each pair: only the continuation's tokens are scored.

        Context and continuation are encoded separately and joined as token ids,
        so the scored tokens are exactly the continuation's own.
        """
        pairs = [(self.prefix_ids + self.encode(c), self.encode(t)) for c, t in zip(contexts, continuations)]
        return [_with_bytes(s, t) for s, t in zip(self.score_ids(pairs), continuations)]

    def score_ids(self, pairs: Sequence[tuple[Sequence[int], Sequence[int]]]) -> list[TextScore]:
        """NLL of each ``target`` token sequence after its ``context`` ids (``n_bytes`` left 0).

        With an empty context the target's first token is not scored (nothing
        predicts it).  Windowed when context + target exceed ``max_length``.
        """
        import torch

        sequences = [list(context) + list(target) for context, target in pairs]
        jobs: list[tuple[int, Window]] = []
        for index, ((context, _target), sequence) in enumerate(zip(pairs, sequences)):
            for window in scoring_windows(len(sequence), self.max_length, self.stride, first_scored=len(context)):
                jobs.append((index, window))
        pieces: list[list[float]] = [[] for _ in jobs]
        jobs_sorted = sorted(range(len(jobs)), key=lambda j: -(jobs[j][1].end - jobs[j][1].start))
        device = next(self.model.parameters()).device
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        with torch.inference_mode():
            start = 0
            while start < len(jobs_sorted):
                longest = jobs[jobs_sorted[start]][1].end - jobs[jobs_sorted[start]][1].start
                size = max(1, self.max_batch_tokens // max(1, longest))
                batch = jobs_sorted[start : start + size]
                start += size
                ids = torch.full((len(batch), longest), int(pad), dtype=torch.long)
                mask = torch.zeros_like(ids)
                for row, job in enumerate(batch):
                    index, window = jobs[job]
                    tokens = sequences[index][window.start : window.end]
                    ids[row, : len(tokens)] = torch.tensor(tokens, dtype=torch.long)
                    mask[row, : len(tokens)] = 1
                logits = self.model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
                nll = torch.nn.functional.cross_entropy(
                    logits[:, :-1].float().transpose(1, 2), ids[:, 1:].to(device), reduction="none"
                ).cpu()
                for row, job in enumerate(batch):
                    _index, window = jobs[job]
                    # position p is predicted by the logits at p - 1, i.e. column p - start - 1 of nll
                    lo, hi = window.first - window.start - 1, window.end - window.start - 1
                    pieces[job] = nll[row, lo:hi].tolist()
        token_nll: list[list[float]] = [[] for _ in pairs]
        for job, (index, _window) in enumerate(jobs):  # a sequence's windows are in order in ``jobs``
            token_nll[index].extend(pieces[job])
        return [TextScore(n_tokens=len(values), nll=float(sum(values)), token_nll=tuple(values)) for values in token_nll]


def _with_bytes(score: TextScore, text: str) -> TextScore:
    return TextScore(n_tokens=score.n_tokens, nll=score.nll, token_nll=score.token_nll, n_bytes=len(text.encode("utf-8")))
