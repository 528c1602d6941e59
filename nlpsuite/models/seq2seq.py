"""Sequence-to-sequence generation with explicit settings, and fitting long texts into a model's window.

Shared by the tasks that generate text from text (summarization, translation).
Every generation setting a task uses is resolved here into one plain dict that
the task records in its ``config()``; nothing is left to whatever a model's
``generation_config.json`` happens to hold, except the model's structural token
ids (start, end, padding, forced tokens), which are recorded separately.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from nlpsuite.errors import UsageError
from nlpsuite.generation_settings import DECODING_SETTING_NAMES
from nlpsuite.models.loading import load_seq2seq
from nlpsuite.models.reference import ModelRequest
from nlpsuite.specs import TaskOptions

# A user's max_length replaces the task's default max_new_tokens (and the other way round,
# and min likewise): the two ways of bounding length must not both be in force.
_LENGTH_ALTERNATIVES = {
    "max_length": "max_new_tokens",
    "max_new_tokens": "max_length",
    "min_length": "min_new_tokens",
    "min_new_tokens": "min_length",
}

# Settings that only mean something in beam search: a task's defaults for them are
# dropped when the user asks for greedy decoding or sampling with one beam.
_BEAM_ONLY = ("early_stopping", "length_penalty")

#: Used when neither the tokenizer nor the config states an input window (e.g. T5's relative positions).
FALLBACK_WINDOW = 512


def resolve_generation(defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The effective generation settings: a task's ``defaults`` updated by the user's ``overrides``.

    Values were typed by the host against :data:`~nlpsuite.generation_settings.DECODING_SETTINGS`;
    raises :class:`UsageError` for an unknown setting or a combination ``transformers`` rejects.
    """
    unknown = [key for key in overrides if key not in DECODING_SETTING_NAMES]
    if unknown:
        close = difflib.get_close_matches(unknown[0], DECODING_SETTING_NAMES, n=1)
        raise UsageError(
            f"unknown generation setting {unknown[0]!r}",
            hint=(f"did you mean {close[0]!r}? " if close else "") + f"known settings: {', '.join(DECODING_SETTING_NAMES)}",
        )
    settings = dict(defaults)
    for user_key, default_key in _LENGTH_ALTERNATIVES.items():
        if user_key in overrides and default_key not in overrides:
            settings.pop(default_key, None)
    settings.update(overrides)
    if settings.get("num_beams", 1) == 1:
        for key in _BEAM_ONLY:
            if key not in overrides:
                settings.pop(key, None)
    if settings.get("do_sample"):
        settings.setdefault("seed", 0)
    _check_combination(settings)
    return settings


def _check_combination(settings: Mapping[str, Any]) -> None:
    from transformers import GenerationConfig

    for key in ("num_beams", "max_new_tokens", "max_length"):
        if key in settings and settings[key] < 1:
            raise UsageError(f"generation setting {key}={settings[key]} must be at least 1", hint=f"e.g. {key}=4")
    try:
        GenerationConfig(**{k: v for k, v in settings.items() if k != "seed"}).validate(strict=True)
    except ValueError as exc:
        first = str(exc).strip().splitlines()
        detail = next((line.lstrip("- ") for line in first[1:] if line.strip()), first[0] if first else "")
        raise UsageError(f"generation settings {dict(settings)} do not fit together: {detail}", hint="adjust --gen-kwargs") from None


def check_runtime_generation(model: Any, settings: Mapping[str, Any]) -> None:
    """Refuse settings the model's runtime cannot honour, when the task loads (``--runtime ct2``: see
    :mod:`.ct2_settings`); transformers honours every setting :func:`resolve_generation` lets through."""
    check = getattr(model, "check_generation", None)
    if callable(check):
        check(settings)


def structural_generation_config(model: Any) -> dict[str, Any]:
    """The token-id settings a model's own generation config contributes (recorded with results)."""
    config = getattr(model, "generation_config", None)
    if config is None:
        return {}
    keys = ("decoder_start_token_id", "bos_token_id", "eos_token_id", "pad_token_id", "forced_bos_token_id",
            "forced_eos_token_id", "bad_words_ids", "suppress_tokens", "begin_suppress_tokens")
    return {k: getattr(config, k) for k in keys if getattr(config, k, None) is not None}


def input_window(model: Any, tokenizer: Any, limit: int | None = None) -> int:
    """How many input tokens (special tokens included) the model reads: the smallest stated bound."""
    bounds = []
    tokenizer_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(tokenizer_max, int) and 0 < tokenizer_max < 1_000_000:
        bounds.append(tokenizer_max)
    positions = getattr(model.config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        bounds.append(positions)
    if limit:
        bounds.append(int(limit))
    return min(bounds) if bounds else FALLBACK_WINDOW


def cap_new_tokens(settings: dict[str, Any], model: Any) -> str | None:
    """Lower ``max_new_tokens`` to what the decoder's learned positions allow; returns a note when it did."""
    positions = getattr(model.config, "max_position_embeddings", None)
    requested = settings.get("max_new_tokens")
    if isinstance(positions, int) and isinstance(requested, int) and requested > positions - 1:
        settings["max_new_tokens"] = positions - 1
        return f"max_new_tokens lowered from {requested} to {positions - 1}: the model has {positions} decoder positions"
    return None


class Seq2SeqSetup(NamedTuple):
    """What a sequence-to-sequence task holds once loaded (see :func:`load_seq2seq_task`)."""

    generation: dict[str, Any]  # the resolved settings, new tokens capped to the model's room
    model: Any
    tokenizer: Any
    notes: list[str]  # said once when the task loads (a capped length)
    window: int  # input tokens per call


def load_seq2seq_task(request: ModelRequest, options: TaskOptions, defaults: Mapping[str, Any]) -> Seq2SeqSetup:
    """The model, tokenizer and checked generation settings of a task over ``defaults`` and the user's settings.

    Settings the chosen runtime cannot honour are refused here, when the task
    loads, rather than at the first batch.
    """
    generation = resolve_generation(defaults, options.generation)
    model, tokenizer = load_seq2seq(request, options, generation)
    notes = [note for note in [cap_new_tokens(generation, model)] if note]
    check_runtime_generation(model, generation)
    window = input_window(model, tokenizer, options.task_args.get("max_input_tokens"))
    return Seq2SeqSetup(generation, model, tokenizer, notes, window)


def content_token_counts(tokenizer: Any, texts: Sequence[str]) -> list[int]:
    """Tokens per text, without special tokens."""
    if not texts:
        return []
    encoded = tokenizer(list(texts), add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
    return [len(ids) for ids in encoded]


_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class WindowedSpans:
    """Pieces of a text, each fitting a token budget: ``spans`` are ``(start, end)`` offsets in the text."""

    spans: list[tuple[int, int]]
    split_inside_sentence: bool


def fit_spans(
    tokenizer: Any,
    text: str,
    sentences: Sequence[tuple[int, int]],
    budget: int,
    *,
    pack: bool,
) -> WindowedSpans:
    """Cut ``text`` (given as sentence spans) into pieces of at most ``budget`` tokens.

    A sentence longer than the budget is cut between words.  With ``pack`` the
    pieces are then merged greedily, in order, while they fit (summarization
    chunks); without it each sentence stays its own piece (translation).
    Counts are per piece without special tokens, so ``budget`` should leave
    room for those.
    """
    budget = max(1, budget)
    counts = content_token_counts(tokenizer, [text[s:e] for s, e in sentences])
    pieces: list[tuple[int, int, int]] = []
    split_inside = False
    for (start, end), count in zip(sentences, counts):
        if count <= budget:
            pieces.append((start, end, count))
            continue
        split_inside = True
        pieces.extend(_cut_between_words(tokenizer, text, start, end, budget))
    if not pack:
        return WindowedSpans([(s, e) for s, e, _ in pieces], split_inside)
    packed: list[tuple[int, int]] = []
    current: list[int] | None = None  # [start, end, tokens]
    for start, end, count in pieces:
        if current is not None and current[2] + count <= budget:
            current[1], current[2] = end, current[2] + count
        else:
            if current is not None:
                packed.append((current[0], current[1]))
            current = [start, end, count]
    if current is not None:
        packed.append((current[0], current[1]))
    return WindowedSpans(packed, split_inside)


def _cut_between_words(tokenizer: Any, text: str, start: int, end: int, budget: int) -> list[tuple[int, int, int]]:
    words = [(start + m.start(), start + m.end()) for m in _WORD.finditer(text[start:end])]
    counts = content_token_counts(tokenizer, [text[s:e] for s, e in words])
    pieces: list[tuple[int, int, int]] = []
    current: list[int] | None = None
    for (w_start, w_end), count in zip(words, counts):
        if current is not None and current[2] + count <= budget:
            current[1], current[2] = w_end, current[2] + count
        else:
            if current is not None:
                pieces.append((current[0], current[1], current[2]))
            current = [w_start, w_end, count]
    if current is not None:
        pieces.append((current[0], current[1], current[2]))
    return pieces


@dataclass(frozen=True)
class Generated:
    """Generated texts; per input, whether it was truncated to the window and whether the output
    ran into ``max_new_tokens`` before the model ended it (then it is likely cut short)."""

    texts: list[str]
    truncated: list[bool]
    input_tokens: list[int]
    hit_length_limit: list[bool]


def encode_inputs(
    tokenizer: Any,
    texts: Sequence[str],
    window: int,
    *,
    prefix_ids: Sequence[int] | None = None,
) -> tuple[list[list[int]], list[bool], list[int]]:
    """Token ids per text, at most ``window`` long, with flags for the ones cut and their full lengths.

    Without ``prefix_ids`` the tokenizer adds its own special tokens; with them
    the ids are ``prefix_ids + tokens + [eos]`` (how M2M100 and NLLB mark the
    source language), built here so a shared tokenizer is never mutated.
    """
    if prefix_ids is None:
        full = tokenizer(list(texts), truncation=False, verbose=False)["input_ids"]
        ids, truncated = [], []
        for text, row in zip(texts, full):
            if len(row) > window:
                ids.append(tokenizer(text, truncation=True, max_length=window)["input_ids"])
                truncated.append(True)
            else:
                ids.append(list(row))
                truncated.append(False)
        return ids, truncated, [len(row) for row in full]
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    room = max(1, window - len(prefix_ids) - len(eos))
    plain = tokenizer(list(texts), add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
    ids = [[*prefix_ids, *row[:room], *eos] for row in plain]
    return ids, [len(row) > room for row in plain], [len(row) + len(prefix_ids) + len(eos) for row in plain]


def generate_texts(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    settings: Mapping[str, Any],
    *,
    window: int,
    batch_size: int,
    prefix_ids: Sequence[int] | None = None,
    forced_bos_token_id: int | None = None,
) -> Generated:
    """Generate one text per input with exactly ``settings`` (dynamic padding, inference mode).

    Settings not given fall back to the model's ``generation_config``; tasks
    therefore give every length setting explicitly (``min_length=0`` included,
    so a model's stored minimum does not apply unasked).

    Inputs longer than ``window`` tokens are truncated and flagged in the
    result, so the caller can warn: nothing is cut silently.

    ``model`` is a Transformers model, or a :class:`~.ct2_seq2seq.Ct2Seq2Seq`
    (``--runtime ct2``), which decodes the same token ids with the same settings.
    """
    ids, truncated, lengths = encode_inputs(tokenizer, texts, window, prefix_ids=prefix_ids)
    from nlpsuite.models.ct2_seq2seq import Ct2Seq2Seq

    if isinstance(model, Ct2Seq2Seq):
        rows, hit_limit = model.generate_ids(ids, settings, batch_size=batch_size, forced_bos_token_id=forced_bos_token_id)
        texts_out = [tokenizer.decode(row, skip_special_tokens=True).strip() for row in rows]
        return Generated(texts_out, truncated, lengths, hit_limit)
    import torch

    kwargs = {k: v for k, v in settings.items() if k != "seed"}
    if forced_bos_token_id is not None:
        kwargs["forced_bos_token_id"] = forced_bos_token_id
    outputs: list[str] = []
    unfinished: list[bool] = []
    eos_ids = _eos_ids(model, tokenizer)
    device = next(model.parameters()).device
    with torch.inference_mode():
        for start in range(0, len(ids), max(1, batch_size)):
            batch = tokenizer.pad({"input_ids": ids[start : start + batch_size]}, padding=True, return_tensors="pt")
            if settings.get("do_sample"):
                torch.manual_seed(int(settings.get("seed", 0)))
            generated = model.generate(
                input_ids=batch["input_ids"].to(device),
                attention_mask=batch["attention_mask"].to(device),
                **kwargs,
            )
            outputs.extend(text.strip() for text in tokenizer.batch_decode(generated, skip_special_tokens=True))
            if eos_ids and "max_new_tokens" in settings:
                unfinished.extend(_used_all_new_tokens(generated, eos_ids, int(settings["max_new_tokens"])))
            else:
                unfinished.extend([False] * len(generated))
    return Generated(outputs, truncated, lengths, unfinished)


def _used_all_new_tokens(generated: Any, eos_ids: list[int], max_new_tokens: int) -> list[bool]:
    """Rows whose output took every allowed new token.

    Counting the length, not looking for an end token, because models with a
    ``forced_eos_token_id`` (BART, Marian) put one at the limit anyway.
    Column 0 is the decoder start token, the end token itself for BART and M2M100.
    """
    import torch

    body = generated[:, 1:]
    is_end = torch.isin(body, torch.tensor(eos_ids, device=body.device))
    has_end = is_end.any(dim=1)
    first_end = torch.where(has_end, is_end.int().argmax(dim=1) + 1, torch.full_like(has_end, body.shape[1], dtype=torch.long))
    return (first_end >= max_new_tokens).tolist()


def _eos_ids(model: Any, tokenizer: Any) -> list[int]:
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if eos is None:
        eos = tokenizer.eos_token_id
    if eos is None:
        return []
    return [int(e) for e in eos] if isinstance(eos, (list, tuple)) else [int(eos)]
