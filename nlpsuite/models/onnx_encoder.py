"""The BERT sentence encoder on ONNX Runtime, in float32 or int8 (``--runtime onnx [--quantize int8]``).

The ONNX graph is written here from the safetensors weights (no exporter, no
tracing: the graph is the BERT forward pass spelled out with standard ONNX ops,
ending in mean pooling), so conversion needs ``onnx`` and NumPy only.  int8 is
ONNX Runtime's dynamic quantization with per-channel (per output column) int8
weights on the weight matrix products; activations are quantized per batch at
run time, and the attention products between activations stay float32.  Both
files are cached on disk by the SHA-256 of the source weights
(:mod:`.conversion_cache`), so a conversion is paid once per machine.

Needs the ``fast`` extra: ``pip install 'nlpsuite[fast]'``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nlpsuite.errors import UsageError
from nlpsuite.models.bert_layout import BertLayout
from nlpsuite.models.conversion_cache import converted_file

#: Bump when the graph or the quantization recipe changes: cached files of an older recipe are not reused.
GRAPH_VERSION = 1
OPSET = 17
FAST_EXTRA_HINT = "install the fast extra: pip install 'nlpsuite[fast]' (onnxruntime and onnx)"


def require_onnx_runtime() -> None:
    """Refuse ``--runtime onnx`` early, naming the missing package and the fix."""
    import importlib.util

    missing = [name for name in ("onnxruntime", "onnx") if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(f"--runtime onnx needs {' and '.join(missing)}, which is not installed", hint=FAST_EXTRA_HINT)


def bert_graph(layout: BertLayout, weights: dict[str, np.ndarray]) -> Any:
    """The ONNX model: ``input_ids``, ``attention_mask`` (int64, (batch, tokens)) → ``pooled`` (float32, (batch, dim))."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    initializers: list[Any] = []
    counter = [0]

    def const(name: str, value: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(kind: str, inputs: list[str], name: str | None = None, **attrs: Any) -> str:
        counter[0] += 1
        out = name or f"{kind.lower()}_{counter[0]}"
        nodes.append(helper.make_node(kind, inputs, [out], name=f"{kind}_{counter[0]}", **attrs))
        return out

    def f32(key: str) -> np.ndarray:
        return np.asarray(weights[key], dtype=np.float32)

    def linear(x: str, prefix: str) -> str:
        # weights are stored (out, in): the graph multiplies by their transpose, a constant B that
        # dynamic quantization turns into per-column int8
        product = op("MatMul", [x, const(prefix + ".weight_t", f32(prefix + ".weight").T)])
        return op("Add", [product, const(prefix + ".bias", f32(prefix + ".bias"))])

    def layer_norm(x: str, prefix: str) -> str:
        return op("LayerNormalization", [x, const(prefix + ".weight", f32(prefix + ".weight")),
                                         const(prefix + ".bias", f32(prefix + ".bias"))],
                  axis=-1, epsilon=layout.layer_norm_eps)

    hidden_size, heads, dim = layout.hidden_size, layout.num_heads, layout.head_dim
    # a text is always segment 0: that row of the token-type table is folded into the position table
    positions = f32("embeddings.position_embeddings.weight") + f32("embeddings.token_type_embeddings.weight")[0]
    width = op("Shape", ["input_ids"], start=1, end=2)
    position_rows = op("Slice", [const("positions", positions), const("zero", np.array([0], np.int64)), width,
                                 const("axis0", np.array([0], np.int64))])
    words = op("Gather", [const("word_embeddings", f32("embeddings.word_embeddings.weight")), "input_ids"])
    hidden = layer_norm(op("Add", [words, position_rows]), "embeddings.LayerNorm")

    mask = op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    # 0 where a token is read, a large negative number on padding: added to the attention scores
    blocked = op("Mul", [op("Sub", [const("one", np.array(1.0, np.float32)), mask]),
                         const("blocked_score", np.array(-1e4, np.float32))])
    score_bias = op("Unsqueeze", [blocked, const("axes12", np.array([1, 2], np.int64))])
    split_shape = const("split_shape", np.array([0, 0, heads, dim], np.int64))
    merged_shape = const("merged_shape", np.array([0, 0, hidden_size], np.int64))
    scale = const("score_scale", np.array(1.0 / math.sqrt(dim), np.float32))
    half, one, root2 = (const("half", np.array(0.5, np.float32)), "one", const("sqrt2", np.array(math.sqrt(2.0), np.float32)))

    for i in range(layout.num_layers):
        p = f"encoder.layer.{i}."
        q = op("Transpose", [op("Reshape", [linear(hidden, p + "attention.self.query"), split_shape])], perm=[0, 2, 1, 3])
        k = op("Transpose", [op("Reshape", [linear(hidden, p + "attention.self.key"), split_shape])], perm=[0, 2, 3, 1])
        v = op("Transpose", [op("Reshape", [linear(hidden, p + "attention.self.value"), split_shape])], perm=[0, 2, 1, 3])
        scores = op("Add", [op("Mul", [op("MatMul", [q, k]), scale]), score_bias])
        context = op("MatMul", [op("Softmax", [scores], axis=-1), v])
        context = op("Reshape", [op("Transpose", [context], perm=[0, 2, 1, 3]), merged_shape])
        attended = linear(context, p + "attention.output.dense")
        hidden = layer_norm(op("Add", [attended, hidden]), p + "attention.output.LayerNorm")
        inner = linear(hidden, p + "intermediate.dense")
        # exact (erf) GELU, as BERT's "gelu"
        gelu = op("Mul", [op("Mul", [inner, half]), op("Add", [op("Erf", [op("Div", [inner, root2])]), one])])
        out = linear(gelu, p + "output.dense")
        hidden = layer_norm(op("Add", [out, hidden]), p + "output.LayerNorm")

    token_weights = op("Unsqueeze", [mask, const("axis2", np.array([2], np.int64))])
    axis1 = const("axis1", np.array([1], np.int64))
    summed = op("ReduceSum", [op("Mul", [hidden, token_weights]), axis1], keepdims=0)
    counts = op("Max", [op("ReduceSum", [token_weights, axis1], keepdims=0), const("min_count", np.array(1e-9, np.float32))])
    op("Div", [summed, counts], name="pooled")

    graph = helper.make_graph(
        nodes, "bert_mean_pooling",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", hidden_size])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="nlpsuite")
    model.ir_version = 8  # readable by every onnxruntime that supports opset 17
    onnx.checker.check_model(model)
    return model


def write_float_model(layout: BertLayout, weights: dict[str, np.ndarray], path: Path) -> None:
    import onnx

    onnx.save_model(bert_graph(layout, weights), str(path))


def write_int8_model(float_path: Path, path: Path) -> None:
    """Dynamic int8: per-channel signed weights of every weight product; activation × activation products stay float."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer logs advice about static (calibrated) pre-processing to stderr
    try:
        quantize_dynamic(
            str(float_path), str(path),
            per_channel=True, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
            extra_options={"MatMulConstBOnly": True},
        )
    finally:
        root.setLevel(level)


def onnx_model_file(layout: BertLayout, weights_sha256: str, quantize: str,
                    weights: Callable[[], dict[str, np.ndarray]]) -> Path:
    """The cached ONNX file for these weights (``weights()`` is called only when it must be made)."""
    base = f"bert-{weights_sha256[:32]}-g{GRAPH_VERSION}"
    float_path, _ = converted_file(f"{base}-float32.onnx", lambda tmp: write_float_model(layout, weights(), tmp))
    if quantize == "none":
        return float_path
    path, _ = converted_file(f"{base}-int8.onnx", lambda tmp: write_int8_model(float_path, tmp))
    return path


class OnnxBertForward:
    """``(ids, mask) → pooled`` on an ONNX Runtime CPU session of ``path``."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # no warnings about unused initializers on stderr
        if threads:
            options.intra_op_num_threads = threads
        self.path = path
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self.session.run(["pooled"], {"input_ids": ids, "attention_mask": mask})[0]
