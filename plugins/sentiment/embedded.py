"""Sentiment on a sentence encoder (the embedded all-MiniLM-L6-v2 offline).

On the embedded MiniLM the shipped low-rank adapter (:mod:`.adapter`) is merged
into a private copy of the encoder's weights (cached on disk, so a fresh process
only reads them; on the CPU they run without sentence-transformers, in plain
torch or with ``--runtime onnx [--quantize int8]`` on ONNX Runtime) and its head
gives the label.  When that
adapter cannot be used (file missing, or stamped for other weights or training
data) a notice says so and the linear probe on frozen embeddings
(:mod:`.probe`) answers instead; other sentence encoders always use the probe.
"""

from __future__ import annotations

from typing import Any

from nlpsuite.models.encoder_runtime import encoder_runtime, runtime_choice
from nlpsuite.models.loading import cache_key, cached, load_sentence_transformer, probe_notice
from nlpsuite.models.reference import ModelRequest
from nlpsuite.session import session_of
from nlpsuite.models.sentence_encoder import embed_with_warnings
from nlpsuite.plugins.sentiment.probe import PROBE_L2, sentiment_probe
from nlpsuite.specs import TaskOptions

ADAPTER_METHOD = "all-MiniLM-L6-v2 with low-rank adapters and a softmax head (data/sentiment-adapter.safetensors)"
PROBE_METHOD = "linear probe on sentence embeddings"


def is_embedded_minilm(model_sha256: str | None) -> bool:
    from nlpsuite.plugins.embedded import MINILM_SHA256

    return model_sha256 is not None and model_sha256 == MINILM_SHA256["model.safetensors"]


class EmbeddedSentiment:
    """``positive``/``negative`` from the adapted encoder's head, or from a linear probe on plain embeddings.

    ``use_adapter=False`` asks for the frozen-embedding probe even on the embedded
    MiniLM (for comparisons); ``notify`` receives the notice when the adapter
    should have been used and could not be.
    """

    # The harness hands over batches sorted by characters; the encoder re-sorts each by tokens and cuts it into
    # forward passes of about TOKENS_PER_BATCH tokens. 256 texts leave 7% padding on SST-2 dev where 64 left 36%.
    batch_size = 256

    def __init__(self, request: ModelRequest, options: TaskOptions, *, use_adapter: bool = True,
                 notify: Any = None) -> None:
        self._request, self._options, self._model = request, options, None
        model_sha = request.spec.sha256.get("model.safetensors") if request.spec is not None else None
        self.adapter_notice: str | None = None
        if use_adapter and is_embedded_minilm(model_sha):
            from nlpsuite.plugins.sentiment.adapter import shipped_adapter

            adapter, why = shipped_adapter(model_sha)
            if adapter is not None:
                key = (*cache_key(request, options, "SentenceTransformer"), "sentiment-adapter",
                       adapter.metadata["training_sha256"])
                self.encoder = cached(options, key, lambda: _adapted(request, options, adapter, model_sha))
                self.head = adapter.head
                self.method, self.weights = ADAPTER_METHOD, "shipped adapter (data/sentiment-adapter.safetensors)"
                return
            self.adapter_notice = (
                f"sentiment adapter not used: {why}; falling back to the weaker linear probe on frozen embeddings "
                "(regenerate it with `python -m nlpsuite.plugins.sentiment.adapter`)"
            )
            if notify is None and not options.quiet:
                from nlpsuite.runtime import print_notice

                notify = print_notice
            if notify is not None:
                notify(self.adapter_notice)
        key = (request.source, request.revision, str(self.model.device), *sorted(options.model_args.items()))
        self.encoder = self.model
        self.head, self.weights = sentiment_probe(self.model, key, model_sha, session_of(options))
        self.method = PROBE_METHOD

    @property
    def model(self) -> Any:
        """The session's shared (unadapted) encoder of this model, loaded at first use: the adapted path does not need it."""
        if self._model is None:
            self._model = load_sentence_transformer(self._request, self._options)
        return self._model

    def predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        embeddings, warnings = embed_with_warnings(self.encoder, [r["text"] for r in records])
        rows = self.head.probabilities(embeddings.cpu()).tolist()
        outputs = []
        for row, notes in zip(rows, warnings):
            scores = dict(zip(self.head.labels, row))
            label = max(scores, key=scores.__getitem__)
            output: dict[str, Any] = {
                "label": label,
                "score": round(scores[label], 6),
                "scores": {k: round(v, 6) for k, v in scores.items()},
            }
            if notes:
                output["warnings"] = notes
            outputs.append(output)
        return outputs

    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "method": self.method,
            "weights": self.weights,
            "labels": list(self.head.labels),
            "max_input_tokens": int(self.encoder.max_seq_length),
            **encoder_runtime(self.encoder),
        }
        if self.method == PROBE_METHOD:
            config["l2"] = PROBE_L2
        if self.adapter_notice:
            config["notice"] = self.adapter_notice
        return config


def _adapted(request: ModelRequest, options: TaskOptions, adapter: Any, model_sha: str) -> Any:
    """The encoder with the adapter merged: on the CPU in float32 read straight from the merged weights cached
    on disk (plain torch, or ONNX Runtime with ``--runtime onnx``); elsewhere merged into a copy of the model."""
    from pathlib import Path

    from nlpsuite.models.device import resolve_device, resolve_dtype

    device = resolve_device(options.device)
    choice = runtime_choice(options)
    if device == "cpu" and resolve_dtype(options.dtype, device) == "float32":
        from nlpsuite.models.encoder_runtime import fast_encoder
        from nlpsuite.models.integrity import file_sha256
        from nlpsuite.plugins.sentiment.adapter import ADAPTER_FILE, merged_weights_file
        from nlpsuite.plugins.sentiment.adapter_data import data_path

        directory = Path(request.source)
        merged, key = merged_weights_file(directory, model_sha, adapter, file_sha256(data_path(ADAPTER_FILE)))
        return fast_encoder(directory, key, choice, weights_file=merged, notify=probe_notice(options),
                            pins=session_of(options).runtime_pins)
    from nlpsuite.models.encoder_runtime import refuse_fast_runtime
    from nlpsuite.plugins.sentiment.adapter import adapted_encoder

    refuse_fast_runtime(options, f"device {device}")
    return adapted_encoder(load_sentence_transformer(request, options), adapter)
