"""Merges: element-wise (add, subtract, multiply, average, maximum, minimum) of two or more
inputs (subtract: two), concatenation of two inputs on any axis, and the dot product of two
vectors. C++: nnet_cpp/nnet/merge.h.

Arithmetic (numpy ``run`` and C++ ``nnet::merge``/``concatenate``/``dot`` are identical),
per element, with ``a``, ``b``, ``c`` ... the values of inputs 0, 1, 2 ... (types may differ):

* add / subtract: ``result(a + b + ...)`` / ``result(a - b)``: the sum/difference at full
  precision (vendor growth rules, left to right, exact), converted once to ``result``.
* multiply: ``result(a * b * ...)``: full-precision product, converted once.
* average of n inputs: ``result((a + b + ...) * recip(1 / n))``: exact sum, times the double
  ``1.0 / n`` converted to the ``recip`` type (default ``ap_ufixed<18,1,AP_RND>``, which
  holds 1/2 and every 1/2**k up to 2**-17 exactly, so for n = 2 the product is an exact
  shift; 1/3 is rounded to 17 fraction bits), converted once to ``result``.
* maximum / minimum: the values are compared exactly (mixed types are aligned, no
  rounding); the chosen value is converted to ``result`` (on a tie both convert alike).
  C++ folds left to right keeping the winner in the exact sum type of the two compared.
* concatenate: each element converted to ``result``; input 0's block first.
* dot (1-D ``(n,)`` x ``(n,)`` -> ``(1,)``): ``acc = accum(0)``; ``acc += accum(a[i] * b[i])``
  for i = 0 .. n-1 in order (full-precision product converted to ``accum``); ``result(acc)``.

Types: ``result`` (and dot's ``accum``) default to the model default precision, like other
ops. Inputs must have the same shape (no broadcasting); concatenation needs equal shapes
except on its axis. Errors name the node and the shapes. The exact intermediate of an
element-wise merge must fit the 128 bits of the C++ types (checked at emission).

io_stream (packets of ``shape[-1]`` values, one per pixel, channels-last): element-wise
merges read one packet of each input per pixel and write one; concatenation on the last
axis merges the two packets of each pixel into one; on another axis it passes, for each
index of the axes before it, the packets of input 0's block and then those of input 1's
(on axis 0: all of input 0, then all of input 1; input 1's stream must be deep enough to
hold its block while input 0 drains, which csim does not model). dot reads one packet of
each input (the whole vector) and writes a packet of one value.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

from ..codegen import cpp
from ..ir import arith
from ..ir.cost import Resources
from ..ir.op import Emission, Op, Tensor
from ..ir.span import Span, copy_spans, exact_reciprocal, input_span
from ..types import FixedType
from .reshape import stream_copy_cost

MERGE_OPS = ("add", "subtract", "multiply", "average", "maximum", "minimum")
RECIP_DEFAULT = FixedType.parse("ap_ufixed<18,1,AP_RND>")
HEADER = ("nnet/merge.h",)


def _shapes(node, input_shapes) -> str:
    return " and ".join(str(tuple(s)) for s in input_shapes)


def _two(node, input_shapes, what: str) -> None:
    if len(input_shapes) != 2:
        raise ValueError(
            f"{node.name}: {what} takes exactly 2 inputs, got {len(input_shapes)} "
            f"(shapes {_shapes(node, input_shapes)})"
        )


def _aligned(x: Tensor, frac: int, width: int) -> np.ndarray:
    """Raw values of x rescaled to ``frac`` fraction bits (exact: frac >= x's)."""
    raw = arith.as_wide(x.raw, width)
    shift = frac - x.type.frac
    return raw * (1 << shift) if shift else raw


def _call(fn: str, node, ctx, n_in: int = 2) -> str:
    ins = [ctx.input_node(node, i) for i in range(n_in)]
    params = ", ".join([*(ctx.data_type(s) for s in ins), ctx.data_type(node)])
    args = ", ".join([*(ctx.in_var(node, i) for i in range(n_in)), ctx.out_var(node)])
    return f"nnet::{fn}<{params}, {ctx.config_name(node)}>({args});"


@dataclass
class Merge(Op):
    """Element-wise merge of two or more inputs of the same shape (subtract: exactly two)."""

    kind = "merge"
    family = "merge"
    roles = ("result",)
    n_inputs = None  # two or more
    op: str = "add"

    def __post_init__(self):
        if self.op not in MERGE_OPS:
            raise ValueError(f"merge op {self.op!r} is not one of {', '.join(MERGE_OPS)}")
        self.roles = ("result", "recip") if self.op == "average" else ("result",)

    def output_shape(self, node, input_shapes):
        if self.op == "subtract":
            _two(node, input_shapes, self.op)
        elif len(input_shapes) < 2:
            raise ValueError(
                f"{node.name}: {self.op} takes 2 or more inputs, got {len(input_shapes)}"
            )
        shapes = [tuple(s) for s in input_shapes]
        if any(s != shapes[0] for s in shapes):
            raise ValueError(
                f"{node.name}: {self.op} needs inputs of the same shape, got "
                f"{_shapes(node, shapes)} (broadcasting is not supported)"
            )
        return shapes[0]

    def default_types(self, node, graph, ctx):
        out = {"result": ctx.default_for(node, "result")}
        if self.op == "average":
            out["recip"] = ctx.own(RECIP_DEFAULT)
        return out

    def full_type(self, types: list[FixedType]) -> FixedType:
        """Type of the exact, unconverted value (what C++ computes before res_T(...));
        raises ValueError past the widest type (128 bits)."""
        t = types[0]
        for u in types[1:]:
            t = t * u if self.op == "multiply" else t - u if self.op == "subtract" else t + u
        return t

    def checked_full_type(self, node, types: list[FixedType]) -> FixedType:
        """full_type (times the reciprocal for average), with an error naming the node."""
        try:  # FixedType refuses results wider than its maximum (128 bits, as the C++)
            full = self.full_type(types)
            return full * node.types["recip"] if self.op == "average" else full
        except ValueError as e:
            raise ValueError(
                f"{node.name}: the exact {self.op} of {len(types)} inputs does not fit the "
                f"fixed-point types ({e}); narrow the input types"
            ) from None

    def exact_spans(self, node, graph):
        xs = [input_span(graph, node, i) for i in range(len(node.inputs))]
        if self.op in ("maximum", "minimum"):
            return copy_spans(node, graph)
        y = xs[0]
        for x in xs[1:]:
            y = y * x if self.op == "multiply" else y - x if self.op == "subtract" else y + x
        if self.op == "average":
            n = len(xs)
            if not exact_reciprocal(n, node.types["recip"]):
                return None  # 1/n rounds in the recip type
            return {"result": Span(y.lo, y.hi, y.frac + n.bit_length() - 1), "float32": y}
        return {"result": y, "float32": y}

    def run(self, node, inputs):
        self.checked_full_type(node, [x.type for x in inputs])
        if self.op in ("maximum", "minimum"):
            t = self.full_type([x.type for x in inputs])  # holds every input exactly
            aligned = np.stack([_aligned(x, t.frac, t.width) for x in inputs])
            # first input holding the extreme value (ties convert alike anyway)
            pick = aligned.argmax(axis=0) if self.op == "maximum" else aligned.argmin(axis=0)
            conv = np.stack([arith.convert(x, node.result).raw for x in inputs])
            return Tensor(np.take_along_axis(conv, pick[None], axis=0)[0], node.result)
        fold = {"add": arith.add, "average": arith.add, "subtract": arith.sub}
        step = fold.get(self.op, arith.mul)
        y = inputs[0]
        for x in inputs[1:]:
            y = step(y, x)
        if self.op == "average":
            y = arith.mul(y, arith.const(1.0 / len(inputs), node.types["recip"]))
        return arith.convert(y, node.result)

    def config_fields(self, node, ctx):
        return {"n_elem": node.size, "merge_op": MERGE_OPS.index(self.op)}

    def cost(self, node, ctx, hw):
        """Per value: an adder (add, subtract), a product (multiply), an adder and a product
        by the constant 1/n (average) or a compare-and-select (maximum, minimum)."""
        widths = [ctx.input_node(node, i).result.width for i in range(len(node.inputs))]
        w, k = node.result.width, len(widths)
        if self.op == "multiply":
            res = Resources()
            for a in widths[1:]:
                res += hw.multiplier(widths[0], a)
            ns = (hw.T_DSP if res.dsp else hw.T_ADD) * (k - 1)
        elif self.op in ("maximum", "minimum"):
            res = hw.adders(k - 1, max(widths)) + hw.muxes(1, k, w)
            ns = hw.T_CMP * (k - 1).bit_length()
        else:
            res = hw.adders(k - 1, w)
            ns = hw.tree_ns(k)
            if self.op == "average":
                res += hw.multiplier(w, node.types["recip"].width)
                ns += hw.T_DSP
        return hw.elementwise(node, ctx, res, ns)

    def emit(self, node, ctx) -> Emission:
        self.checked_full_type(
            node, [ctx.input_node(node, i).result for i in range(len(node.inputs))]
        )
        roles = {"recip_t": "recip"} if self.op == "average" else {}
        table, members = "", ()
        if roles:  # 1/n from a constant, not a division
            recip = ctx.type_name(node, "recip")
            table, member = cpp.reciprocal_table(
                f"{node.name}_recips", recip, len(node.inputs), ctx.const_table
            )
            members = (member,)
        fields = self.config_fields(node, ctx)
        config = ctx.config(node, "nnet::merge_config", fields, roles, members)
        config = f"{table}\n{config}" if table else config
        fn = "merge_stream" if ctx.stream else "merge"
        ins = ", ".join(ctx.in_var(node, i) for i in range(len(node.inputs)))
        params = f"{ctx.config_name(node)}, {ctx.data_type(node)}"
        call = f"nnet::{fn}<{params}>({ctx.out_var(node)}, {ins});"
        return Emission(config=config, call=call, includes=HEADER)


@dataclass
class Concatenate(Op):
    """Concatenation of two inputs on ``axis`` (an axis of the per-sample shape, >= 0)."""

    kind = "concatenate"
    family = "merge"
    roles = ("result",)
    n_inputs = 2
    axis: int = -1

    def _axis(self, node, shape) -> int:
        rank = len(shape)
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"{node.name}: concatenation axis {self.axis} is out of range for inputs of "
                f"rank {rank} (per sample)"
            )
        return self.axis % rank

    def output_shape(self, node, input_shapes):
        _two(node, input_shapes, "concatenate")
        a, b = (tuple(s) for s in input_shapes)
        if len(a) != len(b):
            raise ValueError(
                f"{node.name}: concatenate needs inputs of the same rank, got {a} and {b}"
            )
        ax = self._axis(node, a)
        if a[:ax] + a[ax + 1 :] != b[:ax] + b[ax + 1 :]:
            raise ValueError(
                f"{node.name}: concatenate on axis {ax} needs equal sizes on the other axes, "
                f"got {a} and {b}"
            )
        return (*a[:ax], a[ax] + b[ax], *a[ax + 1 :])

    def default_types(self, node, graph, ctx):
        return {"result": ctx.default_for(node, "result")}

    def exact_spans(self, node, graph):
        return copy_spans(node, graph)

    def run(self, node, inputs):
        a, b = (arith.convert(x, node.result).raw for x in inputs)
        ax = self._axis(node, a.shape[1:]) + 1
        wide = object if object in (a.dtype, b.dtype) else np.int64
        return Tensor(np.concatenate([a.astype(wide), b.astype(wide)], axis=ax), node.result)

    def blocks(self, node, ctx) -> tuple[int, int, int]:
        """(n_outer, n_inner_0, n_inner_1): the output is n_outer rows, each input 0's
        block of n_inner_0 values then input 1's block of n_inner_1 values."""
        a, b = (ctx.input_node(node, i).shape for i in range(2))
        ax = self._axis(node, a)
        return prod(a[:ax]), prod(a[ax:]), prod(b[ax:])

    def config_fields(self, node, ctx):
        n_outer, n0, n1 = self.blocks(node, ctx)
        return {"n_outer": n_outer, "n_inner_0": n0, "n_inner_1": n1}

    def stream_need(self, node, ctx):
        """Last axis: one packet of each input per output packet. Other axes: per row, input
        0's packets, then input 1's (``concatenate_stream``)."""
        if self._axis(node, node.shape) == len(node.shape) - 1:
            return super().stream_need(node, ctx)
        n_outer, n0, n1 = self.blocks(node, ctx)
        p0, p1 = n0 // ctx.packet(node), n1 // ctx.packet(node)
        k = np.arange(n_outer * (p0 + p1))
        row, j = k // (p0 + p1), k % (p0 + p1)
        need0 = row * p0 + np.minimum(j + 1, p0)
        need1 = row * p1 + np.maximum(j + 1 - p0, 0)
        return [need0, need1]

    cost = stream_copy_cost  # wiring; io_stream copies packets through a register

    def emit(self, node, ctx) -> Emission:
        config = ctx.config(node, "nnet::concat_config", self.config_fields(node, ctx), {})
        if not ctx.stream:
            fn = "concatenate"
        elif self._axis(node, node.shape) == len(node.shape) - 1:
            fn = "concatenate_stream_last"
        else:
            fn = "concatenate_stream"
        return Emission(config=config, call=_call(fn, node, ctx), includes=HEADER)


@dataclass
class Dot(Op):
    """Dot product of two vectors of the same length: ``(n,), (n,) -> (1,)``."""

    kind = "dot"
    family = "merge"
    roles = ("result", "accum")
    n_inputs = 2

    def output_shape(self, node, input_shapes):
        _two(node, input_shapes, "dot")
        a, b = (tuple(s) for s in input_shapes)
        if len(a) != 1 or a != b:
            raise ValueError(
                f"{node.name}: dot takes two 1-D inputs of the same length, got {a} and {b}"
            )
        return (1,)

    def default_types(self, node, graph, ctx):
        return {r: ctx.default_for(node, r) for r in self.roles}

    def exact_spans(self, node, graph):
        """n products, each spanning 0: every partial sum is within n times their span."""
        p = input_span(graph, node, 0) * input_span(graph, node, 1)
        n = graph[node.inputs[0]].shape[0]
        total = Span(p.lo * n, p.hi * n, p.frac)
        return {"result": total, "accum": total, "float32": total}

    def run(self, node, inputs):
        a, b = inputs
        accum = node.types["accum"]
        terms = arith.convert(arith.mul(a, b), accum).raw
        acc = Tensor(np.zeros((a.raw.shape[0],), np.int64), accum)
        out = arith.convert(arith.accumulate(acc, terms, axis=1), node.result)
        return Tensor(out.raw.reshape(-1, 1), out.type)

    def config_fields(self, node, ctx):
        return {"n_in": ctx.input_node(node).shape[0]}

    def cost(self, node, ctx, hw):
        """n products of the two inputs and their adder tree."""
        n = ctx.input_node(node).size
        wa, wb = (ctx.input_node(node, i).result.width for i in range(2))
        wacc = node.types["accum"].width
        res = hw.multiplier(wa, wb) * n + hw.adders(n - 1, wacc)
        ns = (hw.T_DSP if hw.dsps(wa, wb) else hw.T_ADD) + hw.tree_ns(n)
        return hw.elementwise(node, ctx, res, ns)

    def emit(self, node, ctx) -> Emission:
        config = ctx.config(
            node, "nnet::dot_config", self.config_fields(node, ctx), {"accum_t": "accum"}
        )
        fn = "dot_stream" if ctx.stream else "dot"
        return Emission(config=config, call=_call(fn, node, ctx), includes=HEADER)
