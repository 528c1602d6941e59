"""The ``bias`` task's name, field schema and arguments (light: importing it loads no numpy or torch)."""

from __future__ import annotations

from nlpsuite.specs import FieldSpec, argument

TASK_NAME = "bias"
EMBEDDED_MODEL = "all-MiniLM-L6-v2"

DEFAULT_MAX_EXACT = 100_000
DEFAULT_PERMUTATIONS = 100_000
DEFAULT_BOOTSTRAP = 10_000
DEFAULT_CONFIDENCE = 0.95

#: Statistical settings (``--arg KEY=VALUE``), recorded with every result.
ARGUMENTS = (
    argument("permutations", "integer", "Monte Carlo permutations when exact enumeration is too large",
             default=DEFAULT_PERMUTATIONS, minimum=1),
    argument("max_exact", "integer", "enumerate all partitions when there are at most this many",
             default=DEFAULT_MAX_EXACT, minimum=1),
    argument("bootstrap", "integer", "bootstrap resamples for the CI on d (0: no CI)", default=DEFAULT_BOOTSTRAP,
             minimum=0),
    argument("confidence", "number", "level of the CI on d", default=DEFAULT_CONFIDENCE, minimum=0.5, maximum=0.999),
    argument("seed", "integer", "seed for Monte Carlo permutations and the bootstrap", default=0, minimum=0),
    argument("templates", "text_list", "sentence templates with '{}' for SEAT-style tests (words in sentences)"),
)
EXAMPLES = ({"test": "weat6"}, {"test": "weat7"})

INPUT_FIELDS = (
    FieldSpec(
        "test", "json",
        "a built-in test name (weat1 … weat10), a test {targ1, targ2, attr1, attr2 (each {category, examples}), "
        "templates?}, or sentence pairs {pairs: [{sent_more, sent_less}]} for a masked or causal LM",
    ),
)
OUTPUT_FIELDS = (
    FieldSpec("test", "label", "name of the test"),
    FieldSpec("kind", "label", "weat (words), seat (words in templates), crows (sentence pairs) or stereoset "
              "(intrasentence items on a causal LM)", choices=("weat", "seat", "crows", "stereoset")),
    FieldSpec("effect_size", "number", "WEAT effect size d (pooled sample std, ddof=1)", required=False),
    FieldSpec("p_value", "number", "one-sided permutation p-value (word level); CrowS: two-sided binomial vs 0.5",
              required=False),
    FieldSpec("p_value_method", "label", "exact or monte-carlo", required=False),
    FieldSpec("n_permutations", "integer", "partitions enumerated or permutations sampled", required=False),
    FieldSpec("ci_low", "number", "bootstrap CI on d (or exact CI on the CrowS score), lower end", required=False),
    FieldSpec("ci_high", "number", "upper end of that CI", required=False),
    FieldSpec("targ1", "label", "category of the first target set (X)", required=False),
    FieldSpec("targ2", "label", "category of the second target set (Y)", required=False),
    FieldSpec("attr1", "label", "category of the first attribute set (A)", required=False),
    FieldSpec("attr2", "label", "category of the second attribute set (B)", required=False),
    FieldSpec("n_targ1", "integer", "target words in X", required=False),
    FieldSpec("n_targ2", "integer", "target words in Y", required=False),
    FieldSpec("stereotype_score", "number", "CrowS/StereoSet: share of pairs or items whose stereotypical sentence "
              "is more likely",
              required=False),
    FieldSpec("pairs", "json", "CrowS: per-pair pseudo-log-likelihoods", required=False),
)
