"""Exact raw-integer arithmetic shared by the ops' numpy references.

Values are raw two's-complement integers (int64 when they fit, else Python ints in
object arrays) together with a FixedType. Products and sums follow the vendor
full-precision rules, conversions use the target type's quantization/overflow modes.
"""

from __future__ import annotations

import numpy as np

from ..types import FixedType, Overflow
from .op import Tensor

_INT64_SAFE = 62  # widths up to this many bits never overflow int64 in one add/sub


def as_wide(raw: np.ndarray, width: int) -> np.ndarray:
    """int64 if a value of ``width`` bits is safe in int64 arithmetic, else object."""
    if width <= _INT64_SAFE:
        return raw.astype(np.int64, copy=False)
    return raw.astype(object, copy=False)


def const(values, t: FixedType) -> Tensor:
    """Quantize float constants (weights, biases, table entries) into type ``t``."""
    return Tensor(t.quantize_raw(np.asarray(values, dtype=np.float64)), t)


def convert(x: Tensor, t: FixedType) -> Tensor:
    """``t y = x;``: conversion with t's quantization and overflow."""
    if x.type == t:
        return x
    return Tensor(t.cast_raw(x.raw, x.type), t)


def mul(a: Tensor, b: Tensor, out: np.ndarray | None = None) -> Tensor:
    """Full-precision product (broadcasting), exact. ``out``: an int64 array of the broadcast
    shape to write it into, used when the product fits int64 (a caller's reused scratch)."""
    t = a.type * b.type
    if out is not None and t.width <= _INT64_SAFE:
        return Tensor(np.multiply(as_wide(a.raw, t.width), as_wide(b.raw, t.width), out=out), t)
    return Tensor(as_wide(a.raw, t.width) * as_wide(b.raw, t.width), t)


def add(a: Tensor, b: Tensor) -> Tensor:
    """Full-precision sum (broadcasting), exact: operands aligned to the finer LSB."""
    t = a.type + b.type
    return Tensor(_align(a, t) + _align(b, t), t)


def sub(a: Tensor, b: Tensor) -> Tensor:
    t = a.type - b.type
    return Tensor(_align(a, t) - _align(b, t), t)


def _align(x: Tensor, t: FixedType) -> np.ndarray:
    shift = t.frac - x.type.frac
    raw = as_wide(x.raw, t.width)
    return raw * (1 << shift) if shift else raw


def accumulate(acc: Tensor, terms: np.ndarray, axis: int) -> Tensor:
    """``for k: acc += terms[k]`` along ``axis``, terms already raw in ``acc.type``.

    With wrapping overflow the order does not matter and the sum is taken at once
    (int64 wraps modulo 2**64, which is exact modulo 2**W for W <= 64); saturating
    types are accumulated step by step, in the same order as the C++ loop.
    """
    t = acc.type
    grown = t + t  # type of acc + term before the assignment back into t
    if t.overflow == Overflow.WRAP and t.width <= 63:
        total = acc.raw.astype(np.int64) + terms.astype(np.int64, copy=False).sum(axis=axis)
        return Tensor(_wrap(total, t), t)
    raw = as_wide(acc.raw, grown.width)
    terms = as_wide(terms, grown.width)
    for k in range(terms.shape[axis]):  # same frac: the raw sum is the grown value
        raw = as_wide(t.cast_raw(raw + np.take(terms, k, axis=axis), grown), grown.width)
    return Tensor(raw, t)


def _wrap(raw: np.ndarray, t: FixedType) -> np.ndarray:
    """Keep the low W bits of int64 raw values (two's complement if signed)."""
    w = t.width  # <= 63: every constant below is an int64 (2**63 is not: subtract half twice)
    u = raw.astype(np.int64) & np.int64((1 << w) - 1)
    if t.signed:
        half = np.int64(1 << (w - 1))
        u = np.where(u >= half, u - half - half, u)
    return u
