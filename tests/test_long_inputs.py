"""Very long inputs cost what the model reads: counting a 20 MB line for a 256-token window reads about 2 kB of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nlpsuite.models.token_window import AtLeast, window_texts

LINE = "the quick brown fox jumps over the lazy dog . "


@pytest.fixture(scope="module")
def minilm_tokenizer():
    from transformers import AutoTokenizer

    from nlpsuite.plugins.embedded import minilm_path

    return AutoTokenizer.from_pretrained(str(minilm_path()))


def test_a_long_text_is_read_as_a_prefix_with_the_same_window_of_tokens(minilm_tokenizer):
    seen: list[int] = []

    def counting(texts, pairs=None, **kwargs):
        seen.extend(len(t) for t in texts)
        return minilm_tokenizer(texts, pairs, **kwargs) if pairs else minilm_tokenizer(texts, **kwargs)

    text = LINE * 100_000  # 4.6 MB
    [short, long], [n_short, n_long] = window_texts(counting, ["a short text", text], 256)
    assert short == "a short text" and n_short == 5 and not isinstance(n_short, AtLeast)
    assert isinstance(n_long, AtLeast) and n_long > 256 and text.startswith(long) and len(long) < 5_000
    assert max(seen) < 5_000  # never the whole text
    window = dict(truncation=True, max_length=256)
    assert minilm_tokenizer(long, **window)["input_ids"] == minilm_tokenizer(text[:20_000], **window)["input_ids"]


def test_a_text_of_very_long_tokens_still_finds_the_window(minilm_tokenizer):
    # words longer than the tokenizer's longest word become one [UNK] each: many characters per token
    text = " ".join(["x" * 150] * 2_000)
    [prefix], [n] = window_texts(minilm_tokenizer, [text], 64)
    assert n > 64 and len(prefix) < len(text)
    assert len(minilm_tokenizer(prefix)["input_ids"]) == n


@pytest.mark.slow
def test_a_20_mb_line_through_the_cli_is_answered_with_a_truncation_warning(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"text": (LINE * 440_000)[:20_000_000]}) + "\n", encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NLPSUITE_CACHE_DIR": str(tmp_path / "cache")}
    argv = [sys.executable, "-m", "nlpsuite", "run", "--task", "sentiment", "--input", str(path), "--quiet"]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    warnings = json.loads(line)["prediction"]["warnings"]
    assert any("input truncated to the model's window of 256 tokens (more than" in w for w in warnings)
