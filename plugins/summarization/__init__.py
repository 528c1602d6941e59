"""Summarization: ``document`` → ``summary``.

Two ways to summarize, chosen by the model:

* a sequence-to-sequence model (hub default ``sshleifer/distilbart-cnn-12-6``)
  writes an abstractive summary with explicit, recorded generation settings;
  documents longer than its window are summarized chunk by chunk (or truncated,
  with ``long_input=truncate``), always with a warning in the output;
* a sentence encoder (the embedded all-MiniLM-L6-v2, used offline) picks the
  document's most central, least redundant sentences (centroid relevance plus a soft
  position prior that is off for dialogues, then MMR) within a sentence and word
  budget, kept in document order.

Task arguments (``--arg KEY=VALUE``) are declared in :data:`ARGUMENTS`.
"""

from __future__ import annotations

from typing import Any

from nlpsuite import DatasetSpec, FieldSpec, TaskOptions, TaskSpec, argument, hookimpl
from nlpsuite.generation_settings import DECODING_SETTINGS

TASK_NAME = "summarization"
DEFAULT_MODEL = "sshleifer/distilbart-cnn-12-6"
FALLBACK_MODEL = "all-MiniLM-L6-v2"
SAMPLE_DATASET = "summarization-sample"

NLPSUITE_PLUGIN_API = "1.0"

#: Task arguments (``--arg KEY=VALUE``); the abstractive and extractive paths each read their own.
ARGUMENTS = (
    argument("long_input", "text", "abstractive: 'chunk' summarizes each window-sized chunk of whole sentences and "
             "joins the chunk summaries; 'truncate' keeps only the first window of tokens. Both add a warning",
             default="chunk", choices=("chunk", "truncate")),
    argument("max_input_tokens", "integer", "abstractive: use a smaller input window than the model's", minimum=1),
    argument("max_sentences", "integer", "extractive: most sentences in a summary", default=3, minimum=1),
    argument("max_words", "integer", "extractive: most words in a summary", default=40, minimum=1),
    argument("mmr_lambda", "number", "extractive: weight of relevance against redundancy", default=0.5,
             minimum=0, maximum=1),
    argument("min_sentence_words", "integer", "extractive: shorter sentences are not picked unless nothing else is",
             default=4, minimum=0),
    argument("position_prior", "text", "extractive: 'auto' favours early sentences in prose but not in dialogues "
             "(speaker-turn lines); 'on' always; 'off' never", default="auto", choices=("auto", "on", "off")),
    argument("prior_weight", "number", "extractive: strength of the position prior, in standard deviations of "
             "sentence relevance", default=1.0, minimum=0, maximum=10),
    argument("prior_decay", "number", "extractive: how many sentences the position prior takes to fall to 1/e",
             default=4.0, minimum=0.1, maximum=1000),
)
EXAMPLES = (
    {"document": "The city council approved a plan on Tuesday to add forty kilometres of protected bike lanes "
     "over the next three years. Officials said the lanes would connect the main train station with the "
     "university and two hospitals. Construction of the first section starts in spring. Local shop owners "
     "asked for delivery zones, which the plan now includes. The project will cost about 30 million euros, "
     "most of it from a national transport fund."},
)

def build(request: Any, options: TaskOptions) -> Any:
    """Load ``request`` and return the abstractive or extractive summarizer it calls for."""
    from nlpsuite.plugins.summarization.model_choice import summarizer_kind

    if summarizer_kind(request, options) == "extractive":
        from nlpsuite.plugins.summarization.extractive import ExtractiveSummarizer

        return ExtractiveSummarizer(request, options)
    from nlpsuite.plugins.summarization.abstractive import AbstractiveSummarizer

    return AbstractiveSummarizer(request, options)


@hookimpl
def register_tasks() -> list[TaskSpec]:
    return [
        TaskSpec(
            name=TASK_NAME,
            description="Summarize a document: abstractive with a seq2seq model, extractive with a sentence encoder",
            input_fields=[FieldSpec("document", "text", "the text to summarize")],
            output_fields=[FieldSpec("summary", "text", "the summary")],
            build=build,
            reference_field="summary",
            default_model=DEFAULT_MODEL,
            fallback_model=FALLBACK_MODEL,
            arguments=ARGUMENTS,
            generation_settings=DECODING_SETTINGS,
            metrics=("rouge1", "rouge2", "rougeL", "rougeLsum"),
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
            description="20 short news-style documents with one-sentence reference summaries, written for nlpsuite",
        )
    ]
