"""ROUGE-1/2/L/Lsum through Google's rouge-score, reported as F-measure × 100.

Stemming (Porter) is on by default.  ROUGE-Lsum needs sentences on separate
lines; rouge-score's own splitter needs nltk, so texts are split here with a
stated rule (after ``.``, ``!`` or ``?`` followed by whitespace) and joined with
newlines.  Newlines do not change ROUGE-1/2/L, whose tokenizer drops them.
The corpus value is the mean of the per-sample F-measures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from importlib.metadata import version as package_version
from typing import Any

from nlpsuite.evaluation.metrics.text_inputs import prediction_texts, reference_lists
from nlpsuite.specs import MetricResult, MetricSpec, argument

IMPLEMENTATION_VERSION = "1"
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
ARGUMENTS = (
    argument("use_stemmer", "boolean", "Porter-stem tokens before matching", default=True),
    argument("split_sentences", "boolean", "split texts into sentences (one per line) before scoring", default=True),
)
SENTENCE_SPLITTER = "regex: split after [.!?] followed by whitespace; sentences joined by newline"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def split_sentences(text: str) -> str:
    """One sentence per line (the input ROUGE-Lsum expects)."""
    lines = []
    for line in text.splitlines():
        lines.extend(s for s in _SENTENCE_END.split(line.strip()) if s)
    return "\n".join(lines)


def compute_rouge(rouge_type: str, predictions: Sequence[Any], references: Sequence[Any], args: Mapping[str, Any]) -> MetricResult:
    """Per-sample ROUGE F-measure (× 100) of ``predictions`` against ``references``."""
    from rouge_score import rouge_scorer

    use_stemmer = bool(args.get("use_stemmer", True))
    split = bool(args.get("split_sentences", True))
    hyps = prediction_texts(predictions, rouge_type)
    refs = reference_lists(references, rouge_type)
    prepare = split_sentences if split else (lambda t: t)
    scorer = rouge_scorer.RougeScorer([rouge_type], use_stemmer=use_stemmer)
    f_scores, precisions, recalls = [], [], []
    for hyp, targets in zip(hyps, refs):
        hyp_text = prepare(hyp)
        target_texts = [prepare(t) for t in targets]
        if len(target_texts) == 1:
            score = scorer.score(target_texts[0], hyp_text)[rouge_type]
        else:
            score = scorer.score_multi(target_texts, hyp_text)[rouge_type]
        f_scores.append(100.0 * score.fmeasure)
        precisions.append(100.0 * score.precision)
        recalls.append(100.0 * score.recall)
    n = len(f_scores)
    value = sum(f_scores) / n if n else float("nan")
    settings = {
        "library": f"rouge-score {package_version('rouge-score')}",
        "measure": "F-measure",
        "use_stemmer": use_stemmer,
        "tokenizer": "rouge-score default (lowercase, tokens of [a-z0-9] only)",
        "sentence_split": SENTENCE_SPLITTER if split else "none (newlines in the text as given)",
        "multiple_references": "best F-measure (rouge-score score_multi)",
        "aggregation": "mean of per-sample scores",
        "scale": 100,
    }
    details = {
        "precision": sum(precisions) / n if n else float("nan"),
        "recall": sum(recalls) / n if n else float("nan"),
    }
    return MetricResult(value=value, per_sample=f_scores, settings=settings, details=details)


def rouge_specs() -> list[MetricSpec]:
    version = f"{IMPLEMENTATION_VERSION}+rouge-score-{package_version('rouge-score')}"
    return [
        MetricSpec(
            name=rouge_type,
            description=f"{rouge_type} F-measure × 100 (rouge-score, Porter stemming)",
            version=version,
            higher_is_better=True,
            compute=lambda p, r, a, _t=rouge_type: compute_rouge(_t, p, r, a),
            arguments=ARGUMENTS,
        )
        for rouge_type in ROUGE_TYPES
    ]
