"""Read a sentence-transformers BERT encoder directory without sentence-transformers or transformers.

The fast encoders (:mod:`.torch_bert`, :mod:`.onnx_encoder`) run the encoder from
its files directly: ``config.json`` (a BERT with absolute positions and GELU),
``modules.json`` (Transformer → mean Pooling → optional Normalize),
``sentence_bert_config.json`` (the window) and ``tokenizer.json``.  Importing
sentence-transformers costs seconds; reading these files costs milliseconds.
Anything else (CLS pooling, another architecture, no fast tokenizer) is
reported as not supported, so the caller can say what to use instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TRANSFORMER_MODULE = "sentence_transformers.models.Transformer"
POOLING_MODULE = "sentence_transformers.models.Pooling"
NORMALIZE_MODULE = "sentence_transformers.models.Normalize"


@dataclass(frozen=True)
class BertLayout:
    """What a fast encoder needs to know about a BERT sentence encoder on disk."""

    directory: Path
    hidden_size: int
    num_heads: int
    num_layers: int
    layer_norm_eps: float
    max_seq_length: int
    normalize: bool
    weights_file: Path
    tokenizer_file: Path

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_heads


class UnsupportedEncoder(ValueError):
    """The directory is not a BERT mean-pooling sentence encoder the fast runtimes can run."""


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UnsupportedEncoder(f"{path.name} is missing") from None
    except (OSError, ValueError) as exc:
        raise UnsupportedEncoder(f"{path.name} could not be read ({exc})") from None


def read_bert_layout(directory: Path | str) -> BertLayout:
    """The layout of the sentence encoder in ``directory``; raises :class:`UnsupportedEncoder` saying why not."""
    root = Path(directory)
    modules = _read_json(root / "modules.json")
    types = [m.get("type") for m in modules]
    if not types or types[0] != TRANSFORMER_MODULE or POOLING_MODULE not in types \
            or any(t not in (TRANSFORMER_MODULE, POOLING_MODULE, NORMALIZE_MODULE) for t in types):
        raise UnsupportedEncoder(f"modules {', '.join(map(str, types))} are not Transformer → Pooling (→ Normalize)")
    pooling_path = next(m.get("path", "") for m in modules if m.get("type") == POOLING_MODULE)
    pooling = _read_json(root / pooling_path / "config.json")
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v]
    if modes != ["pooling_mode_mean_tokens"]:
        raise UnsupportedEncoder(f"pooling {', '.join(modes) or 'none'} is not mean pooling")
    config = _read_json(root / "config.json")
    if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu" \
            or config.get("position_embedding_type", "absolute") != "absolute":
        raise UnsupportedEncoder(
            f"model_type {config.get('model_type')!r} with {config.get('hidden_act')!r} activation is not a BERT with GELU"
        )
    weights, tokenizer = root / "model.safetensors", root / "tokenizer.json"
    for needed in (weights, tokenizer):
        if not needed.is_file():
            raise UnsupportedEncoder(f"{needed.name} is missing")
    st_config = _read_json(root / "sentence_bert_config.json") if (root / "sentence_bert_config.json").is_file() else {}
    if st_config.get("do_lower_case"):
        raise UnsupportedEncoder("sentence_bert_config.json lowercases the input (do_lower_case)")
    st_model_config = root / "config_sentence_transformers.json"
    if st_model_config.is_file() and _read_json(st_model_config).get("default_prompt_name"):
        raise UnsupportedEncoder("config_sentence_transformers.json prefixes a default prompt to every input")
    window = int(st_config.get("max_seq_length") or config.get("max_position_embeddings", 512))
    return BertLayout(
        directory=root,
        hidden_size=int(config["hidden_size"]),
        num_heads=int(config["num_attention_heads"]),
        num_layers=int(config["num_hidden_layers"]),
        layer_norm_eps=float(config.get("layer_norm_eps", 1e-12)),
        max_seq_length=min(window, int(config.get("max_position_embeddings", window))),
        normalize=NORMALIZE_MODULE in types,
        weights_file=weights,
        tokenizer_file=tokenizer,
    )


def bert_weight_name(name: str) -> str:
    """Weight names without a ``bert.`` prefix (models saved from a task head keep one)."""
    return name[len("bert."):] if name.startswith("bert.") else name


def read_bert_weights(path: Path, *, framework: str = "np") -> dict[str, Any]:
    """The encoder's tensors from a safetensors file (``np`` arrays or ``pt`` tensors), names unprefixed."""
    from safetensors import safe_open

    with safe_open(str(path), framework=framework) as handle:
        return {bert_weight_name(k): handle.get_tensor(k) for k in handle.keys()  # noqa: SIM118
                if not k.endswith("position_ids")}
