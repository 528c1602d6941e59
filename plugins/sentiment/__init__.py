"""Sentiment: ``text`` → ``label`` (``positive``/``negative``, plus ``neutral`` where the model has it) and ``score``.

* a fine-tuned classifier (hub default
  ``distilbert/distilbert-base-uncased-finetuned-sst-2-english``) answers with
  its labels normalised to positive/negative/neutral (:mod:`.polarity`);
* the embedded all-MiniLM-L6-v2 (used offline) answers through a private copy
  adapted with low-rank updates and a softmax head trained on sentences
  nlpsuite wrote (:mod:`.adapter`); other sentence encoders, or MiniLM when the
  shipped adapter does not fit, answer with a linear probe on their embeddings
  (:mod:`.probe`).

``score`` is the probability of the chosen label; ``scores`` holds every label's.
"""

from __future__ import annotations

from typing import Any

from nlpsuite import DatasetSpec, FieldSpec, TaskOptions, TaskSpec, hookimpl

TASK_NAME = "sentiment"
DEFAULT_MODEL = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
FALLBACK_MODEL = "all-MiniLM-L6-v2"
SAMPLE_DATASET = "sentiment-sample"
NLPSUITE_PLUGIN_API = "1.0"
# each is labelled as written by the embedded model too (the demo shows these first)
EXAMPLES = (
    {"text": "The hotel staff were friendly and our room was lovely."},
    {"text": "Terrible service: we waited an hour and the food was cold."},
    {"text": "A slow start, but the last hour is wonderful."},
)


def build(request: Any, options: TaskOptions) -> Any:
    """Load ``request`` and return the sentiment classifier it calls for."""
    from nlpsuite.errors import UsageError
    from nlpsuite.models.classifier_kind import classifier_kind

    kind = classifier_kind(request, options)
    if kind == "embedding":
        from nlpsuite.plugins.sentiment.embedded import EmbeddedSentiment

        return EmbeddedSentiment(request, options)
    if kind == "nli":
        raise UsageError(
            f"model {request.display_name} is an NLI model, not a sentiment classifier",
            hint="run it with --task classification --arg labels=positive,negative",
        )
    from nlpsuite.plugins.sentiment.fine_tuned import FineTunedSentiment

    return FineTunedSentiment(request, options)


@hookimpl
def register_tasks() -> list[TaskSpec]:
    return [
        TaskSpec(
            name=TASK_NAME,
            description="Say whether a text is positive or negative (neutral where the model knows it)",
            input_fields=[FieldSpec("text", "text", "the text to judge")],
            output_fields=[
                FieldSpec("label", "label", "positive, negative or neutral"),
                FieldSpec("score", "number", "probability of the label"),
                FieldSpec("scores", "json", "probability of each label", required=False),
            ],
            build=build,
            reference_field="label",
            default_model=DEFAULT_MODEL,
            fallback_model=FALLBACK_MODEL,
            metrics=("accuracy", "macro_f1"),
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
            description="30 short reviews of products, places and services (15 positive, 15 negative), "
            "written for nlpsuite",
        )
    ]
