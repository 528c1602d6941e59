"""The ``bias`` task's name and field schema (light: importing it loads no numpy or torch)."""

from __future__ import annotations

from nlpsuite.specs import FieldSpec

TASK_NAME = "bias"
EMBEDDED_MODEL = "all-MiniLM-L6-v2"

INPUT_FIELDS = (
    FieldSpec(
        "test", "json",
        "a built-in test name (weat1 … weat10), a test {targ1, targ2, attr1, attr2 (each {category, examples}), "
        "templates?}, or sentence pairs {pairs: [{sent_more, sent_less}]} for a masked LM",
    ),
)
OUTPUT_FIELDS = (
    FieldSpec("test", "label", "name of the test"),
    FieldSpec("kind", "label", "weat (words), seat (words in templates) or crows (sentence pairs)"),
    FieldSpec("effect_size", "number", "WEAT effect size d (pooled sample std, ddof=1)", required=False),
    FieldSpec("p_value", "number", "one-sided permutation p-value (word level)", required=False),
    FieldSpec("p_value_method", "label", "exact or monte-carlo", required=False),
    FieldSpec("n_permutations", "number", "partitions enumerated or permutations sampled", required=False),
    FieldSpec("ci_low", "number", "bootstrap CI on d (or exact CI on the CrowS score), lower end", required=False),
    FieldSpec("ci_high", "number", "upper end of that CI", required=False),
    FieldSpec("stereotype_score", "number", "CrowS: share of pairs whose stereotypical sentence is more likely",
              required=False),
    FieldSpec("pairs", "json", "CrowS: per-pair pseudo-log-likelihoods", required=False),
)
