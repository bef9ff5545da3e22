"""Quantizer functions of quantization-aware training frameworks that are not a plain
conversion (those are ``Activation("linear")``/``"relu"`` with the quantizer's result type).
C++: nnet_cpp/nnet/quantizer.h.

``Quantizer(function)`` is element-wise; ``x`` is the input in its own type, ``R(v)`` the
conversion into the ``result`` type (its own modes), ``P`` the ``param`` constants (role
``param``; the default type holds every constant exactly, see :func:`exact_type`):

==========  ====================================================================================
binary      ``x >= 0 ? R(P[1]) : R(P[0])``  (QKeras ``binary``: sign with sign(0) = +1;
            ``use_01``: P = [0, 1]; a float ``alpha`` scales both)
ternary     ``x >= P[0] ? R(P[1]) : x <= -P[0] ? R(-P[1]) : 0``  (threshold P[0], scale P[1])
leaky_clip  ``x >= 0 ? R(x) : x <= P[1] ? R(P[1] * P[0]) : R(x * P[0])``: a leaky relu whose
            negative side stops at ``P[1] * P[0]`` (QKeras ``quantized_relu`` with a
            ``negative_slope``: slope P[0], lower input clip P[1])
==========  ====================================================================================

Comparisons and products are exact (full precision), so the numpy reference (:meth:`run`) and
C++ agree bit for bit. Every constant is given exactly (frontends pass the framework's own
float32 constants, which :func:`exact_type` holds without rounding).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import arith
from ..ir.op import Emission, Op, Tensor
from ..ir.span import Span, input_span
from ..types import FixedType

FUNCTIONS = {"binary": 2, "ternary": 2, "leaky_clip": 2}  # function -> number of params


def exact_type(values, max_width: int = 64) -> FixedType | None:
    """Smallest type holding every value exactly (values must be finite floats), or None if
    that needs more than ``max_width`` bits (e.g. float32 values of very different scales)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[v != 0]
    if not v.size:
        return FixedType(1, 1, False)
    m, e = np.frexp(v)  # v = m * 2^e, 0.5 <= |m| < 1, m has at most 53 bits
    mant = np.abs(np.ldexp(m, 53)).astype(np.int64)
    low = (mant & -mant).astype(np.float64)  # lowest set bit of each mantissa
    frac = int(np.max(53 - e - np.log2(low).astype(np.int64)))
    raw = [int(x) for x in np.ldexp(v, frac)]  # exact integers
    span = Span(min(min(raw), 0), max(max(raw), 0), frac)
    if max(span.hi.bit_length(), (-span.lo).bit_length()) >= max_width:
        return None
    return span.type()


@dataclass
class Quantizer(Op):
    kind = "quantizer"
    family = "quantizer"
    roles = ("result", "param")
    weight_roles = {"param": "param"}
    function: str = "binary"

    def __post_init__(self):
        if self.function not in FUNCTIONS:
            raise ValueError(
                f"unknown quantizer function {self.function!r}; supported: {', '.join(FUNCTIONS)}"
            )

    def check(self, node, graph):
        p = np.asarray(node.weights.get("param", ()), dtype=np.float64)
        if p.shape != (FUNCTIONS[self.function],) or not np.all(np.isfinite(p)):
            raise ValueError(
                f"{node.name}: quantizer {self.function!r} needs {FUNCTIONS[self.function]} "
                f"finite constants (weight 'param'), got {p.tolist()}"
            )

    def default_types(self, node, graph, ctx):
        p = exact_type(node.weights["param"])
        if p is None:
            raise ValueError(f"{node.name}: the constants {node.weights['param']} need > 64 bits")
        return {"result": ctx.default_for(node, "result"), "param": p}

    def exact_spans(self, node, graph):
        p = node.types["param"]
        c = [Span.point(int(v), p.frac) for v in p.quantize_raw(node.weights["param"])]
        zero = Span.point(0, 0)
        if self.function == "binary":
            return {"result": c[0] | c[1]}
        if self.function == "ternary":
            return {"result": c[1] | -c[1] | zero}
        x = input_span(graph, node)
        neg = x.clip(lo=c[1], hi=zero) * c[0]
        return {"result": x.clip(lo=zero) | neg, "float32": neg}

    def run(self, node, inputs):
        (x,) = inputs
        p = arith.const(node.weights["param"], node.types["param"])
        p0, p1 = (Tensor(p.raw[i : i + 1], p.type) for i in range(2))
        r = node.result
        if self.function == "binary":
            lo, hi = (arith.convert(v, r).raw[0] for v in (p0, p1))
            return Tensor(np.where(x.raw >= 0, hi, lo), r)
        if self.function == "ternary":
            s, neg_s = arith.convert(p1, r).raw[0], arith.convert(_neg(p1), r).raw[0]
            up, down = arith.sub(x, p0).raw >= 0, arith.add(x, p0).raw <= 0
            return Tensor(np.where(up, s, np.where(down, neg_s, 0)), r)
        # leaky_clip
        pos = arith.convert(x, r).raw
        slope = arith.convert(arith.mul(x, p0), r).raw
        floor = arith.convert(arith.mul(p1, p0), r).raw[0]
        below = arith.sub(x, p1).raw <= 0
        return Tensor(np.where(x.raw >= 0, pos, np.where(below, floor, slope)), r)

    def config_fields(self, node, ctx):
        return {"n_in": node.size}

    def emit(self, node, ctx) -> Emission:
        config = ctx.config(
            node, "nnet::quantizer_config", self.config_fields(node, ctx), {"param_t": "param"}
        )
        fn = self.function + ("_stream" if ctx.stream else "")
        call = ctx.call(fn, node, ("param",))
        return Emission(config=config, call=call, includes=("nnet/quantizer.h",))


def _neg(t: Tensor) -> Tensor:
    return Tensor(-arith.as_wide(t.raw, t.type.width + 1), -t.type)
