"""A tab's optional reference: the answer a visitor expects, and the task's own metrics against it.

A task whose metrics compare a generated text with a reference (translation's
chrF and BLEU, summarization's ROUGE, generation-reference's chrF and ROUGE-L)
gets a reference box on its tab; given one, each such metric is computed on this
one output with its declared defaults, as the harness would for a one-sample
dataset.  Label references (sentiment, classification) get none: a single
right-or-wrong needs no box.  Gradio-free.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nlpsuite.registry import get_metric
from nlpsuite.specs import FieldSpec, MetricBinding, TaskSpec


def reference_bindings(spec: TaskSpec) -> list[MetricBinding]:
    """The metrics of ``spec`` that compare a text output with its reference field."""
    if not spec.reference_field or spec.reference_field in {f.name for f in spec.input_fields}:
        return []
    texts = {f.name for f in spec.output_fields if f.type == "text"}
    return [b for b in spec.bindings if b.reference_field == spec.reference_field and b.prediction_field in texts]


def reference_input(spec: TaskSpec) -> FieldSpec | None:
    """The tab's reference box, when the task has metrics to score it with."""
    bindings = reference_bindings(spec)
    if not bindings:
        return None
    names = ", ".join(dict.fromkeys(b.key for b in bindings))
    return FieldSpec(spec.reference_field, "text", f"optional: the answer you expect, to score the output against "
                     f"({names})", required=False)


def reference_scores(spec: TaskSpec, output: Mapping[str, Any], reference: str) -> list[list[str]]:
    """Rows (metric, value, better) of the task's reference metrics for one output."""
    from nlpsuite.web.output_views import format_value

    rows = []
    for binding in reference_bindings(spec):
        prediction = output.get(binding.prediction_field)
        if not isinstance(prediction, str):
            continue
        metric = get_metric(binding.metric)
        result = metric.compute([prediction], [reference], metric.default_args)
        rows.append([binding.key, format_value(float(result.value)),
                     "higher is better" if metric.higher_is_better else "lower is better"])
    return rows
