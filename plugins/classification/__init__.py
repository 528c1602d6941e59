"""Classification: ``text`` (+ ``labels`` for zero-shot) → ``label`` and ``scores`` (label → probability).

The model decides how:

* a fine-tuned sequence classifier answers with its own labels (``id2label``);
* an NLI model (hub default ``facebook/bart-large-mnli``) classifies zero-shot
  over the record's ``labels``, each turned into a hypothesis;
* a sentence encoder (the embedded all-MiniLM-L6-v2, used offline) classifies
  zero-shot by similarity to label descriptions, or few-shot from a user's
  labelled examples (``examples=PATH``).

Task arguments (``--arg KEY=VALUE``) are listed in :data:`TASK_ARGS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nlpsuite import DatasetSpec, FieldSpec, TaskOptions, TaskSpec, hookimpl

TASK_NAME = "classification"
DEFAULT_MODEL = "facebook/bart-large-mnli"
FALLBACK_MODEL = "all-MiniLM-L6-v2"
SAMPLE_DATASET = "classification-sample"

#: Task arguments and what they do.
TASK_ARGS = {
    "labels": "candidate labels for zero-shot, comma-separated (a record's own 'labels' field wins)",
    "hypothesis_template": "NLI models: the hypothesis for each label (default 'This example is {}.')",
    "label_descriptions": "sentence encoders: JSON object mapping a label to a description to compare texts with",
    "description_template": "sentence encoders: one template for labels without a description, e.g. "
    "'This text is about {}.' (default: an ensemble of eight templates, averaged)",
    "calibration": "sentence encoders, zero-shot: 'none' (default) or 'generic' (subtract each label's mean "
    "similarity to shipped generic texts)",
    "label_adaptation": "sentence encoders, zero-shot: 'batch' (default) moves each label's anchor towards the texts "
    "of the same call assigned to it, when there are at least 4 per label; 'off' classifies each text on its own",
    "temperature": "sentence encoders, zero-shot: softmax temperature over cosine similarities (default 0.05)",
    "examples": "sentence encoders: PATH to labelled examples (JSONL text/label, or CSV/TSV with a text,label "
    "header) for a few-shot classifier; picks the embedded model when no --model is given",
}


def default_model_for(task_args: Mapping[str, Any]) -> str | None:
    """Few-shot examples need a sentence encoder: they make the embedded model the default."""
    return FALLBACK_MODEL if task_args.get("examples") is not None else None


def build(request: Any, options: TaskOptions) -> Any:
    """Load ``request`` and return the classifier it calls for."""
    from nlpsuite.errors import UsageError
    from nlpsuite.models.classifier_kind import classifier_kind

    kind = classifier_kind(request, options)
    if kind == "embedding":
        from nlpsuite.plugins.classification.embedding_classifier import EmbeddingClassification

        return EmbeddingClassification(request, options)
    if options.task_args.get("examples") is not None:
        raise UsageError(
            f"examples= trains a few-shot classifier on sentence embeddings, but {request.display_name} is a "
            f"{'zero-shot NLI model' if kind == 'nli' else 'fine-tuned classifier'}",
            hint=f"drop --model (the embedded {FALLBACK_MODEL} is used) or pass a sentence encoder",
        )
    if kind == "nli":
        from nlpsuite.plugins.classification.nli_zero_shot import NliZeroShotClassification

        return NliZeroShotClassification(request, options)
    from nlpsuite.plugins.classification.fine_tuned import FineTunedClassification

    return FineTunedClassification(request, options)


@hookimpl
def register_tasks() -> list[TaskSpec]:
    return [
        TaskSpec(
            name=TASK_NAME,
            description="Classify a text: fine-tuned labels, zero-shot over given labels (NLI or embeddings), "
            "or few-shot from labelled examples",
            input_fields=[
                FieldSpec("text", "text", "the text to classify"),
                FieldSpec("labels", "labels", "candidate labels for zero-shot classification", required=False),
            ],
            output_fields=[
                FieldSpec("label", "label", "the predicted label"),
                FieldSpec("scores", "json", "probability of each candidate label"),
            ],
            build=build,
            reference_field="label",
            default_model=DEFAULT_MODEL,
            fallback_model=FALLBACK_MODEL,
            task_args=TASK_ARGS,
            metrics=("accuracy", "macro_f1"),
            default_model_for=default_model_for,
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
            description="32 short texts on sports, business, science and politics, with candidate labels, "
            "written for nlpsuite",
        )
    ]
