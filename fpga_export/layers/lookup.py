"""A function given by its value at every value of the input type: ``y = R(table[x - min])``.
C++: nnet_cpp/nnet/lookup.h.

``Lookup()`` reads x (type X, W bits) as the index ``x_raw - X.raw_min`` (0 .. 2^W - 1) into its
``table`` weight (2^W entries, role ``table``), converted into the ``result`` type. A frontend
fills the table with the framework's own outputs for every value of X (e.g. HGQ2's
QUnaryFunctionLUT: ``oq(activation(v))`` in float32), so the node reproduces any element-wise
function exactly, whatever it computes; the table is a ROM of 2^W words (W <= 16). In C++ the
index is the raw bits of x, with the sign bit flipped for a signed X.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import arith
from ..ir.op import Emission, Op, Tensor
from ..ir.span import Span
from ..types import FixedType
from .quantizer import exact_type

MAX_BITS = 16  # input widths up to this (a table of 65,536 entries)


def table_inputs(t: FixedType) -> np.ndarray:
    """Every value of type ``t`` in index order (float64, exact)."""
    if t.width > MAX_BITS:
        raise ValueError(f"a lookup over {t} needs 2^{t.width} entries (at most 2^{MAX_BITS})")
    return t.from_raw(np.arange(t.raw_min, t.raw_max + 1, dtype=np.int64))


@dataclass
class Lookup(Op):
    kind = "lookup"
    family = "lookup"
    roles = ("result", "table")
    weight_roles = {"table": "table"}

    def check(self, node, graph):
        """After type inference (``check_graph``): one entry per value of the input type."""
        src = graph[node.inputs[0]]
        if "result" not in src.types:
            return
        x = src.result
        n = int(np.size(node.weights.get("table", ())))
        if x.width > MAX_BITS or n != 2**x.width:
            raise ValueError(
                f"{node.name}: the lookup table has {n} entries, its input type {x} has "
                f"{2**x.width if x.width <= 62 else 'too many'} values (the table needs one "
                f"entry per value, inputs of at most {MAX_BITS} bits)"
            )

    def default_types(self, node, graph, ctx):
        self.check(node, graph)
        t = exact_type(node.weights["table"])
        if t is None:
            raise ValueError(f"{node.name}: the lookup table values need more than 64 bits")
        return {"result": t, "table": t}

    def exact_spans(self, node, graph):
        t = node.types["table"]
        return {"result": Span.of_values(t.quantize(node.weights["table"]), t.frac)}

    def run(self, node, inputs):
        (x,) = inputs
        table = arith.const(node.weights["table"], node.types["table"])
        index = np.asarray(x.raw).astype(np.int64) - x.type.raw_min
        return arith.convert(Tensor(np.asarray(table.raw)[index], table.type), node.result)

    def config_fields(self, node, ctx):
        x = ctx.input_node(node).result
        return {"n_in": node.size, "in_signed": bool(x.signed)}

    def cost(self, node, ctx, hw):
        """Per value: a read of the table ROM (one copy per two parallel reads)."""
        w = node.types["table"].width
        per = hw.rom(w, int(np.size(node.weights["table"]))) * 0.5
        return hw.elementwise(node, ctx, per, hw.T_ROM)

    def emit(self, node, ctx) -> Emission:
        config = ctx.config(node, "nnet::lookup_config", self.config_fields(node, ctx),
                            {"table_t": "table"})  # fmt: skip
        call = ctx.call("lookup" + ("_stream" if ctx.stream else ""), node, ("table",))
        return Emission(config=config, call=call, includes=("nnet/quantizer.h", "nnet/lookup.h"))
