"""Activation: numpy reference (raw domain) vs float math, exact edge cases, csim == Interpreter.

Tolerances (|y - R(f(x))|, x the quantized input, R the result type; every conversion below
truncates unless its type says otherwise, so each costs at most one LSB):

* linear, relu, clipped relu, leaky relu, hard_sigmoid: exact. The reference computes ``f``
  in float64 on the quantized input with the *quantized* constants (``P(alpha)`` ...), which
  is exact at these widths, and converts it with R.
* tables (sigmoid, tanh, softplus, elu, selu): ``L * bw / 2`` (L = max |f'|, bw the bin
  width: an input in the table's range is at most half a bin from its entry's center)
  ``+ tail`` (inputs beyond the outermost centers: |f(x) - f(center)| at the input type's
  extreme; softplus: ``L * bw`` just below r, ``log1p(exp(-r))`` on the linear tail from r)
  ``+ T.lsb / 2`` (entries round) ``+ 2 R.lsb`` (the result and the reference convert);
  selu's positive side adds ``|x| * P.lsb / 2`` (the quantized scale).
* softsign: ``0.5 / N + I.lsb / 2 + 2 R.lsb`` (a reciprocal entry is off by at most half a
  mantissa bin, 1/m changes by <= 0.5/N over it, and the scaling 2^(F-p) is <= 1).
* softmax (C values per vector): with ``e = exp(bw / 2) - 1`` (relative error of an exp
  entry), ``q = T.lsb / 2 + exp(-(r - bw))`` (absolute: rounding, and the clamped tail),
  ``rho = 0.5 / N + I.lsb`` (relative error of the reciprocal):
  ``2 e / (1 - e) * y + (1 + C) * q / (1 - e - q) + rho + 2 R.lsb``.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from fpga_export import passes
from fpga_export.config import ExportConfig
from fpga_export.ir import Graph, Interpreter, Node
from fpga_export.layers.activation import SELU_ALPHA, SELU_SCALE, SUPPORTED, Activation
from fpga_export.layers.input import Input
from fpga_export.types import FixedType

T = FixedType.parse


def build(op, shape=(4, 8), x_type="ap_fixed<16,6>", **precision) -> Graph:
    g = Graph("act")
    g.add(Node("x", Input(), shape=shape, precision={"result": x_type}))
    g.add(Node("act", op, ["x"], precision=precision))
    g.inputs, g.outputs = ["x"], ["act"]
    passes.infer_shapes(g)
    passes.infer_types(g)
    return g


def inputs(t: FixedType, shape, n=400, seed=0, spread=None) -> np.ndarray:
    """Random values over (a bit beyond) the input type's range, plus its edge values."""
    rng = np.random.default_rng(seed)
    lo, hi = t.min, t.max
    spread = spread or max(abs(lo), abs(hi))
    x = rng.normal(0, spread / 3, (n, *shape))
    edges = np.array([lo, hi, 0.0, -0.0, t.lsb, -t.lsb, lo + t.lsb, hi - t.lsb])
    flat = x.reshape(n, -1)
    flat[: len(edges), 0] = edges
    return np.clip(x, lo, hi)


def run(g, x):
    return Interpreter(g).run(x)


def quantized_input(g, x):
    return g["x"].result.quantize(x)


# ------------------------------------------------------------------ construction errors


def test_unknown_function_lists_supported():
    msg = (
        "unknown activation function 'swish'; supported: linear, relu, relu6, clipped_relu, "
        "leaky_relu, elu, selu, sigmoid, hard_sigmoid, tanh, softplus, softsign, softmax, silu, "
        "hardtanh"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        Activation("swish")


@pytest.mark.parametrize(
    "kw, msg",
    [
        (
            {"table_size": 1000},
            "table_size must be an integer power of two from 2 to 2**20, got 1000",
        ),
        ({"table_size": 1}, "table_size must be an integer power of two from 2 to 2**20, got 1"),
        (
            {"table_size": 8.0},
            "table_size must be an integer power of two from 2 to 2**20, got 8.0",
        ),
        (
            {"table_size": 2**70},
            f"table_size must be an integer power of two from 2 to 2**20, got {2**70}",
        ),
        ({"table_range": 6.0}, "table_range must be a power of two (0.5, 1, 2, 4 ...), got 6.0"),
        ({"table_range": -8.0}, "table_range must be a power of two (0.5, 1, 2, 4 ...), got -8.0"),
    ],
)
def test_table_shape_must_be_powers_of_two(kw, msg):
    with pytest.raises(ValueError, match="^" + re.escape("Activation " + msg) + "$"):
        Activation("sigmoid", **kw)


def test_hardtanh_needs_min_below_max():
    with pytest.raises(ValueError, match=re.escape(
        "Activation 'hardtanh' needs min_value < max_value, got 1.0 and 1.0"
    )):  # fmt: skip
        Activation("hardtanh", min_value=1.0)


def test_clipped_relu_needs_max_value():
    with pytest.raises(ValueError, match="Activation 'clipped_relu' needs a max_value"):
        Activation("clipped_relu")


def test_roles_and_weights_per_function():
    assert Activation("relu").roles == ("result",)
    assert Activation("relu", max_value=2.0).weight_roles == {"param": "param"}
    assert Activation("sigmoid").roles == ("result", "table")
    assert Activation("selu").roles == ("result", "param", "table")
    assert Activation("softmax").roles == ("result", "exp_table", "inv_table", "accum")
    assert set(Activation.roles) >= {"param", "table", "exp_table", "inv_table", "accum"}


def test_default_types():
    g = build(Activation("softmax"), shape=(10,))
    types = g["act"].types
    assert types["exp_table"] == T("ap_fixed<18,8,AP_RND,AP_SAT>")
    assert types["inv_table"] == T("ap_fixed<18,8,AP_RND,AP_SAT>")
    assert types["accum"] == T("ap_fixed<22,12>")  # 10 exp_table values never overflow
    assert build(Activation("leaky_relu", alpha=0.3))["act"].types["param"] == T(
        "ap_fixed<18,0,AP_RND>"
    )
    assert build(Activation("relu6"))["act"].types["param"] == T("ap_fixed<18,4,AP_RND>")
    g = build(Activation("sigmoid"), table="ap_fixed<12,2>")
    assert g["act"].types["table"] == T("ap_fixed<12,2>")


def test_role_defaults_and_auto():
    ctx = passes.TypeContext(role_defaults={"table": T("ap_fixed<10,1>"), "result": "auto"})
    g = Graph()
    g.add(Node("x", Input(), shape=(4,), precision={"result": "ap_fixed<9,3>"}))
    g.add(Node("relu", Activation("relu"), ["x"]))
    g.add(Node("sig", Activation("sigmoid"), ["x"]))
    g.add(Node("leaky", Activation("leaky_relu", alpha=0.25), ["x"]))
    g.inputs, g.outputs = ["x"], ["relu", "sig", "leaky"]
    passes.infer_shapes(g)
    passes.infer_types(g, _Cfg(ctx))
    assert g["relu"].result == T("ap_fixed<9,3>")
    assert g["sig"].types["table"] == T("ap_fixed<10,1>")
    assert g["sig"].result == T("ap_fixed<10,1>")
    # x * P(0.25) with P = ap_fixed<18,0,AP_RND>: ap_fixed<27,3>, which also holds x
    assert g["leaky"].result == T("ap_fixed<27,3>")


class _Cfg:
    def __init__(self, ctx):
        self.ctx = ctx

    def type_context(self):
        return self.ctx


# ------------------------------------------------------------------ exact functions

EXACT_RESULTS = [
    "ap_fixed<16,6>",
    "ap_fixed<6,3,AP_TRN,AP_SAT>",  # saturates
    "ap_fixed<6,3>",  # wraps
    "ap_ufixed<8,4,AP_RND,AP_SAT>",
    "ap_fixed<10,2,AP_RND_CONV,AP_SAT_SYM>",
    "ap_fixed<20,8,AP_RND_ZERO>",
]


def _p(g):  # quantized param values
    return g["act"].types["param"].quantize(g["act"].weights["param"])


@pytest.mark.parametrize("result", EXACT_RESULTS)
@pytest.mark.parametrize(
    "function, kw, ref",
    [
        ("linear", {}, lambda x, p: x),
        ("relu", {}, lambda x, p: np.maximum(x, 0)),
        ("relu6", {}, lambda x, p: np.clip(x, 0, p[0])),
        ("relu", {"max_value": 2.5}, lambda x, p: np.clip(x, 0, p[0])),
        ("clipped_relu", {"max_value": 0.7}, lambda x, p: np.clip(x, 0, p[0])),
        ("leaky_relu", {"alpha": 0.3}, lambda x, p: np.where(x >= 0, x, x * p[0])),
        ("leaky_relu", {"alpha": 0.01}, lambda x, p: np.where(x >= 0, x, x * p[0])),
        ("hard_sigmoid", {}, lambda x, p: np.clip(x * p[0] + p[1], 0, 1)),
        ("hard_sigmoid", {"slope": 0.2}, lambda x, p: np.clip(x * p[0] + p[1], 0, 1)),
        ("hardtanh", {}, lambda x, p: np.clip(x, p[0], p[1])),
        ("hardtanh", {"min_value": 0.3, "max_value": 2.7}, lambda x, p: np.clip(x, p[0], p[1])),
        ("hardtanh", {"min_value": -3.1, "max_value": -0.4}, lambda x, p: np.clip(x, p[0], p[1])),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
@pytest.mark.parametrize("x_type", ["ap_fixed<16,6>", "ap_fixed<10,4,AP_RND>", "ap_ufixed<9,3>"])
def test_exact_functions(function, kw, ref, result, x_type):
    g = build(Activation(function, **kw), x_type=x_type, result=result)
    x = inputs(T(x_type), (4, 8))
    xq = quantized_input(g, x)
    p = _p(g) if "param" in g["act"].weights else None
    want = T(result).quantize(ref(xq, p))  # float64 math is exact at these widths
    np.testing.assert_array_equal(run(g, x), want)


def test_param_values_are_quantized_constants():
    g = build(Activation("leaky_relu", alpha=0.3))
    assert g["act"].weights["param"].tolist() == [0.3]
    assert _p(g)[0] == math.floor(0.3 * 2**18 + 0.5) / 2**18  # ap_fixed<18,0,AP_RND>
    g = build(Activation("hard_sigmoid"))
    assert g["act"].weights["param"].tolist() == [1 / 6, 0.5]
    assert build(Activation("hard_sigmoid", slope=0.2))["act"].weights["param"][0] == 0.2


@pytest.mark.parametrize(
    "function, kw, result, x, want",
    [
        # saturation / wrapping of the result type
        (
            "relu",
            {},
            "ap_fixed<6,3,AP_TRN,AP_SAT>",
            [31.0, -31.0, 3.875, 4.0],
            [3.875, 0, 3.875, 3.875],
        ),
        ("relu", {}, "ap_fixed<6,3>", [5.0, 4.0, -5.0], [-3.0, -4.0, 0.0]),
        ("linear", {}, "ap_fixed<6,3,AP_TRN,AP_SAT>", [-31.0, 31.0], [-4.0, 3.875]),
        (
            "linear",
            {},
            "ap_fixed<6,3,AP_RND,AP_SAT_SYM>",
            [-31.0, 0.0625, -0.0625],
            [-3.875, 0.125, 0.0],
        ),
        (
            "leaky_relu",
            {"alpha": 0.25},
            "ap_fixed<6,3,AP_TRN,AP_SAT>",
            [-31.0, -0.25],
            [-4.0, -0.125],
        ),
        # a tiny negative product: truncation floors to -LSB, rounding gives 0 (not -0)
        ("leaky_relu", {"alpha": 0.25}, "ap_fixed<8,4>", [-0.0625], [-0.0625]),
        ("leaky_relu", {"alpha": 0.25}, "ap_fixed<8,4,AP_RND>", [-0.0625, -0.125], [0.0, 0.0]),
        ("relu6", {}, "ap_fixed<8,3,AP_TRN,AP_SAT>", [5.0, 7.0, 31.0], [3.96875] * 3),
        ("relu6", {}, "ap_ufixed<8,3>", [5.0, 7.0], [5.0, 6.0]),
        ("hard_sigmoid", {}, "ap_ufixed<4,0>", [10.0, -10.0], [0.0, 0.0]),  # R(1) wraps to 0
        ("hard_sigmoid", {}, "ap_ufixed<4,0,AP_TRN,AP_SAT>", [10.0, -10.0], [0.9375, 0.0]),
        # P(0.2) = 26214 / 2^17 < 0.2: 2.5 * P(0.2) + 0.5 < 1
        ("hard_sigmoid", {"slope": 0.2}, "ap_fixed<16,6>", [2.5, -2.5, 3.0], [1 - 2**-10, 0, 1]),
    ],
)
def test_edge_values(function, kw, result, x, want):
    g = build(Activation(function, **kw), shape=(len(x),), x_type="ap_fixed<16,6>", result=result)
    y = run(g, np.array([x]))[0]
    np.testing.assert_array_equal(y, want)


@pytest.mark.parametrize(
    "function", ["linear", "relu", "relu6", "leaky_relu", "elu", "selu", "tanh", "softsign"]
)
def test_negative_zero_gives_positive_zero(function):
    g = build(Activation(function), shape=(2,))
    y = run(g, np.array([[-0.0, 0.0]]))[0]
    assert y.tolist() == [0.0, 0.0]  # softsign: R(1 - inv(1)) = R(0.5/N - ...) -> 0
    assert not np.signbit(y).any()


# ------------------------------------------------------------------ table functions


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softplus(x):
    return np.logaddexp(0, x)


def elu(x, alpha=1.0):
    return np.where(x >= 0, x, alpha * np.expm1(np.minimum(x, 0)))


def selu(x):
    return SELU_SCALE * np.where(x >= 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0)))


def silu(x):
    return x * sigmoid(x)


# function -> (float f, Lipschitz bound of the tabulated part, two-sided?)
TABLED = {
    "sigmoid": (sigmoid, 0.25, True),
    "tanh": (np.tanh, 1.0, True),
    "softplus": (softplus, 1.0, True),
    "silu": (silu, 1.1, True),  # max |silu'| = 1.0998
    "elu": (elu, 1.0, False),
    "selu": (selu, SELU_SCALE * SELU_ALPHA, False),
}


def table_tolerance(op, function, g, xq):
    """Per-element bound (module docstring) for the table functions."""
    f, lip, two_sided = TABLED[function]
    x_t, r_t, t_t = g["x"].result, g["act"].result, g["act"].types["table"]
    r = float(op.table_range)
    bw = (2 * r if two_sided else r) / op.table_size
    tol = np.full(xq.shape, lip * bw / 2 + t_t.lsb / 2 + 2 * r_t.lsb)
    first, last = (-r, r - bw) if two_sided else (-(r - bw), 0.0)  # outermost centers
    below = xq < first - bw / 2
    if function == "silu":  # below -r silu lies in (silu(-r), 0): the first entry is off by
        tol[below] += r * sigmoid(-r)  # at most |silu(-r)|
    else:
        tol[below] += abs(f(x_t.min) - f(first))  # f monotonic: worst at the extreme
    if two_sided:
        above = xq >= last + bw / 2
        if function in ("softplus", "silu"):  # linear tail from r: |f(x) - x| <= its value at r
            tol[above & (xq >= r)] += abs(f(r) - r)
            tol[above & (xq < r)] += lip * bw
        else:
            tol[above] += abs(f(x_t.max) - f(last))
    if function == "selu":  # positive side: x * P(scale)
        tol += np.abs(xq) * g["act"].types["param"].lsb / 2
    return tol


TABLE_CASES = [
    # (x type, result type, table type, table_size, table_range)
    ("ap_fixed<16,6>", "ap_fixed<16,6>", None, 1024, 8.0),
    ("ap_fixed<12,4,AP_RND>", "ap_fixed<18,4,AP_RND>", "ap_fixed<20,4,AP_RND>", 4096, 4.0),
    ("ap_fixed<20,8>", "ap_fixed<14,5>", None, 256, 16.0),
    ("ap_fixed<8,3>", "ap_fixed<10,3>", "ap_fixed<12,3,AP_RND>", 64, 2.0),  # coarse input
    ("ap_ufixed<10,4>", "ap_fixed<16,5>", None, 128, 8.0),
]


@pytest.mark.parametrize("case", TABLE_CASES, ids=lambda c: f"{c[0]}-{c[3]}-{c[4]}")
@pytest.mark.parametrize("function", list(TABLED))
def test_table_functions_vs_float(function, case):
    x_type, result, table, size, rng = case
    op = Activation(function, table_size=size, table_range=rng)
    prec = {"result": result} | ({"table": table} if table else {})
    g = build(op, x_type=x_type, **prec)
    x = inputs(T(x_type), (4, 8), seed=size)
    xq = quantized_input(g, x)
    y = run(g, x)
    want = T(result).quantize(TABLED[function][0](xq))
    err = np.abs(y - want)
    tol = table_tolerance(op, function, g, xq)
    assert np.all(err <= tol), f"max excess {np.max(err - tol)} at x={xq[err > tol][:4]}"


def test_table_entries_at_bin_centers():
    g = build(Activation("tanh", table_size=16, table_range=2.0), x_type="ap_fixed<8,2>")
    np.testing.assert_array_equal(g["act"].weights["table"], np.tanh(-2 + 0.25 * np.arange(16)))
    g = build(Activation("elu", alpha=0.5, table_size=64, table_range=2.0))
    np.testing.assert_array_equal(g["act"].weights["table"], 0.5 * np.expm1(-np.arange(64) / 32))
    g = build(Activation("softmax", table_size=32, table_range=4.0), shape=(3,))
    j = np.arange(32)
    np.testing.assert_array_equal(g["act"].weights["exp_table"], np.exp(-j / 8))
    np.testing.assert_array_equal(g["act"].weights["inv_table"], 1 / (1 + (j + 0.5) / 32))


def test_zero_maps_to_f_of_zero():
    g = build(Activation("tanh"), shape=(3,), result="ap_fixed<18,2,AP_RND>")
    assert run(g, np.array([[0.0, -0.0, 2.0**-10]])).tolist() == [[0.0, 0.0, 0.0]]
    g = build(Activation("sigmoid"), shape=(1,))
    assert run(g, np.array([[0.0]])).tolist() == [[0.5]]


def test_coarse_input_is_exact_up_to_table_rounding():
    # input LSB == bin width: every input in range is a bin center, f evaluated exactly there
    t = "ap_fixed<16,1,AP_RND>"
    op = Activation("sigmoid", table_size=256, table_range=8.0)
    g = build(op, shape=(256,), x_type="ap_fixed<8,4>", result=t, table=t)
    x = np.arange(-128, 128)[None, :] / 16.0
    np.testing.assert_array_equal(run(g, x)[0], T(t).quantize(sigmoid(x[0])))


def _index_graph(function, x_type, size, rng, shape=(64,)):
    """The table holds its own index: the output is the index the op computed."""
    g = build(
        Activation(function, table_size=size, table_range=rng),
        shape=shape,
        x_type=x_type,
        result="ap_fixed<24,14>",
        table="ap_fixed<24,14>",
    )
    g["act"].weights["table"] = np.arange(size, dtype=np.float64)
    return g


INDEX_CASES = [
    ("ap_fixed<16,6>", 1024, 8.0),
    ("ap_fixed<10,5>", 16, 0.5),  # range below one: table_range_log2 = -1
    ("ap_fixed<6,6>", 256, 4.0),  # lsb 1 > bw: left shift of the raw value
    ("ap_fixed<12,-2>", 64, 0.125),  # input narrower than the table
    ("ap_ufixed<12,8>", 2, 64.0),
]


def expected_index(function, xq, size, rng):
    """Nearest bin center, ties upward (exact in float64: bw is a power of two)."""
    if function == "sigmoid":  # two-sided: centers -r + i * bw, bw = 2r / N
        k = np.floor(xq / (2 * rng / size) + 0.5) + size // 2
    else:  # elu, x < 0: one-sided on u = -x, centers i * bw, bw = r / N
        k = np.floor(-xq / (rng / size) + 0.5)
    return np.clip(k, 0, size - 1)


@pytest.mark.parametrize("case", INDEX_CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
@pytest.mark.parametrize("function", ["sigmoid", "elu"])
def test_table_index_rule(function, case):
    x_type, size, rng = case
    g = _index_graph(function, x_type, size, rng)
    x = inputs(T(x_type), (64,), n=200)
    xq = quantized_input(g, x)
    y = run(g, x)
    want = expected_index(function, xq, size, rng)
    if function == "elu":
        want = np.where(xq >= 0, T("ap_fixed<24,14>").quantize(xq), want)
    np.testing.assert_array_equal(y, want)


# ------------------------------------------------------------------ softsign, softmax


@pytest.mark.parametrize(
    "x_type, result, inv, size",
    [
        ("ap_fixed<16,6>", "ap_fixed<16,6>", None, 1024),
        ("ap_fixed<18,8,AP_RND>", "ap_fixed<18,1,AP_RND>", "ap_ufixed<18,0,AP_RND>", 4096),
        ("ap_fixed<8,8>", "ap_fixed<12,2>", "ap_fixed<14,1,AP_RND>", 64),  # integer input
        ("ap_ufixed<12,2>", "ap_fixed<14,2>", None, 256),
        ("ap_fixed<24,-2>", "ap_fixed<20,0>", "ap_ufixed<20,0,AP_RND>", 512),  # tiny inputs
    ],
)
def test_softsign_vs_float(x_type, result, inv, size):
    g = build(
        Activation("softsign", table_size=size),
        x_type=x_type,
        result=result,
        **({"inv_table": inv} if inv else {}),
    )
    x = inputs(T(x_type), (4, 8), seed=3)
    xq = quantized_input(g, x)
    want = T(result).quantize(xq / (1 + np.abs(xq)))
    i_t = g["act"].types["inv_table"]
    tol = 0.5 / size + i_t.lsb / 2 + 2 * T(result).lsb
    np.testing.assert_array_less(np.abs(run(g, x) - want), tol + 1e-15)


def test_softsign_is_odd_with_symmetric_rounding():
    g = build(Activation("softsign"), result="ap_fixed<16,2,AP_TRN_ZERO>")
    x = T("ap_fixed<16,6>").quantize(inputs(T("ap_fixed<16,6>"), (4, 8)))
    x = x[x > -32]  # -x of the minimum is not representable
    g = build(Activation("softsign"), shape=(x.size,), result="ap_fixed<16,2,AP_TRN_ZERO>")
    np.testing.assert_array_equal(run(g, -x[None]), -run(g, x[None]))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


SOFTMAX_CASES = [
    # (x type, shape, result, exp table, inv table, accum, size, range)
    ("ap_fixed<16,6>", (10,), "ap_fixed<16,6>", None, None, None, 1024, 8.0),
    (
        "ap_fixed<16,6>",
        (3, 5),
        "ap_ufixed<16,1,AP_RND>",  # an output of 1 must fit
        "ap_ufixed<18,1,AP_RND>",  # exp(0) = 1 must fit
        "ap_ufixed<18,0,AP_RND>",
        None,
        2048,
        16.0,
    ),
    (
        "ap_fixed<8,4>",
        (2, 2, 4),
        "ap_fixed<10,1,AP_RND,AP_SAT>",
        "ap_ufixed<12,1,AP_RND>",
        "ap_ufixed<12,1,AP_RND>",
        "ap_fixed<14,4>",
        256,
        8.0,
    ),
    (
        "ap_fixed<24,12,AP_RND>",
        (32,),
        "ap_fixed<18,2,AP_RND>",
        None,
        None,
        "ap_fixed<40,20>",
        512,
        4.0,
    ),
]


@pytest.mark.parametrize("case", SOFTMAX_CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_softmax_vs_float(case):
    x_type, shape, result, exp_t, inv_t, acc_t, size, rng = case
    prec = {"result": result}
    for role, t in (("exp_table", exp_t), ("inv_table", inv_t), ("accum", acc_t)):
        if t:
            prec[role] = t
    op = Activation("softmax", table_size=size, table_range=rng)
    g = build(op, shape=shape, x_type=x_type, **prec)
    x = inputs(T(x_type), shape, seed=7, spread=4.0)
    xq = quantized_input(g, x)
    y, p = run(g, x), softmax(xq)
    types = g["act"].types
    bw, c = rng / size, shape[-1]
    e = math.expm1(bw / 2)
    q = types["exp_table"].lsb / 2 + math.exp(-(rng - bw))
    rho = 0.5 / size + types["inv_table"].lsb
    tol = 2 * e / (1 - e) * p + (1 + c) * q / (1 - e - q) + rho + 2 * T(result).lsb
    err = np.abs(y - T(result).quantize(p))
    assert np.all(err <= tol), f"max excess {np.max(err - tol)}"


def test_softmax_shift_invariant_and_sums_to_one():
    g = build(Activation("softmax"), shape=(6,))
    rng = np.random.default_rng(5)
    x = np.round(rng.normal(0, 3, (200, 6)) * 64) / 64
    y = run(g, x)
    np.testing.assert_array_equal(run(g, x + 1.5), y)  # x - max is unchanged
    assert np.all(np.abs(y.sum(axis=1) - 1) < 0.02)
    np.testing.assert_array_equal(np.argmax(y, axis=1), np.argmax(x, axis=1))


def test_softmax_per_vector_on_last_axis():
    g = build(Activation("softmax"), shape=(3, 4))
    x = np.random.default_rng(1).normal(0, 2, (5, 3, 4))
    y = run(g, x)
    for i in range(3):
        g1 = build(Activation("softmax"), shape=(4,))
        np.testing.assert_array_equal(y[:, i], run(g1, x[:, i]))


def test_softmax_zero_sum_gives_zero():
    # an exp table that cannot hold exp(0) = 1 (saturates to 0): the sum is 0, outputs 0
    g = build(Activation("softmax"), shape=(3,), exp_table="ap_ufixed<8,0,AP_TRN,AP_SAT_ZERO>")
    assert run(g, np.array([[3.0, 3.0, 3.0]])).tolist() == [[0.0, 0.0, 0.0]]


# ------------------------------------------------------------------ C++ emission


def test_emission_text(tmp_path):
    from test_meta import check_configs

    from fpga_export.firmware import Firmware

    g = build(Activation("selu", table_range=0.5), shape=(2, 3))
    fw = Firmware(g, ExportConfig(output_dir=tmp_path / "p", io_type="io_stream"))
    out = fw.write()
    params = (out / "firmware" / "parameters.h").read_text()
    assert "struct act_config : nnet::activation_config {" in params
    assert "    typedef act_param_t param_t;" in params
    assert "    typedef act_table_t table_t;" in params
    assert "    static const int table_range_log2 = -1;" in params
    assert "    static const unsigned n_chan = 3;" in params
    assert check_configs(params) == 1
    top = (out / "firmware" / "act.cpp").read_text()
    assert (
        "FE_PROCESS(act, nnet::selu_stream<x_packet_t, act_packet_t, act_config>(x_out, "
        "act_out, act_param, act_table));" in top
    )


# ------------------------------------------------------------------ csim == Interpreter

CSIM_TYPES = {
    "default": ("ap_fixed<16,6>", {}),
    "narrow": (
        "ap_fixed<10,4,AP_RND>",
        {
            "result": "ap_fixed<8,2,AP_RND_CONV,AP_SAT>",
            "param": "ap_fixed<8,1,AP_RND>",
            "table": "ap_fixed<9,2,AP_RND,AP_SAT>",
            "exp_table": "ap_ufixed<10,1,AP_RND>",
            "inv_table": "ap_ufixed<10,0,AP_RND>",
            "accum": "ap_fixed<12,4,AP_TRN,AP_SAT>",
        },
    ),
    "wide": (
        "ap_fixed<32,10,AP_RND_ZERO,AP_SAT>",
        {
            "result": "ap_fixed<30,8,AP_RND_INF,AP_SAT_ZERO>",
            "param": "ap_fixed<24,3,AP_RND_MIN_INF>",
            "table": "ap_fixed<26,4,AP_RND>",
            "exp_table": "ap_fixed<26,2,AP_RND>",
            "inv_table": "ap_fixed<26,2,AP_RND>",
            "accum": "ap_fixed<36,8>",
        },
    ),
    "unsigned": ("ap_ufixed<12,5>", {"result": "ap_ufixed<9,2,AP_TRN,AP_SAT>"}),
    "integer": ("ap_int<6>", {"result": "ap_fixed<12,6,AP_RND>", "accum": "ap_int<12>"}),
}

FUNCTION_KW = {
    "clipped_relu": {"max_value": 1.5},
    "leaky_relu": {"alpha": 0.1},
    "elu": {"alpha": 0.7, "table_size": 256, "table_range": 4.0},
    "sigmoid": {"table_size": 512},
    "tanh": {"table_range": 2.0},
    "softplus": {"table_range": 1.0, "table_size": 64},
    "softsign": {"table_size": 128},
    "hard_sigmoid": {"slope": 0.2},
    "softmax": {"table_size": 2048, "table_range": 16.0},
}


def firmware(tmp_path, graph, io_type):
    from fpga_export.firmware import Firmware

    return Firmware(graph, ExportConfig(output_dir=tmp_path / io_type, io_type=io_type))


def _csim_graph(function, types_name):
    x_type, roles = CSIM_TYPES[types_name]
    op = Activation(function, **FUNCTION_KW.get(function, {}))
    g = build(op, shape=(3, 8), x_type=x_type)
    g["act"].precision = {r: t for r, t in roles.items() if r in op.roles}
    passes.infer_types(g)
    return g, T(x_type)


# io_stream runs the same per-value code as io_parallel: two type sets suffice there
CSIM_CASES = [(f, t, "io_parallel") for f in SUPPORTED for t in CSIM_TYPES] + [
    (f, t, "io_stream") for f in SUPPORTED for t in ("default", "narrow")
]


@pytest.mark.parametrize("function, types_name, io_type", CSIM_CASES)
def test_csim_equals_interpreter(tmp_path, function, types_name, io_type):
    g, x_type = _csim_graph(function, types_name)
    fw = firmware(tmp_path, g, io_type).compile()
    x = inputs(x_type, (3, 8), n=600, seed=11)
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))


@pytest.mark.parametrize("case", INDEX_CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
@pytest.mark.parametrize("function", ["sigmoid", "elu"])
def test_csim_table_index_rule(tmp_path, function, case):
    x_type, size, rng = case
    g = _index_graph(function, x_type, size, rng, shape=(4, 16))
    fw = firmware(tmp_path, g, "io_parallel")
    fw.set_weights({"act": {"table": np.arange(size, dtype=np.float64)}})
    fw.compile()
    x = inputs(T(x_type), (4, 16), n=300)
    y = fw.predict(x)
    np.testing.assert_array_equal(y, fw.reference(x))
    xq = T(x_type).quantize(x)
    want = expected_index(function, xq, size, rng)
    if function == "elu":
        want = np.where(xq >= 0, T("ap_fixed<24,14>").quantize(xq), want)
    np.testing.assert_array_equal(y, want)


def _random_type(rng, max_width=28, signed=None):
    w = int(rng.integers(2, max_width + 1))
    i = int(rng.integers(-3, w + 4))
    s = bool(rng.integers(0, 2)) if signed is None else signed
    q = rng.choice(["AP_TRN", "AP_TRN_ZERO", "AP_RND", "AP_RND_ZERO", "AP_RND_CONV"])
    o = rng.choice(["AP_WRAP", "AP_SAT", "AP_SAT_ZERO", "AP_SAT_SYM"])
    return f"ap_{'' if s else 'u'}fixed<{w},{i},{q},{o}>"


def _random_graph(rng, functions, x_type):
    g = Graph("fuzz")
    g.add(Node("x", Input(), shape=(2, 6), precision={"result": x_type}))
    for function in functions:
        kw = {
            "table_size": 2 ** int(rng.integers(1, 13)),
            "table_range": 2.0 ** int(rng.integers(-2, 6)),
        }
        if function in ("leaky_relu", "elu"):
            kw["alpha"] = float(rng.uniform(0.01, 2))
        if function in ("relu", "clipped_relu"):
            kw["max_value"] = float(rng.uniform(0.1, 8))
        if function == "hard_sigmoid":
            kw["slope"] = float(rng.choice([0.2, 1 / 6]))
        op = Activation(function, **kw)
        prec = {r: _random_type(rng) for r in op.roles if rng.random() < 0.7}
        g.add(Node(function, op, ["x"], precision=prec))
    g.inputs, g.outputs = ["x"], list(functions)
    return g


def _check_random(fw, x_type, functions, seed):
    t = T(x_type)
    x = np.random.default_rng(seed).normal(0, max(abs(t.min), t.max) / 2, (300, 2, 6))
    got, want = fw.predict(x), fw.reference(x)
    if len(functions) == 1:
        got, want = [got], [want]
    for y, r, name in zip(got, want, functions, strict=True):
        np.testing.assert_array_equal(y, r, err_msg=f"{name}: {fw.graph[name].types}")


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_csim_random_configurations(tmp_path, seed):
    """Every function with random types and table shapes, all fed from one input."""
    from fpga_export.firmware import Firmware

    rng = np.random.default_rng(100 + seed)
    x_type = _random_type(rng, 24)
    g = _random_graph(rng, SUPPORTED, x_type)
    fw = Firmware(g, ExportConfig(output_dir=tmp_path / "p")).compile()
    _check_random(fw, x_type, SUPPORTED, seed)


@pytest.mark.parametrize("function", SUPPORTED)
def test_csim_random_configurations_stream(tmp_path, function):
    from fpga_export.firmware import Firmware

    rng = np.random.default_rng(200 + SUPPORTED.index(function))
    x_type = _random_type(rng, 24)
    g = _random_graph(rng, [function], x_type)
    fw = Firmware(g, ExportConfig(output_dir=tmp_path / "p", io_type="io_stream")).compile()
    _check_random(fw, x_type, [function], 0)


def test_csim_hardtanh_unsigned_input_below_a_negative_min(tmp_path):
    """x unsigned, min_value negative: a direct mixed-sign comparison would hit the vendor's
    comparison quirk in C++ (compat reproduces it); the header compares exact differences."""
    g = build(Activation("hardtanh"), shape=(8,), x_type="ap_ufixed<19,18>")
    fw = firmware(tmp_path, g, "io_parallel").compile()
    x = np.array([[0.0, 0.5, 1.0, 1.5, 3.0, 1000.5, 0.5, 2.0]])
    np.testing.assert_array_equal(fw.predict(x), [[0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 0.5, 1.0]])
    np.testing.assert_array_equal(fw.reference(x), fw.predict(x))
