"""The fast encoder runtimes: plain torch straight from the files, ONNX Runtime in float32 and int8,
the on-disk conversion cache, and the runtime choice in cache keys and results."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from nlpsuite.errors import UsageError
from nlpsuite.runtime import load_task
from nlpsuite.specs import TaskOptions

EMBEDDED = "all-MiniLM-L6-v2"
ONNX = {"runtime": "onnx"}
INT8 = {"runtime": "onnx", "quantize": "int8"}
needs_onnx = pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("onnx") is None,
    reason="the fast extra (onnxruntime, onnx) is not installed",
)

TEXTS = [
    "The staff were friendly and the room was spotless.",
    "Terrible.",
    "A slow start, but the last hour is wonderful.",
    "word " * 400,  # longer than the 256-token window: cut, and warned about
]

# Short reviews written for this test, with the label a reader gives them.
REVIEWS = [
    ("I loved every minute of this film and would watch it again tomorrow.", "positive"),
    ("The soup was cold, the bread was stale and the waiter ignored us.", "negative"),
    ("Brilliant acting, a clever plot and a score that stays with you.", "positive"),
    ("The phone overheats and the battery is dead by lunchtime.", "negative"),
    ("A warm, funny and generous book; I gave a copy to each of my friends.", "positive"),
    ("Two hours of my life I will never get back.", "negative"),
    ("The hotel was quiet, clean and the breakfast was superb.", "positive"),
    ("It broke on the second day and the shop refused to replace it.", "negative"),
    ("Our guide was patient, knowledgeable and great with the children.", "positive"),
    ("The plot makes no sense and the jokes fall flat.", "negative"),
    ("Fast delivery, sturdy build, exactly as described.", "positive"),
    ("The app crashes every time I open the camera.", "negative"),
    ("A gorgeous, moving finale that earns every tear.", "positive"),
    ("Rude staff, long queues and a dirty bathroom.", "negative"),
    ("Simple ingredients, perfectly cooked; the best meal of our trip.", "positive"),
    ("The instructions were missing and half the screws did not fit.", "negative"),
]


def sentence_transformer():
    from nlpsuite.models.loading import load_sentence_transformer
    from nlpsuite.models.reference import parse_model_reference

    return load_sentence_transformer(parse_model_reference(EMBEDDED), TaskOptions(device="cpu"))


def direct(model_args):
    from nlpsuite.models.loading import load_sentence_transformer
    from nlpsuite.models.reference import parse_model_reference

    return load_sentence_transformer(parse_model_reference(EMBEDDED), TaskOptions(device="cpu", model_args=model_args))


def test_plain_torch_encoder_equals_sentence_transformers_and_counts_tokens_before_cutting():
    from nlpsuite.models.encoder_runtime import RuntimeChoice, fast_encoder
    from nlpsuite.models.sentence_encoder import embed_with_warnings
    from nlpsuite.plugins.embedded import MINILM_SHA256, minilm_path

    reference = sentence_transformer()
    encoder = fast_encoder(minilm_path(), MINILM_SHA256["model.safetensors"], RuntimeChoice("torch"))
    expected, expected_warnings = embed_with_warnings(reference, TEXTS)
    got, warnings = embed_with_warnings(encoder, TEXTS)
    assert (got - expected).abs().max().item() < 1e-5
    assert warnings == expected_warnings and warnings[-1] and not any(warnings[:-1])
    assert encoder.max_seq_length == reference.max_seq_length == 256
    # a single string and NumPy output, as SentenceTransformer.encode gives them
    single = encoder.encode(TEXTS[0])
    assert single.shape == (384,) and abs(float((single ** 2).sum()) - 1.0) < 1e-5


def test_plain_torch_encoder_packs_a_padded_batch_to_the_same_vectors_as_each_text_alone():
    from nlpsuite.models.encoder_runtime import RuntimeChoice, fast_encoder
    from nlpsuite.plugins.embedded import MINILM_SHA256, minilm_path

    encoder = fast_encoder(minilm_path(), MINILM_SHA256["model.safetensors"], RuntimeChoice("torch"))
    texts = ["fine", "a much longer review that goes on about the plot for a while", "not good at all"]
    ids = encoder.token_ids(texts)
    assert len({len(row) for row in ids}) == 3  # one padded batch: the padding-free path
    together = encoder.encode_ids(ids, batch_size=8)
    alone = np.stack([encoder.encode_ids([row], batch_size=1)[0] for row in ids])  # unpadded: the plain path
    assert np.abs(together - alone).max() < 1e-5


@needs_onnx
def test_onnx_float32_equals_sentence_transformers():
    from nlpsuite.models.sentence_encoder import embed

    expected = embed(sentence_transformer(), TEXTS)
    got = embed(direct(ONNX), TEXTS)
    assert (got - expected).abs().max().item() < 1e-4


@needs_onnx
def test_int8_sentiment_keeps_its_answers_on_reviews_written_for_this_test():
    rows = [{"text": text} for text, _ in REVIEWS]
    gold = [label for _, label in REVIEWS]
    plain = load_task("sentiment", None, TaskOptions(offline=True, quiet=True), notify=lambda _m: None)
    int8 = load_task("sentiment", None, TaskOptions(offline=True, quiet=True, model_args=INT8), notify=lambda _m: None)
    plain_labels = [o["label"] for o in plain.predict(rows)]
    int8_out = int8.predict(rows)
    int8_labels = [o["label"] for o in int8_out]
    assert sum(p == g for p, g in zip(plain_labels, gold)) >= 15
    assert sum(p == g for p, g in zip(int8_labels, gold)) >= 15
    assert plain_labels == int8_labels
    assert int8.config()["runtime"] == "onnx" and int8.config()["quantize"] == "int8"
    # the default is auto: an exact float32 runtime, whichever measured fastest here
    assert plain.config()["runtime"] in ("torch", "onnx") and plain.config()["quantize"] == "none"
    assert plain.config()["runtime_chosen_by"] == "auto" and int8.config()["runtime_chosen_by"] == "forced"


@needs_onnx
def test_conversion_is_cached_on_disk_by_weight_hash_and_reused(tmp_path, monkeypatch):
    import nlpsuite.models.onnx_encoder as onnx_encoder
    from nlpsuite.models.bert_layout import read_bert_layout, read_bert_weights
    from nlpsuite.plugins.embedded import MINILM_SHA256, minilm_path

    monkeypatch.setenv("NLPSUITE_CACHE_DIR", str(tmp_path))
    layout = read_bert_layout(minilm_path())
    sha = MINILM_SHA256["model.safetensors"]
    reads: list[int] = []

    def weights():
        reads.append(1)
        return read_bert_weights(layout.weights_file)

    first = onnx_encoder.onnx_model_file(layout, sha, "int8", weights)
    assert first.parent.parent == tmp_path / "converted" and sha[:32] in first.name and reads == [1]
    made = first.stat().st_mtime_ns

    def refuse(*_args):
        raise AssertionError("converted again")

    monkeypatch.setattr(onnx_encoder, "write_float_model", refuse)
    monkeypatch.setattr(onnx_encoder, "write_int8_model", refuse)
    again = onnx_encoder.onnx_model_file(layout, sha, "int8", weights)
    assert again == first and again.stat().st_mtime_ns == made and reads == [1]
    assert not [p for p in (tmp_path / "converted").iterdir() if p.name.endswith(".partial")]
    # other weights, other file
    with pytest.raises(AssertionError, match="converted again"):
        onnx_encoder.onnx_model_file(layout, "f" * 64, "int8", weights)


def test_runtime_choice_is_in_the_prediction_cache_key():
    from nlpsuite.evaluation.prediction_cache import config_key
    from nlpsuite.evaluation.runner import prediction_key_description

    keys = set()
    cases = [{}] + ([ONNX, INT8] if importlib.util.find_spec("onnxruntime") and importlib.util.find_spec("onnx") else [])
    for model_args in cases:
        loaded = load_task("classification", EMBEDDED, TaskOptions(offline=True, quiet=True, model_args=model_args,
                                                                   task_args={"labels": "sports,politics"}))
        description = prediction_key_description(loaded, {"plugin": "classification"}, loaded.config())
        assert description["model"]["model_args"] == model_args
        keys.add(config_key(description))
    assert len(keys) == len(cases)


def test_cli_runtime_options_are_checked_and_defaults_leave_the_key_alone():
    import argparse

    from nlpsuite.cli.options import add_model_options, task_options_from

    parser = argparse.ArgumentParser()
    add_model_options(parser)
    assert task_options_from(parser.parse_args([])).model_args == {}
    assert task_options_from(parser.parse_args(["--runtime", "auto", "--quantize", "none"])).model_args == {}
    # a forced runtime is part of the key, even torch
    assert task_options_from(parser.parse_args(["--runtime", "torch"])).model_args == {"runtime": "torch"}
    assert task_options_from(parser.parse_args(["--runtime", "onnx", "--quantize", "int8"])).model_args == INT8
    with pytest.raises(UsageError, match="int8 runs on ONNX Runtime"):
        task_options_from(parser.parse_args(["--runtime", "torch", "--quantize", "int8"]))


def test_a_model_without_a_fast_runtime_refuses_it_instead_of_running_plain_torch(tiny_sentiment_classifier):
    with pytest.raises(UsageError, match="not available for model"):
        load_task("sentiment", str(tiny_sentiment_classifier), TaskOptions(offline=True, model_args=ONNX))


def test_runtime_onnx_without_the_fast_extra_says_what_to_install(monkeypatch):
    import nlpsuite.models.onnx_encoder as onnx_encoder

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    with pytest.raises(UsageError, match="needs onnxruntime") as caught:
        onnx_encoder.require_onnx_runtime()
    assert "nlpsuite[fast]" in caught.value.hint


@pytest.mark.slow
def test_cli_help_and_a_sentiment_answer_import_no_sentence_transformers():
    code = (
        "import sys, runpy; sys.argv = ['nlpsuite', 'run', '--task', 'sentiment', '--offline', '-q', 'Lovely room.'];\n"
        "try:\n    runpy.run_module('nlpsuite', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in ('transformers', 'sentence_transformers') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"})
    assert '"label": "positive"' in result.stdout, result.stderr
    assert "LOADED []" in result.stdout
