"""Which runtime runs a model, and at what precision: ``--runtime torch|onnx|ct2`` and ``--quantize none|int8``.

The choice travels in ``TaskOptions.model_args`` (``{"runtime": "onnx", "quantize":
"int8"}``; defaults are left out, so a default run keeps its cache key), so it is
part of the model cache key, of the harness's prediction key (the model identity
holds ``model_args``) and of every results file.  Loaders read it with
:func:`runtime_choice` and take the two keys out before ``from_pretrained``
(:func:`loader_model_args`).

* ``auto`` (default): the fastest runtime installed that gives the same outputs as
  torch, measured once per machine and model (:mod:`.runtime_probe`); int8 only
  with ``--quantize int8``, then the fastest int8 runtime;
* ``torch``: the model in PyTorch; for BERT mean-pooling sentence encoders on the
  CPU in float32 (the embedded MiniLM) the plain-torch forward of :mod:`.torch_bert`,
  elsewhere sentence-transformers or transformers;
* ``onnx``: BERT sentence encoders on ONNX Runtime (:mod:`.onnx_encoder`),
  float32 or, with ``--quantize int8``, int8 weights;
* ``ct2``: sequence-to-sequence models (translation, abstractive summarization) and
  causal LMs (generation) on CTranslate2 (:mod:`.ct2_seq2seq`, :mod:`.ct2_causal`), float32 or int8.

Each loader states which runtimes it has (:func:`require_runtime`); any other is
refused with a message saying which models each runtime runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlpsuite.errors import UsageError
from nlpsuite.models.runtime_probe import cpu_threads
from nlpsuite.specs import TaskOptions

if TYPE_CHECKING:
    from nlpsuite.models.bert_layout import BertLayout
    from nlpsuite.models.direct_encoder import DirectSentenceEncoder

AUTO = "auto"
RUNTIMES = (AUTO, "torch", "onnx", "ct2")
#: What each fast runtime runs (the messages that refuse one, ``nlpsuite runtimes``), and the extra installing it.
RUNTIME_SUPPORT = {
    "onnx": "BERT sentence encoders (sentiment and classification on e.g. the embedded all-MiniLM-L6-v2)",
    "ct2": "sequence-to-sequence models (translation, abstractive summarization: Marian, BART, M2M100, NLLB) "
           "and causal LMs (generation)",
}
RUNTIME_EXTRAS = {"onnx": "nlpsuite[fast]", "ct2": "nlpsuite[ct2]"}
#: The runtimes of sentence encoders (:func:`fast_encoder`).
ENCODER_RUNTIMES = ("torch", "onnx")
#: The runtimes that can run int8 weights.
INT8_RUNTIMES = ("onnx", "ct2")
QUANTIZATIONS = ("none", "int8")
DEFAULTS = {"runtime": AUTO, "quantize": "none"}
#: What runs a model that records no runtime of its own (a plain transformers or sentence-transformers model).
PLAIN = {"runtime": "torch", "quantize": "none"}
RUNTIME_KEYS = tuple(DEFAULTS)


#: The task-config key that says who chose the runtime: ``auto`` (measured here) or ``forced`` (``--runtime``).
CHOSEN_BY = "runtime_chosen_by"


@dataclass(frozen=True)
class RuntimeChoice:
    runtime: str = AUTO
    quantize: str = "none"


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
    if choice.quantize == "int8" and choice.runtime not in (AUTO, *INT8_RUNTIMES):
        raise UsageError(f"--quantize int8 runs on ONNX Runtime or CTranslate2, not --runtime {choice.runtime}",
                         hint="drop --runtime (auto picks the int8 runtime), or use --runtime onnx (sentence "
                              "encoders) or --runtime ct2 (seq2seq and causal LMs)")
    return choice


def runtime_choice(options: TaskOptions) -> RuntimeChoice:
    args = options.model_args
    return check_choice(RuntimeChoice(str(args.get("runtime", DEFAULTS["runtime"])),
                                      str(args.get("quantize", DEFAULTS["quantize"]))))


def generation_runtime(choice: RuntimeChoice) -> RuntimeChoice:
    """The concrete runtime of a seq2seq model or causal LM: ``auto`` is CTranslate2 for int8 (the only int8
    runtime of these models) and torch in float32."""
    if choice.runtime != AUTO:
        return choice
    return RuntimeChoice("ct2" if choice.quantize == "int8" else "torch", choice.quantize)


def loader_model_args(options: TaskOptions) -> dict[str, Any]:
    """``model_args`` for ``from_pretrained``: without the runtime choice, which is nlpsuite's, not the model's."""
    return {k: v for k, v in options.model_args.items() if k not in RUNTIME_KEYS}


def require_runtime(choice: RuntimeChoice, offered: tuple[str, ...], what: str) -> None:
    """Refuse ``choice`` unless ``what``'s loader ``offered`` it, saying which runtime runs which models.

    A loader refuses a runtime it lacks rather than run plain torch under a label that says otherwise.
    """
    if choice.runtime in offered:
        return
    if choice.runtime == AUTO and (choice.quantize == "none" or any(r in INT8_RUNTIMES for r in offered)):
        return  # auto picks among what the loader offers
    others = "; ".join(f"--runtime {name} runs {RUNTIME_SUPPORT[name]}" for name in RUNTIME_SUPPORT)
    fits = [name for name in offered if name not in (AUTO, PLAIN["runtime"])]
    hint = (f"use --runtime {' or '.join(fits)} for this model, or drop --runtime/--quantize ({others})" if fits
            else f"drop --runtime/--quantize for this model ({others})")
    raise UsageError(f"{_asked(choice)} is not available for {what}", hint=hint)


def _asked(choice: RuntimeChoice) -> str:
    """The options the user gave for ``choice``, as a refusal names them (with auto only --quantize int8 was)."""
    return "--quantize int8" if choice.runtime == AUTO else f"--runtime {choice.runtime} --quantize {choice.quantize}"


def refuse_fast_runtime(options: TaskOptions, what: str) -> None:
    """Loaders that only run plain torch refuse every other runtime (``auto`` means torch for them)."""
    require_runtime(runtime_choice(options), (PLAIN["runtime"],), what)


def fast_encoder(directory: Path | str, weights_sha256: str, choice: RuntimeChoice, *,
                 weights_file: Path | None = None, weights: Callable[[], Mapping[str, Any]] | None = None,
                 notify: Callable[[str], None] | None = None, pins: MutableMapping[str, str] | None = None) -> Any:
    """A :class:`~.direct_encoder.DirectSentenceEncoder` of the BERT sentence encoder in ``directory``.

    ``weights_file`` replaces the directory's ``model.safetensors`` (merged adapter
    weights); ``weights_sha256`` names the weights the ONNX conversion cache and the
    ``auto`` choice are keyed by.  With ``auto`` the runtime is the one
    :func:`~.runtime_probe.select_runtime` measured fastest among the exact ones here
    (``notify`` hears when it measures; ``pins`` are the session's choices, see :func:`~.runtime_probe.select_runtime`).
    """
    from nlpsuite.models.bert_layout import UnsupportedEncoder, read_bert_layout

    require_runtime(choice, ENCODER_RUNTIMES, f"the sentence encoder in {directory}")
    try:
        layout = read_bert_layout(directory)
    except UnsupportedEncoder as exc:
        raise UsageError(
            f"{_asked(choice)} cannot run the encoder in {directory}: {exc}",
            hint="the fast runtime runs BERT mean-pooling sentence encoders; drop --runtime/--quantize for this model",
        ) from None
    if weights_file is not None:
        layout = replace(layout, weights_file=weights_file)
    if choice.runtime != AUTO:
        return direct_encoder(layout, weights_sha256, choice, weights, chosen_by="forced")
    return _auto_encoder(layout, weights_sha256, choice.quantize, weights, notify, pins)


def direct_encoder(layout: BertLayout, weights_sha256: str, choice: RuntimeChoice,
                   weights: Callable[[], Mapping[str, Any]] | None = None, *, chosen_by: str) -> DirectSentenceEncoder:
    """The direct encoder of ``layout`` on the concrete runtime ``choice`` (``torch`` or ``onnx``)."""
    from nlpsuite.models.bert_layout import read_bert_weights
    from nlpsuite.models.direct_encoder import DirectSentenceEncoder

    if choice.runtime == "onnx":
        from nlpsuite.models.onnx_encoder import OnnxBertForward, onnx_model_file, require_onnx_runtime

        require_onnx_runtime()
        load = weights or (lambda: read_bert_weights(layout.weights_file))
        path = onnx_model_file(layout, weights_sha256, choice.quantize, lambda: dict(load()))
        forward: Any = OnnxBertForward(path, threads=cpu_threads())  # the threads torch and the probe's key use
    else:
        from nlpsuite.models.torch_bert import TorchBertForward

        forward = TorchBertForward(layout, dict(weights()) if weights is not None else None)
    return DirectSentenceEncoder(layout, forward, runtime=choice.runtime, quantize=choice.quantize,
                                 weights_sha256=weights_sha256, chosen_by=chosen_by)


def _auto_encoder(layout: BertLayout, weights_sha256: str, quantize: str,
                  weights: Callable[[], Mapping[str, Any]] | None,
                  notify: Callable[[str], None] | None, pins: MutableMapping[str, str] | None) -> DirectSentenceEncoder:
    """The encoder on the runtime ``auto`` picks; an encoder the probe built is used, not built twice."""
    from nlpsuite.models.onnx_encoder import GRAPH_VERSION, require_onnx_runtime
    from nlpsuite.models.runtime_probe import ProbeTarget, probe_sentences, runtime_installed, select_runtime, vectors_match

    names = [name for name in ENCODER_RUNTIMES if (quantize == "none" or name in INT8_RUNTIMES) and runtime_installed(name)]
    if not names:  # int8 asked for, ONNX Runtime missing: say what to install
        require_onnx_runtime()
    built: dict[str, DirectSentenceEncoder] = {}
    sentences = probe_sentences()

    def candidate(name: str) -> Callable[[], Callable[[], Any]]:
        def build() -> Callable[[], Any]:
            encoder = built[name] = direct_encoder(layout, weights_sha256, RuntimeChoice(name, quantize), weights,
                                                   chosen_by="auto")
            return lambda: encoder.encode(sentences, batch_size=256, normalize_embeddings=True)
        return build

    target = ProbeTarget("sentence-encoder", weights_sha256, quantize, {name: candidate(name) for name in names},
                         vectors_match, len(sentences), signature={"onnx_graph": GRAPH_VERSION},
                         what=f"the sentence encoder {layout.directory.name}")
    chosen = select_runtime(target, notify, pins)
    encoder = built.get(chosen.runtime) or direct_encoder(layout, weights_sha256, RuntimeChoice(chosen.runtime, quantize),
                                                          weights, chosen_by="auto")
    built.clear()  # the other candidates' weights are released
    encoder.runtime_selection = chosen
    return encoder


def encoder_runtime(model: Any, selection: Any = None) -> dict[str, str]:
    """What runs ``model``, an encoder or a seq2seq model (recorded in task configs): ``{"runtime": ..., "quantize": ...}``,
    with :data:`CHOSEN_BY` ``auto`` when ``selection`` (a :class:`~.runtime_probe.RuntimeSelection`) chose it."""
    describe = getattr(model, "describe", None)
    described = describe() if callable(describe) else dict(PLAIN)
    if selection is not None:
        described[CHOSEN_BY] = "auto"
    return described
