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

``Po2Quantizer`` (QKeras ``quantized_po2`` / ``quantized_relu_po2``) outputs powers of two:
``e = min_exp + j(|x|)`` with ``j(v) = #{i : v >= T[i]}`` the number of thresholds ``v``
reaches, ``y = x >= 0 ? R(2^e) : R(-2^e)`` (``relu``: ``y = x >= 0 ? R(2^e) : R(2^min_exp)``).
Threshold ``T[i]`` separates exponents ``k = min_exp + i`` and ``k + 1``: ``sqrt(2) * 2^k``
for ``rounding="rnd"`` (nearest exponent, ``round(log2 v)``: never a tie) or ``2^(k+1)`` for
``"floor"``, raised to ``eps`` (magnitudes below it get ``min_exp``, as QKeras' epsilon) and
moved up to the input's grid, which makes the comparison exact; the thresholds and the levels
``2^e`` are the ``param`` weight (``[T..., 2^min_exp ... 2^max_exp]``), computed from the input
type when types are inferred.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import isqrt

import numpy as np

from ..ir import arith
from ..ir.op import Emission, Op, Tensor
from ..ir.span import Span, input_span
from ..types import FixedType

FUNCTIONS = {"binary": 2, "ternary": 2, "leaky_clip": 2}  # function -> number of params


def is_power_of_two(values) -> bool:
    """Every value is +-2^k (for any integer k); none is vacuously true, a zero or a
    non-finite value is not."""
    v = np.abs(np.asarray(values, dtype=np.float64)).ravel()
    if not np.all(np.isfinite(v)) or np.any(v == 0):
        return False
    _, e = np.frexp(v)
    return bool(np.all(np.ldexp(0.5, e) == v))


def exact_type(values, max_width: int = 64) -> FixedType | None:
    """Smallest type holding every value exactly (values must be finite floats), or None if
    that needs more than ``max_width`` bits (e.g. float32 values of very different scales) or
    is beyond FixedType's bounds (values below 2**-1022 or from 2**1023)."""
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
    try:
        return span.type()
    except ValueError:  # beyond FixedType's integer-bit bounds (values near 2**-1022 ...)
        return None


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

    def cost(self, node, ctx, hw):
        """Per value: a rounding adder and the saturation compare-and-select."""
        w = ctx.input_node(node).result.width
        res = hw.adders(1, node.result.width) + hw.adders(1, w) + hw.muxes(1, 2, node.result.width)
        return hw.elementwise(node, ctx, res, hw.T_ADD + hw.T_CMP)

    def emit(self, node, ctx) -> Emission:
        config = ctx.config(
            node, "nnet::quantizer_config", self.config_fields(node, ctx), {"param_t": "param"}
        )
        fn = self.function + ("_stream" if ctx.stream else "")
        call = ctx.call(fn, node, ("param",))
        return Emission(config=config, call=call, includes=("nnet/quantizer.h",))


def _neg(t: Tensor) -> Tensor:
    return Tensor(-arith.as_wide(t.raw, t.type.width + 1), -t.type)


@dataclass
class Po2Quantizer(Op):
    """Power-of-two outputs (see the module docstring)."""

    kind = "po2_quantizer"
    family = "quantizer"
    roles = ("result", "param")
    weight_roles = {"param": "param"}
    min_exp: int = -8
    max_exp: int = 0
    relu: bool = False
    rounding: str = "rnd"
    eps: float = 0.0

    def __post_init__(self):
        if self.rounding not in ("rnd", "floor"):
            raise ValueError(f"po2 rounding must be 'rnd' or 'floor', got {self.rounding!r}")
        if not self.min_exp <= self.max_exp:
            raise ValueError(f"po2 exponents: min_exp {self.min_exp} > max_exp {self.max_exp}")

    def thresholds(self, x: FixedType) -> list[int]:
        """Raw thresholds on x's grid (x.frac fraction bits), one per exponent step."""
        f, out = x.frac, []
        eps = _ceil_grid(Fraction(self.eps), f) if self.eps > 0 else 0
        for k in range(self.min_exp, self.max_exp):
            if self.rounding == "floor":
                t = _ceil_grid(Fraction(2) ** (k + 1), f)
            else:  # smallest r with (r * 2^-f)^2 >= 2^(2k+1): r^2 >= 2^(2k+1+2f)
                e = 2 * k + 1 + 2 * f
                t = isqrt((1 << e) - 1) + 1 if e >= 0 else 1
            out.append(max(t, eps))
        return out

    def prepare(self, node, graph) -> None:
        x = graph[node.inputs[0]].result
        levels = [2.0**e for e in range(self.min_exp, self.max_exp + 1)]
        t = [r * 2.0**-x.frac for r in self.thresholds(x)]
        node.weights["param"] = np.array(t + levels, dtype=np.float64)

    def default_types(self, node, graph, ctx):
        self.prepare(node, graph)
        p = exact_type(node.weights["param"])
        if p is None:
            raise ValueError(
                f"{node.name}: po2 exponents {self.min_exp}..{self.max_exp} need a type of more "
                "than 64 bits for their thresholds and levels"
            )
        return {"result": ctx.default_for(node, "result"), "param": p}

    def exact_spans(self, node, graph):
        """Exact given exact inputs (the thresholds sit on the input's grid); the framework
        rounds log2(|x|) in float32, which can only disagree within float32 precision of a
        threshold, so wide inputs (> 24 significant bits) count as inexact."""
        lo, hi = 2 ** Fraction(self.min_exp), 2 ** Fraction(self.max_exp)
        f = max(-self.min_exp, 0)
        top = Span(int(-hi * 2**f) if not self.relu else int(lo * 2**f), int(hi * 2**f), f)
        return {"result": top, "float32": input_span(graph, node)}

    def run(self, node, inputs):
        (x,) = inputs
        if "param" not in node.weights:
            raise RuntimeError(f"{node.name}: run infer_types first (thresholds)")
        n = self.max_exp - self.min_exp
        t = np.array(self.thresholds(x.type), dtype=object)
        raw = np.asarray(x.raw).astype(object)
        mag = np.where(raw < 0, -raw, raw)
        j = np.zeros(raw.shape, dtype=np.int64)
        for thr in t:
            j += (mag >= thr).astype(np.int64)
        if self.relu:
            j = np.where(raw < 0, 0, j)
        r = node.result
        levels = arith.convert(arith.const(node.weights["param"][n:], node.types["param"]), r)
        neg = arith.convert(_neg(arith.const(node.weights["param"][n:], node.types["param"])), r)
        pos, neg = np.asarray(levels.raw)[j], np.asarray(neg.raw)[j]
        return Tensor(pos if self.relu else np.where(raw >= 0, pos, neg), r)

    def config_fields(self, node, ctx):
        return {
            "n_in": node.size,
            "n_thresholds": self.max_exp - self.min_exp,
            "relu": int(self.relu),
        }

    def cost(self, node, ctx, hw):
        """Per value: the exponent of |x| (a priority encoder) and a select."""
        w = ctx.input_node(node).result.width
        res = hw.muxes(1, w, node.result.width) + hw.adders(1, w)
        return hw.elementwise(node, ctx, res, 2 * hw.T_CMP)

    def emit(self, node, ctx) -> Emission:
        config = ctx.config(
            node, "nnet::po2_config", self.config_fields(node, ctx), {"param_t": "param"}
        )
        fn = "po2" + ("_stream" if ctx.stream else "")
        call = ctx.call(fn, node, ("param",))
        return Emission(config=config, call=call, includes=("nnet/quantizer.h",))


def _ceil_grid(v: Fraction, frac: int) -> int:
    """Smallest raw integer r with r * 2^-frac >= v."""
    scaled = v * Fraction(2) ** frac
    return -((-scaled.numerator) // scaled.denominator)
