"""Load models safely, once per process.

Loaded models live in the session's bounded cache (``options.session``, see
:mod:`nlpsuite.session`), keyed by (model source, revision, device, dtype,
loader, loader arguments): every UI tab, user and call of one front end shares them.
Safety: remote code only with ``trust_remote_code``; pickled weights only with
``allow_pickle``.  Not-available errors become :class:`ModelUnavailableError`
so the host can fall back to an embedded model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from nlpsuite.errors import InputError, ModelSecurityError, ModelUnavailableError, NlpsuiteError
from nlpsuite.models.device import resolve_device, resolve_dtype, torch_dtype
from nlpsuite.models.reference import ModelRequest
from nlpsuite.session import session_of
from nlpsuite.specs import TaskOptions

T = TypeVar("T")

SAFE_WEIGHTS = (".safetensors",)
PICKLED_WEIGHTS = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
# weights of other frameworks: not loadable here, but their presence means the weights are not "missing"
OTHER_WEIGHTS = (".h5", ".msgpack", ".onnx", ".gguf")

def cached(options: TaskOptions, key: tuple[Any, ...], load: Callable[[], T]) -> T:
    """The object the session of ``options`` holds under ``key``, loading it once."""
    return session_of(options).models.get_or_load(key, load)


def cache_key(request: ModelRequest, options: TaskOptions, loader: str) -> tuple[Any, ...]:
    device = resolve_device(options.device)
    dtype = resolve_dtype(options.dtype, device)
    model_args = tuple(sorted((k, repr(v)) for k, v in options.model_args.items()))
    return (request.source, request.revision, device, dtype, loader, model_args)


def check_local_weights(directory: Path, allow_pickle: bool) -> None:
    """Refuse a local model whose weights are missing (config.json alone), or only pickled unless allowed."""
    files = [p for p in directory.rglob("*") if p.is_file()]
    has_safe = any(p.name.endswith(SAFE_WEIGHTS) for p in files)
    pickled = [p.name for p in files if p.name.endswith(PICKLED_WEIGHTS) and p.name != "training_args.bin"]
    if (directory / "config.json").is_file() and not has_safe and not pickled \
            and not any(p.name.endswith(OTHER_WEIGHTS) for p in files):
        # without this, transformers' complaint about safetensors made us say "pass --allow-pickle"
        raise InputError(
            f"model directory {directory} has a config.json but no weight files (no *.safetensors or *.bin)",
            hint="copy the weights (e.g. model.safetensors) into it, or save the model again with save_pretrained",
        )
    if not has_safe and pickled and not allow_pickle:
        raise ModelSecurityError(
            f"model {directory} has only pickled weights ({', '.join(sorted(pickled)[:3])}); "
            "loading them can run arbitrary code",
            hint="convert them to safetensors, or pass --allow-pickle if you trust the source",
        )


def check_remote_code(directory: Path, trust_remote_code: bool) -> None:
    config = directory / "config.json"
    if trust_remote_code or not config.is_file():
        return
    try:
        auto_map = json.loads(config.read_text(encoding="utf-8")).get("auto_map")
    except (OSError, ValueError):
        return
    if auto_map:
        raise ModelSecurityError(
            f"model {directory} needs its own Python code (auto_map in config.json) to load",
            hint="read that code first; pass --trust-remote-code to run it",
        )


def pretrained_kwargs(request: ModelRequest, options: TaskOptions) -> dict[str, Any]:
    """Arguments every ``from_pretrained`` call gets: revision, offline, safety.

    A hub model is read from the local cache only when offline, or when the hub
    is found unreachable (then a cached copy still loads, and a missing one fails
    at once instead of after the hub client's retries).
    """
    from nlpsuite.models.hub_reachability import hub_unreachable

    local_only = options.offline or request.kind != "hub" or hub_unreachable() is not None
    kwargs: dict[str, Any] = {
        "trust_remote_code": options.trust_remote_code,
        "local_files_only": local_only,
    }
    if request.revision:
        kwargs["revision"] = request.revision
    return kwargs


def preflight(request: ModelRequest, options: TaskOptions) -> None:
    """Safety checks that need no loading (local directories only; hub checks happen in loading)."""
    if request.kind in ("local", "registered"):
        directory = Path(request.source)
        check_local_weights(directory, options.allow_pickle)
        check_remote_code(directory, options.trust_remote_code)


def translate_error(exc: Exception, request: ModelRequest, options: TaskOptions) -> NlpsuiteError:
    """Map library errors to ones that say what to do."""
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, NlpsuiteError):
        return exc
    if "trust_remote_code" in lowered:
        return ModelSecurityError(
            f"model {request.display_name} needs its own Python code to load",
            hint="pass --trust-remote-code if you trust it",
        )
    if "safetensors" in lowered and not options.allow_pickle:
        return ModelSecurityError(
            f"model {request.display_name} has no safetensors weights; pickled weights are refused",
            hint="pass --allow-pickle if you trust the source",
        )
    if request.kind == "hub" and not options.offline and _names_missing_repository(exc):
        return InputError(
            f"model {request.display_name} does not exist on the hub (or is private)",
            hint="check the model id and revision; for a private model log in with `hf auth login`",
        )
    if request.kind == "hub":
        # imported here: urllib/http/ssl cost every command (and --help) tens of milliseconds
        from nlpsuite.models.hub_reachability import TIMEOUT_VARIABLE, hub_unreachable

        unreachable = None if options.offline else hub_unreachable()
        if unreachable is not None:
            return ModelUnavailableError(
                f"model {request.display_name} is not available: the hub {unreachable.endpoint} is unreachable "
                f"({unreachable.address}: {unreachable.reason}) and the model is not in the local cache",
                hint=f"pass --model PATH to a local model directory, or go online; {TIMEOUT_VARIABLE}=SECONDS "
                "waits longer for a slow network",
            )
        why = "offline mode is on and it is not in the local cache" if options.offline else "the hub could not be reached"
        return ModelUnavailableError(
            f"model {request.display_name} is not available: {why} ({type(exc).__name__}: {text.splitlines()[0] if text else ''})",
            hint="pass --model PATH to a local model directory, or go online to download it",
        )
    return InputError(
        f"model directory {request.source} could not be loaded: {type(exc).__name__}: {text.splitlines()[0] if text else ''}",
        hint="pass a directory written by save_pretrained (config.json, tokenizer and weights)",
    )


def _quiet_local_loading(request: ModelRequest, options: TaskOptions) -> None:
    """transformers draws a bar for every weight load; keep it only for hub downloads the user sees."""
    if options.quiet or request.kind != "hub":
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()


def _names_missing_repository(exc: BaseException) -> bool:
    """True when the hub answered that the repository or revision does not exist."""
    while exc is not None:
        if type(exc).__name__ in ("RepositoryNotFoundError", "RevisionNotFoundError", "GatedRepoError"):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _guarded(request: ModelRequest, options: TaskOptions, load: Callable[[], T], *, transformers_load: bool = True) -> T:
    preflight(request, options)
    if transformers_load:  # importing transformers only to silence it would cost a fast loader seconds
        _quiet_local_loading(request, options)
    try:
        return load()
    except (OSError, ValueError, ImportError, RuntimeError, KeyError) as exc:
        raise translate_error(exc, request, options) from exc
    except Exception as exc:  # network client errors have many types
        if request.kind == "hub" and "connect" in type(exc).__name__.lower() + str(exc).lower():
            raise translate_error(exc, request, options) from exc
        raise


def load_pretrained(
    request: ModelRequest,
    options: TaskOptions,
    auto_class: str,
    *,
    with_tokenizer: bool = True,
) -> tuple[Any, Any]:
    """Load ``transformers.<auto_class>`` (and its tokenizer) on the chosen device, in eval mode."""

    from nlpsuite.models.encoder_runtime import loader_model_args, refuse_fast_runtime

    refuse_fast_runtime(options, f"model {request.display_name} ({auto_class})")

    def load() -> tuple[Any, Any]:
        import transformers

        device = resolve_device(options.device)
        dtype = resolve_dtype(options.dtype, device)
        kwargs = pretrained_kwargs(request, options)
        model_cls = getattr(transformers, auto_class)
        model = model_cls.from_pretrained(
            request.source,
            dtype=torch_dtype(dtype),
            use_safetensors=None if options.allow_pickle else True,
            **kwargs,
            **loader_model_args(options),
        )
        model.to(device)
        model.eval()
        tokenizer = transformers.AutoTokenizer.from_pretrained(request.source, **kwargs) if with_tokenizer else None
        return model, tokenizer

    return cached(options, cache_key(request, options, auto_class), lambda: _guarded(request, options, load))


def load_sentence_transformer(request: ModelRequest, options: TaskOptions) -> Any:
    """A sentence encoder with ``SentenceTransformer``'s ``encode``/``max_seq_length``/``tokenizer``.

    A BERT mean-pooling encoder (the embedded all-MiniLM-L6-v2) on the CPU in float32
    runs straight from its files (:mod:`.direct_encoder`): on the runtime ``auto``
    measured fastest among the exact ones here, or the one ``--runtime`` forces, and
    without importing sentence-transformers or transformers.  Any other encoder, or
    another device or dtype, is a ``SentenceTransformer`` (``--runtime torch``/``auto``).
    """
    from nlpsuite.models.encoder_runtime import runtime_choice

    choice = runtime_choice(options)
    return cached(options, cache_key(request, options, "SentenceEncoder"),
                  lambda: _load_sentence_encoder(request, options, choice))


def _load_sentence_encoder(request: ModelRequest, options: TaskOptions, choice: Any) -> Any:
    directory = _guarded(request, options, lambda: _direct_encoder_directory(request, options, choice),
                         transformers_load=False)
    if directory is not None:
        return _guarded(request, options, lambda: _fast_sentence_encoder(request, options, directory, choice),
                        transformers_load=False)

    def load() -> Any:
        from sentence_transformers import SentenceTransformer

        device = resolve_device(options.device)
        dtype = resolve_dtype(options.dtype, device)
        kwargs = pretrained_kwargs(request, options)
        return SentenceTransformer(
            request.source,
            device=device,
            trust_remote_code=kwargs["trust_remote_code"],
            local_files_only=kwargs["local_files_only"],
            revision=kwargs.get("revision"),
            model_kwargs={"dtype": torch_dtype(dtype), "use_safetensors": None if options.allow_pickle else True},
        )

    return _guarded(request, options, load)


def _direct_encoder_directory(request: ModelRequest, options: TaskOptions, choice: Any) -> Path | None:
    """The model's directory when the direct encoder runs it, else None (``SentenceTransformer`` does).

    A forced fast runtime always gets the directory, so that its loader says why it cannot run the model.
    """
    from nlpsuite.models.bert_layout import UnsupportedEncoder, read_bert_layout
    from nlpsuite.models.encoder_runtime import AUTO

    forced_fast = choice.runtime not in (AUTO, "torch") or choice.quantize != "none"
    device = resolve_device(options.device)
    if device != "cpu" or resolve_dtype(options.dtype, device) != "float32":
        if forced_fast:
            _require_cpu_float32(options, choice.runtime)
        return None
    directory = model_directory(request, options, ENCODER_FILES)
    try:
        read_bert_layout(directory)
    except UnsupportedEncoder:
        return directory if forced_fast else None
    return directory


def _fast_sentence_encoder(request: ModelRequest, options: TaskOptions, directory: Path, choice: Any) -> Any:
    from nlpsuite.models.content_hash import directory_sha256
    from nlpsuite.models.encoder_runtime import fast_encoder

    # the ONNX graph (and the runtime probe's record) follow the config (layers, heads, norms) as well as the
    # weights: keyed by the content of every model file
    return fast_encoder(directory, directory_sha256(directory), choice, notify=probe_notice(options),
                        pins=session_of(options).runtime_pins)


def probe_notice(options: TaskOptions) -> Callable[[str], None] | None:
    """Where ``auto`` says that it measures (a few seconds, once per machine and model): stderr, unless quiet."""
    if options.quiet:
        return None
    from nlpsuite.runtime import print_notice

    return print_notice


def _require_cpu_float32(options: TaskOptions, runtime: str) -> None:
    """The fast runtimes run on the CPU in float32 weights (int8 being ``--quantize``'s)."""
    from nlpsuite.models.encoder_runtime import AUTO, runtime_choice

    device = resolve_device(options.device)
    if device != "cpu" or resolve_dtype(options.dtype, device) != "float32":
        # name what the user asked for: with auto that is --quantize int8, not a runtime
        asked = "--quantize int8" if runtime_choice(options).runtime == AUTO else f"--runtime {runtime}"
        raise InputError(
            f"{asked} runs on the CPU in float32 (asked: {device}, {resolve_dtype(options.dtype, device)})",
            hint="add --device cpu, or drop --runtime/--quantize to run on the accelerator",
        )


#: The files a direct sentence encoder reads from a hub snapshot (not the repository's ONNX or OpenVINO exports).
ENCODER_FILES = ("*.json", "*.safetensors", "*.txt")


def conversion_files(options: TaskOptions) -> tuple[str, ...]:
    """What a CTranslate2 conversion reads from a hub snapshot: config, weights and tokenizer files (the model's
    own code only when it may run), not the repository's TensorFlow, Flax, ONNX or pickled copies."""
    return ("*.json", "*.safetensors", "*.txt", "*.model", "*.spm", "*.tiktoken", *(("*.py",) if options.trust_remote_code else ()))


def model_directory(request: ModelRequest, options: TaskOptions, files: tuple[str, ...] | None = None) -> Path:
    """The local directory of a model's files (a hub model's snapshot, downloaded unless offline)."""
    if request.kind != "hub":
        return Path(request.source)
    from huggingface_hub import snapshot_download

    kwargs = pretrained_kwargs(request, options)
    return Path(snapshot_download(request.source, revision=request.revision, local_files_only=kwargs["local_files_only"],
                                  allow_patterns=list(files) if files else None))


def load_seq2seq(request: ModelRequest, options: TaskOptions) -> tuple[Any, Any]:
    """A sequence-to-sequence model and its tokenizer: ``AutoModelForSeq2SeqLM``, or with ``--runtime ct2`` (or
    ``--quantize int8``) a :class:`~.ct2_seq2seq.Ct2Seq2Seq` of the same weights (converted once, cached on disk by
    their hash).  ``auto`` in float32 is torch here; :func:`~.auto_generation.auto_seq2seq` may measure CTranslate2."""
    from nlpsuite.models.encoder_runtime import generation_runtime, require_runtime, runtime_choice

    choice = runtime_choice(options)
    require_runtime(choice, ("torch", "ct2"), f"model {request.display_name} (a sequence-to-sequence model)")
    choice = generation_runtime(choice)
    if choice.runtime == "torch":
        return load_pretrained(request, options, "AutoModelForSeq2SeqLM")
    return load_ct2_seq2seq(request, options, choice.quantize)


def load_ct2_seq2seq(request: ModelRequest, options: TaskOptions, quantize: str) -> tuple[Any, Any]:
    """The :class:`~.ct2_seq2seq.Ct2Seq2Seq` of a seq2seq model and its tokenizer."""

    def load() -> tuple[Any, Any]:
        from nlpsuite.models.ct2_seq2seq import Ct2Seq2Seq

        converted, config, generation_config, tokenizer = _ct2_parts(request, options, quantize)
        return Ct2Seq2Seq(converted, config, generation_config, tokenizer, quantize), tokenizer

    return cached(options, ct2_cache_key(request, options, "Translator", quantize),
                  lambda: _guarded(request, options, load))


def ct2_cache_key(request: ModelRequest, options: TaskOptions, engine: str, quantize: str) -> tuple[Any, ...]:
    return cache_key(request, options, f"ct2.{engine}.{quantize}")


def model_weights_key(request: ModelRequest, options: TaskOptions) -> str:
    """What names a model for ``auto``'s stored choice: a hub model's snapshot commit (nothing downloaded but
    the files a conversion reads), a local model's content (:func:`.ct2_conversion.model_sha256`: every model
    file, weights, config and tokenizer alike)."""
    from nlpsuite.models.ct2_conversion import model_sha256

    directory = _guarded(request, options, lambda: model_directory(request, options, conversion_files(options)),
                         transformers_load=False)
    return f"{request.source}@{directory.name}" if request.kind == "hub" else model_sha256(directory)


def load_causal_lm(request: ModelRequest, options: TaskOptions) -> tuple[Any, Any, Any]:
    """``(model, tokenizer, generator)``: ``AutoModelForCausalLM`` and its tokenizer, and with ``--runtime ct2`` (or
    ``--quantize int8``) a :class:`~.ct2_causal.Ct2CausalLM` that generates (``None`` otherwise); the torch model
    still scores.  With ``auto`` in float32 the task may measure CTranslate2 (:func:`~.auto_generation.auto_ct2_generator`)."""
    from dataclasses import replace

    from nlpsuite.models.encoder_runtime import generation_runtime, loader_model_args, require_runtime, runtime_choice

    choice = runtime_choice(options)
    require_runtime(choice, ("torch", "ct2"), f"model {request.display_name} (a causal LM)")
    choice = generation_runtime(choice)
    model, tokenizer = load_pretrained(request, replace(options, model_args=loader_model_args(options)),
                                       "AutoModelForCausalLM")
    if choice.runtime == "torch":
        return model, tokenizer, None
    return model, tokenizer, load_ct2_generator(request, options, choice.quantize)


def load_ct2_generator(request: ModelRequest, options: TaskOptions, quantize: str) -> Any:
    """The :class:`~.ct2_causal.Ct2CausalLM` of a causal LM (converted on first use, cached on disk by its weights)."""

    def load() -> Any:
        from nlpsuite.models.ct2_causal import Ct2CausalLM

        converted, _config, generation_config, ct2_tokenizer = _ct2_parts(request, options, quantize)
        return Ct2CausalLM(converted, generation_config, ct2_tokenizer, quantize)

    return cached(options, ct2_cache_key(request, options, "Generator", quantize), lambda: _guarded(request, options, load))


def _ct2_parts(request: ModelRequest, options: TaskOptions, quantize: str) -> tuple[Path, Any, Any, Any]:
    """The CTranslate2 model of ``request`` (converted on first use) and the Transformers config, generation
    config and tokenizer that go with it."""
    from nlpsuite.models.ct2_conversion import ct2_model_directory, model_sha256, require_ctranslate2

    require_ctranslate2()
    _require_cpu_float32(options, "ct2")
    import transformers

    directory = model_directory(request, options, conversion_files(options))
    remote = options.trust_remote_code
    config = transformers.AutoConfig.from_pretrained(directory, trust_remote_code=remote)
    try:
        generation_config = transformers.GenerationConfig.from_pretrained(directory)
    except OSError:  # no generation_config.json: generate takes the model config's values
        generation_config = transformers.GenerationConfig.from_model_config(config)
    tokenizer = transformers.AutoTokenizer.from_pretrained(directory, trust_remote_code=remote)
    converted, _made = ct2_model_directory(directory, model_sha256(directory), quantize, trust_remote_code=remote)
    return converted, config, generation_config, tokenizer


def model_config(request: ModelRequest, options: TaskOptions) -> dict[str, Any]:
    """The model's config.json as a dict (architectures, id2label, …) without loading weights."""

    def load() -> dict[str, Any]:
        kwargs = pretrained_kwargs(request, options)
        if request.kind == "hub" and kwargs["local_files_only"]:
            # An offline fallback starts here: knowing that the hub default is not cached needs no
            # transformers import (seconds of a cold start), only a look into the hub cache.
            from huggingface_hub import try_to_load_from_cache

            if not isinstance(try_to_load_from_cache(request.source, "config.json", revision=request.revision), str):
                raise OSError(f"{request.display_name} is not in the local Hugging Face cache")
        _quiet_local_loading(request, options)
        import transformers

        return transformers.AutoConfig.from_pretrained(request.source, **kwargs).to_dict()

    return cached(options, (request.source, request.revision, "config", options.offline),
                  lambda: _guarded(request, options, load, transformers_load=False))
