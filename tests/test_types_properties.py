"""Property tests (hypothesis) for fpga_export.types: growth rules are exact, quantization is
idempotent and bounded, widening casts round-trip, fast paths agree with the exact path."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fpga_export.fixed.ac import keeps_sym_min
from fpga_export.fixed.modes import FAMILIES
from fpga_export.types import MAX_WIDTH, FixedType, Overflow, Rounding

settings.register_profile("types", max_examples=300, deadline=None)
settings.load_profile("types")


@st.composite
def fixed_types(draw, max_width=64, modes=True):
    w = draw(st.integers(1, max_width))
    i = draw(st.integers(-12, w + 12))
    signed = draw(st.booleans())
    if not modes:
        return FixedType(w, i, signed)
    family = draw(st.sampled_from(FAMILIES))
    if draw(st.integers(0, 9)) == 0:
        return FixedType(w, w, signed, is_int=True, family=family)
    rounding = draw(st.sampled_from(Rounding.members(family)))
    return FixedType(w, i, signed, rounding, draw(st.sampled_from(list(Overflow))), family=family)


def raws(t: FixedType, n: int | None = None):
    one = st.one_of(st.integers(t.raw_min, t.raw_max), st.sampled_from([t.raw_min, t.raw_max, 0]))
    return one if n is None else st.lists(one, min_size=1, max_size=n)


def value(raw: int, t: FixedType) -> Fraction:
    return Fraction(raw) / Fraction(2) ** t.frac


def exact_raw(v: Fraction, t: FixedType) -> int:
    """The raw integer of ``t`` holding v exactly, asserting it exists and is in range."""
    r = v * Fraction(2) ** t.frac
    assert r.denominator == 1, f"{v} is not a multiple of the lsb of {t}"
    assert t.raw_min <= r.numerator <= t.raw_max, f"{v} overflows {t}"
    return r.numerator


# ----------------------------------------------------------------------- growth rules


@given(st.data(), fixed_types(), fixed_types(), st.sampled_from(["+", "-", "*"]))
def test_binary_results_are_exact(data, a, b, op):
    assume(a.family == b.family)  # ap and ac types do not mix
    try:
        rt = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b}[op]()
    except ValueError as exc:
        assert "more than the supported maximum of 128" in str(exc)
        assume(False)
    assert rt.width <= MAX_WIDTH
    assert (rt.rounding, rt.overflow) == (Rounding.TRN, Overflow.WRAP)
    assert rt.is_int == (a.is_int and b.is_int)
    if op == "-":
        assert rt.signed
    ra, rb = data.draw(raws(a)), data.draw(raws(b))
    va, vb = value(ra, a), value(rb, b)
    exact = {"+": va + vb, "-": va - vb, "*": va * vb}[op]
    r = exact_raw(exact, rt)
    if op != "*":
        # the operands convert into the result type exactly, and so does their combination
        ca, cb = rt.cast_raw([ra], a)[0], rt.cast_raw([rb], b)[0]
        assert (int(ca), int(cb)) == (exact_raw(va, rt), exact_raw(vb, rt))
        assert r == (ca + cb if op == "+" else ca - cb)
    # extremes fit too
    for xa in (a.raw_min, a.raw_max):
        for xb in (b.raw_min, b.raw_max):
            ea, eb = value(xa, a), value(xb, b)
            exact_raw({"+": ea + eb, "-": ea - eb, "*": ea * eb}[op], rt)


@given(st.data(), fixed_types())
def test_neg_is_exact(data, a):
    assume(a.width < MAX_WIDTH)
    rt = -a
    assert rt.signed and rt.frac == a.frac
    for ra in (data.draw(raws(a)), a.raw_min, a.raw_max):
        assert exact_raw(-value(ra, a), rt) == -ra


@given(st.data(), fixed_types(), st.integers(1, 300))
def test_sum_type_holds_any_sum(data, a, n):
    assume(a.width + (n - 1).bit_length() <= MAX_WIDTH)
    rt = a.sum_type(n)
    assert rt.frac == a.frac and rt.signed == a.signed
    terms = data.draw(st.lists(raws(a), min_size=1, max_size=min(n, 30)))
    exact_raw(sum(value(r, a) for r in terms), rt)
    exact_raw(n * value(a.raw_min, a), rt)
    exact_raw(n * value(a.raw_max, a), rt)
    if n > 1:  # and it is the smallest such type
        smaller = rt.with_(width=rt.width - 1, integer=rt.integer - 1)
        extreme = n * value(a.raw_min if a.signed else a.raw_max, a)
        assert not smaller.raw_min <= extreme * Fraction(2) ** smaller.frac <= smaller.raw_max


# ----------------------------------------------------------------------- quantization


@given(fixed_types(max_width=53), st.lists(st.floats(allow_nan=False, allow_infinity=False)))
def test_quantize_idempotent(t, xs):
    x = np.array(xs, dtype=np.float64)
    q = t.quantize(x)
    np.testing.assert_array_equal(t.quantize(q), q)
    np.testing.assert_array_equal(t.quantize_raw(q), t.quantize_raw(x))
    assert np.all((t.min <= q) & (q <= t.max))


@given(fixed_types(max_width=64), st.lists(st.floats(allow_nan=False, allow_infinity=False)))
def test_quantize_raw_idempotent_and_bounded(t, xs):
    raw = t.quantize_raw(np.array(xs, dtype=np.float64))
    assert all(t.raw_min <= int(r) <= t.raw_max for r in raw)
    back = t.cast_raw(raw, t)
    sym_min = t.overflow == Overflow.SAT_SYM and t.signed and t.width > 1
    want = [-t.raw_max if sym_min and int(r) == t.raw_min else int(r) for r in raw]
    assert [int(r) for r in back] == want


@given(
    fixed_types(max_width=62),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1),
)
def test_fast_path_matches_exact_path(t, xs):
    x = np.array(xs, dtype=np.float64)
    fast = t.quantize_raw(x)
    exact = t.quantize_raw(x.astype(object))
    assert [int(v) for v in fast] == [int(v) for v in exact]


@given(fixed_types(max_width=60), st.data())
def test_quantize_error_bounded_in_range(t, data):
    assume(not t.is_int)
    lo, hi = value(t.raw_min, t), value(t.raw_max, t)
    x = data.draw(st.floats(float(lo), float(hi)))
    assume(lo <= Fraction(x) <= hi)
    q = Fraction(int(t.quantize_raw([x])[0])) / Fraction(2) ** t.frac
    err = abs(q - Fraction(x))
    lsb = Fraction(2) ** -t.frac
    if t.overflow == Overflow.SAT_SYM and t.signed and t.width > 1 and q == -hi:
        err = max(err - lsb, Fraction(0))  # min (or values rounding to it) become -max
    if t.rounding in (Rounding.TRN, Rounding.TRN_ZERO):
        assert err < lsb
    else:
        assert err <= lsb / 2 or (q == hi and Fraction(x) > hi - lsb / 2)


# ----------------------------------------------------------------------- casts


@given(st.data(), fixed_types(), st.integers(0, 20), st.integers(0, 20), st.booleans())
def test_widen_and_back_is_identity(data, t, extra_int, extra_frac, make_signed):
    signed = t.signed or make_signed
    extra_int += signed and not t.signed  # an unsigned value needs one more bit when signed
    width = t.width + extra_int + extra_frac
    assume(width <= MAX_WIDTH)
    wide = FixedType(
        width,
        t.integer + extra_int,
        signed,
        data.draw(st.sampled_from(Rounding.members(t.family))),
        # with no extra integer bit, t's min is wide's min, which SAT_SYM would change
        data.draw(st.sampled_from(list(Overflow)[: 4 if extra_int else 3])),
        family=t.family,
    )
    raw = data.draw(raws(t, 20))
    arr = np.array(raw, dtype=np.int64 if t.raw_fits_int64 else object)
    w = wide.cast_raw(arr, t)
    assert [value(int(v), wide) for v in w] == [value(r, t) for r in raw]
    back = t.cast_raw(w, wide)
    sym_min = t.overflow == Overflow.SAT_SYM and t.signed and t.width > 1
    assert [int(v) for v in back] == [-t.raw_max if sym_min and r == t.raw_min else r for r in raw]


@given(st.data(), fixed_types(max_width=64), fixed_types(max_width=64))
def test_cast_raw_int64_matches_object(data, src, dst):
    raw = data.draw(raws(src, 20))
    exact = dst.cast_raw(np.array(raw, dtype=object), src)
    if src.raw_fits_int64:
        fast = dst.cast_raw(np.array(raw, dtype=np.int64), src)
        assert [int(v) for v in fast] == [int(v) for v in exact]
    # and both equal quantizing the exact rational value (except README quirk 6 and the ac
    # reference's AC_SAT_SYM shortcut, fpga_export/fixed/ac.py)
    assume(not (dst.is_int and src.integer == 0 and not src.is_int))
    assume(not keeps_sym_min(dst, src))
    rational = np.array([value(r, src) for r in raw], dtype=object)
    assert [int(v) for v in dst.quantize_raw(rational)] == [int(v) for v in exact]
