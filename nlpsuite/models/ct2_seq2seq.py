"""A sequence-to-sequence model on CTranslate2 (``--runtime ct2``), standing where ``AutoModelForSeq2SeqLM`` stands.

The translation and summarization tasks hold a :class:`Ct2Seq2Seq` as their
``model``: ``config`` and ``generation_config`` are the Transformers model's
(read from its directory; its weights are loaded only to convert them, once),
and :meth:`Ct2Seq2Seq.generate_ids` takes the token ids
:func:`~.seq2seq.encode_inputs` made and gives back the new token ids, so
tokenising, windows, decoding and warnings stay the tasks' shared code.
``translate_batch`` sorts a call's inputs by length and batches them itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nlpsuite.models.ct2_runtime import Ct2Model
from nlpsuite.models.ct2_settings import ct2_decoding


class Ct2Seq2Seq(Ct2Model):
    """A CTranslate2 ``Translator`` with the Transformers model's config, generation config and tokenizer."""

    engine_name = "Translator"

    def __init__(self, model_dir: Path, config: Any, generation_config: Any, tokenizer: Any, quantize: str) -> None:
        self.config = config
        super().__init__(model_dir, generation_config, tokenizer, quantize)

    def check_generation(self, settings: Mapping[str, Any]) -> None:
        """Refuse, when the task loads, settings CTranslate2 cannot honour (rather than at every batch)."""
        ct2_decoding(settings, self.generation_config, self.tokenizer, encoder_decoder=True)

    def generate_ids(self, ids: Sequence[Sequence[int]], settings: Mapping[str, Any], *, batch_size: int,
                     forced_bos_token_id: int | None = None) -> tuple[list[list[int]], list[bool]]:
        """New token ids per input (end token included when produced), and whether each used every allowed token.

        ``settings`` are transformers generation settings (:mod:`.ct2_settings` maps
        or refuses them); ``forced_bos_token_id`` is the task's forced first token
        (M2M100/NLLB target language), over the model's own.
        """
        decoding = ct2_decoding(settings, self.generation_config, self.tokenizer, encoder_decoder=True,
                                positions=getattr(self.config, "max_position_embeddings", None))
        if not ids:
            return [], []
        prefix = forced_bos_token_id if forced_bos_token_id is not None else decoding.prefix_token
        # the place of an end token transformers forces at the limit
        room = decoding.max_new_tokens - (1 if decoding.ends_forced else 0)
        if room <= 0:
            return [[] for _ in ids], [True] * len(ids)
        token = self.tokenizer.convert_ids_to_tokens
        results = self.engine_for(decoding.seed).translate_batch(
            [token(list(row)) for row in ids],
            target_prefix=[[token(prefix)] for _ in ids] if prefix is not None else None,
            max_batch_size=max(1, batch_size),
            max_input_length=0,  # the task has fitted inputs to the model's window already
            max_decoding_length=room,
            min_decoding_length=min(decoding.min_new_tokens, room),
            return_end_token=True,
            **decoding.options,
        )
        rows = [list(self.tokenizer.convert_tokens_to_ids(result.hypotheses[0])) for result in results]
        eos_ids = self.eos_ids()
        if not eos_ids or "max_new_tokens" not in settings:
            return rows, [False] * len(rows)
        used = [len(row) + (1 if decoding.ends_forced and not (row and row[-1] in eos_ids) else 0) for row in rows]
        return rows, [count >= decoding.max_new_tokens for count in used]
