"""A causal LM's generation on CTranslate2 (``--runtime ct2`` for the ``generation`` task).

:class:`Ct2CausalLM` generates new token ids from prompt ids as the task's
``model.generate`` call does (same settings, mapped by :mod:`.ct2_settings`;
the prompts of a batch padded to one width, which is what ``max_length`` and
``min_length`` count).  Stop strings end a prompt's decoding through
CTranslate2's per-token callback, which exists for one beam only, so stop
strings with beam search are refused.  Likelihoods stay with the task's torch
scorer: the scores a result records are the float32 model's, whatever decoded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from nlpsuite.errors import UsageError
from nlpsuite.models.ct2_runtime import Ct2Model
from nlpsuite.models.ct2_settings import Ct2Decoding, ct2_decoding


class Ct2CausalLM(Ct2Model):
    """A CTranslate2 ``Generator`` with the Transformers model's generation config and tokenizer."""

    engine_name = "Generator"

    def decoding(self, settings: Mapping[str, Any], *, prompt_width: int, context: int, stops: bool) -> Ct2Decoding:
        """The CTranslate2 decoding of ``settings``; refuses what it cannot honour (call it when the task loads)."""
        decoding = ct2_decoding(settings, self.generation_config, self.tokenizer, encoder_decoder=False,
                                prompt_length=prompt_width, positions=context)
        if stops and decoding.options["beam_size"] > 1:
            raise UsageError(
                f"--runtime ct2 cannot end beam search (num_beams={decoding.options['beam_size']}) at stop strings",
                hint="use num_beams=1 with stop, or drop --runtime ct2 to decode with transformers",
            )
        return decoding

    def generate_ids(self, prompts: Sequence[Sequence[int]], settings: Mapping[str, Any], *, context: int,
                     stop: Callable[[list[int]], bool] | None = None,
                     on_token: Callable[[int], None] | None = None) -> list[list[int]]:
        """New token ids per prompt, up to and including the end token; the prompts run as one batch, as the
        task's ``generate`` call runs them (the callback's batch ids are then the prompts' indices).

        ``stop(new_ids)`` is asked after each token and ends that prompt's
        decoding when true; ``on_token`` receives each new token (streaming one prompt).
        """
        if not prompts:
            return []
        width = max(len(p) for p in prompts)
        decoding = self.decoding(settings, prompt_width=width, context=context, stops=stop is not None)
        if decoding.max_new_tokens <= 0:
            return [[] for _ in prompts]
        eos_ids = self.eos_ids()
        produced: list[list[int]] = [[] for _ in prompts]
        callback = None
        if stop is not None or on_token is not None:
            def callback(step: Any) -> bool:
                produced[step.batch_id].append(step.token_id)
                if on_token is not None:
                    on_token(step.token_id)
                return stop is not None and stop(produced[step.batch_id])

        results = self.engine_for(decoding.seed).generate_batch(
            [self.tokenizer.convert_ids_to_tokens(list(p)) for p in prompts],
            max_length=decoding.max_new_tokens,
            min_length=decoding.min_new_tokens,
            include_prompt_in_result=False,
            return_end_token=True,
            end_token=sorted(eos_ids) or None,
            callback=callback,
            **decoding.options,
        )
        rows = []
        for result in results:
            row = list(result.sequences_ids[0])
            end = next((i for i, token in enumerate(row) if token in eos_ids), None)
            rows.append(row[: end + 1] if end is not None else row)
        return rows
