"""The embedded sentiment adapter: MiniLM with low-rank adapters plus a softmax head, trained on sentences nlpsuite wrote.

A linear probe on *frozen* all-MiniLM-L6-v2 embeddings tops out near 0.77-0.79
on SST-2 dev however it is trained, so the adapter also changes the encoder:
it adds rank-8 updates (:mod:`.low_rank`) to every attention and feed-forward
layer of MiniLM and trains them, with a softmax head on the normalised
mean-pooled embedding, on :func:`.adapter_data.training_examples`
(6,008 sentences, all written for nlpsuite; no SST or other public sentiment data).
Measured with ``benchmarks/sentiment_sst2.py``: 0.8073 accuracy on SST-2 dev (frozen-embedding
probe 0.7718, zero-shot 0.6972) and 0.8173 on nlpsuite's own held-out film reviews
(``data/sentiment-heldout.jsonl``, never trained on).

The result ships as ``data/sentiment-adapter.safetensors`` (the low-rank factors
in float16 and the head), stamped with the SHA-256 of the training data and
settings and of the MiniLM weights it was trained on.  At load the factors are
merged into a *copy* of the encoder, cached under its own key: the shared
MiniLM that other tasks use is never changed.

Regenerate (about fifteen minutes on two CPU cores; seeded, on the CPU)::

    python -m nlpsuite.plugins.sentiment.adapter
"""

from __future__ import annotations

import copy
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlpsuite.models.linear_probe import LinearProbe
from nlpsuite.plugins.sentiment.adapter_data import COMPOSE_SEED, COMPOSED_PER_LABEL, SOURCE_FILES, data_path
from nlpsuite.plugins.sentiment.low_rank import TARGETS

ADAPTER_FILE = "sentiment-adapter.safetensors"
LABELS = ("negative", "positive")
FORMAT_VERSION = 1

# Training settings: common LoRA defaults, fixed before any measurement on SST-2 and not changed since.
RANK = 8
ALPHA = 16.0
DROPOUT = 0.1
LEARNING_RATE = 5e-4
WEIGHT_DECAY = 0.01
EPOCHS = 3
BATCH_SIZE = 32
WARMUP_FRACTION = 0.1
SEED = 0
TRAIN_THREADS = 2


@dataclass(frozen=True)
class SentimentAdapter:
    """Low-rank factors for the encoder and the head that reads its embeddings."""

    factors: dict[str, Any]
    scale: float
    head: LinearProbe
    metadata: dict[str, str]


def training_digest() -> str:
    """SHA-256 of the training data files and every setting that turns them into weights."""
    digest = hashlib.sha256()
    for name in SOURCE_FILES:
        digest.update(name.encode() + b"\0" + data_path(name).read_bytes() + b"\0")
    settings = (
        f"format={FORMAT_VERSION};labels={','.join(LABELS)};rank={RANK};alpha={ALPHA};dropout={DROPOUT};"
        f"lr={LEARNING_RATE};wd={WEIGHT_DECAY};epochs={EPOCHS};batch={BATCH_SIZE};warmup={WARMUP_FRACTION};"
        f"seed={SEED};targets={','.join(TARGETS)};"
        f"composed={COMPOSED_PER_LABEL}@{COMPOSE_SEED}"
    )
    digest.update(settings.encode())
    return digest.hexdigest()


def read_adapter(path: Path) -> SentimentAdapter:
    """The adapter stored at ``path`` (a safetensors file written by :func:`write_shipped_adapter`)."""
    from safetensors import safe_open

    tensors: dict[str, Any] = {}
    with safe_open(str(path), framework="pt") as handle:
        metadata = dict(handle.metadata() or {})
        for name in handle.keys():  # noqa: SIM118 (safe_open is not a mapping)
            tensors[name] = handle.get_tensor(name)
    head = LinearProbe(
        labels=tuple(metadata["labels"].split(",")),
        weight=tensors.pop("head.weight").float(),
        bias=tensors.pop("head.bias").float(),
    )
    return SentimentAdapter(factors=tensors, scale=float(metadata["alpha"]) / int(metadata["rank"]), head=head,
                            metadata=metadata)


def adapter_mismatch(adapter: SentimentAdapter, model_sha256: str | None) -> str | None:
    """Why the adapter does not fit this encoder and training data, or ``None`` when it does."""
    meta = adapter.metadata
    if meta.get("format") != str(FORMAT_VERSION):
        return f"it has format {meta.get('format')}, this nlpsuite reads format {FORMAT_VERSION}"
    if model_sha256 is None or meta.get("model_sha256") != model_sha256:
        return "it was trained on other MiniLM weights"
    if meta.get("training_sha256") != training_digest():
        return "its training data or settings have changed since it was written"
    return None


def shipped_adapter(model_sha256: str | None) -> tuple[SentimentAdapter | None, str | None]:
    """``(adapter, None)`` when the shipped file fits this encoder, else ``(None, why not)``."""
    path = data_path(ADAPTER_FILE)
    if not path.is_file():
        return None, f"{path} is missing"
    from safetensors import SafetensorError

    try:
        adapter = read_adapter(path)
    except (SafetensorError, OSError, ValueError, KeyError) as exc:  # damaged file: the caller falls back
        return None, f"{path} could not be read ({type(exc).__name__}: {exc})"
    why = adapter_mismatch(adapter, model_sha256)
    return (None, f"{path} does not fit: {why}") if why else (adapter, None)


def adapted_encoder(model: Any, adapter: SentimentAdapter) -> Any:
    """A copy of the sentence encoder ``model`` with the adapter merged in (``model`` is left as it was)."""
    from nlpsuite.plugins.sentiment.low_rank import merge_low_rank

    adapted = copy.deepcopy(model)
    merge_low_rank(adapted[0].auto_model, adapter.factors, adapter.scale)
    adapted.eval()
    return adapted


#: Bump when :func:`merged_weights_file` changes what it writes or how it is keyed (2: by every model file).
MERGE_VERSION = 2


def merged_weights_file(directory: Path, model_sha256: str, adapter: SentimentAdapter, adapter_sha256: str) -> tuple[Path, str]:
    """``(path, key)``: the encoder weights with the adapter merged in, cached on disk once per (model files, adapter file).

    Merging takes a copy of the model and seconds of a cold start; the merged file
    is read directly by the fast encoders.  ``key`` (a SHA-256 of both hashes and
    the merge version) names the merged weights in the ONNX conversion cache.
    """
    from nlpsuite.models.bert_layout import read_bert_layout, read_bert_weights
    from nlpsuite.models.conversion_cache import converted_file
    from nlpsuite.plugins.sentiment.low_rank import merged_state

    from nlpsuite.models.content_hash import directory_sha256

    # keyed by the directory's content, config included (the merge reads the layer count from it), not only
    # by the weights' registered hash
    key = hashlib.sha256(f"{directory_sha256(directory)}:{adapter_sha256}:merge-v{MERGE_VERSION}".encode()).hexdigest()

    def convert(partial: Path) -> None:
        from safetensors.torch import save_file

        layout = read_bert_layout(directory)
        weights = read_bert_weights(directory / "model.safetensors", framework="pt")
        merged = merged_state(weights, adapter.factors, adapter.scale, layout.num_layers)
        save_file({name: tensor.contiguous() for name, tensor in merged.items()}, str(partial),
                  metadata={"model_sha256": model_sha256, "adapter_sha256": adapter_sha256})

    path, _ = converted_file(f"minilm-sentiment-{key[:32]}.safetensors", convert)
    return path, key


# --- training ---------------------------------------------------------------------------------------


def train_adapter(model: Any, *, log: Any = print) -> SentimentAdapter:
    """Train the adapter and head on a copy of ``model`` (a MiniLM ``SentenceTransformer`` on the CPU)."""
    import random

    import torch

    from nlpsuite.models.linear_probe import train_linear_probe
    from nlpsuite.models.sentence_encoder import embed
    from nlpsuite.plugins.sentiment.adapter_data import training_examples
    from nlpsuite.plugins.sentiment.low_rank import attach_low_rank, low_rank_state

    torch.manual_seed(SEED)
    examples = training_examples()
    index = {label: i for i, label in enumerate(LABELS)}
    texts = [e.text for e in examples]
    targets = torch.tensor([index[e.label] for e in examples])

    # Start the head where the frozen-embedding probe ends, so training only has to improve on it.
    start_probe = train_linear_probe(embed(model, texts), [e.label for e in examples], l2=1.0, label_order=LABELS)
    student = copy.deepcopy(model)
    bert = student[0].auto_model
    params = attach_low_rank(bert, RANK, ALPHA, DROPOUT, SEED)
    head = torch.nn.Linear(start_probe.dim, len(LABELS))
    with torch.no_grad():
        head.weight.copy_(start_probe.weight)
        head.bias.copy_(start_probe.bias)
    optimizer = torch.optim.AdamW([*params, *head.parameters()], lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    steps_per_epoch = (len(texts) + BATCH_SIZE - 1) // BATCH_SIZE
    total = steps_per_epoch * EPOCHS
    warmup = max(1, int(WARMUP_FRACTION * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / (total - warmup)))
    )
    order = list(range(len(texts)))
    rng = random.Random(SEED)
    student.train()
    started = time.perf_counter()
    with torch.enable_grad():
        for epoch in range(EPOCHS):
            rng.shuffle(order)
            running = 0.0
            for step in range(steps_per_epoch):
                batch = order[step * BATCH_SIZE:(step + 1) * BATCH_SIZE]
                features = student.preprocess([texts[i] for i in batch])
                embedding = student(features)["sentence_embedding"]
                loss = torch.nn.functional.cross_entropy(head(embedding), targets[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
                running += loss.item()
            log(f"epoch {epoch + 1}/{EPOCHS}: mean loss {running / steps_per_epoch:.4f} "
                f"({time.perf_counter() - started:.0f} s)")
    factors = {name: tensor.to(torch.float16) for name, tensor in low_rank_state(bert).items()}
    head_probe = LinearProbe(labels=LABELS, weight=head.weight.detach().clone(), bias=head.bias.detach().clone())
    metadata = {
        "format": str(FORMAT_VERSION),
        "labels": ",".join(LABELS),
        "rank": str(RANK),
        "alpha": str(ALPHA),
        "targets": ",".join(TARGETS),
        "training_sha256": training_digest(),
        "n_examples": str(len(examples)),
    }
    return SentimentAdapter(factors=factors, scale=ALPHA / RANK, head=head_probe, metadata=metadata)


def write_shipped_adapter() -> Path:
    """Train on the embedded MiniLM (CPU, float32, fixed threads and seed) and write ``data/sentiment-adapter.safetensors``."""
    import torch
    from safetensors.torch import save_file

    from nlpsuite.models.loading import load_sentence_transformer
    from nlpsuite.models.reference import parse_model_reference
    from nlpsuite.plugins.embedded import EMBEDDED_MINILM, MINILM_SHA256
    from nlpsuite.specs import TaskOptions

    torch.set_num_threads(TRAIN_THREADS)  # fixed so that reruns add up floating point in the same order
    model = load_sentence_transformer(parse_model_reference(EMBEDDED_MINILM), TaskOptions(device="cpu", dtype="float32"))
    adapter = train_adapter(model)
    metadata = {**adapter.metadata, "model": EMBEDDED_MINILM, "model_sha256": MINILM_SHA256["model.safetensors"]}
    tensors = {name: t.contiguous() for name, t in adapter.factors.items()}
    tensors["head.weight"] = adapter.head.weight.contiguous()
    tensors["head.bias"] = adapter.head.bias.contiguous()
    path = data_path(ADAPTER_FILE)
    partial = path.with_suffix(".partial")
    save_file(tensors, str(partial), metadata=metadata)
    partial.chmod(0o644)  # safetensors writes owner-only files; package data must be readable by all
    partial.replace(path)
    return path


if __name__ == "__main__":
    print(write_shipped_adapter())
