"""Shape-only ops: ``Identity`` (Dropout, GaussianNoise, ... at inference time) and ``Flatten``.

``Identity`` has no C++: ``passes.fold_identity`` removes every identity node before code
generation. Its result type is its input's type, so removing it changes nothing; if a user
sets a ``result`` precision on it, the node is a conversion and ``fold_identity`` turns it
into ``Activation("linear")`` (same name, source and precision) instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import arith
from ..ir.op import Emission, Op, Tensor


@dataclass
class Identity(Op):
    kind = "identity"

    def default_types(self, node, graph, ctx):
        return {"result": graph[node.inputs[0]].result}

    def run(self, node, inputs):
        (x,) = inputs
        return arith.convert(x, node.result)

    def emit(self, node, ctx) -> Emission:
        raise NotImplementedError(
            f"identity node {node.name!r} reached code generation; run passes.fold_identity first"
        )


@dataclass
class Flatten(Op):
    """Channels-last flatten ``(..., C) -> (N,)``: the flat value order does not change.

    io_parallel: a copy of the array (``y[i] = result(x[i])``; the result type defaults to
    the input's, so it is a plain copy). io_stream: the ``N / C`` pixel packets are repacked
    into one packet of ``N`` values. No header: the emitted loop is the whole op.
    """

    kind = "flatten"

    def output_shape(self, node, input_shapes):
        (shape,) = input_shapes
        return (int(np.prod(shape, dtype=np.int64)),)

    def default_types(self, node, graph, ctx):
        return {"result": graph[node.inputs[0]].result}

    def run(self, node, inputs):
        (x,) = inputs
        y = arith.convert(x, node.result)
        return Tensor(y.raw.reshape(y.raw.shape[0], -1), y.type)

    def emit(self, node, ctx) -> Emission:
        src = ctx.input_node(node)
        x, y, n = ctx.in_var(node), ctx.out_var(node), node.size
        if not ctx.stream:
            call = f"for (unsigned i = 0; i < {n}; i++) {y}[i] = ({ctx.type_name(node)}){x}[i];"
            return Emission(call=call)
        c = src.shape[-1] if src.shape else 1
        lines = [
            "{",
            f"    {ctx.packet_name(node)} packet;",
            f"    for (unsigned p = 0; p < {n // c}; p++) {{",
            f"        const {ctx.packet_name(src)} in = {x}.read();",
            f"        for (unsigned c = 0; c < {c}; c++) packet[p * {c} + c] = in[c];",
            "    }",
            f"    {y}.write(packet);",
            "}",
        ]
        return Emission(call="\n    ".join(lines))
