"""Small hand-built graphs shared by the tests (no framework needed)."""

from __future__ import annotations

import numpy as np

from fpga_export.ir import Graph, Node
from fpga_export.layers.dense import Dense
from fpga_export.layers.input import Input


def mlp(sizes=(16, 64, 32, 32, 5), *, seed=0, scale=0.5, name="mlp", **node_kw) -> Graph:
    """Input -> Dense x len(sizes)-1 with random weights; node_kw applies to every Dense."""
    rng = np.random.default_rng(seed)
    g = Graph(name)
    g.add(Node("input_1", Input(), shape=(sizes[0],)))
    prev = "input_1"
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        weights = {
            "kernel": rng.normal(0, scale, (n_in, n_out)),
            "bias": rng.normal(0, scale, n_out),
        }
        node = Node(f"dense_{i + 1}", Dense(units=n_out), [prev], weights=weights, **node_kw)
        prev = g.add(node).name
    g.inputs, g.outputs = ["input_1"], [prev]
    return g


def single(op, in_shape, weights=None, *, name="single", **node_kw) -> Graph:
    """Input -> one op."""
    g = Graph(name)
    g.add(Node("input_1", Input(), shape=tuple(in_shape)))
    g.add(Node("layer", op, ["input_1"], weights=weights or {}, **node_kw))
    g.inputs, g.outputs = ["input_1"], ["layer"]
    return g


def keras_window(sizes, kernel, strides, padding, dilation):
    """Independent float-oracle geometry (Keras semantics): output sizes and leading pads."""
    out, pads = [], []
    for n, k, s, d in zip(sizes, kernel, strides, dilation, strict=True):
        ke = (k - 1) * d + 1
        if padding == "same":
            o = -(-n // s)
            pads.append(max((o - 1) * s + ke - n, 0) // 2)
        else:
            o = (n - ke) // s + 1
            pads.append(0)
        out.append(o)
    return out, pads


def residual_cnn(h=6, w=6, c=2, *, seed=0, name="residual_cnn") -> Graph:
    """x -> conv 3x3 'same' -> relu -> conv 3x3 'same' -> add(., x) -> flatten -> dense: the
    skip connection is a reconvergent branch (io_stream: its FIFO must hold the convs' lag)."""
    from fpga_export.layers.activation import Activation
    from fpga_export.layers.conv import Conv2D
    from fpga_export.layers.merge import Merge
    from fpga_export.layers.reshape import Flatten

    rng = np.random.default_rng(seed)
    g = Graph(name)
    g.add(Node("x", Input(), shape=(h, w, c)))
    for conv, src in (("conv_a", "x"), ("conv_b", "relu_a")):
        weights = {"kernel": rng.normal(0, 0.5, (3, 3, c, c)), "bias": rng.normal(0, 0.1, c)}
        g.add(Node(conv, Conv2D(filters=c, padding="same"), [src], weights=weights))
        if conv == "conv_a":
            g.add(Node("relu_a", Activation(function="relu"), ["conv_a"]))
    g.add(Node("add", Merge(op="add"), ["conv_b", "x"]))
    g.add(Node("flatten", Flatten(), ["add"]))
    weights = {"kernel": rng.normal(0, 0.3, (h * w * c, 3)), "bias": np.zeros(3)}
    g.add(Node("dense", Dense(units=3), ["flatten"], weights=weights))
    g.inputs, g.outputs = ["x"], ["dense"]
    return g


def branch_graph(branch_op, shape=(4, 5, 3), merge=None, *, name="branch") -> Graph:
    """x -> b (branch_op) -> m (merge, default add) <- x: one reconvergent branch."""
    from fpga_export.layers.merge import Merge

    g = Graph(name)
    g.add(Node("x", Input(), shape=tuple(shape)))
    g.add(Node("b", branch_op, ["x"]))
    g.add(Node("m", merge or Merge(op="add"), ["b", "x"]))
    g.inputs, g.outputs = ["x"], ["m"]
    return g


def late_skip_graph(shape=(4, 4, 3)) -> Graph:
    """x -> r (relu, also a graph output) -> b (permute) -> m (add) <- r: r's clone writes
    r_to_b, r_to_m and then the output port."""
    from fpga_export.layers.activation import Activation
    from fpga_export.layers.merge import Merge
    from fpga_export.layers.reshape import Permute

    g = Graph("late")
    g.add(Node("x", Input(), shape=tuple(shape)))
    g.add(Node("r", Activation(function="relu"), ["x"]))
    g.add(Node("b", Permute(dims=(2, 1, 3)), ["r"]))
    g.add(Node("m", Merge(op="add"), ["b", "r"]))
    g.inputs, g.outputs = ["x"], ["m", "r"]
    return g


def residual_mlp(blocks=7, width=8, *, seed=0, name="residual_mlp") -> Graph:
    """x -> per block: two parallel Dense (d, a) -> relu(d) + a -> + the block's input (a
    skip over three rows): 1 + 5 * blocks nodes with branches and long edges."""
    from fpga_export.layers.activation import Activation
    from fpga_export.layers.merge import Merge

    rng = np.random.default_rng(seed)
    g = Graph(name)
    g.add(Node("x", Input(), shape=(width,)))
    prev = "x"
    for b in range(blocks):
        for d in (f"d{b}", f"a{b}"):
            w = {"kernel": rng.normal(0, 0.3, (width, width)), "bias": rng.normal(0, 0.1, width)}
            g.add(Node(d, Dense(units=width), [prev], weights=w, layer=f"dense_{d}"))
        g.add(Node(f"r{b}", Activation(function="relu"), [f"d{b}"]))
        g.add(Node(f"s{b}", Merge(op="add"), [f"r{b}", f"a{b}"]))
        prev = g.add(Node(f"m{b}", Merge(op="add"), [f"s{b}", prev])).name
    g.inputs, g.outputs = ["x"], [prev]
    return g


def recurrent_weights(op, n_in: int, rng, scale: float) -> dict[str, np.ndarray]:
    """Random weights of a recurrent op (SimpleRNN/LSTM/GRU) reading n_in features."""
    gates = op.n_gates
    w = {
        "kernel": rng.normal(0, scale, (n_in, gates)),
        "recurrent_kernel": rng.normal(0, scale, (op.units, gates)),
        "bias": rng.normal(0, scale, gates),
    }
    if "recurrent_bias" in op.roles:
        w["recurrent_bias"] = rng.normal(0, scale, gates)
    return w
