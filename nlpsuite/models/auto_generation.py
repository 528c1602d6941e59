"""``--runtime auto`` for models that generate: CTranslate2 measured beside torch, for greedy decoding only.

CTranslate2's beam search stops as ``early_stopping=True`` does and its sampling
draws its own random numbers, so only greedy outputs can be token for token
``generate``'s; beam search and sampling stay on torch.  For greedy settings both
runtimes decode short probe inputs with the task's own settings (and stop strings);
CTranslate2 is used when its tokens are the same and it is faster here
(:mod:`.runtime_probe`).  The stored choice is keyed by those settings too, so a
setting CTranslate2 cannot honour is measured (and refused) for what it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from nlpsuite.models.device import resolve_device, resolve_dtype
from nlpsuite.models.loading import (
    ct2_cache_key, load_ct2_generator, load_ct2_seq2seq, load_pretrained, model_weights_key, probe_notice,
)
from nlpsuite.models.reference import ModelRequest
from nlpsuite.models.runtime_probe import ProbeTarget, RuntimeSelection, probe_sentences, runtime_installed, select_runtime, tokens_match
from nlpsuite.session import session_of
from nlpsuite.specs import TaskOptions

#: New tokens a probe decodes at most: enough to tell two decoders apart, short enough to stay a probe.
PROBE_NEW_TOKENS = 16


def is_greedy(settings: Mapping[str, Any], model_defaults: Mapping[str, Any] | None = None) -> bool:
    """One sequence, one beam, no sampling: under ``settings`` over the model's own generation defaults."""
    merged = {**(model_defaults or {}), **settings}
    return not merged.get("do_sample") and int(merged.get("num_beams") or 1) == 1 \
        and int(merged.get("num_return_sequences") or 1) == 1


def may_measure_ct2(options: TaskOptions, *, greedy: bool) -> bool:
    """Whether ``auto`` measures CTranslate2 for a generating model: float32 ``auto`` on the CPU, greedy, installed."""
    from nlpsuite.models.encoder_runtime import AUTO, runtime_choice

    choice = runtime_choice(options)
    device = resolve_device(options.device)
    return greedy and choice.runtime == AUTO and choice.quantize == "none" and device == "cpu" \
        and resolve_dtype(options.dtype, device) == "float32" and runtime_installed("ct2")


def probe_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The task's settings with a bounded length: the probe compares and times, it does not write."""
    bounded = {**settings, "max_new_tokens": min(int(settings.get("max_new_tokens") or PROBE_NEW_TOKENS),
                                                 PROBE_NEW_TOKENS)}
    bounded.pop("max_length", None)
    return bounded


def choose(request: ModelRequest, options: TaskOptions, kind: str, builds: Mapping[str, Callable[[], Callable[[], Any]]],
           items: int, signature: Mapping[str, Any], cache_keys: Mapping[str, tuple[Any, ...]]) -> RuntimeSelection:
    """Measure (or read the stored) choice between ``builds``; the losing candidate's model (``cache_keys``) is
    not kept in the session's memory."""
    target = ProbeTarget(kind, model_weights_key(request, options), "none", builds, tokens_match, items,
                         signature=signature, what=f"model {request.display_name}")
    chosen = select_runtime(target, probe_notice(options), session_of(options).runtime_pins)
    for name, key in cache_keys.items():
        if name != chosen.runtime:
            session_of(options).models.discard(key)
    return chosen


def auto_seq2seq(request: ModelRequest, options: TaskOptions,
                 generation: Mapping[str, Any]) -> tuple[Any, Any, RuntimeSelection | None]:
    """``(model, tokenizer, selection)``: the seq2seq model on the runtime ``auto`` uses for ``generation``
    (``selection`` None when only torch applies: not greedy, not on the CPU in float32, no CTranslate2)."""
    from nlpsuite.models.loading import cache_key, load_seq2seq
    from nlpsuite.models.seq2seq import check_runtime_generation, generate_texts, input_window

    if not may_measure_ct2(options, greedy=is_greedy(generation)):
        model, tokenizer = load_seq2seq(request, options)
        return model, tokenizer, None
    sentences = probe_sentences(32)
    settings = probe_settings(generation)
    loaders = {"torch": lambda: load_pretrained(request, options, "AutoModelForSeq2SeqLM"),
               "ct2": lambda: load_ct2_seq2seq(request, options, "none")}

    def candidate(name: str) -> Callable[[], Callable[[], Any]]:
        def build() -> Callable[[], Any]:
            model, tokenizer = loaders[name]()
            check_runtime_generation(model, generation)  # a setting CTranslate2 cannot honour rules it out
            window = input_window(model, tokenizer)
            return lambda: generate_texts(model, tokenizer, sentences, settings, window=window,
                                          batch_size=len(sentences)).texts
        return build

    chosen = choose(request, options, "seq2seq", {name: candidate(name) for name in loaders}, len(sentences),
                    {"settings": dict(generation)},
                    {"torch": cache_key(request, options, "AutoModelForSeq2SeqLM"),
                     "ct2": ct2_cache_key(request, options, "Translator", "none")})
    model, tokenizer = loaders[chosen.runtime]()
    return model, tokenizer, chosen


def auto_ct2_generator(request: ModelRequest, options: TaskOptions, *, greedy: bool, signature: Mapping[str, Any],
                       run_with: Callable[[Any], Callable[[], Any]], items: int) -> tuple[Any, RuntimeSelection | None]:
    """``(generator, selection)`` for a causal LM's generation under ``auto``: the CTranslate2 generator when it
    measured faster with the same tokens, else ``None`` (the torch model generates).

    ``run_with(generator)`` is the task's own probe run (``None``: on torch); a generator that refuses the task's
    settings raises there and so is not chosen.  ``signature`` names the settings and stop strings.
    """
    if not may_measure_ct2(options, greedy=greedy):
        return None, None
    chosen = choose(request, options, "causal-lm",
                    {"torch": lambda: run_with(None),
                     "ct2": lambda: run_with(load_ct2_generator(request, options, "none"))},
                    items, signature, {"ct2": ct2_cache_key(request, options, "Generator", "none")})
    return (load_ct2_generator(request, options, "none") if chosen.runtime == "ct2" else None), chosen
