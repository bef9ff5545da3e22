"""Quantizer functions (binary, ternary, leaky_clip): csim == Interpreter bit for bit in
both io types, and the Interpreter follows the documented formulas (checked in float)."""

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.layers.quantizer import Quantizer, exact_type
from fpga_export.types import FixedType
from graphs import single

F32_033 = float(np.float32(0.33))  # QKeras' default ternary threshold, as TF sees it

CASES = [
    # (function, params, result type, input type)
    ("binary", [-1.0, 1.0], "ap_fixed<2,2>", "ap_fixed<10,4>"),
    ("binary", [0.0, 1.0], "ap_ufixed<1,1>", "ap_fixed<8,3>"),
    ("binary", [-0.375, 0.375], "ap_fixed<4,0>", "ap_fixed<12,2>"),
    ("ternary", [F32_033, 1.0], "ap_fixed<2,2>", "ap_fixed<12,3>"),
    ("ternary", [0.5, 0.25], "ap_fixed<3,0>", "ap_fixed<6,2,AP_RND,AP_SAT>"),
    ("leaky_clip", [0.25, -4.0], "ap_fixed<8,3,AP_RND_CONV,AP_SAT>", "ap_fixed<16,6>"),
    ("leaky_clip", [0.5, -2.0], "ap_fixed<6,2,AP_RND_CONV,AP_SAT>", "ap_fixed<12,5>"),
]


def graph(case):
    fn, params, result, x_type = CASES[case]
    g = single(Quantizer(fn), (4, 5), {"param": np.array(params)}, name="quant")
    g["input_1"].precision["result"] = x_type
    g["layer"].precision["result"] = result
    return g


def formula(fn, p, x):
    """The docstring's definition in float (exact for these small types)."""
    if fn == "binary":
        return np.where(x >= 0, p[1], p[0])
    if fn == "ternary":
        return np.where(x >= p[0], p[1], np.where(x <= -p[0], -p[1], 0.0))
    return np.where(x >= 0, x, np.where(x <= p[1], p[1] * p[0], x * p[0]))


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("case", range(len(CASES)), ids=lambda i: f"{CASES[i][0]}{i}")
def test_csim_equals_interpreter_and_formula(tmp_path, io_type, case):
    fn, params, result, x_type = CASES[case]
    fw = Firmware(graph(case), ExportConfig(output_dir=tmp_path, io_type=io_type)).compile()
    x = np.random.default_rng(case).normal(0, 3, (64, 4, 5))
    x[0, 0, :] = [0.0, -0.0, F32_033, -F32_033, 100.0]  # ties on the thresholds, saturation
    got = fw.predict(x)
    np.testing.assert_array_equal(got, fw.reference(x))
    xq = FixedType.parse(x_type).quantize(x)
    want = FixedType.parse(result).quantize(formula(fn, params, xq))
    np.testing.assert_array_equal(got, want)


def test_exact_type_holds_float32_constants_exactly():
    t = exact_type([F32_033, -1.0])
    assert t.quantize(np.array([F32_033, -1.0])).tolist() == [F32_033, -1.0]
    assert str(t) == "ap_fixed<26,1>"  # 0.33f needs 25 fraction bits, -1 is the minimum
    assert str(exact_type([0.25, 0.5, 0.0])) == "ap_ufixed<2,0>"
    assert str(exact_type([8.0, -16.0])) == "ap_fixed<2,5>"
    assert str(exact_type([])) == "ap_ufixed<1,1>"
    assert exact_type([1e-30, 1e30]) is None


def test_bad_constants_are_refused(tmp_path):
    g = single(Quantizer("ternary"), (3,), {"param": np.array([0.5])})
    with pytest.raises(
        ValueError,
        match=r"^layer: quantizer 'ternary' needs 2 finite constants \(weight 'param'\), got \[0.5\]$",
    ):
        Firmware(g)
    with pytest.raises(
        ValueError, match="unknown quantizer function 'po3'; supported: binary, ternary, leaky_clip"
    ):
        Quantizer("po3")


PO2 = [
    # (op kwargs, input type, result type)
    ({"min_exp": -4, "max_exp": 3}, "ap_fixed<12,5>", "ap_fixed<9,5>"),
    ({"min_exp": -3, "max_exp": 2, "relu": True}, "ap_fixed<10,4>", "ap_ufixed<6,3>"),
    ({"min_exp": -6, "max_exp": 1, "rounding": "floor"}, "ap_fixed<14,4>", "ap_fixed<9,3>"),
    ({"min_exp": -8, "max_exp": 0, "eps": 0.01}, "ap_fixed<16,2>", "ap_fixed<10,2>"),
    ({"min_exp": -2, "max_exp": 5}, "ap_fixed<6,3>", "ap_fixed<9,7>"),  # coarse input grid
]


def po2_formula(x, min_exp, max_exp, relu=False, rounding="rnd", eps=0.0):
    """QKeras' definition in float64 (exact enough away from the thresholds)."""
    mag = np.abs(x)
    with np.errstate(divide="ignore"):
        e = np.floor(np.log2(mag)) if rounding == "floor" else np.round(np.log2(mag))
    e = np.where(mag < max(eps, 1e-300), min_exp, np.clip(e, min_exp, max_exp))
    if relu:
        return np.where(x >= 0, 2.0**e, 2.0**min_exp)
    return np.where(x >= 0, 1.0, -1.0) * 2.0**e


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("case", range(len(PO2)))
def test_po2_csim_equals_interpreter_and_formula(tmp_path, io_type, case):
    from fpga_export.layers.quantizer import Po2Quantizer

    kw, x_type, result = PO2[case]
    g = single(Po2Quantizer(**kw), (6, 7), name="po2")
    g["input_1"].precision["result"] = x_type
    g["layer"].precision["result"] = result
    fw = Firmware(g, ExportConfig(output_dir=tmp_path, io_type=io_type)).compile()
    x = np.random.default_rng(case).normal(0, 3, (300, 6, 7)) * np.exp(
        np.random.default_rng(9).uniform(-6, 2, (300, 6, 7))
    )
    got = fw.predict(x)
    np.testing.assert_array_equal(got, fw.reference(x))
    xq = FixedType.parse(x_type).quantize(x)
    want = FixedType.parse(result).quantize(po2_formula(xq, **kw))
    np.testing.assert_array_equal(got, want)
