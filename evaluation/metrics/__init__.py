"""Built-in metrics (the ``metrics`` entry point): BLEU, chrF, TER, ROUGE, accuracy, macro-F1,
perplexity and bits per byte.

Importing this package imports neither sacrebleu nor rouge-score: each metric
imports its library when it first computes.
"""

from __future__ import annotations

from nlpsuite.evaluation.metrics.classification import classification_specs
from nlpsuite.evaluation.metrics.likelihood import likelihood_specs
from nlpsuite.evaluation.metrics.rouge import rouge_specs
from nlpsuite.evaluation.metrics.sacrebleu_metrics import sacrebleu_specs
from nlpsuite.hookspecs import hookimpl
from nlpsuite.specs import MetricSpec

NLPSUITE_PLUGIN_API = "1.0"


@hookimpl
def register_metrics() -> list[MetricSpec]:
    return [*sacrebleu_specs(), *rouge_specs(), *classification_specs(), *likelihood_specs()]
