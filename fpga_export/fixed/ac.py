"""Algorithmic C (``ac_fixed`` / ``ac_int``) specifics of the conversion from double.

The reference first scales the double in floating point, d * 2^-E with E = I - W + 32*N
(N = the number of 32-bit words it stores), in the steps of its ``ldexpr``, then reads the
bits of that fraction exactly.  Two effects follow (conformance README quirks 8 and 9):

* a nonzero input whose scaled value underflows to 0 converts as 0 (``underflows``);
* signed types with W a multiple of 32 (no spare sign bit in the top word) flag a value just
  below the minimum as overflow before rounding; only ``AC_SAT_ZERO`` sees the difference: it
  gives 0 even when the value rounds up to the minimum (``below_min_is_overflow``).

And one of the conversion between two ac_fixed types (not in the README; found by comparing
every raw value of small types with the reference): the reference skips the overflow handling
when the target holds every value of the source, counting an ``AC_SAT_SYM`` source as never
holding its minimum.  So an ``AC_SAT_SYM`` source at its minimum keeps that minimum in an
``AC_SAT_SYM`` target with the same I and at least its fraction bits, where -max would be
expected (``keeps_sym_min``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .modes import Overflow

if TYPE_CHECKING:
    from ..types import FixedType


def scale_exponent(t: FixedType) -> int:
    """E such that the reference works on d * 2^-E (E = I - W + 32*N)."""
    words = (t.width + 31 + (not t.signed)) // 32
    return t.integer - t.width + 32 * words


def underflows(t: FixedType, x):
    """Whether the reference's scaled double is 0 for a nonzero double ``x`` (array or float).

    Repeats the reference's operations in IEEE double arithmetic: a first step by 2^(E mod 32),
    then steps of 2^32 (numpy float64 and Python floats round like the C++ doubles)."""
    e = scale_exponent(t)
    if e <= 0:
        return np.zeros(np.shape(x), dtype=bool) if np.ndim(x) else False
    if np.ndim(x):
        x = np.asarray(x, dtype=np.float64)  # float32 inputs: the reference scales a double
    with np.errstate(under="ignore"):
        y = x / float(1 << (e & 31))
        for _ in range(e // 32):
            y = y / 4294967296.0
    return (y == 0) & (x != 0)


def below_min_is_overflow(t: FixedType) -> bool:
    """Whether quirk 9 applies to conversions from double into ``t``."""
    return t.family == "ac" and t.signed and t.width % 32 == 0 and t.overflow == Overflow.SAT_ZERO


def keeps_sym_min(t: FixedType, src: FixedType) -> bool:
    """Whether the reference converts ``src`` into ``t`` without any overflow handling even
    though t's AC_SAT_SYM would move src's minimum (both signed AC_SAT_SYM, I_t >= I_src,
    F_t >= F_src; with I_t > I_src the minimum is not reached anyway)."""
    return (
        t.family == src.family == "ac"
        and t.overflow == src.overflow == Overflow.SAT_SYM
        and t.signed
        and src.signed
        and t.integer >= src.integer
        and t.frac >= src.frac
    )
