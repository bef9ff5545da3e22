"""Exact value bounds for the exactness analysis and for types derived from actual weights.

A :class:`Span` is every multiple of ``2^-frac`` between ``lo * 2^-frac`` and
``hi * 2^-frac`` (Python integers, so nothing rounds or overflows). Ops describe the exact
(pre-conversion) values of their outputs and internal roles as spans of their inputs' types
(``Op.exact_spans``); :meth:`Span.type` is the smallest type holding a span exactly, and
:meth:`Span.fits` says whether a type holds it without loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..types import FixedType


@dataclass(frozen=True)
class Span:
    lo: int
    hi: int
    frac: int  # values are multiples of 2^-frac (frac may be negative)

    def __post_init__(self):
        if self.lo > self.hi:
            raise ValueError(f"empty span: lo {self.lo} > hi {self.hi}")

    # -- construction -----------------------------------------------------------------
    @classmethod
    def of_type(cls, t: FixedType) -> Span:
        """Every value of type ``t``."""
        return cls(t.raw_min, t.raw_max, t.frac)

    @classmethod
    def of_values(cls, values, frac: int) -> Span:
        """The range of ``values`` (exact multiples of 2^-frac) on the grid 2^-frac."""
        raw = [_on_grid(v, frac) for v in np.asarray(values, dtype=np.float64).ravel()]
        raw = raw or [0]
        return cls(min(raw), max(raw), frac)

    @classmethod
    def point(cls, value: int, frac: int) -> Span:
        """One value, on the coarsest grid holding it (so products stay narrow)."""
        value = int(value)
        while value and value % 2 == 0:
            value, frac = value // 2, frac - 1
        return cls(value, value, frac if value else 0)

    # -- arithmetic (all exact) -----------------------------------------------------------
    def at(self, frac: int) -> Span:
        """The same values on a finer grid (``frac`` >= self.frac)."""
        if frac < self.frac:
            raise ValueError(f"cannot move a span with {self.frac} fraction bits to {frac}")
        s = 1 << (frac - self.frac)
        return Span(self.lo * s, self.hi * s, frac)

    def __or__(self, other: Span) -> Span:
        """Smallest span holding both (on the finer grid)."""
        f = max(self.frac, other.frac)
        a, b = self.at(f), other.at(f)
        return Span(min(a.lo, b.lo), max(a.hi, b.hi), f)

    def __add__(self, other: Span) -> Span:
        f = max(self.frac, other.frac)
        a, b = self.at(f), other.at(f)
        return Span(a.lo + b.lo, a.hi + b.hi, f)

    def __neg__(self) -> Span:
        return Span(-self.hi, -self.lo, self.frac)

    def __sub__(self, other: Span) -> Span:
        return self + (-other)

    def __mul__(self, other: Span) -> Span:
        ends = [a * b for a in (self.lo, self.hi) for b in (other.lo, other.hi)]
        return Span(min(ends), max(ends), self.frac + other.frac)

    def clip(self, lo: Span | None = None, hi: Span | None = None) -> Span:
        """max(lo, min(hi, values)) for point spans lo / hi."""
        out = self
        for bound, keep_low in ((lo, True), (hi, False)):
            if bound is None:
                continue
            f = max(out.frac, bound.frac)
            a, b = out.at(f), bound.at(f).lo
            out = (
                Span(max(a.lo, b), max(a.hi, b), f)
                if keep_low
                else Span(min(a.lo, b), min(a.hi, b), f)
            )
        return out

    # -- types ------------------------------------------------------------------------
    def type(self, rounding="TRN", overflow="WRAP") -> FixedType:
        """Smallest type holding every value of the span exactly."""
        signed = self.lo < 0
        if signed:
            width = max(_bits(self.lo), _bits(self.hi)) + 1
        else:
            width = max(self.hi.bit_length(), 1)
        return FixedType(width, width - self.frac, signed, rounding, overflow)

    def fits(self, t: FixedType) -> bool:
        """Every value of the span is a value of ``t`` (no rounding, no overflow)."""
        if t.frac < self.frac:
            return False
        s = self.at(t.frac)
        return t.raw_min <= s.lo and s.hi <= t.raw_max

    @property
    def bounds(self) -> tuple[Fraction, Fraction]:
        scale = Fraction(2) ** -self.frac
        return Fraction(self.lo) * scale, Fraction(self.hi) * scale

    def __str__(self) -> str:
        lo, hi = self.bounds
        return f"[{float(lo):g}, {float(hi):g}] in steps of 2^{-self.frac}"


def input_span(graph, node, i: int = 0) -> Span:
    """Every value the node's i-th input can hold (its producer's result type)."""
    return Span.of_type(graph[node.inputs[i]].result)


def copy_spans(node, graph) -> dict:
    """``exact_spans`` of ops whose outputs are input values (reshapes, crops, padding with
    zero, max): the union of the inputs' spans (0 is in every span)."""
    out = input_span(graph, node, 0)
    for i in range(1, len(node.inputs)):
        out = out | input_span(graph, node, i)
    return {"result": out}


def const_span(value: float, t: FixedType) -> Span:
    """The span of one constant converted into type ``t`` (as the C++ does)."""
    return Span.point(int(t.quantize_raw(np.array([value]))[0]), t.frac)


def exact_reciprocal(n: int, t: FixedType) -> bool:
    """1/n is a power of two that type ``t`` holds exactly (an average is then a shift)."""
    return n > 0 and not n & (n - 1) and t.quantize(np.array([1.0 / n]))[0] == 1.0 / n


def _bits(v: int) -> int:
    """Magnitude bits of a signed value (without the sign bit)."""
    return (-v - 1).bit_length() if v < 0 else v.bit_length()


def _on_grid(v: float, frac: int) -> int:
    x = Fraction(v) * (Fraction(2) ** frac)
    if x.denominator != 1:
        raise ValueError(f"{v!r} is not a multiple of 2^{-frac}")
    return int(x)


def weight_span(raw: np.ndarray, x: Span, bias_raw: np.ndarray, bias_frac: int, k_frac: int):
    """Exact bounds of ``bias[j] + sum_i raw[i, j] * x_i``, each x_i any value of ``x``:
    returns (span of the final sums, span of every product and partial sum ``bias[j] +``
    any prefix of the terms, which is what a saturating accumulator or a float framework
    meets on the way).

    ``raw`` (n_in, n_out) holds the kernel's raw integers (frac ``k_frac``), ``bias_raw``
    (n_out,) the bias' (frac ``bias_frac``). Sums are Python integers: nothing overflows.
    """
    f = max(x.frac + k_frac, bias_frac)
    s = 1 << (f - x.frac - k_frac)
    k = np.asarray(raw).astype(object)
    a, c = k * (x.lo * s), k * (x.hi * s)
    lo_terms, hi_terms = np.minimum(a, c), np.maximum(a, c)  # each spans 0 (x does)
    b = np.asarray(bias_raw).astype(object) * (1 << (f - bias_frac))
    final = Span(int(min(b + lo_terms.sum(axis=0))), int(max(b + hi_terms.sum(axis=0))), f)
    neg = min(b + np.minimum(lo_terms, 0).sum(axis=0))
    pos = max(b + np.maximum(hi_terms, 0).sum(axis=0))
    partial = Span(int(min(neg, lo_terms.min(), 0)), int(max(pos, hi_terms.max(), 0)), f)
    return final, partial | final
