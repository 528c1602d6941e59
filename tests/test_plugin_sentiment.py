"""The sentiment plugin: a tiny fine-tuned classifier, the embedded MiniLM adapter (and its probe fallback) offline, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nlpsuite.errors import UsageError
from nlpsuite.registry import find_dataset
from nlpsuite.runtime import load_task
from nlpsuite.specs import TaskOptions
from nlpsuite.testing.tiny_classifier import DEFAULT_EXAMPLES, build_tiny_classifier

pytestmark = pytest.mark.usefixtures("one_torch_thread")

EMBEDDED = "all-MiniLM-L6-v2"
DEFAULT_MODEL = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"

# Written for these tests (none of them is in the probe's training data).
CLEAR = [
    ("The waiter was charming and the dessert was out of this world.", "positive"),
    ("I would gladly watch this series all over again.", "positive"),
    ("Our holiday cottage was cosy, spotless and had a lovely garden.", "positive"),
    ("Brilliant customer service, they sorted everything out in minutes.", "positive"),
    ("The flight was delayed for six hours and the staff were rude.", "negative"),
    ("This vacuum cleaner is noisy and it broke within a week.", "negative"),
    ("The lecture was a confusing, boring waste of an afternoon.", "negative"),
    ("The soup was cold and the bread was stale.", "negative"),
]


# Written for these tests: the final judgement overrules a concession, or a negation flips a word.
TURNS = [
    ("although the first hour drags , the last act is thrilling and i loved it .", "positive"),
    ("the cast is likeable , but the script is so lazy that nothing works .", "negative"),
    ("the sets are pretty , yet the whole thing is a crashing bore .", "negative"),
    ("it is not a bad film at all ; in fact it is a real treat .", "positive"),
    ("i did not enjoy a single minute of it .", "negative"),
    ("for all its rough edges , this is a warm and rewarding little movie .", "positive"),
    ("the trailer promised fun , but the film is dreary and far too long .", "negative"),
    ("nothing about it feels stale ; it is fresh , sharp and very funny .", "positive"),
    ("it looks gorgeous , but there is no story and no one to care about .", "negative"),
    ("the premise is silly , yet the film turns out to be smart and touching .", "positive"),
]


def torch_equal(a, b) -> bool:
    import torch

    return bool(torch.equal(a.float(), b.float()))


def accuracy(outputs: list[dict], gold: list[str]) -> float:
    return sum(o.get("label") == g for o, g in zip(outputs, gold)) / len(gold)


@pytest.fixture(scope="module")
def offline():
    notices: list[str] = []
    task = load_task("sentiment", options=TaskOptions(offline=True), notify=notices.append)
    return task, notices


def test_sample_dataset_is_balanced_and_labelled():
    records = list(find_dataset("sentiment-sample").load())
    assert 20 <= len(records) <= 40 and len({r["id"] for r in records}) == len(records)
    labels = [r["label"] for r in records]
    assert set(labels) == {"positive", "negative"} and labels.count("positive") == labels.count("negative")


def test_task_arguments_are_refused():
    with pytest.raises(UsageError) as info:
        load_task("sentiment", EMBEDDED, TaskOptions(task_args={"labels": "a,b"}))
    assert "takes no arguments" in info.value.message and "drop --arg" in info.value.hint


# --- fine-tuned classifier ------------------------------------------------------------------------


def test_tiny_classifier_labels_come_from_its_config(tiny_sentiment_classifier, tiny_sentiment_classifier_untrained):
    records = [{"text": text} for text, _ in DEFAULT_EXAMPLES]
    gold = [label for _, label in DEFAULT_EXAMPLES]
    trained = load_task("sentiment", str(tiny_sentiment_classifier))
    outputs = trained.predict(records)
    assert accuracy(outputs, gold) == 1.0
    assert all(o["score"] == max(o["scores"].values()) > 0.5 for o in outputs)
    assert trained.config()["label_polarity"] == {"negative": "negative", "positive": "positive"}
    untrained = load_task("sentiment", str(tiny_sentiment_classifier_untrained)).predict(records)
    assert accuracy(untrained, gold) <= 0.75


def test_model_labels_are_normalised_to_polarities(tmp_path):
    # Three generic labels follow the negative/neutral/positive convention.
    examples = [("good", "LABEL_2"), ("bad", "LABEL_0"), ("okay", "LABEL_1")]
    path = build_tiny_classifier(tmp_path / "generic", examples, labels=("LABEL_0", "LABEL_1", "LABEL_2"), steps=40)
    task = load_task("sentiment", str(path))
    assert task.config()["label_polarity"] == {"LABEL_0": "negative", "LABEL_1": "neutral", "LABEL_2": "positive"}
    assert [o["label"] for o in task.predict([{"text": "good"}, {"text": "bad"}, {"text": "okay"}])] == [
        "positive", "negative", "neutral"]


def test_star_ratings_are_summed_into_polarities(tmp_path):
    stars = ("1 star", "2 stars", "3 stars", "4 stars", "5 stars")
    examples = [("awful", "1 star"), ("poor", "2 stars"), ("fine", "3 stars"), ("nice", "4 stars"), ("superb", "5 stars")]
    path = build_tiny_classifier(tmp_path / "stars", examples, labels=stars, steps=40)
    [output] = load_task("sentiment", str(path)).predict([{"text": "superb"}])
    assert output["label"] == "positive"
    assert set(output["scores"]) == {"negative", "neutral", "positive"}
    assert sum(output["scores"].values()) == pytest.approx(1.0, abs=1e-4)


def test_a_model_without_sentiment_labels_is_refused(tmp_path, tiny_nli):
    path = build_tiny_classifier(tmp_path / "topics", [("goal", "sports"), ("soup", "food")], labels=("sports", "food"), steps=1)
    with pytest.raises(UsageError) as info:
        load_task("sentiment", str(path))
    assert "['sports', 'food']" in info.value.message and "--task classification" in info.value.hint
    with pytest.raises(UsageError) as info:
        load_task("sentiment", str(tiny_nli))
    assert "NLI model" in info.value.message


# --- embedded fallback ----------------------------------------------------------------------------


def test_offline_falls_back_to_the_embedded_adapter_with_a_notice(offline):
    task, notices = offline
    assert task.model.fallback is True and task.model.name == f"{EMBEDDED} (embedded)"
    assert len(notices) == 1 and DEFAULT_MODEL in notices[0] and EMBEDDED in notices[0]
    assert task.config()["weights"].startswith("shipped adapter") and "notice" not in task.config()


def test_embedded_sentiment_on_clear_sentences(offline):
    task, _ = offline
    outputs = task.predict([{"text": text} for text, _ in CLEAR])
    assert accuracy(outputs, [label for _, label in CLEAR]) == 1.0
    assert all(set(o["scores"]) == {"negative", "positive"} and 0.5 <= o["score"] <= 1.0 for o in outputs)


def test_empty_whitespace_and_long_inputs(offline):
    task, _ = offline
    long_text = "The staff were wonderful and the food was delicious. " * 60
    empty, blank, long = task.predict([{"text": ""}, {"text": " \n "}, {"text": long_text}])
    assert "empty" in empty["error"] and "empty" in blank["error"]
    assert long["label"] == "positive"
    assert "truncated to the model's window of 256 tokens" in long["warnings"][0]


def test_embedded_adapter_reads_concessions_and_negation(offline):
    task, _ = offline
    outputs = task.predict([{"text": text} for text, _ in TURNS])
    assert accuracy(outputs, [label for _, label in TURNS]) >= 0.8


def test_adapter_leaves_the_shared_minilm_as_published(offline):
    from safetensors.torch import load_file

    from nlpsuite.models.integrity import file_sha256
    from nlpsuite.plugins.embedded import MINILM_SHA256, minilm_path

    task, _ = offline
    # the adapted encoder reads merged weights of its own (cached on disk), never the shared MiniLM's
    merged = task.predictor.encoder.layout.weights_file
    assert merged.name.startswith("minilm-sentiment-") and merged.parent != minilm_path()
    classification = load_task("classification", EMBEDDED, TaskOptions(offline=True))
    shared = classification.predictor.model  # the cached encoder that summarization, classification and bias use
    assert shared is not task.predictor.encoder
    published = load_file(str(minilm_path() / "model.safetensors"))
    # the shared encoder runs from the published file itself, which the adapter never rewrote
    assert shared.layout.weights_file == minilm_path() / "model.safetensors"
    assert file_sha256(shared.layout.weights_file) == MINILM_SHA256["model.safetensors"]
    adapted = load_file(str(merged))
    assert not torch_equal(adapted["encoder.layer.0.attention.self.query.weight"],
                           published["encoder.layer.0.attention.self.query.weight"])


def test_adapter_file_is_small_and_stamped_with_its_training_data_and_model():
    from nlpsuite.plugins.embedded import MINILM_SHA256
    from nlpsuite.plugins.sentiment.adapter import ADAPTER_FILE, read_adapter, training_digest
    from nlpsuite.plugins.sentiment.adapter_data import data_path

    path = data_path(ADAPTER_FILE)
    assert path.stat().st_size < 1_000_000
    meta = read_adapter(path).metadata
    assert meta["training_sha256"] == training_digest()
    assert meta["model_sha256"] == MINILM_SHA256["model.safetensors"]


def test_heldout_reviews_are_balanced_and_never_trained_on():
    from nlpsuite.labelled_examples import read_examples
    from nlpsuite.plugins.sentiment.adapter_data import HELDOUT_FILE, SOURCE_FILES, data_path, training_examples

    heldout = read_examples(data_path(HELDOUT_FILE))
    assert HELDOUT_FILE not in SOURCE_FILES
    positives = sum(e.label == "positive" for e in heldout)
    assert {e.label for e in heldout} == {"positive", "negative"} and abs(2 * positives - len(heldout)) <= 4
    trained = {e.text.lower() for e in training_examples()}
    assert not [e.text for e in heldout if e.text.lower() in trained]


def test_adapter_that_does_not_fit_falls_back_to_the_probe_with_a_notice(monkeypatch):
    import nlpsuite.plugins.sentiment.adapter as adapter_module
    from nlpsuite.models.reference import parse_model_reference
    from nlpsuite.plugins.sentiment.embedded import PROBE_METHOD, EmbeddedSentiment

    request = parse_model_reference(EMBEDDED)
    monkeypatch.setattr(adapter_module, "training_digest", lambda: "0" * 64)
    notices: list[str] = []
    edited = EmbeddedSentiment(request, TaskOptions(), notify=notices.append)
    assert edited.config()["method"] == PROBE_METHOD and edited.encoder is edited.model
    assert len(notices) == 1 and "training data or settings have changed" in notices[0]
    assert "python -m nlpsuite.plugins.sentiment.adapter" in notices[0] and edited.config()["notice"] == notices[0]
    assert accuracy(edited.predict([{"text": t} for t, _ in CLEAR]), [label for _, label in CLEAR]) == 1.0

    monkeypatch.undo()
    monkeypatch.setattr(adapter_module, "ADAPTER_FILE", "no-such-adapter.safetensors")
    notices.clear()
    missing = EmbeddedSentiment(request, TaskOptions(), notify=notices.append)
    assert missing.config()["method"] == PROBE_METHOD and "no-such-adapter.safetensors is missing" in notices[0]


def test_damaged_adapter_file_is_reported_not_raised(monkeypatch, tmp_path):
    import nlpsuite.plugins.sentiment.adapter as adapter_module
    from nlpsuite.plugins.embedded import MINILM_SHA256

    (tmp_path / adapter_module.ADAPTER_FILE).write_bytes(b"not a safetensors file")
    monkeypatch.setattr(adapter_module, "data_path", lambda name: tmp_path / name)
    adapter, why = adapter_module.shipped_adapter(MINILM_SHA256["model.safetensors"])
    assert adapter is None and "could not be read" in why


def test_adapter_is_refused_for_other_model_weights():
    from nlpsuite.plugins.sentiment.adapter import ADAPTER_FILE, adapter_mismatch, read_adapter
    from nlpsuite.plugins.sentiment.adapter_data import data_path

    adapter = read_adapter(data_path(ADAPTER_FILE))
    assert "other MiniLM weights" in adapter_mismatch(adapter, "f" * 64)
    assert "other MiniLM weights" in adapter_mismatch(adapter, None)


@pytest.mark.slow
def test_shipped_probe_is_what_its_training_data_gives(offline):
    from nlpsuite.plugins.embedded import MINILM_SHA256
    from nlpsuite.plugins.sentiment.probe import shipped_probe, train_probe

    task, _ = offline
    shipped = shipped_probe(MINILM_SHA256["model.safetensors"])
    retrained = train_probe(task.predictor.model)
    assert retrained.labels == shipped.labels == ("negative", "positive")
    assert (retrained.weight - shipped.weight).abs().max().item() < 1e-3
    assert (retrained.bias - shipped.bias).abs().max().item() < 1e-3


@pytest.mark.slow
def test_cli_run_offline_prints_positive_with_the_embedded_model():
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "nlpsuite", "run", "--task", "sentiment", "what a lovely day"],
        capture_output=True, text=True, env=env, timeout=240,
    )
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.strip().splitlines()
    record = json.loads(line)
    assert record["prediction"]["label"] == "positive"
    assert record["model"]["name"] == f"{EMBEDDED} (embedded)" and record["model"]["fallback"] is True
    assert "notice:" in result.stderr and EMBEDDED in result.stderr
