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
