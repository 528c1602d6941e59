"""The causal-LM predictor behind the ``generation`` tasks: generate, stream and score.

Generation follows ``model.generate`` exactly: the prompt is encoded as the
model's tokenizer encodes it (``tokenizer(prompt)``, special tokens as that
tokenizer adds them; GPT-2 adds none) and the settings given are passed on,
the model's own ``generation_config`` supplying everything else.  Only what is
needed to run a batch is added: left padding with an attention mask (several
prompts at once; positions follow the mask), ``pad_token_id`` = the end token
when the model has none (what ``generate`` itself falls back to), and a
stopping rule for ``stop`` strings.  Sampling prompts are generated one at a
time with the torch RNG seeded (``seed``, default 0) and restored afterwards,
so a prompt's output depends on the seed alone, not on its batch or on what ran
before; greedy and beam search prompts are batched.

A continuation is the decoded new tokens (``skip_special_tokens``), cut before
the first ``stop`` string.  ``details`` records the settings, the number of
prompt and new tokens and why generation ended (``eos``, ``stop``, ``length``).
"""

from __future__ import annotations

import contextlib
import math
import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from transformers import StoppingCriteria

from nlpsuite.errors import NlpsuiteError, UsageError
from nlpsuite.models.causal_scoring import CausalScorer, context_length
from nlpsuite.models.encoder_runtime import encoder_runtime
from nlpsuite.models.loading import auto_may_measure_ct2, load_causal_lm
from nlpsuite.models.reference import ModelRequest
from nlpsuite.specs import TaskOptions, TextScore

#: transformers' own default when neither the settings nor the model bound the length.
TRANSFORMERS_DEFAULT_NEW_TOKENS = 20
_SAMPLING_LOCK = threading.Lock()  # seeding and sampling must not interleave across threads
_ESCAPES = {"\\n": "\n", "\\t": "\t", "\\r": "\r"}


def unescape_stop(text: str) -> str:
    """``\\n``/``\\t``/``\\r`` written on a command line as the characters they name."""
    for written, char in _ESCAPES.items():
        text = text.replace(written, char)
    return text


def cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """``text`` before the earliest stop string, and whether one was found."""
    cuts = [i for i in (text.find(s) for s in stops if s) if i >= 0]
    return (text[: min(cuts)], True) if cuts else (text, False)


def held_back(text: str, stops: Sequence[str]) -> str:
    """``text`` without a tail that could still grow into a stop string (streaming shows it only once it cannot)."""
    for size in range(min(len(text), max((len(s) for s in stops), default=0)), 0, -1):
        tail = text[-size:]
        if any(s.startswith(tail) and s != tail for s in stops):
            return text[:-size]
    return text


def likelihood_record(score: TextScore, scored: str) -> dict[str, Any]:
    """The ``likelihood`` output field for one scored text."""
    return {
        "nll": score.nll,
        "n_tokens": score.n_tokens,
        "n_bytes": score.n_bytes,
        "logprob": -score.nll,
        "perplexity": math.exp(score.nll / score.n_tokens) if score.n_tokens else None,
        "bits_per_byte": score.nll / (math.log(2) * score.n_bytes) if score.n_bytes else None,
        "scored": scored,
    }


class _StopOnText(StoppingCriteria):
    """A stopping criterion: a row is done once its decoded new tokens contain a stop string.

    Decoding the text (rather than transformers' ``stop_strings``, which matches
    token strings) ends generation exactly where :func:`cut_at_stop` cuts it,
    whatever the tokenizer.
    """

    def __init__(self, tokenizer: Any, stops: Sequence[str], prompt_width: int) -> None:
        self.tokenizer = tokenizer
        self.stops = list(stops)
        self.prompt_width = prompt_width

    def __call__(self, input_ids: Any, scores: Any, **_kwargs: Any) -> Any:
        import torch

        texts = self.tokenizer.batch_decode(input_ids[:, self.prompt_width :], skip_special_tokens=True)
        return torch.tensor([cut_at_stop(t, self.stops)[1] for t in texts], dtype=torch.bool, device=input_ids.device)


class _TokenQueue:
    """A ``generate`` streamer that hands each step's new token ids to the consuming thread."""

    def __init__(self) -> None:
        self.items: queue.Queue[Any] = queue.Queue()
        self.seen_prompt = False

    def put(self, value: Any) -> None:
        if not self.seen_prompt:  # generate first puts the prompt itself
            self.seen_prompt = True
            return
        self.items.put([int(v) for v in value.reshape(-1).tolist()])

    def end(self) -> None:
        self.items.put(None)


#: ``_run_generate``'s default generator: the task's own (``None`` there means the torch model).
_OWN = object()


@dataclass
class _Prompt:
    ids: list[int]
    full_length: int
    warnings: list[str]


class CausalLMTask:
    """``predict`` (generate or score per record), ``stream`` (one prompt) and ``score`` (texts)."""

    batch_size = 8

    def __init__(self, request: ModelRequest, options: TaskOptions, *, require_prompt: bool = False) -> None:
        self.request = request
        self.require_prompt = require_prompt
        # with --runtime ct2 the generator generates and the torch model scores (likelihoods stay float32 torch's)
        self.model, self.tokenizer, self.generator = load_causal_lm(request, options)
        args = options.task_args
        self.per_token = bool(args.get("per_token", False))
        self.context = context_length(self.model, self.tokenizer)
        self.scorer = CausalScorer(
            self.model, self.tokenizer, max_length=args.get("window"), stride=args.get("stride"),
            score_first_token=bool(args.get("score_first_token", True)),
        )
        given = dict(options.generation)
        self.stops = [unescape_stop(s) for s in given.pop("stop", None) or [] if s]
        self.given = dict(given)
        self.notes: list[str] = []
        self.settings = self._settings(given)
        self.runtime_selection: Any = None
        if self.generator is None and auto_may_measure_ct2(options, greedy=not self.sampling and self.beams == 1):
            self.generator = self._auto_generator(request, options)
        if self.generator is not None:  # refuse now what CTranslate2 cannot honour
            self.generator.decoding(self.settings, prompt_width=0, context=self.context, stops=bool(self.stops))
        if options.batch_size:
            self.batch_size = options.batch_size

    def _auto_generator(self, request: ModelRequest, options: TaskOptions) -> Any:
        """CTranslate2's generator when ``auto`` measured it faster here with greedy continuations token for
        token the torch model's (these settings, these stop strings), else ``None`` (torch generates)."""
        from nlpsuite.models.loading import load_ct2_generator, model_weights_sha256
        from nlpsuite.models.runtime_probe import ProbeTarget, probe_sentences, select_runtime, tokens_match

        prompts = [_Prompt(self.tokenizer(" ".join(s.split()[:6]))["input_ids"], 0, []) for s in probe_sentences(16)]
        # the task's own settings, with a bounded length: the probe compares and times, it does not write
        settings = {**self.settings, "max_new_tokens": min(int(self.settings.get("max_new_tokens") or 16), 16)}
        settings.pop("max_length", None)

        def torch_build() -> Any:
            return lambda: self._run_generate(prompts, generator=None, settings=settings)

        def ct2_build() -> Any:
            generator = load_ct2_generator(request, options, "none")
            generator.decoding(self.settings, prompt_width=0, context=self.context, stops=bool(self.stops))
            return lambda: self._run_generate(prompts, generator=generator, settings=settings)

        target = ProbeTarget("causal-lm", model_weights_sha256(request, options), "none",
                             {"torch": torch_build, "ct2": ct2_build}, tokens_match, len(prompts))
        self.runtime_selection = select_runtime(target)
        if self.runtime_selection.runtime != "ct2":
            return None
        generator = load_ct2_generator(request, options, "none")
        generator.nlpsuite_runtime_selection = self.runtime_selection
        return generator

    # ----- settings -------------------------------------------------------------------------------------------
    def _model_defaults(self) -> dict[str, Any]:
        config = self.model.generation_config
        diff = {k: v for k, v in config.to_diff_dict().items() if k != "transformers_version"}
        return diff

    def _settings(self, given: dict[str, Any]) -> dict[str, Any]:
        """The settings passed to ``generate`` (the given ones, checked against the model's defaults)."""
        from transformers import GenerationConfig

        settings = dict(given)
        merged = self.model.generation_config.to_dict()
        merged.update({k: v for k, v in settings.items() if k != "seed"})
        if merged.get("do_sample"):
            settings.setdefault("seed", 0)
        new_tokens = settings.get("max_new_tokens")
        if isinstance(new_tokens, int) and new_tokens > self.context - 1:
            settings["max_new_tokens"] = self.context - 1
            self.notes.append(f"max_new_tokens lowered from {new_tokens} to {self.context - 1}: the model reads "
                              f"{self.context} tokens at most")
        try:
            config = GenerationConfig.from_dict({k: v for k, v in merged.items() if k != "transformers_version"})
            config.validate(strict=True)
        except ValueError as exc:
            lines = [line.lstrip("- ") for line in str(exc).strip().splitlines() if line.strip()]
            detail = lines[1] if len(lines) > 1 else (lines[0] if lines else "")
            raise UsageError(f"generation settings {given} do not fit the model's generation config: {detail}",
                             hint="adjust --gen-kwargs (e.g. temperature/top_p need do_sample=true)") from None
        return settings

    @property
    def sampling(self) -> bool:
        return bool(self.settings.get("do_sample", getattr(self.model.generation_config, "do_sample", False)))

    @property
    def beams(self) -> int:
        return int(self.settings.get("num_beams") or getattr(self.model.generation_config, "num_beams", 1) or 1)

    def _length_given(self) -> bool:
        defaults = self._model_defaults()
        return any(k in self.settings or k in defaults for k in ("max_new_tokens", "max_length"))

    def recorded_settings(self) -> dict[str, Any]:
        """The settings as given (plus the default seed when sampling), with the stop strings."""
        recorded = dict(self.settings)
        if self.stops:
            recorded["stop"] = list(self.stops)
        return recorded

    def _sampling_note(self) -> str | None:
        if not self.sampling:
            return None
        rng = ("torch RNG seeded with 'seed', restored after" if self.generator is None
               else "a CTranslate2 generator started after seeding with 'seed'")
        return f"seeded per prompt ({rng}); each prompt sampled alone"

    def config(self) -> dict[str, Any]:
        source = ("given with --gen-kwargs; the model's generation config supplies the rest" if self.given or self.stops
                  else "none given: the model's own generation defaults, exactly as model.generate(input_ids) uses them")
        config: dict[str, Any] = {
            "method": "causal-lm",
            "architecture": (getattr(self.model.config, "architectures", None) or [type(self.model).__name__])[0],
            "generation": self.recorded_settings(),
            "generation_settings": source,
            "model_generation_config": self._model_defaults(),
            "context": self.context,
            "sampling": self._sampling_note(),
            "prompt_encoding": "tokenizer(prompt) with the tokenizer's own special tokens; batches left-padded",
            "scoring": self.scorer.config(),
            "records": "prompt: generate (likelihood of the continuation given the prompt); text: score it; "
                       "prompt and text: generate, and score the text given the prompt",
            "notes": list(self.notes),
            **encoder_runtime(self.generator if self.generator is not None else self.model),
            **({"runtime_selection": "auto"} if self.runtime_selection is not None else {}),
        }
        if self.generator is not None:
            config["likelihoods"] = "scored by the torch model in float32; generation runs on CTranslate2"
        if not self._length_given():
            config["length"] = (f"transformers' default: {TRANSFORMERS_DEFAULT_NEW_TOKENS} new tokens "
                                f"(at most {self.context} tokens in all)")
        return config

    # ----- scoring ------------------------------------------------------------------------------------------
    def score(self, texts: list[str]) -> list[TextScore]:
        return self.scorer.score(texts)

    def _tokens_detail(self, ids: Sequence[int], score: TextScore) -> list[list[Any]]:
        tokens = self.tokenizer.convert_ids_to_tokens(list(ids)[-score.n_tokens :] if score.n_tokens else [])
        return [[token, value] for token, value in zip(tokens, score.token_nll)]

    # ----- generation ---------------------------------------------------------------------------------------
    def _eos_ids(self) -> list[int]:
        eos = getattr(self.model.generation_config, "eos_token_id", None)
        if eos is None:
            eos = self.tokenizer.eos_token_id
        if eos is None:
            return []
        return [int(e) for e in eos] if isinstance(eos, (list, tuple)) else [int(eos)]

    def _pad_id(self) -> int:
        pad = getattr(self.model.generation_config, "pad_token_id", None)
        if pad is None:
            eos = self._eos_ids()
            pad = eos[0] if eos else (self.tokenizer.pad_token_id or 0)
        return int(pad)

    def _prompt(self, text: str) -> _Prompt:
        ids = list(self.tokenizer(text)["input_ids"])
        new = self.settings.get("max_new_tokens")
        if new is None and "max_length" in self.settings:
            room = min(self.context, int(self.settings["max_length"])) - 1
        else:
            room = self.context - int(new if new is not None else TRANSFORMERS_DEFAULT_NEW_TOKENS)
        room = max(1, room)
        warnings = []
        if len(ids) > room:
            warnings.append(f"prompt truncated from {len(ids)} to its last {room} tokens, to leave room for the "
                            f"new tokens in the model's {self.context}-token context")
            return _Prompt(ids[-room:], len(ids), warnings)
        return _Prompt(ids, len(ids), warnings)

    def _generate_kwargs(self, prompt_width: int, settings: dict[str, Any]) -> dict[str, Any]:
        from transformers import StoppingCriteriaList

        kwargs = {k: v for k, v in settings.items() if k != "seed"}
        if getattr(self.model.generation_config, "pad_token_id", None) is None:
            kwargs["pad_token_id"] = self._pad_id()
        if self.stops:
            kwargs["stopping_criteria"] = StoppingCriteriaList([_StopOnText(self.tokenizer, self.stops, prompt_width)])
        return kwargs

    @contextlib.contextmanager
    def _seeded(self) -> Iterator[None]:
        """The torch RNG seeded for one sampled prompt, and restored afterwards."""
        if not self.sampling:
            yield
            return
        import torch

        device = next(self.model.parameters()).device
        devices = [device.index or 0] if device.type == "cuda" else []
        with _SAMPLING_LOCK, torch.random.fork_rng(devices=devices):
            torch.manual_seed(int(self.settings.get("seed", 0)))
            yield

    def _run_generate(self, prompts: Sequence[_Prompt], streamer: Any = None, *, generator: Any = _OWN,
                      settings: dict[str, Any] | None = None) -> list[list[int]]:
        """New token ids per prompt (up to and including the end token, padding dropped), by ``generator``
        (default: the task's; ``None``: the torch model) with ``settings`` (default: the task's)."""
        generator = self.generator if generator is _OWN else generator
        settings = self.settings if settings is None else settings
        if generator is not None:
            return self._run_ct2_generate(prompts, streamer, generator, settings)
        import torch

        width = max(len(p.ids) for p in prompts)
        pad = self._pad_id()
        ids = torch.full((len(prompts), width), pad, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for row, prompt in enumerate(prompts):
            ids[row, width - len(prompt.ids):] = torch.tensor(prompt.ids, dtype=torch.long)
            mask[row, width - len(prompt.ids):] = 1
        device = next(self.model.parameters()).device
        kwargs = self._generate_kwargs(width, settings)
        if streamer is not None:
            kwargs["streamer"] = streamer
        with torch.inference_mode(), self._seeded():
            generated = self.model.generate(input_ids=ids.to(device), attention_mask=mask.to(device), **kwargs)
        eos = set(self._eos_ids())
        rows = []
        for row in generated[:, width:].tolist():
            end = next((i for i, token in enumerate(row) if token in eos), None)
            rows.append(self._up_to_stop(row[: end + 1] if end is not None else row))
        return rows

    def _hits_stop(self, new_ids: list[int]) -> bool:
        """Whether decoding ends after ``new_ids``: what :class:`_StopOnText` decides for a row."""
        return cut_at_stop(self.tokenizer.decode(new_ids, skip_special_tokens=True), self.stops)[1]

    def _up_to_stop(self, new_ids: list[int]) -> list[int]:
        """``new_ids`` up to the token at which a stop string ended the row, when one did.

        ``generate`` pads a row that is done while others go on, so the tokens after
        that one are padding, not output (and would be counted as new tokens).
        """
        if not self.stops or not self._hits_stop(new_ids):
            return new_ids
        return next(new_ids[:k] for k in range(1, len(new_ids) + 1) if self._hits_stop(new_ids[:k]))

    def _run_ct2_generate(self, prompts: Sequence[_Prompt], streamer: _TokenQueue | None, generator: Any,
                          settings: dict[str, Any]) -> list[list[int]]:
        try:
            return generator.generate_ids(
                [p.ids for p in prompts], settings, context=self.context,
                stop=self._hits_stop if self.stops else None,
                on_token=(lambda token: streamer.items.put([token])) if streamer is not None else None)
        finally:
            if streamer is not None:
                streamer.end()

    def _generated_output(self, prompt: _Prompt, new_ids: list[int], text: str | None) -> dict[str, Any]:
        raw = self.tokenizer.decode(new_ids, skip_special_tokens=True)
        continuation, stopped = cut_at_stop(raw, self.stops)
        eos = set(self._eos_ids())
        reason = "stop" if stopped else "eos" if new_ids and new_ids[-1] in eos else "length"
        warnings = list(prompt.warnings)
        if reason == "length" and not self._length_given():
            warnings.append(f"stopped at transformers' default length ({TRANSFORMERS_DEFAULT_NEW_TOKENS} new tokens) "
                            "before the model ended the text; set --gen-kwargs max_new_tokens=N")
        if text is not None:
            scored_ids = self.scorer.encode(text)
            (score,) = self.scorer.score_ids([(prompt.ids, scored_ids)])
            score = TextScore(score.n_tokens, score.nll, score.token_nll, len(text.encode("utf-8")))
            scored = "text given the prompt"
        else:
            # the tokens as generated; text cut at a stop string is scored as re-encoded text
            scored_ids = self.scorer.encode(continuation) if stopped else new_ids
            (score,) = self.scorer.score_ids([(prompt.ids, scored_ids)])
            score = TextScore(score.n_tokens, score.nll, score.token_nll, len(continuation.encode("utf-8")))
            scored = "continuation given the prompt"
        details: dict[str, Any] = {
            "generation": self.recorded_settings(),
            "finish_reason": reason,
            "prompt_tokens": len(prompt.ids),
            "new_tokens": len(new_ids),
        }
        if self.per_token:
            details["tokens"] = self._tokens_detail(scored_ids, score)
        output: dict[str, Any] = {"continuation": continuation, "likelihood": likelihood_record(score, scored),
                                  "details": details}
        if warnings:
            output["warnings"] = warnings
        return output

    def _check(self, record: Mapping[str, Any]) -> str | None:
        prompt, text = record.get("prompt"), record.get("text")
        if self.require_prompt and not (isinstance(prompt, str) and prompt.strip()):
            return "field 'prompt' is missing or empty"
        if prompt is None and text is None:
            return "give a 'prompt' (to continue) or a 'text' (to score)"
        if prompt is not None and not prompt.strip():
            return "field 'prompt' is empty"
        return None

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        outputs: list[dict[str, Any] | None] = [None] * len(records)
        to_score: list[int] = []
        to_generate: list[int] = []
        for index, record in enumerate(records):
            problem = self._check(record)
            if problem:
                outputs[index] = {"error": problem}
            elif record.get("prompt") is None:
                to_score.append(index)
            else:
                to_generate.append(index)
        if to_score:
            texts = [str(records[i]["text"]) for i in to_score]
            for index, text, score in zip(to_score, texts, self.scorer.score(texts)):
                outputs[index] = self._score_output(text, score)
        prompts = {i: self._prompt(str(records[i]["prompt"])) for i in to_generate}
        # one prompt at a time when sampling (its output then depends on the seed alone); batched otherwise
        groups = [[i] for i in to_generate] if self.sampling else [to_generate] if to_generate else []
        for group in groups:
            new_ids = self._run_generate([prompts[i] for i in group])
            for index, ids in zip(group, new_ids):
                text = records[index].get("text")
                outputs[index] = self._generated_output(prompts[index], ids, None if text is None else str(text))
        return outputs  # type: ignore[return-value]

    def _score_output(self, text: str, score: TextScore) -> dict[str, Any]:
        output: dict[str, Any] = {"likelihood": likelihood_record(score, "text")}
        if self.per_token:
            output["details"] = {"tokens": self._tokens_detail(self.scorer.encode(text), score)}
        if score.n_tokens == 0:
            output["warnings"] = ["the text has no token to score"]
        return output

    # ----- streaming ----------------------------------------------------------------------------------------
    def stream(self, record: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Partial continuations as tokens are produced; the last output equals ``predict``'s.

        Text that could still become a stop string is held back until it cannot.
        Beam search cannot stream (its best text is known only at the end) and a
        text to score has nothing to stream: both yield the final output once.
        """
        problem = self._check(record)
        if problem or record.get("prompt") is None or self.beams > 1:
            yield self.predict([record])[0]
            return
        prompt = self._prompt(str(record["prompt"]))
        tokens = _TokenQueue()
        result: dict[str, Any] = {}

        def work() -> None:
            try:
                result["ids"] = self._run_generate([prompt], streamer=tokens)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the consuming thread
                result["error"] = exc
                tokens.end()

        thread = threading.Thread(target=work, name="nlpsuite-generate", daemon=True)
        thread.start()
        new_ids: list[int] = []
        shown = ""
        eos = set(self._eos_ids())
        while True:
            step = tokens.items.get()
            if step is None:
                break
            new_ids.extend(step)
            text = self.tokenizer.decode([t for t in new_ids if t not in eos], skip_special_tokens=True)
            text, stopped = cut_at_stop(text, self.stops)
            visible = text if stopped else held_back(text, self.stops)
            if visible != shown:
                shown = visible
                yield {"continuation": shown}
        thread.join()
        if "error" in result:
            error = result["error"]
            if isinstance(error, NlpsuiteError):
                raise error
            raise RuntimeError(f"generation failed: {type(error).__name__}: {error}") from error
        text = record.get("text")
        yield self._generated_output(prompt, result["ids"][0], None if text is None else str(text))
