"""Transformers model directories converted to CTranslate2 models (``--runtime ct2``), once per weights.

The conversion is CTranslate2's own ``TransformersConverter``, in float32 or with
int8 weights (``--quantize int8``), written into the conversion cache
(:mod:`.conversion_cache`) under a name holding the SHA-256 of the source
model's files (weights, config, tokenizer), the quantization, this recipe's version and CTranslate2's major
version: changed weights, a changed recipe or a new converter never reuse a
stale model, and every later load skips the conversion.

Two changes to the converter.  Its BART-family loaders read ``config.normalize_before``,
which transformers 5 no longer writes (older hub configs still carry it): when it is
absent it is set from the architecture, which fixes it (BART post-norm; mBART and
Pegasus pre-norm).  And its Marian loader assumes the opus-mt layout, where
``<pad>`` is the last vocabulary entry with an all-zero embedding, and drops it
(the decoder then starts from a zero vector, which is what that row holds).  A
Marian trained with transformers has ``<pad>`` elsewhere and a learnt row, and
the stock loader fails on it or (``<pad>`` last but not zero) decodes
differently from ``generate``.  Such models keep ``<pad>`` and start the decoder
from its embedding, exactly as ``generate`` does; opus-mt models convert as before.

Needs the ``ct2`` extra: ``pip install 'nlpsuite[ct2]'``.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

from nlpsuite.errors import UsageError
from nlpsuite.models.conversion_cache import converted_directory

#: Bump when the conversion changes: models converted by an older recipe are not reused.
RECIPE_VERSION = 2  # 2: keyed by every model file (was the weights alone)
CT2_EXTRA_HINT = "install the ct2 extra: pip install 'nlpsuite[ct2]' (ctranslate2)"
#: ``--quantize`` → CTranslate2's weight type.
WEIGHT_TYPES = {"none": "float32", "int8": "int8"}

_register_lock = threading.Lock()
_registered = False


def require_ctranslate2() -> None:
    """Refuse ``--runtime ct2`` early, naming the missing package and the fix."""
    if importlib.util.find_spec("ctranslate2") is None:
        raise UsageError("--runtime ct2 needs ctranslate2, which is not installed", hint=CT2_EXTRA_HINT)


def model_sha256(directory: Path) -> str:
    """The SHA-256 naming a model directory's conversion: of every file that shapes the converted model
    (weights, config, tokenizer and generation config), not of the weights alone."""
    from nlpsuite.models.content_hash import directory_sha256, model_files

    if not any(p.suffix in (".safetensors", ".bin") for p in model_files(directory)):
        raise UsageError(f"model directory {directory} has no weight files to convert for --runtime ct2",
                         hint="pass a directory written by save_pretrained (with model.safetensors)")
    return directory_sha256(directory)


def ct2_model_directory(directory: Path, sha256: str, quantize: str, *, trust_remote_code: bool = False) -> tuple[Path, bool]:
    """``(path, converted_now)``: the CTranslate2 model of the Transformers model in ``directory``."""
    import ctranslate2

    major = ctranslate2.__version__.split(".")[0]
    name = f"ct2-{sha256[:32]}-{WEIGHT_TYPES[quantize]}-r{RECIPE_VERSION}-ct{major}"

    def convert(target: Path) -> None:
        from ctranslate2.converters import TransformersConverter

        _register_loaders()
        TransformersConverter(str(directory), trust_remote_code=trust_remote_code).convert(
            str(target), quantization=WEIGHT_TYPES[quantize])

    return converted_directory(name, convert)


def _opus_layout(pad_token_id: int | None, embeddings: Any) -> bool:
    """Whether a Marian's vocabulary ends in ``<pad>`` with an all-zero embedding (the opus-mt layout)."""
    return pad_token_id == embeddings.shape[0] - 1 and not bool(embeddings[pad_token_id].any())


def _opus_model(model: Any) -> bool:
    return _opus_layout(model.config.pad_token_id, model.model.decoder.embed_tokens.weight)


#: Whether each BART-family architecture normalises before its sublayers (transformers 5 fixes it by class).
_PRE_NORM = {"BartConfig": False, "MBartConfig": True, "PegasusConfig": True}


def _register_loaders() -> None:
    """Put the loaders changed above into the converter's registry (once)."""
    global _registered
    with _register_lock:
        if _registered:
            return
        from ctranslate2.converters import transformers as ct2_transformers

        stock, bart = ct2_transformers.MarianMTLoader, ct2_transformers.BartLoader

        class MarianLoader(stock):  # type: ignore[misc, valid-type]
            """The stock loader for opus-mt layouts; otherwise BART's handling, which keeps ``<pad>``."""

            def get_model_spec(self, model: Any) -> Any:
                if _opus_model(model):
                    return super().get_model_spec(model)
                model.config.normalize_before = False
                model.config.normalize_embedding = False
                return bart.get_model_spec(self, model)

            def set_decoder(self, spec: Any, decoder: Any) -> None:
                if _opus_layout(decoder.config.pad_token_id, decoder.embed_tokens.weight):
                    super().set_decoder(spec, decoder)
                else:
                    bart.set_decoder(self, spec, decoder)

            def set_config(self, config: Any, model: Any, tokenizer: Any) -> None:
                if _opus_model(model):
                    super().set_config(config, model, tokenizer)
                else:
                    bart.set_config(self, config, model, tokenizer)

            def get_vocabulary(self, model: Any, tokenizer: Any) -> list[str]:
                if _opus_model(model):
                    return super().get_vocabulary(model, tokenizer)
                return bart.get_vocabulary(self, model, tokenizer)

        registry = ct2_transformers._MODEL_LOADERS
        registry["MarianConfig"] = MarianLoader()
        for name, pre_norm in _PRE_NORM.items():
            if name in registry:
                registry[name] = _with_norm_default(type(registry[name]), pre_norm)()
        _registered = True


def _with_norm_default(loader: type, pre_norm: bool) -> type:
    """``loader`` with ``config.normalize_before`` set to ``pre_norm`` where the config lacks it."""

    class Loader(loader):  # type: ignore[misc, valid-type]
        def get_model_spec(self, model: Any) -> Any:
            if not hasattr(model.config, "normalize_before"):
                model.config.normalize_before = pre_norm
            return super().get_model_spec(model)

    Loader.__name__ = loader.__name__
    return Loader
