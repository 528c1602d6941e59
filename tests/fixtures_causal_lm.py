"""Tiny GPT-2 models for the generation and bias tests, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlpsuite.testing.tiny_causal_lm import build_tiny_causal_lm


def _built(tmp_path_factory: pytest.TempPathFactory, name: str, **kwargs) -> Path:
    directory = tmp_path_factory.getbasetemp() / "nlpsuite-tiny-causal-lm" / name
    if not (directory / "config.json").is_file():
        build_tiny_causal_lm(directory, **kwargs)
    return directory


@pytest.fixture(scope="session")
def tiny_causal_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer GPT-2 (32-token context) that has memorised ``tiny_causal_lm.DEFAULT_SENTENCES``."""
    return _built(tmp_path_factory, "tiny-gpt2")


@pytest.fixture(scope="session")
def tiny_causal_lm_untrained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same GPT-2 as initialised, before any training (near-uniform next-token distribution)."""
    return _built(tmp_path_factory, "tiny-gpt2-untrained", train=False)
