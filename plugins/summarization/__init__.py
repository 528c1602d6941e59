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

Task arguments (``--arg KEY=VALUE``) are listed in :data:`TASK_ARGS`.
"""

from __future__ import annotations

from typing import Any

from nlpsuite import DatasetSpec, FieldSpec, TaskOptions, TaskSpec, hookimpl

TASK_NAME = "summarization"
DEFAULT_MODEL = "sshleifer/distilbart-cnn-12-6"
FALLBACK_MODEL = "all-MiniLM-L6-v2"
SAMPLE_DATASET = "summarization-sample"

#: Task arguments and what they do (the abstractive and extractive paths each read their own).
TASK_ARGS = {
    "long_input": "abstractive: 'chunk' (default) summarizes each window-sized chunk of whole sentences and "
    "joins the chunk summaries; 'truncate' keeps only the first window of tokens. Both add a warning",
    "max_input_tokens": "abstractive: use a smaller input window than the model's",
    "max_sentences": "extractive: most sentences in a summary (default 3)",
    "max_words": "extractive: most words in a summary (default 40)",
    "mmr_lambda": "extractive: weight of relevance against redundancy, 0..1 (default 0.5)",
    "min_sentence_words": "extractive: shorter sentences are not picked unless nothing else is there (default 4)",
    "position_prior": "extractive: 'auto' (default) favours early sentences in prose but not in dialogues "
    "(speaker-turn lines); 'on' always; 'off' never",
    "prior_weight": "extractive: strength of the position prior, in standard deviations of sentence relevance, "
    "0..10 (default 1.0)",
    "prior_decay": "extractive: how many sentences the position prior takes to fall to 1/e, 0.1..1000 (default 4)",
}


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
            task_args=TASK_ARGS,
            metrics=("rouge1", "rouge2", "rougeL", "rougeLsum"),
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
