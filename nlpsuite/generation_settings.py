"""The decoding settings a text-generating task may accept, declared once.

Tasks that generate text (summarization, translation, generation) list these
in ``TaskSpec.generation_settings``; the host then parses and checks
``--gen-kwargs`` (and the web UI's controls) against them like task arguments.
Output-shape settings (``num_return_sequences``, ``return_dict_in_generate``)
are left out: a task answers one text per input.  Importing this is cheap.
"""

from __future__ import annotations

from nlpsuite.specs import FieldSpec, argument

DECODING_SETTINGS: tuple[FieldSpec, ...] = (
    argument("num_beams", "integer", "beams in beam search (1: greedy or sampling)", minimum=1),
    argument("max_new_tokens", "integer", "most tokens to generate", minimum=1),
    argument("min_new_tokens", "integer", "fewest tokens to generate", minimum=0),
    argument("max_length", "integer", "most tokens in all (instead of max_new_tokens)", minimum=1),
    argument("min_length", "integer", "fewest tokens in all (instead of min_new_tokens)", minimum=0),
    argument("length_penalty", "number", "beam search: >1 favours longer outputs, <1 shorter"),
    argument("no_repeat_ngram_size", "integer", "never repeat an n-gram of this size", minimum=0),
    argument("encoder_no_repeat_ngram_size", "integer", "never copy an input n-gram of this size", minimum=0),
    argument("repetition_penalty", "number", "penalty for repeating tokens (1: none)", minimum=0),
    argument("early_stopping", "boolean", "beam search: stop when num_beams candidates are done"),
    argument("do_sample", "boolean", "sample instead of picking the likeliest token"),
    argument("temperature", "number", "sampling temperature", minimum=0),
    argument("top_k", "integer", "sample from the k likeliest tokens", minimum=0),
    argument("top_p", "number", "sample from the smallest set with this probability", minimum=0, maximum=1),
    argument("typical_p", "number", "locally typical sampling mass", minimum=0, maximum=1),
    argument("min_p", "number", "drop tokens below this fraction of the top probability", minimum=0, maximum=1),
    argument("num_beam_groups", "integer", "diverse beam search groups", minimum=1),
    argument("diversity_penalty", "number", "diverse beam search penalty", minimum=0),
    argument("max_time", "number", "seconds a generate call may take", minimum=0),
    argument("seed", "integer", "random seed for sampling (recorded)", minimum=0),
)

DECODING_SETTING_NAMES: tuple[str, ...] = tuple(s.name for s in DECODING_SETTINGS)

#: Ends a generated text at the first of these strings (the string itself is left out).  Only
#: decoder-only generation (the ``generation`` task) takes it; on the command line give
#: ``--gen-kwargs stop=END,###`` (comma-separated; write ``\n`` for a line break).
STOP_SETTING: FieldSpec = argument(
    "stop", "text_list", "end the output at the first of these strings, which is left out (\\n: a line break)"
)

#: The settings a free text-generation task accepts: the decoding settings plus ``stop``.
TEXT_GENERATION_SETTINGS: tuple[FieldSpec, ...] = (*DECODING_SETTINGS, STOP_SETTING)
