"""Fold a ``BatchNormalization`` into the ``Dense`` that feeds it.

``y = (x @ K + b) * scale + shift = x @ (K * scale) + (b * scale + shift)``, exact in float.
Applied when the BN reads a Dense node that nothing else reads (and that is not a graph
output) and the BN's channels equal the Dense units. The Dense node keeps its name and
inputs, takes over the BN's place (users and graph outputs of the BN read it), its source
gains ``", fused <bn name>"``, and a ``result`` precision set on the BN moves to it (the pair's
output is the BN's output). Types are cleared on the fused node: run ``infer_types`` after
this pass (the default pipeline does).

Other producers can opt in by defining ``absorb_scale_shift(node, scale, shift) -> bool`` on
their op (return False to decline); Dense is handled here.
"""

from __future__ import annotations

import numpy as np

from ..ir.graph import Graph
from ..layers.dense import Dense
from ..layers.norm import BatchNormalization


def _dense_absorb(node, scale: np.ndarray, shift: np.ndarray) -> bool:
    kernel = np.asarray(node.weights["kernel"], dtype=np.float64)
    if kernel.ndim != 2 or kernel.shape[1] != scale.shape[0]:
        return False
    bias = np.asarray(node.weights.get("bias", np.zeros(kernel.shape[1])), dtype=np.float64)
    node.weights["kernel"] = kernel * scale[None, :]
    node.weights["bias"] = bias * scale + shift
    return True


def fuse_batchnorm(graph: Graph, config=None) -> Graph:
    for bn in graph:
        if not isinstance(bn.op, BatchNormalization) or len(bn.inputs) != 1:
            continue
        src = graph[bn.inputs[0]]
        if len(graph.users(src.name)) != 1 or src.name in graph.outputs:
            continue
        if src.given or bn.given:  # quantized weights: folding would change them
            continue
        scale = np.asarray(bn.weights["scale"], dtype=np.float64)
        shift = np.asarray(bn.weights["shift"], dtype=np.float64)
        absorb = getattr(src.op, "absorb_scale_shift", None)
        if absorb is not None:
            done = absorb(src, scale, shift)
        elif isinstance(src.op, Dense):
            done = _dense_absorb(src, scale, shift)
        else:
            continue
        if not done:
            continue
        if "result" in bn.precision:
            src.precision["result"] = bn.precision["result"]
        src.source = f"{src.source or src.name}, fused {bn.name}"
        src.types = {}
        graph.remove(bn.name)
    return graph
