"""Translate with a sequence-to-sequence model, sentence by sentence, rejoined with the source's own spacing.

How languages reach the model depends on the model (see :mod:`languages`):

* ``pair``: a single-pair model (Marian/opus-mt ``en-de``); the record's
  languages are only checked against the pair in the model's name;
* ``target-token``: a multi-target Marian model; ``>>de<<`` goes before the source;
* ``language-tokens``: M2M100 and NLLB; the source-language token starts the
  input and the target-language token is forced as the first output token.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from nlpsuite.errors import InputError, UsageError
from nlpsuite.models.loading import model_config
from nlpsuite.models.reference import ModelRequest
from nlpsuite.models.seq2seq import (
    fit_spans,
    generate_texts,
    load_seq2seq_task,
    structural_generation_config,
)
from nlpsuite.plugins.translation.languages import iso_code, language_token_id, opus_pair, target_prefix_tokens
from nlpsuite.sentences import SPLIT_RULE, sentence_spans
from nlpsuite.specs import TaskOptions

#: Generation settings used unless ``--gen-kwargs`` overrides them.
DEFAULT_GENERATION: dict[str, Any] = {
    "num_beams": 4,
    "max_new_tokens": 256,
    "min_length": 0,
    "length_penalty": 1.0,
    "no_repeat_ngram_size": 0,
    "early_stopping": True,
    "do_sample": False,
}
LANGUAGE_TOKEN_MODEL_TYPES = ("m2m_100", "nllb-moe")


class Translator:
    """``predict`` translates one ``source`` per record into ``translation``; ``config`` records how."""

    batch_size = 16

    def __init__(self, request: ModelRequest, options: TaskOptions) -> None:
        self.request = request
        self.name = request.display_name
        config = model_config(request, options)
        if not config.get("is_encoder_decoder"):
            raise UsageError(
                f"model {self.name} ({', '.join(config.get('architectures') or ['unknown architecture'])}) is not a "
                "sequence-to-sequence model, so it cannot translate",
                hint="pass a Marian/opus-mt, M2M100 or NLLB model, e.g. --model Helsinki-NLP/opus-mt-en-de",
            )
        self.model_type = str(config.get("model_type", ""))
        self.task_prefixes = {
            key: value.get("prefix", "")
            for key, value in (config.get("task_specific_params") or {}).items()
            if key.startswith("translation_") and isinstance(value, dict)
        }
        # typed and checked by the host against the task's declaration
        self.src_lang = _language_arg(options, "src_lang")
        self.tgt_lang = _language_arg(options, "tgt_lang")
        self.sentence_split = bool(options.task_args.get("sentence_split", True))
        self.setup = load_seq2seq_task(request, options, DEFAULT_GENERATION)
        self.generation, self.model, self.tokenizer, self.notes, self.window = self.setup[:5]
        self.runtime_selection = self.setup.runtime_selection  # what --runtime auto measured (nlpsuite runtimes)
        self.pair = opus_pair(request.reference) or opus_pair(request.source)
        if self.model_type in LANGUAGE_TOKEN_MODEL_TYPES:
            self.scheme = "language-tokens"
        elif target_prefix_tokens(self.tokenizer):
            self.scheme = "target-token"
        else:
            self.scheme = "pair"
        if options.batch_size:
            self.batch_size = options.batch_size

    def config(self) -> dict[str, Any]:
        return {
            "architecture": (getattr(self.model.config, "architectures", None) or [type(self.model).__name__])[0],
            "model_type": self.model_type,
            "language_handling": self.scheme,
            "model_language_pair": list(self.pair) if self.pair else None,
            "src_lang": self.src_lang,
            "tgt_lang": self.tgt_lang,
            "generation": dict(self.generation),
            "model_generation_config": structural_generation_config(self.model),
            "max_input_tokens": self.window,
            "segmentation": (
                f"sentences ({SPLIT_RULE}; every line break ends one), each translated on its own and rejoined with "
                "the source's spacing; a sentence over the window is cut between words"
                if self.sentence_split
                else "whole input as one segment, cut between words where it exceeds the window"
            ),
            "notes": list(self.notes),
            **self.setup.runtime_record(),
        }

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        plans = [self._plan(record) for record in records]
        groups: dict[tuple[Any, ...], list[tuple[int, int]]] = defaultdict(list)
        for record_index, plan in enumerate(plans):
            for segment_index in range(len(plan.segments)):
                groups[plan.route].append((record_index, segment_index))
        for route, members in groups.items():
            text_prefix, prefix_ids, forced_bos = route
            texts = [text_prefix + plans[r].segments[s] for r, s in members]
            generated = generate_texts(
                self.model,
                self.tokenizer,
                texts,
                self.generation,
                window=self.window,
                batch_size=self.batch_size,
                prefix_ids=list(prefix_ids) if prefix_ids is not None else None,
                forced_bos_token_id=forced_bos,
            )
            for (r, s), text, truncated, hit_limit in zip(
                members, generated.texts, generated.truncated, generated.hit_length_limit
            ):
                plans[r].translations[s] = text
                plans[r].truncated |= truncated
                plans[r].unfinished |= hit_limit
        return [self._output(plan) for plan in plans]

    def _plan(self, record: dict[str, Any]) -> _Plan:
        source = str(record["source"])
        src = _record_language(record, "src_lang") or self.src_lang
        tgt = _record_language(record, "tgt_lang") or self.tgt_lang
        route, prefix_tokens = self._route(src, tgt)
        spans = (
            sentence_spans(source, split_lines=True)
            if self.sentence_split
            else [(len(source) - len(source.lstrip()), len(source.rstrip()))] if source.strip() else []
        )
        special = self.tokenizer.num_special_tokens_to_add() if route[1] is None else len(route[1]) + 1
        budget = self.window - special - prefix_tokens - max(2, self.window // 50)
        fitted = fit_spans(self.tokenizer, source, spans, budget, pack=False)
        plan = _Plan(source, fitted.spans, route)
        if fitted.split_inside_sentence:
            plan.warnings.append(
                f"a sentence longer than the model's {self.window}-token window was cut between words and "
                "translated in pieces"
            )
        if not fitted.spans:
            plan.warnings.append("source is blank: nothing to translate")
        return plan

    def _route(self, src: str | None, tgt: str | None) -> tuple[tuple[str, tuple[int, ...] | None, int | None], int]:
        """(text prefix, source prefix ids, forced first token) for this language pair, and the prefix's token count."""
        if self.scheme == "language-tokens":
            if not src or not tgt:
                missing = "src_lang" if not src else "tgt_lang"
                raise InputError(
                    f"field {missing!r} is missing: model {self.name} is multilingual and needs both languages",
                    hint="give src_lang and tgt_lang in each record, or --src en --tgt de for all of them",
                )
            src_id = language_token_id(self.tokenizer, src, self.name, "src_lang")
            tgt_id = language_token_id(self.tokenizer, tgt, self.name, "tgt_lang")
            return ("", (src_id,), tgt_id), 0
        if self.scheme == "target-token":
            if not tgt:
                raise InputError(
                    f"field 'tgt_lang' is missing: model {self.name} translates into several languages",
                    hint="give tgt_lang in each record, or --tgt CODE for all of them",
                )
            token = f">>{iso_code(tgt)}<<"
            if self.tokenizer.convert_tokens_to_ids(token) in (None, self.tokenizer.unk_token_id):
                known = ", ".join(t[2:-2] for t in target_prefix_tokens(self.tokenizer)[:12])
                raise InputError(f"tgt_lang {tgt!r}: model {self.name} cannot translate into it", hint=f"use one of: {known}")
            return (token + " ", None, None), 1
        self._check_pair(src, tgt)
        if src and tgt:
            prefix = self.task_prefixes.get(f"translation_{iso_code(src)}_to_{iso_code(tgt)}", "")
            if prefix:
                return (prefix, None, None), len(self.tokenizer(prefix, add_special_tokens=False)["input_ids"])
        return ("", None, None), 0

    def _check_pair(self, src: str | None, tgt: str | None) -> None:
        if self.pair is None:
            return
        for field, asked, offered in (("src_lang", src, self.pair[0]), ("tgt_lang", tgt, self.pair[1])):
            if asked and iso_code(asked) != offered:
                raise InputError(
                    f"{field} {asked!r} does not match model {self.name}, which translates {self.pair[0]}→{self.pair[1]}",
                    hint=f"pass a model for this pair (e.g. --src {src or self.pair[0]} --tgt {tgt or self.pair[1]} without "
                    "--model), or a multilingual model such as facebook/m2m100_418M",
                )

    def _output(self, plan: _Plan) -> dict[str, Any]:
        pieces = []
        for index, (start, end) in enumerate(plan.segments_spans):
            if index:
                gap = plan.source[plan.segments_spans[index - 1][1] : start]
                pieces.append(gap if gap else " ")
            pieces.append(plan.translations[index])
        warnings = list(plan.warnings)
        if plan.truncated:
            warnings.append(f"a segment was longer than the {self.window}-token window and lost its end")
        if plan.unfinished:
            warnings.append(
                f"a translation reached max_new_tokens={self.generation.get('max_new_tokens')} before the model ended "
                "it and may be cut short; raise it with --gen-kwargs max_new_tokens=N"
            )
        output: dict[str, Any] = {"translation": "".join(pieces)}
        if warnings:
            output["warnings"] = warnings
        return output


class _Plan:
    """One record's segments, the route its language pair takes, and what came back."""

    def __init__(self, source: str, spans: list[tuple[int, int]], route: tuple[Any, ...]) -> None:
        self.source = source
        self.segments_spans = spans
        self.segments = [source[start:end] for start, end in spans]
        self.route = route
        self.translations = [""] * len(spans)
        self.warnings: list[str] = []
        self.truncated = False
        self.unfinished = False


def _record_language(record: dict[str, Any], field: str) -> str | None:
    value = record.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InputError(f"field {field!r} must be a language code such as 'en', got {value!r}", hint=f"e.g. \"{field}\": \"de\"")
    return value.strip()


def _language_arg(options: TaskOptions, name: str) -> str | None:
    value = options.task_args.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"task argument {name}={value!r} must be a language code such as 'en'", hint=f"e.g. --arg {name}=de")
    return value.strip()
