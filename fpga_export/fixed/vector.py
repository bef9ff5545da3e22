"""Vectorized numpy paths of the quantizer (int64/float64), used where provably exact.

Conditions (checked by the callers in :mod:`fpga_export.types`): target width <= 62; int64
inputs with |raw| < 2^60 (and < 2^61 after a left shift).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import ac
from .modes import Overflow, Rounding

if TYPE_CHECKING:
    from ..types import FixedType

_CHUNK = 1 << 15  # elements per block: temporaries stay in cache and out of mmap/page faults


def blockwise(fn, inp: np.ndarray, dtype) -> np.ndarray:
    """``out = fn(inp)`` elementwise, computed block by block into one output array."""
    flat = inp.reshape(-1)
    out = np.empty(flat.shape, dtype=dtype)
    for start in range(0, flat.size, _CHUNK):
        fn(flat[start : start + _CHUNK], out[start : start + _CHUNK])
    return out.reshape(inp.shape)


def round_int64(raw: np.ndarray, shift: int, mode: Rounding) -> np.ndarray:
    """raw / 2^shift rounded with ``mode``; requires |raw| < 2^61 and shift >= 1."""
    shift = min(shift, 62)  # beyond the data's bits the outcome no longer depends on shift
    q = raw >> shift
    if mode == Rounding.TRN:
        return q
    rem = raw & ((1 << shift) - 1)
    if mode == Rounding.TRN_ZERO:
        q += (rem != 0) & (raw < 0)
        return q
    half = 1 << (shift - 1)
    if mode == Rounding.RND:
        up = rem >= half
    else:
        up = rem > half
        if mode != Rounding.RND_MIN_INF:
            tie = rem == half
            if mode == Rounding.RND_ZERO:
                tie &= raw < 0
            elif mode == Rounding.RND_INF:
                tie &= raw > 0
            elif mode == Rounding.RND_CONV:
                tie &= (q & 1) == 1
            else:  # RND_CONV_ODD
                tie &= (q & 1) == 0
            up |= tie
    q += up
    return q


def overflow_int64(t: FixedType, q: np.ndarray) -> None:
    """Overflow handling in place, for int64 values with |q| < 2^62 and t.width <= 62."""
    lo, hi = t.raw_min, t.raw_max
    sym = t.overflow == Overflow.SAT_SYM and t.signed and t.width > 1
    if not q.size:
        return
    qmin, qmax = int(q.min()), int(q.max())
    if lo <= qmin and qmax <= hi and not (sym and qmin == lo):
        return
    if t.overflow == Overflow.WRAP:
        q -= lo
        q &= (1 << t.width) - 1
        q += lo
    elif t.overflow == Overflow.SAT_ZERO:
        np.putmask(q, (q < lo) | (q > hi), 0)
    else:
        np.clip(q, -hi if sym else lo, hi, out=q)


def cast_int64(t: FixedType, raw: np.ndarray, src: FixedType, shift: int) -> np.ndarray:
    mode = t.rounding
    if t.is_int and not src.is_int and t.family == "ap":
        mode = Rounding.TRN if src.integer == 0 else Rounding.TRN_ZERO  # quirk 6

    keep = ac.keeps_sym_min(t, src)  # no overflow handling at all (ac quirk, see ac.py)

    def block(r, out):
        out[...] = r << shift if shift >= 0 else round_int64(r, -shift, mode)
        if not keep:
            overflow_int64(t, out)

    return blockwise(block, raw, np.int64)


_BIG = 2.0**62


def quantize_float(t: FixedType, x: np.ndarray, as_float: bool = False) -> np.ndarray:
    """double -> raw int64 (or, with ``as_float``, float64 values) for t.width <= 62, exactly.

    Scaling by 2^frac is exact in float64 except for overflow (handled below) and underflow
    (only when frac < 0; any |y| < 1/2 rounds alike, so a flushed zero gets its sign back);
    the rounding below is exact for every double.
    """
    f = t.frac
    float_out = as_float and t.width <= 53 and -1000 <= f <= 1000
    big_fix = t.overflow == Overflow.WRAP
    is_ac = t.family == "ac"
    sat_zero_quirk = ac.below_min_is_overflow(t)

    def block(xb, out):
        if is_ac:
            under = ac.underflows(t, xb)
            if under.any():
                xb = np.where(under, 0.0, xb)  # quirk 8
        with np.errstate(over="ignore"):
            if -1022 <= f <= 1023:
                y = np.multiply(xb, 2.0**f, dtype=np.float64)
            else:
                y = np.ldexp(xb.astype(np.float64), f)
        if f < 0:
            flushed = (y == 0) & (xb != 0)
            if flushed.any():
                y[flushed] = np.copysign(2.0**-60, xb[flushed])
        if not (-_BIG < y.min() and y.max() < _BIG):
            if not np.isfinite(xb).all():
                bad = xb[~np.isfinite(xb)][0]
                raise ValueError(f"cannot quantize non-finite value {float(bad)!r} into {t}")
            big = ~(np.abs(y) < _BIG)  # also scaling overflow to inf
            if big_fix:
                # |y| >= 2^62 is a multiple of a high power of 2: fmod is exact and keeps y
                # modulo 2^W (inf: a multiple of 2^971, so 0 modulo 2^W)
                with np.errstate(invalid="ignore"):
                    y[big] = np.where(np.isfinite(y[big]), np.fmod(y[big], 2.0**t.width), 0.0)
            else:
                y[big] = np.copysign(_BIG, y[big])  # beyond every limit either way
        below = y < t.raw_min if sat_zero_quirk else None  # y is exact here (W <= 62)
        q = round_float(t, y)
        if below is not None and below.any():
            q[below] = t.raw_min - 1  # quirk 9: overflow, AC_SAT_ZERO gives 0
        if float_out:
            lo, hi = t.raw_min, t.raw_max  # exact doubles for W <= 53
            sym = t.overflow == Overflow.SAT_SYM and t.signed and t.width > 1
            qmin, qmax = q.min(), q.max()
            if qmin < lo or qmax > hi or (sym and qmin == lo):
                if t.overflow == Overflow.WRAP:
                    r = q.astype(np.int64)
                    overflow_int64(t, r)
                    q[...] = r
                elif t.overflow == Overflow.SAT_ZERO:
                    np.putmask(q, (q < lo) | (q > hi), 0.0)
                else:
                    np.clip(q, -hi if sym else lo, hi, out=q)
            np.multiply(q, 2.0**-f, out=out)
        else:
            out[...] = q
            overflow_int64(t, out)

    out = blockwise(block, x, np.float64 if float_out else np.int64)
    return t.from_raw(out) if as_float and not float_out else out


def round_float(t: FixedType, y: np.ndarray) -> np.ndarray:
    """Round the doubles ``y`` (|y| < 2^62; used as scratch) to integers with t's mode.

    y - floor(y) is not exact for negative y, but r = y - trunc(y) is exact for every
    double, so the half-way modes compare r with +-1/2."""
    if t.is_int and t.family == "ap":  # quirk 5 (frac == 0 here, so y == x)
        quirk = (y < 0) & (y > -0.5)
        np.trunc(y, out=y)
        y[quirk] = 1.0
        return y
    mode = t.rounding
    if mode == Rounding.TRN:
        return np.floor(y, out=y)
    if mode == Rounding.TRN_ZERO:
        return np.trunc(y, out=y)
    if mode == Rounding.RND_CONV:
        return np.rint(y, out=y)
    q = np.trunc(y)
    r = np.subtract(y, q, out=y)
    if mode == Rounding.RND_CONV_ODD:  # ties to the odd neighbour
        even = np.fmod(q, 2.0) == 0
        q += (r > 0.5) | ((r == 0.5) & even)
        q -= (r < -0.5) | ((r == -0.5) & even)
        return q
    # ties: RND up, RND_MIN_INF down, RND_ZERO toward 0, RND_INF away from 0
    up = r >= 0.5 if mode in (Rounding.RND, Rounding.RND_INF) else r > 0.5
    down = r <= -0.5 if mode in (Rounding.RND_MIN_INF, Rounding.RND_INF) else r < -0.5
    q += up
    q -= down
    return q
