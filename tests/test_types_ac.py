"""fpga_export.types for the Algorithmic C family: ac spellings (parse/spell round trip, exact
error messages), family rules (result types, no mixing), and the ac conversion semantics that
differ from ap (AC_RND_CONV_ODD, flooring ac_int, README quirks 8 and 9)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fpga_export.types import FixedType, Overflow, Rounding

P = FixedType.parse

AC_FORMS = (
    "ac_fixed<W,I[,S[,Q[,O]]]>, ac_int<W[,S]> (S true or false, Q a rounding mode such as "
    "AC_RND, O an overflow mode such as AC_SAT)"
)
AC_ROUNDINGS = (
    "AC_TRN, AC_TRN_ZERO, AC_RND, AC_RND_ZERO, AC_RND_MIN_INF, AC_RND_INF, AC_RND_CONV, "
    "AC_RND_CONV_ODD"
)
AP_ROUNDINGS = "AP_TRN, AP_TRN_ZERO, AP_RND, AP_RND_ZERO, AP_RND_MIN_INF, AP_RND_INF, AP_RND_CONV"
AC_OVERFLOWS = "AC_WRAP, AC_SAT, AC_SAT_ZERO, AC_SAT_SYM"


def raises(msg: str):
    return pytest.raises(ValueError, match=f"^{re.escape(msg)}$")


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("ac_fixed<16,6>", "ac_fixed<16,6,true>"),
        ("ac_fixed<16,6,true>", "ac_fixed<16,6,true>"),
        ("ac_fixed<16,6,true,AC_TRN,AC_WRAP>", "ac_fixed<16,6,true>"),
        ("ac_fixed<8,3,false,AC_RND>", "ac_fixed<8,3,false,AC_RND,AC_WRAP>"),
        ("ac_fixed<8,3,false,AC_RND_CONV_ODD,AC_SAT_SYM>", None),
        ("ac_fixed<8,-3,true,AC_TRN_ZERO,AC_SAT_ZERO>", None),
        ("ac_fixed<4,10,true,rnd_inf,sat>", "ac_fixed<4,10,true,AC_RND_INF,AC_SAT>"),
        (" ac_fixed < 8 , 3 , false , AC_RND_MIN_INF , AC_SAT > ", None),
        ("ac_int<8>", "ac_int<8,true>"),
        ("ac_int<8,false>", "ac_int<8,false>"),
        ("ac_int<128,true>", "ac_int<128,true>"),
    ],
)
def test_parse_and_spell_round_trip(text, canonical):
    t = P(text)
    assert t.family == "ac"
    assert str(t) == t.spell() == t.spell("ac") == (canonical or text.replace(" ", ""))
    assert P(str(t)) == t and P(t.spell("ac")) == t
    assert repr(t) == f"FixedType.parse({str(t)!r})"


def test_fields_and_cross_spelling():
    t = P("ac_fixed<8,3,false,AC_RND_CONV,AC_SAT_SYM>")
    assert (t.width, t.integer, t.signed, t.is_int) == (8, 3, False, False)
    assert (t.rounding, t.overflow) == (Rounding.RND_CONV, Overflow.SAT_SYM)
    assert t.spell("ap") == "ap_ufixed<8,3,AP_RND_CONV,AP_SAT_SYM>"
    assert t.with_(family="ap") == P("ap_ufixed<8,3,AP_RND_CONV,AP_SAT_SYM>")
    assert P("ap_fixed<8,3,AP_RND,AP_SAT>").with_(family="ac") == P(
        "ac_fixed<8,3,true,AC_RND,AC_SAT>"
    )
    assert P("ac_int<5,false>") == FixedType(5, 5, False, is_int=True, family="ac")
    assert P("ac_int<5,false>").spell("ap") == "ap_uint<5>"
    assert FixedType(8, 3, rounding="RND_CONV_ODD", family="ac").rounding is Rounding.RND_CONV_ODD
    assert str(Rounding.RND_CONV_ODD) == "AC_RND_CONV_ODD"
    assert Rounding("AC_RND") is Rounding.RND and Overflow("ac_sat_sym") is Overflow.SAT_SYM
    assert Rounding.RND.spell("ac") == "AC_RND" and Overflow.SAT.spell("ap") == "AP_SAT"


def test_parse_errors():
    for text in (
        "ac_fixed<8>",
        "ac_fixd<8,3>",
        "ac_int<8,true,AC_RND>",
        "ac_fixed<8,3,true,1,2,3>",
    ):
        with raises(f"cannot parse fixed-point type {text!r}: expected one of {AC_FORMS}"):
            P(text)
    with raises("signedness 'signed' in 'ac_fixed<8,3,signed>' must be true or false"):
        P("ac_fixed<8,3,signed>")
    with raises("signedness '1' in 'ac_int<8,1>' must be true or false"):
        P("ac_int<8,1>")
    with raises(
        "'AC_RND' in 'ac_fixed<8,3,AC_RND>' is a mode; the signedness comes first: "
        "ac_fixed<W,I,S,Q,O>, e.g. ac_fixed<8,3,true,AC_RND>"
    ):
        P("ac_fixed<8,3,AC_RND>")
    with raises(
        "'AC_SAT' in 'ac_fixed<8,3,false,AC_SAT>' is an overflow mode; the rounding mode comes "
        "first: ac_fixed<W,I,S,Q,O>, e.g. ac_fixed<8,3,false,AC_TRN,AC_SAT>"
    ):
        P("ac_fixed<8,3,false,AC_SAT>")
    with raises(
        "unknown rounding mode 'AP_RND' in 'ac_fixed<8,3,true,AP_RND>': expected one of "
        f"{AC_ROUNDINGS}"
    ):
        P("ac_fixed<8,3,true,AP_RND>")
    with raises(
        "unknown overflow mode 'AC_WRAP_SM' in 'ac_fixed<8,3,true,AC_RND,AC_WRAP_SM>': expected "
        f"one of {AC_OVERFLOWS}"
    ):
        P("ac_fixed<8,3,true,AC_RND,AC_WRAP_SM>")
    with raises(
        f"unknown rounding mode 'AC_RND' in 'ap_fixed<8,3,AC_RND>': expected one of {AP_ROUNDINGS}"
    ):
        P("ap_fixed<8,3,AC_RND>")
    with raises(
        "unknown rounding mode 'AP_RND_CONV_ODD' in 'ap_fixed<8,3,AP_RND_CONV_ODD>': expected "
        f"one of {AP_ROUNDINGS}"
    ):
        P("ap_fixed<8,3,AP_RND_CONV_ODD>")
    with raises(
        "invalid fixed-point type 'ac_fixed<200,3>': width W=200 exceeds the supported "
        "maximum of 128"
    ):
        P("ac_fixed<200,3>")
    with raises("invalid fixed-point type 'ac_int<0>': width W must be >= 1, got 0"):
        P("ac_int<0>")


def test_constructor_errors():
    with raises("family must be 'ap' or 'ac', got 'hls'"):
        FixedType(8, 3, family="hls")
    with raises(
        "rounding mode AC_RND_CONV_ODD exists only for ac types (family='ac'), not for ap_fixed"
    ):
        FixedType(8, 3, rounding="RND_CONV_ODD")
    with raises(f"unknown rounding mode 'AP_RND': expected one of {AC_ROUNDINGS}"):
        FixedType(8, 3, rounding="AP_RND", family="ac")
    with raises("an integer type (is_int) has no rounding/overflow modes, got AC_RND, AC_WRAP"):
        FixedType(8, 8, rounding="RND", is_int=True, family="ac")
    with raises(
        "ac_fixed<8,3,true,AC_RND_CONV_ODD,AC_WRAP> has no ap spelling: ap_fixed has no "
        "rounding mode AC_RND_CONV_ODD"
    ):
        P("ac_fixed<8,3,true,AC_RND_CONV_ODD>").spell("ap")
    with raises("unknown vendor 'xilinx': expected 'ap' or 'ac'"):
        P("ac_int<8>").spell("xilinx")


def test_result_types_stay_in_the_family():
    a, b = P("ac_fixed<8,3,true,AC_RND,AC_SAT>"), P("ac_fixed<7,5,false>")
    assert a + b == P("ac_fixed<12,7,true>")
    assert b - b == P("ac_fixed<8,6,true>")
    assert a * b == P("ac_fixed<15,8,true>")
    assert -b == P("ac_fixed<8,6,true>")
    assert P("ac_int<8,false>") + P("ac_int<8,true>") == P("ac_int<10,true>")
    assert P("ac_int<8,false>") * P("ac_fixed<4,2,false>") == P("ac_fixed<12,10,false>")
    assert a.sum_type(4) == P("ac_fixed<10,5,true>")
    with raises(
        "ac_fixed<8,3,true,AC_RND,AC_SAT> + ap_fixed<8,3>: ap and ac types do not mix "
        "(convert one with with_(family=...))"
    ):
        a + P("ap_fixed<8,3>")
    with raises(
        "ap_int<4> * ac_int<4,true>: ap and ac types do not mix (convert one with "
        "with_(family=...))"
    ):
        P("ap_int<4>") * P("ac_int<4>")


def test_rnd_conv_odd_ties_go_to_the_odd_neighbour():
    t = P("ac_fixed<8,8,true,AC_RND_CONV_ODD>")
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.25, 2.75, -2.75])
    want = [1, 1, 3, -1, -1, -3, 2, 3, -3]
    assert list(t.quantize(x)) == want
    assert list(t.quantize_raw(x.astype(object))) == want  # exact path agrees
    src = P("ac_fixed<8,7,true>")  # raw / 2: the same ties from a fixed-point source
    assert list(t.cast_raw((x * 2).astype(np.int64), src)) == want
    assert list(P("ac_fixed<8,8,true,AC_RND_CONV>").quantize(x)) == [0, 2, 2, 0, -2, -2, 2, 3, -3]


def test_ac_int_floors_where_ap_int_truncates():
    x = np.array([-0.25, -1.5, 2.75, -7.0])
    assert list(P("ac_int<8>").quantize(x)) == [-1, -2, 2, -7]
    assert list(P("ap_int<8>").quantize(x)) == [1, -1, 2, -7]  # ap quirk 5, truncation
    # to_int(): floor for ac_fixed (-7.5 -> -8), truncation for ap_fixed (-7)
    raw = np.array([-120])  # -7.5 in <8,4>
    assert list(P("ac_int<32>").cast_raw(raw, "ac_fixed<8,4>")) == [-8]
    assert list(P("ap_int<32>").cast_raw(raw, "ap_fixed<8,4>")) == [-7]


def test_ac_double_underflow_converts_as_zero():
    """README quirk 8: the reference scales the double first; -5e-324 underflows to 0."""
    x = np.array([-5e-324, 5e-324, -1e-300])
    assert list(P("ac_fixed<8,4>").quantize_raw(x)) == [0, 0, -1]
    assert list(P("ap_fixed<8,4>").quantize_raw(x)) == [-1, 0, -1]
    assert list(P("ac_int<8,false>").quantize_raw(x)) == [0, 0, 255]
    assert list(P("ac_fixed<8,4>").quantize_raw(x.astype(object))) == [0, 0, -1]


def test_ac_sat_zero_below_min_with_width_multiple_of_32():
    """README quirk 9: just below the minimum rounds up to it, but AC_SAT_ZERO still gives 0."""
    t = P("ac_fixed<32,4,true,AC_RND,AC_SAT_ZERO>")
    x = np.array([-8.0 - t.lsb / 4, -8.0, -8.0 + t.lsb / 4])
    assert list(t.quantize_raw(x)) == [0, t.raw_min, t.raw_min]
    assert list(t.quantize_raw(x.astype(object))) == [0, t.raw_min, t.raw_min]
    other = P("ac_fixed<31,4,true,AC_RND,AC_SAT_ZERO>")  # a spare bit: rounds to the minimum
    assert list(other.quantize_raw(x)) == [other.raw_min] * 3


def test_ac_sat_sym_source_keeps_its_minimum():
    """The reference skips overflow handling when the target holds every value of the source,
    counting an AC_SAT_SYM source as never at its minimum: that minimum stays (found by
    comparing every raw value of small types with the reference, tests/compat)."""
    src = P("ac_fixed<8,4,true,AC_TRN,AC_SAT_SYM>")
    raw = np.array([-128, -127, 127])
    wider = P("ac_fixed<10,4,true,AC_TRN,AC_SAT_SYM>")
    assert list(wider.cast_raw(raw, src)) == [-512, -508, 508]
    assert list(wider.cast_raw(raw.astype(object), src)) == [-512, -508, 508]
    assert list(src.cast_raw(raw, src)) == [-128, -127, 127]  # as a copy
    # otherwise AC_SAT_SYM moves the minimum to -max, as in ap
    assert list(wider.cast_raw(raw, src.with_(overflow="SAT"))) == [-511, -508, 508]
    assert list(
        P("ac_fixed<8,4,true,AC_RND,AC_SAT_SYM>").cast_raw(
            raw * 2, "ac_fixed<9,4,true,AC_TRN,AC_SAT_SYM>"
        )
    ) == [-127, -127, 127]
    ap = P("ap_fixed<10,4,AP_TRN,AP_SAT_SYM>")
    assert list(ap.cast_raw(raw, "ap_fixed<8,4,AP_TRN,AP_SAT_SYM>")) == [-511, -508, 508]
