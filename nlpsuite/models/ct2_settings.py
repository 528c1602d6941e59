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


def ct2_decoding(settings: Mapping[str, Any], generation_config: Any, tokenizer: Any, *,
                 encoder_decoder: bool, prompt_length: int = 0) -> Ct2Decoding:
    """The decoding of ``settings`` over the model's ``generation_config`` (``prompt_length``: causal LMs only)."""
    from transformers import GenerationConfig

    given = {k: v for k, v in settings.items() if k != "seed"}
    merged = GenerationConfig.from_dict({**generation_config.to_dict(), **given})
    diff = merged.to_diff_dict()
    unknown = sorted(key for key in diff if key not in _MAPPED and key not in _NEUTRAL)
    if unknown:
        _refuse(unknown, diff, given, "CTranslate2 has no such option")
    beams = int(merged.num_beams or 1)
    options: dict[str, Any] = {"beam_size": beams}
    if merged.do_sample:
        if beams > 1:
            _refuse(["num_beams", "do_sample"], diff, given, "CTranslate2 samples with one beam only")
        # transformers' top_k=0 and CTranslate2's sampling_topk=0 both mean the whole vocabulary
        options.update(sampling_topk=int(merged.top_k if merged.top_k is not None else 0),
                       sampling_topp=float(merged.top_p if merged.top_p is not None else 1.0),
                       sampling_temperature=float(merged.temperature if merged.temperature is not None else 1.0))
    elif beams > 1:
        if merged.early_stopping is not True:
            _refuse(["early_stopping"], diff | {"early_stopping": merged.early_stopping}, given,
                    "CTranslate2's beam search stops once num_beams candidates are done (early_stopping=true)")
        options.update(patience=1.0, length_penalty=float(merged.length_penalty))
    if merged.repetition_penalty not in (None, 1.0):
        options["repetition_penalty"] = float(merged.repetition_penalty)
    if merged.no_repeat_ngram_size:
        options["no_repeat_ngram_size"] = int(merged.no_repeat_ngram_size)
    suppressed = [list(ids) for ids in merged.bad_words_ids or []] + [[t] for t in merged.suppress_tokens or []]
    if suppressed:
        options["suppress_sequences"] = [tokenizer.convert_ids_to_tokens(ids) for ids in suppressed]

    counted = 1 if encoder_decoder else prompt_length  # what max_length/min_length count besides new tokens
    max_new = merged.max_new_tokens if merged.max_new_tokens is not None else int(merged.max_length) - counted
    min_new = max(int(merged.min_new_tokens or 0), int(merged.min_length or 0) - counted)
    eos = merged.eos_token_id
    ends_forced = merged.forced_eos_token_id is not None and merged.forced_eos_token_id in (
        eos if isinstance(eos, list) else [eos])
    if merged.forced_eos_token_id is not None and not ends_forced:
        _refuse(["forced_eos_token_id"], diff, given, "CTranslate2 can only end on the end token")
    prefix = merged.forced_bos_token_id
    if prefix is not None and not encoder_decoder:
        _refuse(["forced_bos_token_id"], diff, given, "a causal LM's first token is the prompt's")
    seed = int(settings.get("seed", 0)) if merged.do_sample else None
    return Ct2Decoding(options, max(0, int(max_new)), max(0, min_new), ends_forced, prefix, seed)


def _refuse(keys: list[str], diff: Mapping[str, Any], given: Mapping[str, Any], why: str) -> None:
    described = ", ".join(f"{key}={diff.get(key)!r}" + ("" if key in given else " (from the model's generation_config)")
                          for key in keys)
    raise UsageError(
        f"--runtime ct2 cannot honour the generation setting{'s' if len(keys) > 1 else ''} {described}: {why}",
        hint="change or drop them with --gen-kwargs, or drop --runtime ct2 to decode with transformers",
    )
