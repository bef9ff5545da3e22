"""Raw-integer helpers of the table-based ops (activation tables, softmax/softsign
reciprocals, layernorm): exact on int64 where safe, on Python integers otherwise."""

from __future__ import annotations

import numpy as np

from ..types import FixedType
from . import arith
from .op import Tensor


def wide(raw, width: int = 62) -> np.ndarray:
    """Raw values as int64 when results of ``width`` bits are safe there, else objects."""
    return arith.as_wide(np.asarray(raw), width)


def where(cond, a, b) -> np.ndarray:
    out = np.where(cond, a, b)
    if out.dtype == object:
        return out
    return out.astype(np.int64)


def pow2(e) -> np.ndarray:
    """2**e elementwise for non-negative int arrays (object if any result reaches 2^61)."""
    e = np.asarray(e)
    if e.size and int(e.max()) >= 61:
        return np.array([1 << int(v) for v in e.ravel()], dtype=object).reshape(e.shape)
    return np.left_shift(np.int64(1), e.astype(np.int64))


def ceil_pow2(e: int) -> int:
    """ceil(2**e) for an integer e (1 for e < 0)."""
    return 1 << e if e >= 0 else 1


def round_shift(raw, s: int, bound: int) -> np.ndarray:
    """floor(raw * 2^-s + 1/2), only needed exactly within [-bound, bound] (callers clamp)."""
    raw = np.asarray(raw)
    if s > 0:
        if s > 60 or raw.dtype == object or np.abs(raw).max(initial=0) >= 1 << 61:
            raw = raw.astype(object)  # exact Python integers
        q = (raw + (1 << (s - 1))) >> s
    elif s == 0:
        q = raw
    else:  # coarse input: clamp first so the left shift cannot overflow
        q = np.clip(raw, -bound, bound).astype(np.int64) << (-s)
    return np.clip(q, -2 * bound, 2 * bound).astype(np.int64)


def bit_length(v: np.ndarray) -> np.ndarray:
    if v.dtype == object:
        return np.array([int(a).bit_length() for a in v.ravel()], dtype=np.int64).reshape(v.shape)
    out = np.zeros(v.shape, dtype=np.int64)
    for b in range(int(v.max(initial=0)).bit_length()):
        out += (v >> b) > 0
    return out


def reciprocal(d, frac: int, inv: Tensor, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Normalized reciprocal of raw ``d > 0`` with ``frac`` fraction bits.

    Returns ``(entry, g)``: ``1/d ~ entry * 2^-g`` with ``entry`` the raw inv_table value
    at ``j = floor(d * 2^(n-p)) - 2^n`` (p = leading-one position) and ``g = F_inv - frac + p``.
    """
    d = np.asarray(d)
    p = bit_length(d) - 1
    if d.dtype == object:
        pairs = zip(d.ravel(), p.ravel(), strict=True)
        t = [(int(a) >> (q - n)) if q >= n else (int(a) << (n - q)) for a, q in pairs]
        t = np.array(t, dtype=np.int64).reshape(d.shape)
    else:
        t = np.where(p >= n, d >> np.maximum(p - n, 0), d << np.maximum(n - p, 0))
    j = t - (1 << n)
    return inv.raw[j], inv.type.frac - frac + p


def convert_scaled(raw, frac, t: FixedType) -> np.ndarray:
    """Convert exact values ``raw * 2^-frac`` (frac an int array) into type ``t``."""
    raw = np.asarray(raw)
    frac = np.broadcast_to(np.asarray(frac), raw.shape)
    out = np.zeros(raw.shape, dtype=np.int64 if t.raw_fits_int64 else object)
    if raw.dtype == object:
        width = max([int(v).bit_length() for v in raw.ravel()] + [1]) + 1
    else:
        width = 64
    for f in np.unique(frac):
        m = frac == f
        src = FixedType(width, width - int(f), True)
        out[m] = t.cast_raw(raw[m], src)
    return out
