"""LayerNormalization: numpy reference vs float layer norm, errors, emission text.

Tolerance of ``|y - float_layernorm(xq)|`` (float64 on the quantized input, gamma and beta
quantized into their types): the float result ``g * (x - m) / sqrt(v + eps) + b`` is
compared with a bound built from the types:

* ``inv_std`` is a table entry: with bin width ``bw = r/N`` the var is off by at most
  ``bw/2`` (nearest center) plus ``e_var`` (the accum/var LSB errors of the statistics);
  1/sqrt is convex and decreasing, so the entry is off by at most
  ``e_inv = 1/sqrt(max(v - bw/2 - e_var, 0) + eps) - 1/sqrt(v + eps)`` plus a table LSB;
* ``d`` is off by the mean error (a few accum LSBs);
* each product conversion, the bias conversion and the result conversion add one LSB.

So ``tol = |g| * (|d| * e_inv + inv_std * e_d + A.lsb) + 3 * A.lsb + R.lsb`` with
``e_d = 2 * A.lsb``,
``e_var = 2 * (2 |d|max + 1) * A.lsb + V.lsb``; rows whose variance is inside the table range.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from fpga_export import passes
from fpga_export.config import ExportConfig
from fpga_export.ir import Graph, Interpreter, Node
from fpga_export.layers.input import Input
from fpga_export.layers.norm import LayerNormalization, inv_n_const
from fpga_export.types import FixedType

T = FixedType.parse


def params(c, seed=0):
    rng = np.random.default_rng(seed)
    return {"gamma": rng.uniform(0.5, 2, c), "beta": rng.normal(0, 1, c)}


def build(shape=(8,), x_type="ap_fixed<16,6>", weights=None, seed=0, op=None, **precision):
    g = Graph("ln")
    g.add(Node("x", Input(), shape=shape, precision={"result": x_type}))
    w = params(shape[-1], seed) if weights is None else weights
    g.add(Node("ln", op or LayerNormalization(), ["x"], weights=dict(w), precision=precision))
    g.inputs, g.outputs = ["x"], ["ln"]
    passes.infer_shapes(g)
    passes.infer_types(g)
    return g


def inputs(t: FixedType, shape, n=300, seed=1, spread=1.5):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, *shape)) * rng.uniform(0.3, spread, (n,) + (1,) * len(shape))
    x = x + rng.normal(0, 1, (n, *shape[:-1], 1))
    return np.clip(x, t.min, t.max)


def float_layernorm(x, gamma, beta, eps):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return gamma * (x - m) / np.sqrt(v + eps) + beta, x - m, v


CASES = [
    # (x type, result, accum, var, table, scale, bias)
    ("ap_fixed<16,6>", "ap_fixed<24,8>", "ap_fixed<28,8>", "ap_fixed<24,6>", None,
     "ap_fixed<18,3>", "ap_fixed<18,4>"),
    ("ap_fixed<12,4,AP_RND>", "ap_fixed<18,6,AP_RND,AP_SAT>", "ap_fixed<24,7,AP_RND>",
     "ap_ufixed<20,4,AP_RND>", "ap_fixed<20,6,AP_RND,AP_SAT>", "ap_fixed<14,3,AP_RND>",
     "ap_fixed<14,4,AP_RND>"),
]  # fmt: skip
ROLES = ("result", "accum", "var", "table", "scale", "bias")


def precision(case):
    return {r: t for r, t in zip(ROLES, case[1:], strict=True) if t}


@pytest.mark.parametrize("shape", [(16,), (3, 8)])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_vs_float(case, shape):
    g = build(shape, case[0], **precision(case))
    node, op = g["ln"], g["ln"].op
    ty = node.types
    x = inputs(T(case[0]), shape)
    xq = T(case[0]).quantize(x)
    gamma = ty["scale"].quantize(node.weights["gamma"])
    beta = ty["bias"].quantize(node.weights["beta"])
    want, d, v = float_layernorm(xq, gamma, beta, op.epsilon)
    a, bw = ty["accum"].lsb, op.table_range / op.table_size
    e_var = 2 * (2 * np.abs(d).max(-1, keepdims=True) + 1) * a + ty["var"].lsb
    inv_std = 1 / np.sqrt(v + op.epsilon)
    v_lo = np.maximum(v - bw / 2 - e_var, 0)  # 1/sqrt is convex, decreasing: worst below
    e_inv = 1 / np.sqrt(v_lo + op.epsilon) - inv_std + ty["table"].lsb
    tol = np.abs(gamma) * (np.abs(d) * e_inv + inv_std * 2 * a + a) + 3 * a + ty["result"].lsb
    inside = np.broadcast_to(v < op.table_range * 0.99, want.shape)
    assert inside.mean() > 0.9
    err = np.abs(Interpreter(g).run(x) - want)
    assert np.all(err[inside] <= tol[inside]), f"max excess {np.max((err - tol)[inside])}"
    typical = inside & np.broadcast_to(v >= 0.25, want.shape)  # the table is coarse near 0
    assert np.max(err[typical]) < 0.05


def test_inv_n_constant():
    for n in (1, 2, 3, 5, 7, 8, 100, 768, 1000):
        c = inv_n_const(n)
        k = n.bit_length() - 1
        assert c.type == FixedType(18, 1 - k, False)
        assert abs(c.values()[0] - 1 / n) <= c.type.lsb / 2
    assert inv_n_const(4).values()[0] == 0.25


def test_table_contents_and_index():
    op = LayerNormalization(epsilon=1e-3, table_size=8, table_range=2.0)
    np.testing.assert_allclose(op.table(), 1 / np.sqrt(np.arange(8) * 0.25 + 1e-3))
    from fpga_export.ir.op import Tensor

    t = FixedType(12, 4, True)
    v = np.array([-1.0, 0.0, 0.12, 0.125, 0.25, 0.37, 1.874, 1.875, 5.0])
    k = op.table_index(Tensor(t.quantize_raw(v), t))
    np.testing.assert_array_equal(k, [0, 0, 0, 1, 1, 1, 7, 7, 7])


def test_constant_row_gives_beta():
    w = {"gamma": np.full(4, 2.0), "beta": np.array([0.5, -1.0, 0.25, 3.0])}
    g = build((4,), "ap_fixed<16,6>", w, accum="ap_fixed<24,8>", result="ap_fixed<24,8>")
    y = Interpreter(g).run(np.full((3, 4), 1.75))
    np.testing.assert_array_equal(y, np.broadcast_to(w["beta"], (3, 4)))


def test_errors():
    with pytest.raises(ValueError, match=re.escape("table_size must be an integer power of two")):
        LayerNormalization(table_size=1000)
    with pytest.raises(ValueError, match=re.escape("table_range must be a power of two")):
        LayerNormalization(table_range=3.0)
    with pytest.raises(ValueError, match=re.escape("LayerNormalization epsilon must be > 0")):
        LayerNormalization(epsilon=0.0)
    msg = "ln: gamma has shape (4,), expected (8,) for the last axis of the input (8,)"
    with pytest.raises(ValueError, match=re.escape(msg)):
        build(weights={"gamma": np.ones(4), "beta": np.zeros(8)})
    with pytest.raises(ValueError, match=re.escape("ln: LayerNormalization needs a 'beta'")):
        build(weights={"gamma": np.ones(8)})


def test_emission_text(tmp_path):
    from test_meta import check_configs

    from fpga_export.firmware import Firmware

    fw = Firmware(build((2, 3)), ExportConfig(output_dir=tmp_path / "p", io_type="io_stream"))
    out = fw.write()
    params_h = (out / "firmware" / "parameters.h").read_text()
    assert "struct ln_config : nnet::layernorm_config {" in params_h
    assert "    typedef ln_var_t var_t;" in params_h
    assert "    static const unsigned n_chan = 3;" in params_h
    assert check_configs(params_h) == 1
    top = (out / "firmware" / "ln.cpp").read_text()
    assert (
        "FE_PROCESS(ln, nnet::layernorm_stream<x_packet_t, ln_packet_t, ln_config>(x_out, "
        "ln_out, ln_table, ln_gamma, ln_beta));" in top
    )
