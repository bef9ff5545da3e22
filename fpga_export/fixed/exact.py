"""Exact scalar core of the quantizer: Python integers, any width (used by fpga_export.types).

Functions take the target type ``t`` (a :class:`fpga_export.types.FixedType`) and work on raw
integers: value = raw * 2^-frac.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from . import ac
from .modes import Overflow, Rounding

if TYPE_CHECKING:
    from ..types import FixedType


def round_div(num: int, den: int, mode: Rounding) -> int:
    """num / den (den > 0) rounded to an integer with ``mode`` (exact, Python ints)."""
    q, r = divmod(num, den)  # floor
    if r == 0 or mode == Rounding.TRN:
        return q
    if mode == Rounding.TRN_ZERO:
        return q + (num < 0)
    twice = 2 * r
    if twice != den:
        return q + (twice > den)
    if mode == Rounding.RND or (mode == Rounding.RND_INF and num > 0):
        return q + 1
    if mode == Rounding.RND_ZERO:
        return q + (num < 0)
    if mode == Rounding.RND_CONV:
        return q + (q & 1)
    if mode == Rounding.RND_CONV_ODD:
        return q + 1 - (q & 1)
    return q  # RND_MIN_INF, RND_INF below zero


def overflow(t: FixedType, q: int) -> int:
    lo, hi = t.raw_min, t.raw_max
    if lo <= q <= hi and not (q == lo and t.overflow == Overflow.SAT_SYM and t.signed):
        return q
    mode = t.overflow
    if mode == Overflow.WRAP:
        return ((q - lo) & ((1 << t.width) - 1)) + lo
    if mode == Overflow.SAT_ZERO:
        return 0
    if mode == Overflow.SAT_SYM and t.signed and t.width > 1:
        lo = -hi  # quirk 7: a 1-bit signed type cannot be symmetric
    return min(max(q, lo), hi)


def from_number(t: FixedType, v) -> int:
    """Conversion of one number (float, int, Fraction) into raw bits of ``t`` (ap or ac)."""
    is_ap = t.family == "ap"
    if isinstance(v, float | np.floating):
        if not math.isfinite(v):
            raise ValueError(f"cannot quantize non-finite value {float(v)!r} into {t}")
        if not is_ap and ac.underflows(t, float(v)):
            return 0  # quirk 8
        num, den = float(v).as_integer_ratio()
        if is_ap and t.is_int and -0.5 < v < 0:
            return overflow(t, 1)  # quirk 5
    elif isinstance(v, int | np.integer | Fraction):
        num, den = Fraction(v).as_integer_ratio()
    else:
        raise TypeError(f"cannot quantize {v!r} ({type(v).__name__}) into {t}")
    if t.frac >= 0:
        num <<= t.frac
    else:
        den <<= -t.frac
    mode = Rounding.TRN_ZERO if t.is_int and is_ap else t.rounding
    if ac.below_min_is_overflow(t) and isinstance(v, float | np.floating) and num < t.raw_min * den:
        return 0  # quirk 9 (AC_SAT_ZERO)
    return overflow(t, round_div(num, den, mode))


def from_raw(t: FixedType, raw: int, src: FixedType) -> int:
    mode = t.rounding
    if t.is_int and not src.is_int and t.family == "ap":
        mode = Rounding.TRN if src.integer == 0 else Rounding.TRN_ZERO  # quirk 6
    shift = t.frac - src.frac
    if shift >= 0:
        return raw << shift if ac.keeps_sym_min(t, src) else overflow(t, raw << shift)
    return overflow(t, round_div(raw, 1 << -shift, mode))


def map_exact(t: FixedType, arr: np.ndarray, fn) -> np.ndarray:
    out = np.empty(arr.shape, dtype=object)
    flat = out.reshape(-1)
    for k, v in enumerate(arr.reshape(-1).tolist()):
        flat[k] = fn(t, v)
    return out


def raw_to_float(raw: int, frac: int) -> float:
    """raw * 2^-frac correctly rounded to a double (+-inf when too large)."""
    try:
        return raw / (1 << frac) if frac >= 0 else float(raw << -frac)
    except OverflowError:
        return math.copysign(math.inf, raw)


def as_int_array(raw) -> np.ndarray:
    arr = np.asarray(raw)
    if arr.dtype.kind == "i" or arr.dtype.kind == "b":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "u":
        return arr.astype(np.int64) if arr.dtype.itemsize < 8 else arr.astype(object)
    if arr.dtype == object:
        return arr
    raise TypeError(f"raw values must be integers, got an array of dtype {arr.dtype}")
