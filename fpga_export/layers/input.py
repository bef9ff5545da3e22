"""Graph inputs. No C++ header: an input is an argument of the top function."""

from __future__ import annotations

from dataclasses import dataclass

from ..ir.op import Emission, Op


@dataclass
class Input(Op):
    kind = "input"
    n_inputs = 0

    def output_shape(self, node, input_shapes):
        return node.shape

    def default_types(self, node, graph, ctx):
        return {"result": ctx.input_precision or ctx.default_for(node, "result")}

    def run(self, node, inputs):
        raise RuntimeError("the interpreter feeds inputs directly")

    def emit(self, node, ctx) -> Emission:
        return Emission()
