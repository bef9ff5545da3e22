"""Fuzz FixedType.parse: any string gives a type or a clear ValueError/TypeError, and every
accepted type round-trips through its spelling and has finite lsb/min/max."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fpga_export.types import FixedType

CASES = 3000
FAMILIES = ["ap_fixed", "ap_ufixed", "ap_int", "ap_uint", "fixed", "ufixed", "int", "uint"]
FAMILIES = FAMILIES * 4 + ["ap_fixd", "AP_FIXED"]
ROUNDING = ["AP_TRN", "AP_TRN_ZERO", "AP_RND", "AP_RND_ZERO", "AP_RND_MIN_INF", "AP_RND_INF",
            "AP_RND_CONV"]  # fmt: skip
OVERFLOW = ["AP_WRAP", "AP_SAT", "AP_SAT_ZERO", "AP_SAT_SYM"]
ODD_MODES = ["AP_WRAP_SM", "ap_rnd", "RND", "TRN_ZERO", "0", "", " ", "AP_SAT ", "AP_RND_CON"]
JUNK = ["", " ", "<", ">", ",", "-", "+", "0x10", "1e3", "1.5", "nan", "\n", "\x00", "١٢",
        "𝟙𝟞", "99999999999999999999999", "-99999999999999999999"]  # fmt: skip

widths = st.one_of(st.integers(1, 130), st.integers(-3, 300), st.integers(-(2**70), 2**70))
integers = st.one_of(
    st.integers(-140, 140),
    st.integers(-1100, 1100),
    st.sampled_from([1022, 1023, 1024, -1006, -1007, -894, -895, 2**64, -(2**64)]),
)
junk = st.one_of(st.sampled_from(JUNK), st.text(max_size=4))


@st.composite
def near_valid(draw):
    """Mostly well-formed type strings with random widths, integer bits and modes; some with
    a junk parameter, a wrong separator or bracket."""
    family = draw(st.sampled_from(FAMILIES))
    params = [str(draw(widths))]
    if not family.endswith("int") or draw(st.integers(0, 9)) == 0:
        params.append(str(draw(integers)))
        modes = [draw(st.sampled_from(ROUNDING)), draw(st.sampled_from(OVERFLOW))]
        if draw(st.integers(0, 4)) == 0:  # an unknown or misplaced mode
            modes[draw(st.integers(0, 1))] = draw(st.sampled_from(ODD_MODES + OVERFLOW))
        params += modes[: draw(st.integers(0, 2))]
        if len(params) == 4 and draw(st.integers(0, 9)) == 0:
            params.append(draw(st.sampled_from(["0", "1", "3"])))  # saturation bits N
    if draw(st.integers(0, 9)) == 0:
        params = params[: draw(st.integers(0, len(params)))]
    if draw(st.integers(0, 7)) == 0 and params:
        params[draw(st.integers(0, len(params) - 1))] = draw(junk)
    sep = draw(st.sampled_from([",", ", ", " , "] * 10 + [",,", ";", ""]))
    brackets = [("<", ">")] * 30 + [("<", ""), ("(", ")"), ("<", ">>"), ("< ", " >")]
    left, right = draw(st.sampled_from(brackets))
    space = draw(st.sampled_from(["", " ", "  ", "\t"]))
    return f"{space}{family}{left}{sep.join(params)}{right}{space}"


def check(text):
    try:
        t = FixedType.parse(text)
    except (ValueError, TypeError) as exc:
        assert str(exc), repr(text)  # a message, never empty
        return
    assert FixedType.parse(str(t)) == t, (text, str(t))
    assert all(math.isfinite(v) for v in (t.lsb, t.min, t.max)), text
    assert t.lsb > 0 and t.min <= 0 <= t.max


@settings(max_examples=CASES, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(near_valid())
def test_fuzz_parse_near_valid_type_strings(text):
    check(text)


@settings(max_examples=CASES, derandomize=True, deadline=None)
@given(st.one_of(st.text(), st.integers(), st.floats(), st.none(), st.binary()))
def test_fuzz_parse_anything(value):
    check(value)
