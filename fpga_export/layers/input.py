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
        if ctx.input_precision is not None:
            return {"result": ctx.chosen(ctx.input_precision)}
        return {"result": ctx.default_for(node, "result")}

    def exact_spans(self, node, graph):
        """Nothing computed: the input is the framework's input converted to the node's type
        (exact when that type is the framework's own input quantizer, ``node.given``)."""
        return {}

    def run(self, node, inputs):
        raise RuntimeError("the interpreter feeds inputs directly")

    def emit(self, node, ctx) -> Emission:
        return Emission()
