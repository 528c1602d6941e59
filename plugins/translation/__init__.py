"""Translation: ``source`` (+ optional ``src_lang``, ``tgt_lang``) → ``translation``; reference ``target``.

The default model follows the language pair: ``--src fr --tgt en`` picks
``Helsinki-NLP/opus-mt-fr-en`` (only ``--tgt de`` means from English, only
``--src de`` into English; neither means en→de).  Any Marian/opus-mt model, a
multi-target Marian model (``>>de<<`` tokens), M2M100 or NLLB can be passed
with ``--model``; multilingual ones take the record's or the run's language
codes (``de`` or ``deu_Latn``).  Long inputs are translated sentence by
sentence and rejoined.  There is no embedded fallback: offline without a model,
the run stops and says to pass ``--model PATH`` or go online.

Task arguments are declared in :data:`ARGUMENTS`; ``src_lang``/``tgt_lang`` are
input fields, given for every record by ``--src``/``--tgt``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nlpsuite import DatasetSpec, FieldSpec, TaskOptions, TaskSpec, argument, hookimpl
from nlpsuite.generation_settings import DECODING_SETTINGS

TASK_NAME = "translation"
DEFAULT_PAIR = ("en", "de")
SAMPLE_DATASET = "translation-sample"
NLPSUITE_PLUGIN_API = "1.0"
#: Task arguments; ``src_lang``/``tgt_lang`` are input fields (``--src``/``--tgt`` give them for every record).
ARGUMENTS = (
    argument("sentence_split", "boolean", "split inputs into sentences, translate each and rejoin", default=True),
    argument("max_input_tokens", "integer", "use a smaller input window than the model's", minimum=4),
)
EXAMPLES = (
    {"source": "A man is riding a bike.", "src_lang": "en", "tgt_lang": "de"},
    {"source": "The train to Berlin leaves at nine.", "src_lang": "en", "tgt_lang": "de"},
)
NO_MODEL_HINT = (
    "pass --model PATH to a local Marian/opus-mt (or M2M100/NLLB) directory written by save_pretrained, "
    "or go online so that Helsinki-NLP/opus-mt-SRC-TGT for your --src/--tgt can be downloaded"
)


def opus_mt_model(src: str, tgt: str) -> str:
    return f"Helsinki-NLP/opus-mt-{src}-{tgt}"


def default_model_for(task_args: Mapping[str, Any]) -> str | None:
    """The opus-mt model for the ``src_lang``/``tgt_lang`` pair in ``task_args`` (English fills a missing side)."""
    from nlpsuite.errors import UsageError
    from nlpsuite.plugins.translation.languages import iso_code

    src, tgt = task_args.get("src_lang"), task_args.get("tgt_lang")
    if not src and not tgt:
        return None
    src_iso = iso_code(str(src)) if src else "en"
    tgt_iso = iso_code(str(tgt)) if tgt else "en"
    if src_iso == tgt_iso:
        raise UsageError(
            f"source and target language are both {src_iso!r}",
            hint="give two different languages, e.g. --src en --tgt de",
        )
    return opus_mt_model(src_iso, tgt_iso)


def build(request: Any, options: TaskOptions) -> Any:
    """Load ``request`` (a seq2seq model) and return a :class:`~nlpsuite.plugins.translation.translator.Translator`."""
    from nlpsuite.plugins.translation.translator import Translator

    return Translator(request, options)


@hookimpl
def register_tasks() -> list[TaskSpec]:
    return [
        TaskSpec(
            name=TASK_NAME,
            description="Translate text with Marian/opus-mt (chosen by --src/--tgt), M2M100 or NLLB",
            input_fields=[
                FieldSpec("source", "text", "the text to translate"),
                FieldSpec("src_lang", "text", "source language code, e.g. en (or eng_Latn)", required=False),
                FieldSpec("tgt_lang", "text", "target language code, e.g. de (or deu_Latn)", required=False),
            ],
            output_fields=[FieldSpec("translation", "text", "the translated text")],
            build=build,
            reference_field="target",
            default_model=opus_mt_model(*DEFAULT_PAIR),
            fallback_model=None,
            metrics=("bleu", "chrf", "ter"),
            default_model_for=default_model_for,
            no_fallback_hint=NO_MODEL_HINT,
            arguments=ARGUMENTS,
            generation_settings=DECODING_SETTINGS,
            examples=EXAMPLES,
            sample_dataset=SAMPLE_DATASET,
        )
    ]


@hookimpl
def register_datasets() -> list[DatasetSpec]:
    from nlpsuite.jsonl import packaged_sample_dataset

    return [
        packaged_sample_dataset(
            name=SAMPLE_DATASET,
            task=TASK_NAME,
            package=__name__,
            description="20 everyday English sentences with German translations (en→de), written for nlpsuite",
        )
    ]
