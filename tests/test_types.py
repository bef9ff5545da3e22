"""fpga_export.types: parsing/spelling, properties, growth rules, quantization edge cases."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
import pytest

from fpga_export.fixed.ac import keeps_sym_min
from fpga_export.types import MAX_WIDTH, FixedType, Overflow, Rounding

P = FixedType.parse

FORMS = (
    "ap_fixed<W,I[,Q[,O[,N]]]>, ap_ufixed<W,I[,Q[,O[,N]]]>, ap_int<W>, ap_uint<W>, "
    "fixed<W,I[,Q[,O[,N]]]>, ufixed<W,I[,Q[,O[,N]]]>, int<W>, uint<W> "
    "(Q a rounding mode such as AP_RND, O an overflow mode such as AP_SAT, N = 0)"
)
ROUNDINGS = "AP_TRN, AP_TRN_ZERO, AP_RND, AP_RND_ZERO, AP_RND_MIN_INF, AP_RND_INF, AP_RND_CONV"
OVERFLOWS = "AP_WRAP, AP_SAT, AP_SAT_ZERO, AP_SAT_SYM"


def raises(msg: str):
    return pytest.raises(ValueError, match=f"^{re.escape(msg)}$")


# ------------------------------------------------------------------------- parse / spell


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("ap_fixed<16,6>", "ap_fixed<16,6>"),
        ("ap_fixed<16,6,AP_TRN,AP_WRAP>", "ap_fixed<16,6>"),
        ("ap_fixed<16,6,AP_TRN,AP_WRAP,0>", "ap_fixed<16,6>"),
        ("ap_fixed<8,3,AP_RND_CONV,AP_SAT>", "ap_fixed<8,3,AP_RND_CONV,AP_SAT>"),
        ("ap_fixed<8,3,AP_RND,AP_SAT,0>", "ap_fixed<8,3,AP_RND,AP_SAT>"),
        ("ap_fixed<8,3,AP_RND>", "ap_fixed<8,3,AP_RND>"),
        ("ap_fixed<8,3,AP_RND,AP_WRAP>", "ap_fixed<8,3,AP_RND>"),
        ("ap_ufixed<8,3,AP_TRN,AP_SAT>", "ap_ufixed<8,3,AP_TRN,AP_SAT>"),
        ("ap_ufixed<8,3,AP_TRN,AP_SAT_SYM>", "ap_ufixed<8,3,AP_TRN,AP_SAT_SYM>"),
        ("ap_ufixed<8, -3>", "ap_ufixed<8,-3>"),
        ("ap_fixed<4,10>", "ap_fixed<4,10>"),
        ("ap_int<8>", "ap_int<8>"),
        ("ap_uint<4>", "ap_uint<4>"),
        ("fixed<16,6>", "ap_fixed<16,6>"),
        ("ufixed<16,6>", "ap_ufixed<16,6>"),
        ("int<8>", "ap_int<8>"),
        ("uint<8>", "ap_uint<8>"),
        ("fixed<16,6,RND,SAT>", "ap_fixed<16,6,AP_RND,AP_SAT>"),
        ("ap_fixed<16,6,RND,SAT>", "ap_fixed<16,6,AP_RND,AP_SAT>"),
        ("ap_fixed<16,6,rnd_conv,sat_zero>", "ap_fixed<16,6,AP_RND_CONV,AP_SAT_ZERO>"),
        ("  ap_fixed < 16 , 6 , AP_RND_MIN_INF , AP_SAT_ZERO >  ", None),
        ("ap_fixed<1,0>", "ap_fixed<1,0>"),
        ("ap_fixed<128,64>", "ap_fixed<128,64>"),
        ("ap_uint<128>", "ap_uint<128>"),
    ],
)
def test_parse_and_spell(text, canonical):
    t = P(text)
    canonical = canonical or "ap_fixed<16,6,AP_RND_MIN_INF,AP_SAT_ZERO>"
    assert str(t) == canonical
    assert P(str(t)) == t
    assert str(P(str(t))) == canonical
    assert t.spell() == t.spell("ap") == canonical
    assert eval(repr(t), {"FixedType": FixedType}) == t


def test_parse_fields():
    t = P("ap_ufixed<8,3,AP_RND_INF,AP_SAT_SYM>")
    assert (t.width, t.integer, t.signed, t.rounding, t.overflow, t.is_int) == (
        8,
        3,
        False,
        Rounding.RND_INF,
        Overflow.SAT_SYM,
        False,
    )
    assert P("ap_int<8>") == FixedType(8, 8, True, is_int=True)
    assert P("ap_uint<8>") == FixedType(8, 8, False, is_int=True)
    assert P("ap_fixed<8,8>") != P("ap_int<8>")  # different conversion from double (quirk 5)
    assert P(P("ap_fixed<16,6>")) is P("ap_fixed<16,6>")  # parse is cached
    assert P(t) is t


def test_spell_ac():
    assert P("ap_fixed<16,6>").spell("ac") == "ac_fixed<16,6,true>"
    assert P("ap_ufixed<8,3,AP_RND,AP_SAT>").spell("ac") == "ac_fixed<8,3,false,AC_RND,AC_SAT>"
    assert P("ap_int<8>").spell("ac") == "ac_int<8,true>"
    assert P("ap_uint<4>").spell("ac") == "ac_int<4,false>"
    with raises("unknown vendor 'xilinx': expected 'ap' or 'ac'"):
        P("ap_int<8>").spell("xilinx")


@pytest.mark.parametrize(
    "text",
    [
        "ap_fixd<16,6>",
        "ap_fixed<16>",
        "ap_fixed<a,3>",
        "ap_fixed<16,6,AP_RND,AP_SAT,0,1>",
        "ap_int<8,3>",
        "ap_fixed<16,6",
        "",
        "float",
        "ap_fixed<16,6,AP_RND,AP_SAT,x>",
    ],
)
def test_parse_errors_form(text):
    with raises(f"cannot parse fixed-point type {text!r}: expected one of {FORMS}"):
        P(text)


def test_parse_errors():
    with raises("invalid fixed-point type 'ap_fixed<0,0>': width W must be >= 1, got 0"):
        P("ap_fixed<0,0>")
    with raises("invalid fixed-point type 'ap_uint<0>': width W must be >= 1, got 0"):
        P("ap_uint<0>")
    with raises(
        "invalid fixed-point type 'ap_fixed<200,6>': width W=200 exceeds the supported "
        "maximum of 128"
    ):
        P("ap_fixed<200,6>")
    with raises(
        "invalid fixed-point type 'ap_int<129>': width W=129 exceeds the supported maximum of 128"
    ):
        P("ap_int<129>")
    with raises(
        f"unknown rounding mode 'AP_FOO' in 'ap_fixed<8,3,AP_FOO>': expected one of {ROUNDINGS}"
    ):
        P("ap_fixed<8,3,AP_FOO>")
    with raises(
        "unknown overflow mode 'AP_SATT' in 'ap_fixed<8,3,AP_RND,AP_SATT>': expected one of "
        f"{OVERFLOWS}"
    ):
        P("ap_fixed<8,3,AP_RND,AP_SATT>")
    with raises(
        "unknown overflow mode 'AP_WRAP_SM' in 'ap_fixed<8,3,AP_RND,AP_WRAP_SM>': expected one "
        f"of {OVERFLOWS}"
    ):
        P("ap_fixed<8,3,AP_RND,AP_WRAP_SM>")
    with raises(
        "saturation bits N=2 in 'ap_fixed<8,3,AP_RND,AP_SAT,2>' are not supported: only N=0"
    ):
        P("ap_fixed<8,3,AP_RND,AP_SAT,2>")
    with raises(
        "'AP_SAT' in 'ap_fixed<8,3,AP_SAT>' is an overflow mode; the rounding mode comes first: "
        "ap_fixed<W,I,Q,O>, e.g. ap_fixed<8,3,AP_TRN,AP_SAT>"
    ):
        P("ap_fixed<8,3,AP_SAT>")
    with pytest.raises(TypeError, match="^FixedType.parse expects a str, got int$"):
        P(16)


def test_constructor_validation():
    assert FixedType(8, 3, rounding="AP_RND", overflow="sat") == P("ap_fixed<8,3,AP_RND,AP_SAT>")
    assert FixedType(8, 3, rounding=Rounding.RND_CONV).rounding is Rounding.RND_CONV
    with raises("width W must be >= 1, got 0"):
        FixedType(0, 0)
    with raises(f"width W=129 exceeds the supported maximum of {MAX_WIDTH}"):
        FixedType(129, 0)
    with raises(f"unknown rounding mode 'X': expected one of {ROUNDINGS}"):
        FixedType(8, 3, rounding="X")
    with raises(f"unknown overflow mode 'SAT_SM': expected one of {OVERFLOWS}"):
        FixedType(8, 3, overflow="SAT_SM")
    with raises("width must be an int, got '8'"):
        FixedType("8", 3)
    with raises("integer must be an int, got 3.0"):
        FixedType(8, 3.0)
    with raises("signed must be a bool, got 1"):
        FixedType(8, 3, signed=1)
    with raises("an integer type (is_int) needs integer == width, got width=8, integer=3"):
        FixedType(8, 3, is_int=True)
    with raises("an integer type (is_int) has no rounding/overflow modes, got AP_RND, AP_WRAP"):
        FixedType(8, 8, rounding="RND", is_int=True)


def test_modes():
    assert Rounding("AP_RND_CONV") is Rounding.RND_CONV
    assert Rounding("rnd") is Rounding.RND
    assert Overflow("AP_SAT_SYM") is Overflow.SAT_SYM
    assert Rounding.RND == "RND" and isinstance(Rounding.RND, str)
    assert str(Overflow.SAT) == "AP_SAT"
    assert [m.value for m in Rounding] == [
        "TRN",
        "TRN_ZERO",
        "RND",
        "RND_ZERO",
        "RND_MIN_INF",
        "RND_INF",
        "RND_CONV",
        "RND_CONV_ODD",
    ]
    assert [m.value for m in Overflow] == ["WRAP", "SAT", "SAT_ZERO", "SAT_SYM"]


def test_with_():
    t = P("ap_fixed<16,6>")
    assert t.with_(rounding="RND", overflow="SAT") == P("ap_fixed<16,6,AP_RND,AP_SAT>")
    assert t.with_(width=18) == P("ap_fixed<18,6>")
    with raises("width W must be >= 1, got 0"):
        t.with_(width=0)


# ------------------------------------------------------------------------- properties


@pytest.mark.parametrize(
    "text, frac, lsb, raw_min, raw_max, lo, hi",
    [
        ("ap_fixed<16,6>", 10, 2**-10, -(2**15), 2**15 - 1, -32.0, 32 - 2**-10),
        ("ap_ufixed<8,3>", 5, 2**-5, 0, 255, 0.0, 8 - 2**-5),
        ("ap_fixed<8,-2>", 10, 2**-10, -128, 127, -(2**-3), 2**-3 - 2**-10),
        ("ap_fixed<4,10>", -6, 64.0, -8, 7, -512.0, 448.0),
        ("ap_ufixed<4,10>", -6, 64.0, 0, 15, 0.0, 960.0),
        ("ap_int<8>", 0, 1.0, -128, 127, -128.0, 127.0),
        ("ap_uint<4>", 0, 1.0, 0, 15, 0.0, 15.0),
        ("ap_fixed<1,0>", 1, 0.5, -1, 0, -0.5, 0.0),
        ("ap_ufixed<1,0>", 1, 0.5, 0, 1, 0.0, 0.5),
        ("ap_fixed<64,0>", 64, 2**-64, -(2**63), 2**63 - 1, -0.5, 0.5),  # max rounds to 0.5
        ("ap_uint<128>", 0, 1.0, 0, 2**128 - 1, 0.0, 2.0**128),
    ],
)
def test_properties(text, frac, lsb, raw_min, raw_max, lo, hi):
    t = P(text)
    assert (t.frac, t.lsb, t.raw_min, t.raw_max) == (frac, lsb, raw_min, raw_max)
    assert (t.min, t.max) == (lo, hi) == t.range
    assert t.raw_fits_int64 == (raw_min >= -(2**63) and raw_max < 2**63)


# ------------------------------------------------------------------------- growth rules


@pytest.mark.parametrize(
    "expr, result",
    [
        # README "Semantics worth knowing" point 1
        ("ap_fixed<8,3> + ap_ufixed<7,5>", "ap_fixed<12,7>"),
        ("ap_ufixed<8,4> - ap_ufixed<8,4>", "ap_fixed<9,5>"),
        ("ap_fixed<8,3> * ap_ufixed<7,5>", "ap_fixed<15,8>"),
        ("ap_fixed<16,6> + ap_fixed<16,6>", "ap_fixed<17,7>"),
        ("ap_ufixed<8,4> + ap_ufixed<8,4>", "ap_ufixed<9,5>"),
        ("ap_ufixed<7,5> + ap_fixed<8,3>", "ap_fixed<12,7>"),
        ("ap_fixed<8,3,AP_RND,AP_SAT> + ap_fixed<4,-2,AP_RND_CONV>", "ap_fixed<10,4>"),
        ("ap_fixed<4,10> + ap_fixed<8,-2>", "ap_fixed<21,11>"),
        ("ap_ufixed<8,4> * ap_ufixed<8,4>", "ap_ufixed<16,8>"),
        ("ap_fixed<64,3> * ap_fixed<64,3>", "ap_fixed<128,6>"),
        ("ap_int<8> + ap_uint<4>", "ap_int<9>"),
        ("ap_int<8> * ap_int<8>", "ap_int<16>"),
        ("ap_uint<8> - ap_uint<8>", "ap_int<9>"),
        ("ap_int<8> + ap_fixed<8,8>", "ap_fixed<9,9>"),  # an int and a fixed: ap_fixed
    ],
)
def test_growth(expr, result):
    a, op, b = expr.split(" ")
    a, b = P(a), P(b)
    got = {"+": a + b, "-": a - b, "*": a * b}[op]
    assert got == P(result)
    assert (got.rounding, got.overflow) == (Rounding.TRN, Overflow.WRAP)


def test_neg_and_sum_type():
    assert -P("ap_fixed<8,3,AP_RND,AP_SAT>") == P("ap_fixed<9,4>")
    assert -P("ap_ufixed<8,3>") == P("ap_fixed<9,4>")
    assert -P("ap_int<8>") == P("ap_int<9>")
    t = P("ap_fixed<16,6,AP_RND,AP_SAT>")
    assert [str(t.sum_type(n)) for n in (1, 2, 3, 4, 5, 16, 17)] == [
        "ap_fixed<16,6>",
        "ap_fixed<17,7>",
        "ap_fixed<18,8>",
        "ap_fixed<18,8>",
        "ap_fixed<19,9>",
        "ap_fixed<20,10>",
        "ap_fixed<21,11>",
    ]
    assert P("ap_uint<8>").sum_type(256) == P("ap_uint<16>")
    assert P("ap_uint<8>").sum_type(257) == P("ap_uint<16>")  # 257 * 255 < 2^16
    assert P("ap_uint<8>").sum_type(258) == P("ap_uint<17>")
    assert P("ap_ufixed<1,0>").sum_type(3) == P("ap_ufixed<2,1>")
    with raises("sum_type needs an int n >= 1, got 0"):
        t.sum_type(0)
    with raises("sum_type needs an int n >= 1, got 2.0"):
        t.sum_type(2.0)


def test_growth_limits():
    a = P("ap_fixed<128,64>")
    with raises(
        "ap_fixed<128,64> + ap_fixed<128,64> needs a width of 129 bits, more than the "
        "supported maximum of 128"
    ):
        a + a
    with raises(
        "ap_fixed<64,3> * ap_ufixed<65,0> needs a width of 129 bits, more than the supported "
        "maximum of 128"
    ):
        P("ap_fixed<64,3>") * P("ap_ufixed<65,0>")
    with raises(
        "-(ap_fixed<128,64>) needs a width of 129 bits, more than the supported maximum of 128"
    ):
        _ = -a
    with raises(
        "a sum of 3 ap_fixed<128,64> values needs a width of 130 bits, more than the supported "
        "maximum of 128"
    ):
        a.sum_type(3)
    with pytest.raises(TypeError):
        a + 1


# ------------------------------------------------------------------------- quantization


def q_raw(text, values):
    return [int(v) for v in P(text).quantize_raw(np.array(values, dtype=np.float64))]


TIE_INPUTS = [0.125, 0.375, -0.125, -0.375, 0.3, -0.3, 0.0, -0.0]  # lsb = 0.25
TIE_EXPECTED = {  # raw (value / 0.25)
    "AP_TRN": [0, 1, -1, -2, 1, -2, 0, 0],
    "AP_TRN_ZERO": [0, 1, 0, -1, 1, -1, 0, 0],
    "AP_RND": [1, 2, 0, -1, 1, -1, 0, 0],
    "AP_RND_ZERO": [0, 1, 0, -1, 1, -1, 0, 0],
    "AP_RND_MIN_INF": [0, 1, -1, -2, 1, -1, 0, 0],
    "AP_RND_INF": [1, 2, -1, -2, 1, -1, 0, 0],
    "AP_RND_CONV": [0, 2, 0, -2, 1, -1, 0, 0],
}


@pytest.mark.parametrize("mode", list(TIE_EXPECTED))
def test_rounding_modes(mode):
    want = TIE_EXPECTED[mode]
    assert q_raw(f"ap_fixed<4,2,{mode}>", TIE_INPUTS) == want
    assert q_raw(f"ap_fixed<40,38,{mode}>", TIE_INPUTS) == want  # other widths alike
    assert q_raw(f"ap_fixed<64,62,{mode}>", TIE_INPUTS) == want  # exact (Python int) path
    # the same ties far from zero (1000 = 4000 lsb, even), and the float view
    t = P(f"ap_fixed<20,18,{mode}>")
    sign = np.sign(TIE_INPUTS[:6])
    np.testing.assert_array_equal(
        t.quantize(np.array(TIE_INPUTS[:6]) + 1000.0 * sign),
        np.array(want[:6]) * 0.25 + 1000.0 * sign,
    )


def test_ties_just_off_half():
    # 0.5 - 2^-54 (largest double below 1/2) and its negative: no tie, nearest is 0.
    x = [0.49999999999999994, -0.49999999999999994, 0.5000000000000001, -0.5000000000000001]
    for mode in ("RND", "RND_ZERO", "RND_MIN_INF", "RND_INF", "RND_CONV"):
        assert q_raw(f"ap_fixed<8,8,AP_{mode}>", x) == [0, 0, 1, -1], mode
        assert q_raw(f"ap_fixed<64,64,AP_{mode}>", x) == [0, 0, 1, -1], mode


OVF_INPUTS = [1.75, 2.0, -2.0, -2.25, 100.0, -1e300, 1e300, -5e-324]
OVF_EXPECTED = {  # ap_fixed<4,2,AP_TRN,O>: raw range -8..7, lsb 0.25
    "AP_WRAP": [7, -8, -8, 7, 0, 0, 0, -1],  # 100/0.25 = 400 = 0 mod 16
    "AP_SAT": [7, 7, -8, -8, 7, -8, 7, -1],
    "AP_SAT_ZERO": [7, 0, -8, 0, 0, 0, 0, -1],
    "AP_SAT_SYM": [7, 7, -7, -7, 7, -7, 7, -1],
}


@pytest.mark.parametrize("mode", list(OVF_EXPECTED))
def test_overflow_modes(mode):
    assert q_raw(f"ap_fixed<4,2,AP_TRN,{mode}>", OVF_INPUTS) == OVF_EXPECTED[mode]
    # the same raw values with the binary point moved: ap_fixed<4,34> (lsb 2^30)
    wide = P(f"ap_fixed<4,34,AP_TRN,{mode}>")
    got = wide.quantize_raw(np.array(OVF_INPUTS[:5] + [-5e-324]) * 2.0**32)
    assert [int(v) for v in got] == OVF_EXPECTED[mode][:5] + [-1]


def test_overflow_unsigned():
    x = [-0.25, 4.0, 3.75, -1e300, 0.1]
    assert q_raw("ap_ufixed<4,2,AP_TRN,AP_WRAP>", x) == [15, 0, 15, 0, 0]
    assert q_raw("ap_ufixed<4,2,AP_TRN,AP_SAT>", x) == [0, 15, 15, 0, 0]
    assert q_raw("ap_ufixed<4,2,AP_TRN,AP_SAT_ZERO>", x) == [0, 0, 15, 0, 0]
    assert q_raw("ap_ufixed<4,2,AP_TRN,AP_SAT_SYM>", x) == [0, 15, 15, 0, 0]  # same as SAT


def test_rounding_then_overflow():
    # 1.9 rounds up to 2.0 = max + lsb: overflows; -2.1 rounds up to exactly min: does not
    assert q_raw("ap_fixed<4,2,AP_RND,AP_SAT>", [1.9, -2.1]) == [7, -8]
    assert q_raw("ap_fixed<4,2,AP_RND,AP_WRAP>", [1.9, -2.1]) == [-8, -8]
    assert q_raw("ap_fixed<4,2,AP_RND,AP_SAT_ZERO>", [1.9, -2.1]) == [0, -8]
    assert q_raw("ap_fixed<4,2,AP_RND,AP_SAT_SYM>", [1.9, -2.1]) == [7, -7]


def test_one_bit_sat_sym():  # README quirk 7: behaves as SAT
    assert q_raw("ap_fixed<1,0,AP_TRN,AP_SAT_SYM>", [-0.5, -3.0, 0.3, 7.0]) == [-1, -1, 0, 0]
    assert q_raw("ap_fixed<1,3,AP_RND,AP_SAT_SYM>", [-4.0, -9.0, 3.0]) == [-1, -1, 0]


def test_int_targets_from_double():  # README quirk 5
    x = [-0.3, -1e-30, -5e-324, -0.5, -0.0, -1.7, 2.9, 300.7, -300.7, 0.3]
    assert q_raw("ap_int<8>", x) == [1, 1, 1, 0, 0, -1, 2, 44, -44, 0]
    assert q_raw("ap_uint<4>", x) == [1, 1, 1, 0, 0, 15, 2, 12, 4, 0]
    assert q_raw("ap_int<1>", [-0.3, 0.7, -1.0, 1.0]) == [-1, 0, -1, -1]
    assert q_raw("ap_int<64>", x) == [1, 1, 1, 0, 0, -1, 2, 300, -300, 0]  # exact path
    # ap_fixed<8,8> (not an ap_int) floors instead
    assert q_raw("ap_fixed<8,8>", [-0.3, -1.7]) == [-1, -2]


def test_int_targets_from_fixed():  # README quirk 6
    i8 = P("ap_int<8>")
    assert list(i8.cast_raw([-3, 3, -8, -16, -17], "ap_fixed<8,4>")) == [0, 0, 0, -1, -1]
    assert list(i8.cast_raw([-3, 3, -8, -1], "ap_fixed<4,0>")) == [-1, 0, -1, -1]  # I == 0
    assert list(i8.cast_raw([3, 15], "ap_ufixed<4,0>")) == [0, 0]
    assert list(i8.cast_raw([300 * 16, -300 * 16 - 1], "ap_fixed<16,12>")) == [44, -44]
    assert list(i8.cast_raw([-3, 3], "ap_fixed<4,10>")) == [64, 192 - 256]  # value -192, 192
    assert list(P("ap_uint<4>").cast_raw([-24, 24], "ap_fixed<8,4>")) == [15, 1]
    # same through the exact (Python int) path
    raw = np.array([-3, 3, -8, -1], dtype=object)
    assert list(i8.cast_raw(raw, "ap_fixed<4,0>")) == [-1, 0, -1, -1]
    raw = np.array([-(2**70) - (5 << 28) - 1], dtype=object)  # -2^42 - 5 - 2^-28
    assert list(P("ap_int<32>").cast_raw(raw, "ap_fixed<128,100>")) == [-5]


def test_negative_and_large_integer_bits():
    assert q_raw("ap_fixed<4,10>", [100.0, -100.0, 63.9]) == [1, -2, 0]
    assert q_raw("ap_fixed<4,10,AP_RND>", [100.0, 96.0, -96.0]) == [2, 2, -1]
    assert q_raw("ap_fixed<8,-2>", [0.1, 0.2, -0.125, -0.13]) == [102, -52, -128, 122]
    # scaling down flushes tiny doubles to zero in float64; the sign must survive
    assert q_raw("ap_fixed<8,1023>", [-5e-324, 5e-324, -1e300]) == [-1, 0, -1]
    assert q_raw("ap_fixed<8,1023,AP_RND>", [-5e-324, 5e-324]) == [0, 0]
    # scaling up beyond the double range (LSB 2**-1022)
    assert q_raw("ap_fixed<8,-1014>", [5e-324, -5e-324, 1e300, -3e300, 2.5e-308]) == [
        0,
        -1,
        0,  # 1e300 * 2**1022 has no bits below 2**8: wraps to 0
        0,
        1,
    ]
    assert q_raw("ap_fixed<8,-1014,AP_TRN,AP_SAT>", [1e300, -1e300, 2.5e-308]) == [127, -128, 1]


@pytest.mark.parametrize(
    "text, bound",
    [
        ("ap_fixed<16,1100>", "I=1100 are out of range for width W=16: I <= 1023 and W - I <= "
         "1022 (so I >= -1006)"),
        ("ap_fixed<2,1000000>", "I=1000000 are out of range for width W=2"),
        ("ap_ufixed<8,1024>", "I=1024 are out of range for width W=8"),
        ("ap_fixed<8,-1015>", "I=-1015 are out of range for width W=8: I <= 1023 and W - I <= "
         "1022 (so I >= -1014)"),
    ],
)  # fmt: skip
def test_integer_bits_are_bounded_to_what_every_header_converts_exactly(text, bound):
    """Beyond, the vendor headers convert wrongly (subnormal LSB) or lsb is infinite."""
    with pytest.raises(
        ValueError, match=re.escape(f"invalid fixed-point type {text!r}: integer bits {bound}")
    ):
        P(text)
    for ok in (
        "ap_fixed<16,1023>",
        "ap_ufixed<128,1023>",
        "ap_fixed<16,-1006>",
        "ap_fixed<128,-894>",
    ):
        t = P(ok)
        assert all(math.isfinite(v) and v != 0 for v in (t.lsb, t.min if t.signed else 1, t.max))


def test_quantize_values_and_shapes():
    t = P("ap_fixed<8,3,AP_RND,AP_SAT>")
    x = np.array([[0.1, -5.0], [100.0, 0.0625 * 3]], dtype=np.float32)
    q = t.quantize(x)
    assert q.dtype == np.float64 and q.shape == (2, 2)
    np.testing.assert_array_equal(q, [[0.09375, -4.0], [3.96875, 0.1875]])
    assert t.quantize(0.1).shape == ()
    assert float(t.quantize(0.1)) == 0.09375
    assert t.quantize([]).shape == (0,)
    assert t.quantize_raw(np.zeros((0, 3))).shape == (0, 3)
    assert t.quantize_raw(x).dtype == np.int64
    np.testing.assert_array_equal(t.to_raw(x), t.quantize_raw(x))
    np.testing.assert_array_equal(t.from_raw(t.quantize_raw(x)), q)
    # non-contiguous input
    np.testing.assert_array_equal(t.quantize(x.T), q.T)


def test_quantize_integer_and_rational_inputs():
    t = P("ap_fixed<8,3,AP_RND>")
    assert list(t.quantize_raw(np.array([1, -2, 3], dtype=np.int8))) == [32, -64, 96]
    assert list(t.quantize_raw([True, False])) == [32, 0]
    assert list(t.quantize_raw(np.array([Fraction(1, 3), 2**70, -1], dtype=object))) == [
        11,
        0,
        -32,
    ]
    big = P("ap_fixed<64,64>")
    assert list(big.quantize_raw(np.array([2**62 + 1, -(2**63)], dtype=np.int64))) == [
        2**62 + 1,
        -(2**63),
    ]
    u = P("ap_ufixed<64,64>")
    got = u.quantize_raw(np.array([2**64 - 1, 3], dtype=np.uint64))
    assert got.dtype == object and list(got) == [2**64 - 1, 3]
    assert list(P("ap_ufixed<4,4,AP_RND>").quantize_raw(np.array([2**63 - 1]))) == [15]
    with pytest.raises(TypeError, match="cannot quantize an array of dtype <U1"):
        t.quantize_raw(["a"])


def test_quantize_non_finite():
    for text in ("ap_fixed<16,6>", "ap_fixed<64,6>", "ap_fixed<16,6,AP_RND,AP_SAT>"):
        for bad in (np.nan, np.inf, -np.inf):
            with raises(f"cannot quantize non-finite value {bad!r} into {P(text)}"):
                P(text).quantize([0.5, bad])


def test_wide_types_exact():
    t = P("ap_fixed<64,2,AP_RND_CONV,AP_SAT>")
    x = np.array([0.1, -2.0, 1.9999999999999998, 5.0, -(2.0**-62) * 3])
    got = t.quantize_raw(x)
    assert got.dtype == np.int64
    want = [
        int(round(Fraction(0.1) * 2**62)),
        -(2**63),
        int(Fraction(1.9999999999999998) * 2**62),
        2**63 - 1,
        -3,
    ]
    assert list(got) == want
    # float view: correctly rounded
    assert list(t.quantize(x)) == [float(Fraction(w, 2**62)) for w in want]
    u = P("ap_ufixed<64,0,AP_RND>")
    got = u.quantize_raw([0.5, 1.0, -0.1])
    assert got.dtype == object and list(got) == [2**63, 0, 2**64 - int(Fraction(0.1) * 2**64)]
    w128 = P("ap_fixed<128,64>")
    assert list(w128.quantize_raw([2.0**40 + 0.5, -(2.0**63)])) == [
        (2**40 << 64) + (1 << 63),
        -(2**127),
    ]


def test_from_raw_correctly_rounded():
    t = P("ap_fixed<64,10>")
    raw = np.array([2**63 - 1, -(2**63), 2**53 + 1, 2**54 + 3, 12345], dtype=np.int64)
    want = [float(Fraction(int(r), 2**54)) for r in raw]
    assert list(t.from_raw(raw)) == want
    assert list(t.from_raw(raw.astype(object))) == want
    t = P("ap_ufixed<128,0>")
    raw = np.array([2**128 - 1, 1, 3 << 70], dtype=object)
    assert list(t.from_raw(raw)) == [1.0, 2.0**-128, 3 * 2.0**-58]
    # the extreme types (integer bits are bounded: values stay normal and finite)
    assert list(P("ap_fixed<8,-1014>").from_raw([3, -1])) == [3 * 2.0**-1022, -(2.0**-1022)]
    assert list(P("ap_fixed<8,1023>").from_raw([127, -128])) == [127 * 2.0**1015, -(2.0**1022)]
    with pytest.raises(TypeError, match="raw values must be integers, got an array of dtype"):
        t.from_raw([0.5])


# ------------------------------------------------------------------------- fast == exact

SPECIAL = [0.0, -0.0, 5e-324, -5e-324, 2.2e-308, -2.2e-308, 1e-300, 1.7976931348623157e308]


def _random_types(rng, n, max_width=62):
    modes_o = [m.value for m in Overflow]
    for _ in range(n):
        w = int(rng.integers(1, max_width + 1))
        i = int(rng.integers(-8, w + 9))
        family = ("ap", "ac")[rng.integers(2)]
        modes_q = [m.value for m in Rounding.members(family)]
        yield FixedType(
            w,
            i,
            bool(rng.integers(2)),
            modes_q[rng.integers(len(modes_q))],
            modes_o[rng.integers(len(modes_o))],
            family=family,
        )


def _inputs(rng, t, n=400):
    lsb = math.ldexp(1.0, -t.frac)
    span = max(abs(t.min), abs(t.max), lsb)
    k = rng.integers(-(2**20), 2**20, n)
    x = np.concatenate(
        [
            rng.uniform(-1.5, 1.5, n) * span,
            (k + 0.5) * lsb,  # exact ties
            np.nextafter((k + 0.5) * lsb, np.inf),
            np.nextafter((k + 0.5) * lsb, -np.inf),
            rng.standard_normal(n) * lsb * 4,
            np.exp(rng.uniform(-700, 700, n)) * rng.choice([-1, 1], n),
            [t.min, t.max, t.max + lsb / 2, t.min - lsb / 2, t.max + lsb, t.min - lsb],
            SPECIAL,
            np.negative(SPECIAL),
        ]
    )
    return x[np.isfinite(x)]


def test_fast_path_equals_exact_path():
    rng = np.random.default_rng(1234)
    types = [*_random_types(rng, 300), *(FixedType(8, 8, s, is_int=True) for s in (True, False))]
    types += [FixedType(w, w, s, is_int=True) for w in (1, 5, 62) for s in (True, False)]
    for t in types:
        x = _inputs(rng, t)
        fast = t.quantize_raw(x)
        exact = t.quantize_raw(x.astype(object))
        assert fast.dtype == np.int64
        bad = np.flatnonzero(fast != exact.astype(np.int64))
        assert not bad.size, (str(t), x[bad[:5]].tolist(), fast[bad[:5]], exact[bad[:5]])
        np.testing.assert_array_equal(t.quantize(x), t.from_raw(exact), err_msg=str(t))
        # float32 inputs convert exactly
        with np.errstate(over="ignore"):
            x32 = x.astype(np.float32)
        x32 = x32[np.isfinite(x32)]
        np.testing.assert_array_equal(
            t.quantize_raw(x32), t.quantize_raw(x32.astype(np.float64)), err_msg=str(t)
        )


def test_cast_raw_fast_equals_exact():
    rng = np.random.default_rng(99)
    for src, dst in zip(_random_types(rng, 400), _random_types(rng, 400), strict=True):
        raw = np.concatenate(
            [
                rng.integers(src.raw_min, src.raw_max, 200, endpoint=True),
                [src.raw_min, src.raw_max, 0, -1 if src.signed else 1],
            ]
        ).astype(np.int64)
        exact = dst.cast_raw(raw.astype(object), src)
        fast = dst.cast_raw(raw, src)
        assert fast.dtype == np.int64
        bad = np.flatnonzero(fast != exact.astype(np.int64))
        assert not bad.size, (str(src), str(dst), raw[bad[:5]], fast[bad[:5]], exact[bad[:5]])


def test_cast_raw_vs_rational():
    """cast_raw agrees with quantizing the exact rational value."""
    rng = np.random.default_rng(7)
    for src, dst in zip(_random_types(rng, 100), _random_types(rng, 100), strict=True):
        if keeps_sym_min(dst, src):  # the ac reference's shortcut (fpga_export/fixed/ac.py)
            continue
        raw = rng.integers(src.raw_min, src.raw_max, 50, endpoint=True)
        values = np.array([Fraction(int(r)) / Fraction(2) ** src.frac for r in raw], dtype=object)
        assert list(dst.cast_raw(raw, src)) == list(dst.quantize_raw(values)), (src, dst)


def test_cast_raw_wide_sources():
    # 128-bit product types as sources; values beyond int64
    src = P("ap_fixed<128,10>")
    dst = P("ap_fixed<16,6,AP_RND_CONV,AP_SAT>")
    raw = np.array([3 << 124, -(1 << 127), 7 << 107, 9 << 107, 3 << 116], dtype=object)
    assert list(dst.cast_raw(raw, src)) == [2**15 - 1, -(2**15), 4, 4, 768]
    # int64 data of a wide type with small values still takes the vectorized path
    raw64 = np.array([3 << 20, -(3 << 20)], dtype=np.int64)
    assert list(dst.cast_raw(raw64, "ap_fixed<64,40>")) == [3 << 6, -(3 << 6)]
