"""BatchNormalization: from_moments, numpy reference vs float, csim == Interpreter.

Tolerance of ``|y - R(x * scale + shift)|`` (float64 on the quantized input x): the weights
are converted into the scale (S) and bias (B) types (at most one LSB each, so
``|x| * S.lsb + B.lsb``), the product and the shift into accum (``2 * A.lsb``; their sum is on
accum's grid, exact), the result and the reference into R (``2 * R.lsb``).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from fpga_export import passes
from fpga_export.config import ExportConfig
from fpga_export.ir import Graph, Interpreter, Node
from fpga_export.layers.input import Input
from fpga_export.layers.norm import BatchNormalization
from fpga_export.types import FixedType

T = FixedType.parse


def moments(c, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.uniform(0.5, 2, c),  # gamma
        rng.normal(0, 1, c),  # beta
        rng.normal(0, 2, c),  # mean
        rng.uniform(0.2, 4, c),  # var
    )


def build(shape=(8,), x_type="ap_fixed<16,6>", weights=None, seed=0, **precision) -> Graph:
    if weights is None:
        op, weights = BatchNormalization.from_moments(*moments(shape[-1], seed), eps=1e-3)
    else:
        op = BatchNormalization()
    g = Graph("bn")
    g.add(Node("x", Input(), shape=shape, precision={"result": x_type}))
    g.add(Node("bn", op, ["x"], weights=weights, precision=precision))
    g.inputs, g.outputs = ["x"], ["bn"]
    passes.infer_shapes(g)
    passes.infer_types(g)
    return g


def inputs(t: FixedType, shape, n=300, seed=1):
    x = np.random.default_rng(seed).normal(0, 3, (n, *shape))
    return np.clip(x, t.min, t.max)


def test_from_moments():
    gamma, beta, mean, var = moments(5)
    op, w = BatchNormalization.from_moments(gamma, beta, mean, var, eps=1e-5)
    assert isinstance(op, BatchNormalization)
    scale = gamma / np.sqrt(var + 1e-5)
    np.testing.assert_array_equal(w["scale"], scale)
    np.testing.assert_array_equal(w["shift"], beta - mean * scale)
    _, w = BatchNormalization.from_moments(None, None, mean, var)  # scale=False, center=False
    np.testing.assert_array_equal(w["scale"], 1 / np.sqrt(var + 1e-3))
    np.testing.assert_array_equal(w["shift"], -(mean * w["scale"]))


def test_from_moments_shape_error():
    msg = (
        "BatchNormalization.from_moments: gamma, beta, mean and var must be 1-D arrays of one "
        "length, got shapes [(3,), (3,), (4,), (3,)]"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        BatchNormalization.from_moments(np.ones(3), np.ones(3), np.ones(4), np.ones(3))


def test_weight_shape_must_match_channels():
    msg = "bn: scale has shape (4,), expected (8,) for the last axis of the input (8,)"
    with pytest.raises(ValueError, match=re.escape(msg)):
        build(weights={"scale": np.ones(4), "shift": np.zeros(8)})


CASES = [
    # (x type, result, accum, scale, bias)
    ("ap_fixed<16,6>", None, None, None, None),
    ("ap_fixed<12,4,AP_RND>", "ap_fixed<14,5,AP_RND,AP_SAT>", "ap_fixed<20,8,AP_RND>",
     "ap_fixed<10,3,AP_RND>", "ap_fixed<10,4,AP_RND>"),
    ("ap_ufixed<10,4>", "ap_fixed<24,8>", "ap_fixed<32,10>", "ap_fixed<18,3>", "ap_fixed<18,5>"),
]  # fmt: skip


@pytest.mark.parametrize("shape", [(8,), (2, 3, 4)])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_vs_float(case, shape):
    x_type, *roles = case
    prec = {r: t for r, t in zip(("result", "accum", "scale", "bias"), roles, strict=True) if t}
    g = build(shape, x_type, **prec)
    x = inputs(T(x_type), shape)
    xq = T(x_type).quantize(x)
    node = g["bn"]
    want_float = xq * node.weights["scale"] + node.weights["shift"]
    ty = node.types
    tol = np.abs(xq) * ty["scale"].lsb + ty["bias"].lsb + 2 * ty["accum"].lsb + 2 * ty["result"].lsb
    err = np.abs(Interpreter(g).run(x) - ty["result"].quantize(want_float))
    assert np.all(err <= tol), f"max excess {np.max(err - tol)}"


def test_exact_with_representable_weights():
    weights = {"scale": np.array([0.5, -1.25, 3.0]), "shift": np.array([0.125, 2.0, -7.5])}
    g = build((3,), "ap_fixed<10,4>", weights, result="ap_fixed<24,10>", accum="ap_fixed<24,10>")
    x = inputs(T("ap_fixed<10,4>"), (3,))
    xq = T("ap_fixed<10,4>").quantize(x)
    want = xq * weights["scale"] + weights["shift"]
    np.testing.assert_array_equal(Interpreter(g).run(x), want)


def test_accum_saturates_then_result_converts():
    weights = {"scale": np.array([4.0]), "shift": np.array([1.0])}
    g = build(
        (1,), "ap_fixed<16,6>", weights, accum="ap_fixed<8,4,AP_TRN,AP_SAT>", result="ap_fixed<8,3>"
    )
    # 3 * 4 = 12 saturates to 7.9375 in accum; + 1 saturates again; result wraps 7.9375 -> -0.0625
    y = Interpreter(g).run(np.array([[3.0], [-0.5], [1.0]]))
    np.testing.assert_array_equal(y[:, 0], [-0.0625, -1.0, 5.0 - 8.0])


def test_auto_types_lose_nothing():
    g = build((6,), "ap_fixed<12,5>", result="auto", accum="auto", scale="auto", bias="auto")
    x = inputs(T("ap_fixed<12,5>"), (6,))
    node = g["bn"]
    s = node.types["scale"].quantize(node.weights["scale"])
    b = node.types["bias"].quantize(node.weights["shift"])
    want = T("ap_fixed<12,5>").quantize(x) * s + b  # exact in float64 at these widths
    np.testing.assert_array_equal(Interpreter(g).run(x), want)


def test_emission_text(tmp_path):
    from test_meta import check_configs

    from fpga_export.firmware import Firmware

    fw = Firmware(build((2, 3)), ExportConfig(output_dir=tmp_path / "p", io_type="io_stream"))
    out = fw.write()
    params = (out / "firmware" / "parameters.h").read_text()
    assert "struct bn_config : nnet::batchnorm_config {" in params
    assert "    typedef bn_bias_t bias_t;" in params
    assert "    static const unsigned n_in = 6;" in params
    assert check_configs(params) == 1
    top = (out / "firmware" / "bn.cpp").read_text()
    assert (
        "FE_PROCESS(bn, nnet::batchnorm_stream<x_packet_t, bn_packet_t, bn_config>(x_out, "
        "bn_out, bn_scale, bn_shift));" in top
    )


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("shape", [(8,), (2, 3, 4)])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_csim_equals_interpreter(tmp_path, case, shape, io_type):
    from fpga_export.firmware import Firmware

    x_type, *roles = case
    prec = {r: t for r, t in zip(("result", "accum", "scale", "bias"), roles, strict=True) if t}
    g = build(shape, x_type, seed=4, **prec)
    fw = Firmware(g, ExportConfig(output_dir=tmp_path / io_type, io_type=io_type)).compile()
    x = inputs(T(x_type), shape, n=500, seed=2) * 1.5
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))
