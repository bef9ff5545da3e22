"""A graph holding every op family (every activation function, merge op, quantizer
function ...) in independent chains, for the checks that compile a generated project as a
whole: tests/test_cpp_standard.py (C++11/14 syntax) and tests/test_vendor_headers.py (csim
against the vendor's type headers).
"""

from __future__ import annotations

import numpy as np

from fpga_export.ir import Graph, Node
from fpga_export.layers.activation import SUPPORTED, Activation
from fpga_export.layers.activation_hls4ml import FUNCTIONS as HLS4ML_FUNCTIONS
from fpga_export.layers.activation_hls4ml import Hls4mlActivation
from fpga_export.layers.conv import Conv1D, Conv2D
from fpga_export.layers.dense import Dense
from fpga_export.layers.depthwise import DepthwiseConv1D, DepthwiseConv2D
from fpga_export.layers.embedding import Embedding
from fpga_export.layers.fixed_quantizer import FixedQuantizer, kif_weights
from fpga_export.layers.input import Input
from fpga_export.layers.layernorm_hls4ml import Hls4mlLayerNorm
from fpga_export.layers.lookup import Lookup
from fpga_export.layers.merge import MERGE_OPS, Concatenate, Dot, Merge
from fpga_export.layers.norm import BatchNormalization, LayerNormalization
from fpga_export.layers.pool import GlobalPooling1D, GlobalPooling2D, Pooling1D, Pooling2D
from fpga_export.layers.quantizer import FUNCTIONS as QUANTIZER_FUNCTIONS
from fpga_export.layers.quantizer import Po2Quantizer, Quantizer
from fpga_export.layers.recurrent import GRU, LSTM, SimpleRNN, _Recurrent
from fpga_export.layers.recurrent_hls4ml import Hls4mlGRU, Hls4mlLSTM, _Hls4mlRecurrent
from fpga_export.layers.reshape import (
    Cropping1D,
    Cropping2D,
    Flatten,
    Permute,
    Reshape,
    Timestep,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)

NAME = "every_op"
NARROW = {"result": "ap_fixed<8,3,AP_RND,AP_SAT>"}
SMALL_TABLES = {"table_size": 64}


def _weights(op, c: int, rng, shape=()) -> dict[str, np.ndarray]:
    """Random weights for an op reading an input with c channels (last axis) of ``shape``."""
    if isinstance(op, Lookup):  # one entry per value of the 6-bit input type
        return {"table": np.round(rng.normal(0, 2, 64) * 8) / 8}
    if isinstance(op, FixedQuantizer):  # per-element widths, some elements always 0
        k, i, f = (rng.integers(lo, hi, shape) for lo, hi in ((0, 2), (-2, 4), (-1, 5)))
        return kif_weights(k, i, f, op.overflow)
    if isinstance(op, Dense):
        return {"kernel": rng.normal(0, 0.5, (c, op.units)), "bias": rng.normal(0, 0.5, op.units)}
    if isinstance(op, DepthwiseConv2D):
        m = op.depth_multiplier
        return {"kernel": rng.normal(0, 0.5, (*op.kernel_size, c, m)), "bias": np.zeros(c * m)}
    if isinstance(op, Conv2D):
        k = (*op.kernel_size, c, op.filters)
        return {"kernel": rng.normal(0, 0.5, k), "bias": rng.normal(0, 0.5, op.filters)}
    if isinstance(op, BatchNormalization):
        return {"scale": rng.uniform(0.5, 2, c), "shift": rng.normal(0, 1, c)}
    if isinstance(op, (LayerNormalization, Hls4mlLayerNorm)):
        return {"gamma": rng.uniform(0.5, 2, c), "beta": rng.normal(0, 1, c)}
    if isinstance(op, Embedding):
        return {"embeddings": rng.normal(0, 1, (op.vocab_size, op.output_dim))}
    if isinstance(op, Quantizer):
        return {"param": np.array([0.25, -1.5])}
    if isinstance(op, (_Recurrent, _Hls4mlRecurrent)):
        g, u = op.n_gates, op.units
        w = {"kernel": rng.normal(0, 0.5, (c, g)), "recurrent_kernel": rng.normal(0, 0.5, (u, g))}
        w["bias"] = rng.normal(0, 0.5, g)
        if "recurrent_bias" in op.roles:
            w["recurrent_bias"] = rng.normal(0, 0.5, g)
        return w
    return {}


# One-input cases: (op, input shape, input precision, node settings). Each becomes its own
# input -> op chain of the project.
SINGLE = [
    # dense: both strategies
    (Dense(units=5), (6,), None, {}),
    (Dense(units=4), (6,), None, {"strategy": "resource", "reuse_factor": 4}),
    # conv: general window, pointwise fast path, 1-D, resource strategy
    (Conv2D(filters=3, kernel_size=(3, 3), padding="same"), (5, 4, 2), None, {}),
    (Conv2D(filters=2, kernel_size=(1, 1)), (3, 3, 4), None, {"precision": NARROW}),
    (Conv1D(filters=2, kernel_size=(2,), strides=(2,)), (6, 3), None, {}),
    (
        Conv2D(filters=4, kernel_size=(2, 2), padding="same"), (3, 3, 2), None,
        {"strategy": "resource", "reuse_factor": 8},
    ),
    # depthwise
    (DepthwiseConv2D(kernel_size=(2, 3), depth_multiplier=2, strides=(2, 1)), (5, 6, 2), None, {}),
    (DepthwiseConv1D(kernel_size=(3,), padding="same"), (7, 2), None, {"precision": NARROW}),
    # pooling: max, average (accum, recip roles), 1-D, global
    (Pooling2D("max", (2, 2), (2, 2)), (4, 4, 2), None, {}),
    (Pooling2D("average", (3, 3), (2, 2), "same"), (5, 4, 2), None, {}),
    (Pooling1D("max", (3,), (2,), "same"), (7, 2), None, {}),
    (Pooling1D("average", (2,), (3,)), (8, 3), None, {}),
    (GlobalPooling2D("max"), (3, 4, 2), None, {}),
    (GlobalPooling1D("average"), (6, 3), None, {}),
    # normalization (batchnorm reads an input, so it is not fused into a Dense)
    (BatchNormalization(), (4, 3), None, {}),
    (LayerNormalization(table_size=64), (4, 6), None, {}),
    (LayerNormalization(table_size=64), (5,), "ap_ufixed<10,4>", {"precision": NARROW}),
    # layout
    (Flatten(), (3, 2, 2), None, {}),
    (Reshape((6, 2)), (4, 3), None, {}),
    (Reshape((12,)), (3, 4), None, {"precision": NARROW}),
    (Permute((2, 1, 3)), (3, 4, 2), None, {}),
    (Permute((2, 1)), (5, 3), None, {}),
    (ZeroPadding2D(((1, 2), (0, 1))), (3, 4, 2), None, {}),
    (ZeroPadding1D((2, 1)), (5, 3), None, {"precision": NARROW}),
    (Cropping2D(((1, 0), (1, 2))), (4, 5, 2), None, {}),
    (Cropping1D((1, 2)), (6, 2), None, {}),
    (UpSampling2D((2, 3)), (2, 3, 2), None, {}),
    (UpSampling1D((3,)), (4, 2), None, {"precision": NARROW}),
    # embedding: integer and fixed-point ids
    (Embedding(vocab_size=11, output_dim=5), (7,), "ap_uint<8>", {}),
    (Embedding(vocab_size=6, output_dim=3), (4,), "ap_fixed<12,6>", {"precision": NARROW}),
    # quantizer functions (QAT frameworks)
    *[(Quantizer(f), (2, 3), None, {"precision": NARROW}) for f in QUANTIZER_FUNCTIONS],
    (Po2Quantizer(min_exp=-3, max_exp=2), (2, 3), "ap_fixed<10,4>", {}),
    (Po2Quantizer(min_exp=-2, max_exp=-2, relu=True), (3,), None, {}),  # no threshold
    # per-element quantization (HGQ2): wrapping and saturating
    (FixedQuantizer("RND", "WRAP"), (2, 3), "ap_fixed<10,4>", {}),
    (FixedQuantizer("RND_CONV", "SAT_SYM"), (2, 3), "ap_fixed<10,4>", {}),
    (Lookup(), (2, 3), "ap_fixed<6,2>", {}),
    (Lookup(), (4,), "ap_ufixed<6,2>", {"precision": NARROW}),
    # activations on integer and unsigned inputs (their fixed_bits / unary minus paths)
    (Activation("softsign", table_size=64), (4,), "ap_int<6>", {}),
    (Activation("sigmoid", table_size=64), (4,), "ap_uint<5>", {}),
    (Activation("elu", table_size=64), (4,), "ap_ufixed<8,3>", {}),
    # recurrent: every cell, both implementations, the orderings, every activation kind
    (SimpleRNN(units=3, activation="relu", table_size=64), (4, 2), None, {}),
    (
        LSTM(units=2, return_sequences=True, go_backwards=True, align_outputs=True,
             recurrent_activation="hard_sigmoid", table_size=64), (3, 2), None, {},
    ),
    (LSTM(units=2, output_cell=True, implementation="unrolled", table_size=64), (3, 2), None, {}),
    (
        GRU(units=2, return_sequences=True, go_backwards=True, table_size=64), (3, 2), None,
        {"reuse_factor": 2},
    ),
    (
        GRU(units=2, reset_after=False, activation="linear", recurrent_activation="hard_sigmoid_tf",
            implementation="unrolled", table_size=64), (3, 2), "ap_ufixed<8,3>", {},
    ),
    (Timestep(index=-2), (3, 2), None, {"precision": NARROW}),
    # recurrent as hls4ml computes them: both cells, both implementations, relu
    (Hls4mlLSTM(units=2, return_sequences=True, table_size=64), (3, 2), None, {}),
    (
        Hls4mlGRU(units=2, activation="relu", implementation="unrolled", table_size=64), (3, 2),
        "ap_ufixed<8,3>", {"reuse_factor": 2, "precision": NARROW},
    ),
    # layer normalization as hls4ml computes it
    (Hls4mlLayerNorm(table_size=64, table_range_power2=1), (4, 6), None, {}),
    (Hls4mlLayerNorm(table_size=64), (5,), "ap_ufixed<10,4>", {"precision": NARROW}),
]  # fmt: skip

# Two-input cases: (op, shape 0, shape 1). Input 1 goes through a relu of another type.
PAIRS = [
    *[(Merge(op), (3, 4), (3, 4)) for op in MERGE_OPS],
    (Concatenate(axis=-1), (3, 2, 2), (3, 2, 3)),  # io_stream: the packets of a pixel join
    (Concatenate(axis=0), (2, 2, 3), (3, 2, 3)),  # io_stream: block after block
    (Concatenate(axis=0), (4,), (3,)),
    (Dot(), (6,), (6,)),
]


def add_chain(g: Graph, prefix: str, shape, in_precision, ops, rng, **node_kw) -> str:
    """input -> ops[0] -> ops[1] ... as nodes ``<prefix>_in``, ``<prefix>_1`` ...; the last
    node is a graph output. Weights are made for the input's channels (ops after the first
    must not need any)."""
    name = f"{prefix}_in"
    prec = {"result": in_precision} if in_precision else {}
    g.add(Node(name, Input(), shape=tuple(shape), precision=prec))
    g.inputs.append(name)
    for i, op in enumerate(ops):
        w = _weights(op, shape[-1], rng, shape) if i == 0 else {}
        node = Node(f"{prefix}_{i + 1}", op, [name], weights=w, **node_kw)
        name = g.add(node).name
    g.outputs.append(name)
    return name


def every_op_graph() -> Graph:
    """Independent chains covering every op family, every activation function and merge op,
    variadic merges, fan-out of a node to several readers and to a graph output."""
    rng = np.random.default_rng(0)
    g = Graph(NAME)
    for i, (op, shape, in_prec, kw) in enumerate(SINGLE):
        add_chain(g, f"s{i}", shape, in_prec, [op], rng, **kw)
    # every activation function in one chain on (2, 4) values (softmax: over the last axis)
    acts = []
    for f in SUPPORTED:
        extra = {"max_value": 2.0} if f == "clipped_relu" else {}
        acts.append(Activation(f, **extra, **({} if f in ("relu", "linear") else SMALL_TABLES)))
    acts.append(Activation("relu", max_value=4.0))  # relu with a clip is clipped_relu
    add_chain(g, "act", (2, 4), "ap_fixed<12,5>", acts, rng)
    # the same as hls4ml computes them, every softmax implementation
    acts = [Hls4mlActivation(f, table_size=64) for f in HLS4ML_FUNCTIONS]
    acts += [Hls4mlActivation("softmax", 64, impl) for impl in ("latency", "argmax")]
    add_chain(g, "h4", (2, 4), "ap_fixed<12,5>", acts, rng)
    add_chain(g, "h4u", (4,), "ap_ufixed<8,3>", [Hls4mlActivation("softmax", 64)], rng)
    # two-input ops; every one reads the same two nodes (fan-out in io_stream)
    g.add(Node("pair_a", Input(), shape=(3, 4)))
    g.add(Node("pair_b", Input(), shape=(3, 4), precision={"result": "ap_ufixed<9,4>"}))
    g.add(Node("pair_relu", Activation("relu"), ["pair_b"], precision=dict(NARROW)))
    g.inputs += ["pair_a", "pair_b"]
    for i, (op, s0, s1) in enumerate(PAIRS):
        if (s0, s1) == ((3, 4), (3, 4)):
            a, b = "pair_a", "pair_relu"
        else:
            a, b = f"p{i}_a", f"p{i}_b"
            g.add(Node(a, Input(), shape=s0))
            g.add(Node(b, Input(), shape=s1, precision={"result": "ap_fixed<10,4,AP_RND>"}))
            g.inputs += [a, b]
        g.add(Node(f"p{i}", op, [a, b]))
        g.outputs.append(f"p{i}")
    g.outputs.append("pair_relu")  # read by the merges and a graph output
    # merges of three inputs of three types (signed, narrow signed, unsigned)
    for op in MERGE_OPS:
        if op != "subtract":
            g.add(Node(f"m3_{op}", Merge(op), ["pair_a", "pair_relu", "pair_b"]))
            g.outputs.append(f"m3_{op}")
    # one node read twice by the same merge (io_stream: one stream copy per input slot)
    g.add(Node("twice_in", Input(), shape=(2, 3)))
    g.add(Node("twice", Merge("multiply"), ["twice_in", "twice_in"]))
    g.inputs.append("twice_in")
    g.outputs.append("twice")
    return g
