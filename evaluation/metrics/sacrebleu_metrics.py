"""BLEU, chrF and TER through sacrebleu, with per-sample sufficient statistics.

The corpus value is computed from the summed per-sentence statistics exactly as
sacrebleu's ``corpus_score`` does, so ``aggregate(rows)`` on any resample gives
that resample's corpus score (the bootstrap and paired tests rely on this).
The per-sample score is sacrebleu's sentence-level score (BLEU with
``effective_order=True``, as ``sacrebleu.sentence_bleu`` uses).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib.metadata import version as package_version
from typing import TYPE_CHECKING, Any

from nlpsuite.evaluation.metrics.aggregation import SummedStatsAggregate
from nlpsuite.evaluation.metrics.text_inputs import prediction_texts, reference_lists, reference_streams
from nlpsuite.specs import FieldSpec, MetricResult, MetricSpec, argument

if TYPE_CHECKING:  # numpy loads when a metric computes, not when plugins are listed
    import numpy as np

IMPLEMENTATION_VERSION = "1"

TOKENIZERS = ("none", "zh", "13a", "intl", "char", "ja-mecab", "ko-mecab", "spm", "flores101", "flores200")

# The constructor arguments of each sacrebleu metric (sacrebleu 2.x), typed; defaults are sacrebleu's own.
ARGUMENTS: dict[str, tuple[FieldSpec, ...]] = {
    "bleu": (
        argument("lowercase", "boolean", "lowercase hypotheses and references", default=False),
        argument("force", "boolean", "score even text that looks already tokenized", default=False),
        argument("tokenize", "text", "tokenizer (default 13a; zh/ja-mecab/ko-mecab for CJK)", choices=TOKENIZERS),
        argument("smooth_method", "text", "smoothing", default="exp", choices=("none", "floor", "add-k", "exp")),
        argument("smooth_value", "number", "value for floor / add-k smoothing", minimum=0),
        argument("max_ngram_order", "integer", "largest n-gram order", default=4, minimum=1, maximum=9),
        argument("effective_order", "boolean", "drop n-gram orders with no match (sentence BLEU)", default=False),
    ),
    "chrf": (
        argument("char_order", "integer", "character n-gram order", default=6, minimum=1),
        argument("word_order", "integer", "word n-gram order (2 gives chrF++)", default=0, minimum=0),
        argument("beta", "integer", "recall weight", default=2, minimum=1),
        argument("lowercase", "boolean", "lowercase before scoring", default=False),
        argument("whitespace", "boolean", "count whitespace in character n-grams", default=False),
        argument("eps_smoothing", "boolean", "epsilon smoothing as in chrF++.py and NLTK", default=False),
    ),
    "ter": (
        argument("normalized", "boolean", "normalise punctuation and tokenize", default=False),
        argument("no_punct", "boolean", "remove punctuation", default=False),
        argument("asian_support", "boolean", "support Asian characters", default=False),
        argument("case_sensitive", "boolean", "case-sensitive", default=False),
    ),
}


@lru_cache(maxsize=64)
def _metric_object(name: str, frozen_args: str, sentence_level: bool = False) -> Any:
    from sacrebleu.metrics import BLEU, CHRF, TER

    args = json.loads(frozen_args)
    if name == "bleu":
        if sentence_level:
            args["effective_order"] = True
        return BLEU(**args)
    if name == "chrf":
        return CHRF(**args)
    return TER(**args)


def _frozen(args: Mapping[str, Any]) -> str:
    return json.dumps(dict(args), sort_keys=True)


@lru_cache(maxsize=None)
def _default_object(name: str) -> Any:
    # the common no-arguments case skips serialising args on every resample
    return _metric_object(name, "{}")


def _score_from_totals(name: str) -> SummedStatsAggregate:
    def from_totals(totals: np.ndarray, args: Mapping[str, Any]) -> float:
        metric = _metric_object(name, _frozen(args)) if args else _default_object(name)
        # lists, because BLEU's add-k smoothing adds to the counts in place
        return float(metric._compute_score_from_stats([float(x) for x in totals]).score)

    return SummedStatsAggregate(from_totals)


AGGREGATES = {name: _score_from_totals(name) for name in ARGUMENTS}


def compute_sacrebleu(name: str, predictions: Sequence[Any], references: Sequence[Any], args: Mapping[str, Any]) -> MetricResult:
    """Score ``predictions`` against ``references`` with sacrebleu metric ``name``."""
    import numpy as np

    hyps = prediction_texts(predictions, name)
    refs = reference_lists(references, name)
    frozen = _frozen(args)
    # a fresh object for statistics: reference caching sets num_refs, which the signature reports
    metric = _metric_object.__wrapped__(name, frozen)
    stats = np.asarray(metric._extract_corpus_statistics(hyps, reference_streams(refs)), dtype=np.float64)
    if name == "bleu":
        sentence_metric = _metric_object(name, frozen, sentence_level=True)
    else:
        sentence_metric = metric
    per_sample = [float(sentence_metric._compute_score_from_stats([float(x) for x in row]).score) for row in stats]
    value = AGGREGATES[name](stats, args)
    corpus = metric._compute_score_from_stats([float(x) for x in stats.sum(axis=0)])
    details: dict[str, Any] = {}
    if name == "bleu":
        details = {
            "precisions": [float(p) for p in corpus.precisions],
            "brevity_penalty": float(corpus.bp),
            "sys_len": int(corpus.sys_len),
            "ref_len": int(corpus.ref_len),
        }
    elif name == "ter":
        details = {"num_edits": float(corpus.num_edits), "ref_length": float(corpus.ref_length)}
    settings = {
        "signature": metric.get_signature().format(),
        "library": f"sacrebleu {package_version('sacrebleu')}",
        "args": dict(args),
        "scale": 100,
        "per_sample": "sentence-level score (BLEU with effective_order=True)" if name == "bleu" else "sentence-level score",
    }
    return MetricResult(value=value, per_sample=per_sample, stats=stats, settings=settings, details=details)


def _version() -> str:
    return f"{IMPLEMENTATION_VERSION}+sacrebleu-{package_version('sacrebleu')}"


def sacrebleu_specs() -> list[MetricSpec]:
    described = {
        "bleu": ("corpus BLEU (sacrebleu, 13a tokenisation by default)", True),
        "chrf": ("corpus chrF (sacrebleu, character 6-grams, beta 2)", True),
        "ter": ("corpus translation edit rate (sacrebleu); lower is better", False),
    }
    return [
        MetricSpec(
            name=name,
            description=text,
            version=_version(),
            higher_is_better=higher,
            compute=lambda p, r, a, _name=name: compute_sacrebleu(_name, p, r, a),
            aggregate=AGGREGATES[name],
            arguments=ARGUMENTS[name],
        )
        for name, (text, higher) in described.items()
    ]
