"""The embedded sentiment classifier: a softmax regression on sentence embeddings of sentences nlpsuite wrote.

What it learns from is ``data/sentiment-train.jsonl``: 692 short review-style
sentences (346 positive, 346 negative; about films mostly, and about products,
places, food and services), written for nlpsuite; no public sentiment corpus is used.

Embedding those sentences takes seconds on a CPU, so the weights trained on the
embedded all-MiniLM-L6-v2 ship as ``data/sentiment-probe.json``, stamped with
the SHA-256 of the training file (and settings) and of the model weights.  They
are used only when both stamps match; otherwise (another encoder, edited
training data) the probe is trained at first use and kept in memory.

Regenerate the shipped weights after editing the training data::

    python -m nlpsuite.plugins.sentiment.probe
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

from nlpsuite.session import Session
from nlpsuite.labelled_examples import LabelledExample, read_examples
from nlpsuite.models.linear_probe import LinearProbe, train_linear_probe
from nlpsuite.models.sentence_encoder import embed

TRAINING_FILE = "sentiment-train.jsonl"
PROBE_FILE = "sentiment-probe.json"
#: L2 penalty, fixed before any measurement: scikit-learn's default strength (C = 1).
PROBE_L2 = 1.0
LABELS = ("negative", "positive")
FORMAT_VERSION = 1



def data_path(name: str) -> Path:
    return Path(str(resources.files("nlpsuite.plugins.sentiment") / "data" / name))


def training_examples() -> list[LabelledExample]:
    return read_examples(data_path(TRAINING_FILE))


def training_digest() -> str:
    """SHA-256 of the training data and the settings that turn it into weights."""
    digest = hashlib.sha256(data_path(TRAINING_FILE).read_bytes())
    digest.update(f"l2={PROBE_L2};labels={','.join(LABELS)};format={FORMAT_VERSION}".encode())
    return digest.hexdigest()


def train_probe(model: Any) -> LinearProbe:
    """Embed the training sentences with ``model`` and fit the probe (seconds on a CPU)."""
    examples = training_examples()
    embeddings = embed(model, [e.text for e in examples])
    return train_linear_probe(embeddings, [e.label for e in examples], l2=PROBE_L2, label_order=LABELS)


def shipped_probe(model_sha256: str | None) -> LinearProbe | None:
    """The shipped weights when they were trained on this model and on the current training data."""
    path = data_path(PROBE_FILE)
    if model_sha256 is None or not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("model_sha256") != model_sha256 or data.get("training_sha256") != training_digest():
        return None
    return LinearProbe.from_json(data)


def sentiment_probe(
    model: Any, model_key: tuple[Any, ...], model_sha256: str | None, session: Session
) -> tuple[LinearProbe, str]:
    """The probe for ``model`` and where it came from (``shipped`` or ``trained at load``, once per session)."""
    probe = shipped_probe(model_sha256)
    if probe is not None:
        return probe, "shipped weights (data/sentiment-probe.json)"
    trained = session.cache("sentiment-probe").get_or_load(model_key, lambda: train_probe(model))
    return trained, "trained at load on data/sentiment-train.jsonl"


def write_shipped_probe() -> Path:
    """Train on the embedded model (on the CPU) and write ``data/sentiment-probe.json``."""
    from nlpsuite.jsonl import write_atomic
    from nlpsuite.models.loading import load_sentence_transformer
    from nlpsuite.models.reference import parse_model_reference
    from nlpsuite.plugins.embedded import EMBEDDED_MINILM, MINILM_SHA256
    from nlpsuite.specs import TaskOptions

    model = load_sentence_transformer(parse_model_reference(EMBEDDED_MINILM), TaskOptions(device="cpu", dtype="float32"))
    probe = train_probe(model)
    record = {
        "format": FORMAT_VERSION,
        "model": EMBEDDED_MINILM,
        "model_sha256": MINILM_SHA256["model.safetensors"],
        "training_file": f"data/{TRAINING_FILE}",
        "training_sha256": training_digest(),
        "l2": PROBE_L2,
        "n_examples": len(training_examples()),
        **probe.to_json(),
    }
    record["weight"] = [[round(v, 7) for v in row] for row in record["weight"]]
    record["bias"] = [round(v, 7) for v in record["bias"]]
    path = data_path(PROBE_FILE)
    write_atomic(path, json.dumps(record) + "\n")
    return path


if __name__ == "__main__":
    print(write_shipped_probe())
