"""Embedding: integer token ids -> rows of a lookup table. C++: nnet_cpp/nnet/embedding.h.

Input (seq_len,) per sample, output (seq_len, output_dim).

Index semantics (identical in the numpy reference and the C++):
``index = int(x)``, the input value truncated toward zero as ``x.to_int()`` would, then
clamped to ``[0, vocab_size - 1]``: negative ids (and any value below 1) read row 0, ids at
or above ``vocab_size`` read the last row. Keras would raise or return garbage for such ids;
the firmware never reads outside the table. Since every negative value maps to 0, floor
and truncation agree, and the C++ never calls ``to_int()`` on a value that does not fit.

The input should carry integer ids exactly: set ``input_precision="ap_uint<B>"`` (B bits
hold ids up to 2**B - 1) when exporting; a fixed-point input type works too (its fraction
is dropped). The output is ``embeddings[index]`` converted to the result type.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import arith
from ..ir.cost import Cost
from ..ir.op import Emission, Op, Tensor
from ..ir.span import Span
from .dense import fit_integer_bits


def token_index(x: Tensor, vocab_size: int) -> np.ndarray:
    """int64 row indices (batch, seq_len): trunc(x) clamped to [0, vocab_size - 1]."""
    raw, frac = x.raw, x.type.frac
    positive = raw > 0
    if frac >= 0:
        whole = np.right_shift(raw, frac) if frac else raw
    else:  # value = raw * 2**-frac >= raw: clamp before shifting (no overflow)
        whole = np.left_shift(np.minimum(raw, vocab_size), -frac)
    idx = np.where(positive, np.minimum(whole, vocab_size - 1), 0)
    return np.asarray(idx, dtype=np.int64)


@dataclass
class Embedding(Op):
    kind = "embedding"
    family = "embedding"
    roles = ("result", "embeddings")
    weight_roles = {"embeddings": "embeddings"}
    vocab_size: int = 0
    output_dim: int = 0

    def output_shape(self, node, input_shapes):
        (shape,) = input_shapes
        if len(shape) != 1:
            raise ValueError(
                f"{node.name}: Embedding takes a 1-D sequence of token ids per sample, got {shape}"
            )
        return (shape[0], self.output_dim)

    def check(self, node, graph):
        table = node.weights.get("embeddings")
        want = (self.vocab_size, self.output_dim)
        if table is None or np.shape(table) != want:
            got = None if table is None else np.shape(table)
            raise ValueError(f"{node.name}: embeddings must have shape {want}, got {got}")

    def default_types(self, node, graph, ctx):
        return {role: ctx.default_for(node, role) for role in self.roles}

    def auto_types(self, node, graph, ctx, types):
        """'auto': the table type fits its values, the result is the table type."""
        table = types.get(
            "embeddings", fit_integer_bits(node.weights["embeddings"], ctx.default.width)
        )
        return {"embeddings": table, "result": table}

    def exact_spans(self, node, graph):
        """Rows of the table (in its type) picked by the integer part of the input."""
        t = node.types["embeddings"]
        return {"result": Span.of_values(t.quantize(node.weights["embeddings"]), t.frac)}

    def run(self, node, inputs):
        (x,) = inputs
        table = arith.const(node.weights["embeddings"], node.types["embeddings"])
        idx = token_index(x, self.vocab_size)
        return arith.convert(Tensor(table.raw[idx], table.type), node.result)

    def config_fields(self, node, ctx):
        return {
            "n_in": ctx.input_node(node).shape[0],
            "vocab_size": self.vocab_size,
            "n_out": self.output_dim,
        }

    def cost(self, node, ctx, hw):
        """A ROM of vocab_size rows of output_dim values; one row read per token (a BRAM
        has two ports: one copy per two tokens read together)."""
        w = node.types["embeddings"].width
        tokens = 1 if ctx.stream else ctx.input_node(node).size
        res = hw.rom(self.output_dim * w, self.vocab_size, copies=-(-tokens // 2))
        res += hw.registers(tokens * self.output_dim * node.result.width)
        depth = hw.cycles(hw.T_ROM) + 1
        if not ctx.stream:
            return Cost(res, latency=depth, ii=1)
        calls = ctx.packets(ctx.input_node(node))
        return Cost(res, latency=depth + calls, ii=calls, fill=depth + 1)

    def emit(self, node, ctx) -> Emission:
        config = ctx.config(
            node, "nnet::embedding_config", self.config_fields(node, ctx),
            {"embeddings_t": "embeddings"},
        )  # fmt: skip
        fn = "embedding_stream" if ctx.stream else "embedding"
        call = ctx.call(fn, node, ("embeddings",))
        return Emission(config=config, call=call, includes=("nnet/embedding.h",))
