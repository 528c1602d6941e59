"""Which runtime runs a model, and at what precision: ``--runtime torch|onnx|ct2`` and ``--quantize none|int8``.

The choice travels in ``TaskOptions.model_args`` (``{"runtime": "onnx", "quantize":
"int8"}``; defaults are left out, so a default run keeps its cache key), so it is
part of the model cache key, of the harness's prediction key (the model identity
holds ``model_args``) and of every results file.  Loaders read it with
:func:`runtime_choice` and take the two keys out before ``from_pretrained``
(:func:`loader_model_args`).

* ``torch`` (default): the model in PyTorch as before; for the embedded sentiment
  encoder the plain-torch forward of :mod:`.torch_bert`;
* ``onnx``: BERT sentence encoders on ONNX Runtime (:mod:`.onnx_encoder`),
  float32 or, with ``--quantize int8``, int8 weights;
* ``ct2``: sequence-to-sequence models (translation, abstractive summarization) and
  causal LMs (generation) on CTranslate2 (:mod:`.ct2_seq2seq`, :mod:`.ct2_causal`), float32 or int8.

Each loader states which runtimes it has (:func:`require_runtime`); any other is
refused with a message saying which models each runtime runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nlpsuite.errors import UsageError
from nlpsuite.specs import TaskOptions

RUNTIMES = ("torch", "onnx", "ct2")
#: What each fast runtime runs, for the messages that refuse one elsewhere.
RUNTIME_SUPPORT = {
    "onnx": "BERT sentence encoders (sentiment and classification on e.g. the embedded all-MiniLM-L6-v2)",
    "ct2": "sequence-to-sequence models (translation, abstractive summarization: Marian, BART, M2M100, NLLB) "
           "and causal LMs (generation)",
}
#: The runtimes of sentence encoders (:func:`fast_encoder`).
ENCODER_RUNTIMES = ("torch", "onnx")
#: The runtimes that can run int8 weights.
INT8_RUNTIMES = ("onnx", "ct2")
QUANTIZATIONS = ("none", "int8")
DEFAULTS = {"runtime": "torch", "quantize": "none"}
RUNTIME_KEYS = tuple(DEFAULTS)


@dataclass(frozen=True)
class RuntimeChoice:
    runtime: str = "torch"
    quantize: str = "none"

    @property
    def is_default(self) -> bool:
        return self.runtime == DEFAULTS["runtime"] and self.quantize == DEFAULTS["quantize"]


def runtime_model_args(runtime: str | None, quantize: str | None) -> dict[str, str]:
    """The ``model_args`` entries for a runtime choice (defaults left out); checks the values."""
    choice = check_choice(RuntimeChoice(runtime or DEFAULTS["runtime"], quantize or DEFAULTS["quantize"]))
    return {key: value for key, value in (("runtime", choice.runtime), ("quantize", choice.quantize))
            if value != DEFAULTS[key]}


def check_choice(choice: RuntimeChoice) -> RuntimeChoice:
    if choice.runtime not in RUNTIMES:
        raise UsageError(f"unknown runtime {choice.runtime!r}", hint=f"use one of: {', '.join(RUNTIMES)}")
    if choice.quantize not in QUANTIZATIONS:
        raise UsageError(f"unknown quantization {choice.quantize!r}", hint=f"use one of: {', '.join(QUANTIZATIONS)}")
    if choice.quantize == "int8" and choice.runtime not in INT8_RUNTIMES:
        raise UsageError("--quantize int8 runs on ONNX Runtime or CTranslate2",
                         hint="add --runtime onnx (sentence encoders) or --runtime ct2 (seq2seq and causal LMs)")
    return choice


def runtime_choice(options: TaskOptions) -> RuntimeChoice:
    args = options.model_args
    return check_choice(RuntimeChoice(str(args.get("runtime", DEFAULTS["runtime"])),
                                      str(args.get("quantize", DEFAULTS["quantize"]))))


def loader_model_args(options: TaskOptions) -> dict[str, Any]:
    """``model_args`` for ``from_pretrained``: without the runtime choice, which is nlpsuite's, not the model's."""
    return {k: v for k, v in options.model_args.items() if k not in RUNTIME_KEYS}


def require_runtime(choice: RuntimeChoice, offered: tuple[str, ...], what: str) -> None:
    """Refuse ``choice`` unless ``what``'s loader ``offered`` it, saying which runtime runs which models.

    A loader refuses a runtime it lacks rather than run plain torch under a label that says otherwise.
    """
    if choice.runtime in offered:
        return
    others = "; ".join(f"--runtime {name} runs {RUNTIME_SUPPORT[name]}" for name in RUNTIME_SUPPORT)
    fits = [name for name in offered if name != DEFAULTS["runtime"]]
    hint = (f"use --runtime {' or '.join(fits)} for this model, or drop --runtime/--quantize ({others})" if fits
            else f"drop --runtime/--quantize for this model ({others})")
    raise UsageError(f"--runtime {choice.runtime} --quantize {choice.quantize} is not available for {what}", hint=hint)


def refuse_fast_runtime(options: TaskOptions, what: str) -> None:
    """Loaders that only run plain torch refuse every other runtime."""
    require_runtime(runtime_choice(options), (DEFAULTS["runtime"],), what)


def fast_encoder(directory: Path | str, weights_sha256: str, choice: RuntimeChoice, *,
                 weights_file: Path | None = None, weights: Callable[[], Mapping[str, Any]] | None = None) -> Any:
    """A :class:`~.direct_encoder.DirectSentenceEncoder` of the BERT sentence encoder in ``directory``.

    ``weights_file`` replaces the directory's ``model.safetensors`` (merged adapter
    weights); ``weights_sha256`` names the weights the ONNX conversion cache is keyed by.
    """
    from nlpsuite.models.bert_layout import UnsupportedEncoder, read_bert_layout, read_bert_weights
    from nlpsuite.models.direct_encoder import DirectSentenceEncoder

    require_runtime(choice, ENCODER_RUNTIMES, f"the sentence encoder in {directory}")
    try:
        layout = read_bert_layout(directory)
    except UnsupportedEncoder as exc:
        raise UsageError(
            f"--runtime {choice.runtime} cannot run the encoder in {directory}: {exc}",
            hint="the fast runtime runs BERT mean-pooling sentence encoders; drop --runtime/--quantize for this model",
        ) from None
    if weights_file is not None:
        layout = replace(layout, weights_file=weights_file)
    if choice.runtime == "onnx":
        from nlpsuite.models.onnx_encoder import OnnxBertForward, onnx_model_file, require_onnx_runtime

        require_onnx_runtime()
        load = weights or (lambda: read_bert_weights(layout.weights_file))
        path = onnx_model_file(layout, weights_sha256, choice.quantize, lambda: dict(load()))
        forward: Any = OnnxBertForward(path)
    else:
        from nlpsuite.models.torch_bert import TorchBertForward

        forward = TorchBertForward(layout, dict(weights()) if weights is not None else None)
    return DirectSentenceEncoder(layout, forward, runtime=choice.runtime, quantize=choice.quantize,
                                 weights_sha256=weights_sha256)


def encoder_runtime(model: Any) -> dict[str, str]:
    """What runs ``model``, an encoder or a seq2seq model (recorded in task configs): ``{"runtime": ..., "quantize": ...}``."""
    describe = getattr(model, "describe", None)
    return describe() if callable(describe) else dict(DEFAULTS)
