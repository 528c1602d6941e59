"""Classification: ``text`` (+ ``labels`` for zero-shot) → ``label`` and ``scores`` (label → probability).

The model decides how:

* a fine-tuned sequence classifier answers with its own labels (``id2label``);
* an NLI model (hub default ``facebook/bart-large-mnli``) classifies zero-shot
  over the record's ``labels``, each turned into a hypothesis;
* a sentence encoder (the embedded all-MiniLM-L6-v2, used offline) classifies
  zero-shot by similarity to label descriptions, or few-shot from a user's
  labelled examples (``examples=PATH``).

Task arguments (``--arg KEY=VALUE``) are declared in :data:`ARGUMENTS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nlpsuite import DatasetSpec, FieldSpec, TaskOptions, TaskSpec, argument, hookimpl

TASK_NAME = "classification"
DEFAULT_MODEL = "facebook/bart-large-mnli"
FALLBACK_MODEL = "all-MiniLM-L6-v2"
SAMPLE_DATASET = "classification-sample"

NLPSUITE_PLUGIN_API = "1.0"

#: Task arguments (``--arg KEY=VALUE``); ``labels`` is an input field, so ``--arg labels=a,b`` gives every record labels.
ARGUMENTS = (
    argument("hypothesis_template", "text", "NLI models: the hypothesis for each label ('{}' is the label)",
             default="This example is {}."),
    argument("label_descriptions", "json",
             "sentence encoders: JSON object mapping a label to a description to compare texts with"),
    argument("description_template", "text", "sentence encoders: one template for labels without a description "
             "('{}' is the label), e.g. 'This text is about {}.' (default: an ensemble of eight templates, averaged)"),
    argument("calibration", "text", "sentence encoders, zero-shot: 'none', or 'generic' to subtract each label's mean "
             "similarity to shipped generic texts", default="none", choices=("none", "generic")),
    argument("label_adaptation", "text", "sentence encoders, zero-shot: 'batch' moves each label's anchor towards the "
             "texts of the same call assigned to it (when there are at least 4 per label), so a prediction depends on "
             "the other texts of the call; 'off' classifies each text on its own",
             default="batch", choices=("batch", "off")),
    argument("temperature", "number", "sentence encoders, zero-shot: softmax temperature over cosine similarities",
             default=0.05, minimum=1e-6),
    argument("examples", "path", "sentence encoders: labelled examples (JSONL text/label, or CSV/TSV with a "
             "text,label header) for a few-shot classifier; picks the embedded model when no --model is given"),
)
EXAMPLES = (
    {"text": "The striker scored twice in the second half.", "labels": ["sports", "business", "politics"]},
    {"text": "Shares fell after the company cut its profit forecast.", "labels": ["sports", "business", "politics"]},
    {"text": "Parliament passed the budget after a long debate.", "labels": ["sports", "business", "politics"]},
)

def default_model_for(task_args: Mapping[str, Any]) -> str | None:
    """Few-shot examples need a sentence encoder: they make the embedded model the default."""
    return FALLBACK_MODEL if task_args.get("examples") is not None else None


def fields_needed(model: str | None, task_args: Mapping[str, Any]) -> tuple[str, ...]:
    """``labels`` when the model asked for classifies zero-shot, as far as is known before it loads.

    The default (an NLI model) and the embedded fallback are both zero-shot; a registered or local
    model says what it is in its files.  A hub model's kind waits for its config: a fine-tuned
    classifier needs no labels, so it is not refused here.
    """
    if task_args.get("examples") is not None:
        return ()  # few-shot: the examples file holds the labels
    if model is None:
        return ("labels",)
    from nlpsuite.models.classifier_kind import kind_from_files
    from nlpsuite.models.reference import parse_model_reference

    return ("labels",) if kind_from_files(parse_model_reference(model)) in ("nli", "embedding") else ()


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
            arguments=ARGUMENTS,
            metrics=("accuracy", "macro_f1"),
            default_model_for=default_model_for,
            fields_needed=fields_needed,
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
            description="32 short texts on sports, business, science and politics, with candidate labels, "
            "written for nlpsuite",
        )
    ]
