"""Generation settings (``transformers`` names and meanings) as CTranslate2 decoding options, or a refusal.

The settings ``generate`` would use are the model's ``generation_config`` updated
by the task's settings; each one that differs from transformers' default must
have a CTranslate2 equivalent, or ``--runtime ct2`` is refused naming it: a
setting is never silently ignored.  Lengths keep transformers' meaning:

* ``max_new_tokens`` counts the end token; without it ``max_length`` counts, for
  an encoder-decoder, the decoder's start token as well (so ``max_length - 1``
  new tokens) and, for a causal LM, the prompt;
* a ``forced_eos_token_id`` ends an output at the limit with the end token, so
  the other tokens get one place fewer (CTranslate2 would fill that place);
* ``min_length`` likewise counts the start token (encoder-decoder) or the prompt.

Greedy decoding is then token for token ``generate``'s; beam search is
CTranslate2's (the same length penalty, stopping once ``num_beams`` candidates
are done, i.e. ``early_stopping=True``); sampling draws from CTranslate2's RNG,
seeded with ``seed``, so it is reproducible but not the torch samples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nlpsuite.errors import UsageError

#: Keys that name token ids or switch outputs on and off, none changing which tokens are chosen.
#: ``renormalize_logits`` (opus-mt sets it): CTranslate2's log-probabilities are always normalised
#: over the tokens left allowed.
_NEUTRAL = frozenset({
    "bos_token_id", "eos_token_id", "pad_token_id", "decoder_start_token_id", "transformers_version",
    "_from_model_config", "use_cache", "renormalize_logits", "output_scores", "output_logits",
    "output_attentions", "output_hidden_states", "return_dict_in_generate",
})
_MAPPED = frozenset({
    "num_beams", "max_new_tokens", "min_new_tokens", "max_length", "min_length", "length_penalty",
    "no_repeat_ngram_size", "repetition_penalty", "early_stopping", "do_sample", "temperature", "top_k",
    "top_p", "bad_words_ids", "suppress_tokens", "forced_eos_token_id", "forced_bos_token_id",
})


@dataclass(frozen=True)
class Ct2Decoding:
    """What to pass to ``translate_batch``/``generate_batch``, and how to read lengths back.

    ``max_new_tokens`` is transformers' limit (end token included); ``ends_forced``
    says the model puts an end token at that limit; ``prefix_token`` is a forced
    first token (CTranslate2's target prefix); ``seed`` is set for sampling.
    """

    options: dict[str, Any]
    max_new_tokens: int
    min_new_tokens: int
    ends_forced: bool
    prefix_token: int | None = None
    seed: int | None = None


def effective_generation(settings: Mapping[str, Any], generation_config: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(effective, changed)``: every setting as ``generate`` resolves it (given > the model's generation config >
    transformers' global defaults), and those set to something other than the global default."""
    from transformers import GenerationConfig

    defaults = GenerationConfig._get_default_generation_params()  # what generate fills unset values with
    own = {k: v for k, v in generation_config.to_dict().items() if v is not None}
    given = {k: v for k, v in settings.items() if k != "seed"}
    effective = {**defaults, **own, **given}
    changed = {k: v for k, v in effective.items() if (k in own or k in given) and v != defaults.get(k)}
    return effective, changed


def ct2_decoding(settings: Mapping[str, Any], generation_config: Any, tokenizer: Any, *,
                 encoder_decoder: bool, prompt_length: int = 0, positions: int | None = None) -> Ct2Decoding:
    """The decoding of ``settings`` over the model's ``generation_config``.

    ``prompt_length`` (causal LMs: the batch's padded prompt width) is what
    ``max_length``/``min_length`` count besides new tokens; ``positions`` caps
    transformers' default of 20 new tokens as ``generate`` caps it.
    """
    effective, changed = effective_generation(settings, generation_config)
    given = {k: v for k, v in settings.items() if k != "seed"}
    unknown = sorted(key for key in changed if key not in _MAPPED and key not in _NEUTRAL)
    if unknown:
        _refuse(unknown, changed, given, "CTranslate2 has no such option")
    beams = int(effective["num_beams"])
    options: dict[str, Any] = {"beam_size": beams}
    if effective["do_sample"]:
        if beams > 1:
            _refuse(["num_beams", "do_sample"], changed, given, "CTranslate2 samples with one beam only")
        # transformers' top_k=0 and CTranslate2's sampling_topk=0 both mean the whole vocabulary
        options.update(sampling_topk=int(effective["top_k"]), sampling_topp=float(effective["top_p"]),
                       sampling_temperature=float(effective["temperature"]))
    elif beams > 1:
        if effective["early_stopping"] is not True:
            _refuse(["early_stopping"], {**changed, "early_stopping": effective["early_stopping"]}, given,
                    "CTranslate2's beam search stops once num_beams candidates are done (early_stopping=true)")
        options.update(patience=1.0, length_penalty=float(effective["length_penalty"]))
    if effective["repetition_penalty"] != 1.0:
        options["repetition_penalty"] = float(effective["repetition_penalty"])
    if effective["no_repeat_ngram_size"]:
        options["no_repeat_ngram_size"] = int(effective["no_repeat_ngram_size"])
    suppressed = [list(ids) for ids in effective["bad_words_ids"] or []] + \
                 [[t] for t in effective["suppress_tokens"] or []]
    if suppressed:
        options["suppress_sequences"] = [tokenizer.convert_ids_to_tokens(ids) for ids in suppressed]

    counted = 1 if encoder_decoder else prompt_length  # what max_length/min_length count besides new tokens
    if effective.get("max_new_tokens") is not None:
        max_new = int(effective["max_new_tokens"])
    elif "max_length" in given or generation_config.max_length is not None:
        max_new = int(effective["max_length"]) - counted
    else:  # generate's own default: 20 new tokens, within the model's positions
        max_new = int(effective["max_length"])
        if positions:
            max_new = min(max_new, positions - counted)
    if effective.get("min_new_tokens") is not None:  # it takes precedence over min_length, as in generate
        min_new = int(effective["min_new_tokens"])
    else:
        min_new = int(effective["min_length"] or 0) - counted
    eos = effective.get("eos_token_id")
    eos_ids = eos if isinstance(eos, list) else [eos] if eos is not None else []
    forced_eos = effective["forced_eos_token_id"]
    ends_forced = forced_eos is not None and forced_eos in eos_ids
    if forced_eos is not None and not ends_forced:
        _refuse(["forced_eos_token_id"], changed, given, "CTranslate2 can only end on the end token")
    prefix = effective["forced_bos_token_id"]
    if prefix is not None and not encoder_decoder:
        _refuse(["forced_bos_token_id"], changed, given, "a causal LM's first new token is not forced here")
    seed = int(settings.get("seed", 0)) if effective["do_sample"] else None
    return Ct2Decoding(options, max(0, max_new), max(0, min_new), ends_forced, prefix, seed)


def _refuse(keys: list[str], changed: Mapping[str, Any], given: Mapping[str, Any], why: str) -> None:
    described = ", ".join(f"{key}={changed.get(key)!r}" + ("" if key in given else " (from the model's generation_config)")
                          for key in keys)
    raise UsageError(
        f"--runtime ct2 cannot honour the generation setting{'s' if len(keys) > 1 else ''} {described}: {why}",
        hint="change or drop them with --gen-kwargs, or drop --runtime ct2 to decode with transformers",
    )
