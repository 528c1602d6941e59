"""The ``bias`` task: an association test (or sentence pairs) in, its statistics out.

A record's ``test`` field holds a built-in test name (``"weat6"``), a test in the
SEAT JSON shape (see :mod:`.definitions`), or CrowS-Pairs-style sentence pairs
(``{"pairs": [{"sent_more", "sent_less"}, …]}``) for a masked or causal LM.  Every front end
runs it through the one plugin interface; the CLI's ``nlpsuite bias`` command adds
Holm correction across a battery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from nlpsuite.errors import InputError, NlpsuiteError
from nlpsuite.models.reference import ModelRequest
from nlpsuite.plugins.bias import weat as stats
from nlpsuite.plugins.bias.definitions import AssociationTest, check_templates, parse_test_field
from nlpsuite.specs import TaskOptions

#: Statistics reported as declared output fields; the rest of a result goes under ``details``.
HEADLINE_STATISTICS = ("effect_size", "p_value", "p_value_method", "n_permutations", "ci_low", "ci_high",
                       "n_targ1", "n_targ2")

#: Architecture names of causal LMs (``GPT2LMHeadModel``, ``LlamaForCausalLM`` …).
CAUSAL_LM_SUFFIXES = ("ForCausalLM", "LMHeadModel")


@dataclass(frozen=True)
class WeatSettings:
    """Statistical settings, recorded with every result (task arguments of the same names)."""

    permutations: int = stats.DEFAULT_PERMUTATIONS
    max_exact: int = stats.DEFAULT_MAX_EXACT
    bootstrap: int = stats.DEFAULT_BOOTSTRAP
    confidence: float = stats.DEFAULT_CONFIDENCE
    seed: int = 0
    templates: tuple[str, ...] = ()

    @classmethod
    def from_task_args(cls, task_args: Mapping[str, Any]) -> WeatSettings:
        """From the task arguments, already typed and range-checked by the host (see ``schema.ARGUMENTS``)."""
        values = {k: task_args[k] for k in ("permutations", "max_exact", "bootstrap", "seed") if k in task_args}
        if "confidence" in task_args:
            values["confidence"] = float(task_args["confidence"])
        if task_args.get("templates"):
            values["templates"] = check_templates(task_args["templates"], "task argument templates")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record["templates"] = list(self.templates)
        return record


class BiasPredictor:
    """Runs association tests with a sentence encoder, and pair scoring with a masked or causal LM when given one."""

    batch_size = 16

    def __init__(self, request: ModelRequest, options: TaskOptions, settings: WeatSettings, masked_lm: bool,
                 causal_lm: bool = False) -> None:
        self.request = request
        self.options = options
        self.settings = settings
        self.masked_lm = masked_lm
        self.causal_lm = causal_lm
        self._encoder: Any = None
        self._scorer: Any = None

    # Models load on first use, each once (the loader's cache shares them across predictors).
    def encoder(self) -> Any:
        if self._encoder is None:
            from nlpsuite.models.loading import load_sentence_transformer
            from nlpsuite.plugins.bias.encoding import StimulusEncoder

            self._encoder = StimulusEncoder(load_sentence_transformer(self.request, self.options))
        return self._encoder

    def scorer(self) -> Any:
        if self._scorer is None:
            from nlpsuite.models.loading import load_pretrained

            if self.causal_lm:
                from nlpsuite.plugins.bias.crows import CausalLikelihoodScorer

                self._scorer = CausalLikelihoodScorer(*load_pretrained(self.request, self.options, "AutoModelForCausalLM"))
                return self._scorer
            if not self.masked_lm:
                raise InputError(
                    f"sentence-pair scoring needs a masked or causal language model; {self.request.display_name} is not one",
                    hint="pass --model DIR of a BERT-style masked LM or a GPT-style causal LM (its config lists a "
                         "*ForMaskedLM, *ForCausalLM or *LMHeadModel architecture)",
                )
            from nlpsuite.plugins.bias.crows import PseudoLikelihoodScorer

            model, tokenizer = load_pretrained(self.request, self.options, "AutoModelForMaskedLM")
            self._scorer = PseudoLikelihoodScorer(model, tokenizer)
        return self._scorer

    def config(self) -> dict[str, Any]:
        from nlpsuite.models.encoder_runtime import encoder_runtime

        runtime = {} if self.masked_lm or self.causal_lm else encoder_runtime(self.encoder().model)
        return {
            **self.settings.to_dict(),
            **runtime,
            "similarity": "cosine",
            "effect_size": "(mean_X s - mean_Y s) / std(s over X and Y, ddof=1)",
            "p_value": "one-sided permutation test over word-level partitions of X and Y; exact when "
                       "C(|X|+|Y|, |X|) <= max_exact, else Monte Carlo (1 + #{>=}) / (1 + permutations)",
            "ci": "percentile bootstrap on d, resampling target words within each set",
            "pair_scoring": "pseudo-log-likelihood of shared tokens (Nangia et al. 2020)" if self.masked_lm
            else "sentence log-probability under the causal LM, every token scored after BOS" if self.causal_lm
            else None,
        }

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        outputs = []
        for record in records:
            try:
                outputs.append(self.predict_one(record))
            except NlpsuiteError as exc:  # a malformed test fails alone, with its message and hint
                outputs.append({"error": str(exc)})
        return outputs

    def predict_one(self, record: Mapping[str, Any]) -> dict[str, Any]:
        from nlpsuite.plugins.bias.crows import is_pair_input

        value = record.get("test")
        if is_pair_input(value):
            return self.score_pairs(value, record.get("id"))
        from nlpsuite.plugins.bias.stereoset import is_stereoset_input

        if is_stereoset_input(value):
            return self.score_stereoset(value, record.get("id"))
        return self.run_test(parse_test_field(value, record.get("id")))

    def run_test(self, test: AssociationTest) -> dict[str, Any]:
        if self.settings.templates and not test.templates:
            test = test.with_templates(self.settings.templates)
        encoded = self.encoder().encode_test(test)
        v, units = encoded.vectors, encoded.units
        templated = bool(test.templates)
        s_x = stats.unit_associations(stats.associations(v["targ1"], v["attr1"], v["attr2"]), units["targ1"])
        s_y = stats.unit_associations(stats.associations(v["targ2"], v["attr1"], v["attr2"]), units["targ2"])
        result = stats.weat_from_associations(
            s_x, s_y,
            max_exact=self.settings.max_exact,
            n_permutations=self.settings.permutations,
            n_bootstrap=self.settings.bootstrap,
            level=self.settings.confidence,
            seed=self.settings.seed,
        )
        warnings = list(test.warnings)
        if result.effect_size is None:
            warnings.append("every target word has the same association, so the effect size is undefined")
        if encoded.truncated:
            warnings.append(f"{encoded.truncated} stimuli were longer than the encoder's "
                            f"{self.encoder().max_tokens} tokens and were truncated")
        statistics = result.to_dict()
        output: dict[str, Any] = {
            "test": test.name,
            "kind": "seat" if templated else "weat",
            **{key: s.category for key, s in test.sets().items()},
            **{key: statistics.pop(key) for key in HEADLINE_STATISTICS},
            "details": {
                **statistics,
                "n_attr1": len(test.attr1.examples),
                "n_attr2": len(test.attr2.examples),
                "n_templates": len(test.templates),
                "permutation_unit": "word",
            },
        }
        if warnings:
            output["warnings"] = warnings
        return output

    def score_stereoset(self, value: Any, record_id: Any) -> dict[str, Any]:
        from nlpsuite.plugins.bias.stereoset import parse_items, score_items

        where = f"record {record_id!r}" if record_id is not None else "field 'test'"
        items = parse_items(value, where)
        if not self.causal_lm:
            raise InputError(
                f"StereoSet-style tests need a causal language model; {self.request.display_name} is not one",
                hint="pass --model DIR of a GPT-style causal LM (its config lists *ForCausalLM or *LMHeadModel)",
            )
        summary = score_items(self.scorer().scorer, items)
        return {"test": str(value.get("name") or record_id or "stereoset"), "kind": "stereoset", **summary}

    def score_pairs(self, value: Any, record_id: Any) -> dict[str, Any]:
        from nlpsuite.plugins.bias.crows import parse_pairs, summarize

        where = f"record {record_id!r}" if record_id is not None else "field 'test'"
        pairs = parse_pairs(value, where)
        scorer = self.scorer()
        scores = [scorer.score_pair(pair) for pair in pairs]
        summary = summarize(scores)
        output: dict[str, Any] = {
            "test": str((value.get("name") if isinstance(value, Mapping) else None) or record_id or "pairs"),
            "kind": "crows",
            **{key: summary.pop(key) for key in ("stereotype_score", "ci_low", "ci_high", "p_value")},
            "pairs": [s.to_dict() for s in scores],
            "details": summary,
        }
        failed = [f"pair {n}: {s.error}" for n, s in enumerate(scores, start=1) if s.error]
        if failed:
            output["warnings"] = failed
        return output


def build(request: ModelRequest, options: TaskOptions) -> BiasPredictor:
    """Check the model can be had and what it is; the weights load on first use."""
    from nlpsuite.models.loading import load_sentence_transformer, model_config

    settings = WeatSettings.from_task_args(options.task_args)
    masked_lm = causal_lm = False
    if request.model_kind != "sentence-transformer":
        # raises ModelUnavailableError when the model cannot be had, so the host can fall back
        architectures = model_config(request, options).get("architectures") or []
        masked_lm = any(str(a).endswith("ForMaskedLM") for a in architectures)
        causal_lm = not masked_lm and any(str(a).endswith(CAUSAL_LM_SUFFIXES) for a in architectures)
    predictor = BiasPredictor(request, options, settings, masked_lm, causal_lm)
    if not (masked_lm or causal_lm):
        load_sentence_transformer(request, options)  # fail here, not in the first batch
    return predictor
