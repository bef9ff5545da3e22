"""Pooling: Interpreter vs float pooling (Keras semantics), types, errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fpga_export import passes
from fpga_export.ir import Interpreter
from fpga_export.layers.conv import axis_geometry
from fpga_export.layers.pool import GlobalPooling1D, GlobalPooling2D, Pooling1D, Pooling2D
from fpga_export.types import FixedType
from graphs import single

T = FixedType.parse
X = T("ap_fixed<12,5>")


def float_pool(x, op, size, strides, padding):
    """Direct loops over valid positions: x (b, H, W, C)."""
    b, h, w, c = x.shape
    geo = [
        axis_geometry(n, k, s, 1, padding) for n, k, s in zip((h, w), size, strides, strict=True)
    ]
    y = np.zeros((b, geo[0][0], geo[1][0], c))
    for i in range(geo[0][0]):
        for j in range(geo[1][0]):
            r0, c0 = i * strides[0] - geo[0][1], j * strides[1] - geo[1][1]
            win = x[:, max(r0, 0) : r0 + size[0], max(c0, 0) : c0 + size[1]]
            win = win.reshape(b, -1, c)
            y[:, i, j] = win.max(axis=1) if op == "max" else win.mean(axis=1)
    return y


def typed(op, shape, **precision):
    g = single(op, shape, precision=precision)
    g["input_1"].precision["result"] = str(X)
    passes.infer_shapes(g)
    passes.infer_types(g)
    return g


CASES = [
    (Pooling2D("max", (2, 2), (2, 2), "valid"), (5, 4, 2)),
    (Pooling2D("max", (3, 3), (2, 2), "same"), (5, 6, 2)),
    (Pooling2D("average", (2, 2), (2, 2), "valid"), (4, 6, 2)),
    (Pooling2D("average", (3, 2), (2, 1), "same"), (5, 4, 3)),
    (Pooling1D("average", (3,), (2,), "same"), (8, 2)),
    (Pooling1D("max", (2,), (1,), "valid"), (5, 2)),
    (GlobalPooling2D("average"), (3, 5, 2)),
    (GlobalPooling2D("max"), (3, 5, 2)),
    (GlobalPooling1D("average"), (7, 3)),
]


@pytest.mark.parametrize("op, shape", CASES, ids=lambda v: getattr(v, "kind", str(v)))
def test_interpreter_matches_float_pooling(op, shape):
    g = typed(op, shape)
    node = g["layer"]
    x = X.quantize(np.random.default_rng(0).normal(0, 3, (30, *shape)))
    x4 = x[:, None] if op.rank == 1 else x
    if op.is_global:
        want = float_pool(x4, op.op, x4.shape[1:3], (1, 1), "valid").reshape(30, -1)
    else:
        size, strides = op.pool_size, op.strides
        if op.rank == 1:
            size, strides = (1, *size), (1, *strides)
        want = float_pool(x4, op.op, size, strides, op.padding)
        want = want[:, 0] if op.rank == 1 else want
    got = Interpreter(g).run(x)
    assert got.shape == want.shape
    assert node.result == X  # result defaults to the input's type
    if op.op == "max":
        np.testing.assert_array_equal(got, want)  # exact
    else:
        # accum is the exact sum type; error: the reciprocal's rounding times the sum, then
        # the result's truncation
        n_max = int(np.prod(shape[:-1])) if op.is_global else int(np.prod(op.pool_size))
        assert node.types["accum"] == X.sum_type(n_max)
        bound = n_max * X.max * node.types["recip"].lsb / 2 + node.result.lsb
        assert np.abs(got - want).max() <= bound


def test_average_accum_is_wide_enough():
    # inputs at the top of the type's range: a data-type accumulator would overflow
    g = typed(GlobalPooling2D("average"), (4, 4, 1))
    x = np.full((2, 4, 4, 1), X.max)
    assert Interpreter(g).run(x).max() >= X.max - X.lsb


def test_saturating_accum_saturates():
    g = typed(Pooling2D("average", (2, 2), (2, 2)), (2, 2, 1), accum="ap_fixed<12,5,AP_TRN,AP_SAT>")
    x = np.full((1, 2, 2, 1), 10.0)  # sum 40 saturates at 16 - lsb; / 4
    got = Interpreter(g).run(x)
    assert got[0, 0, 0, 0] == X.quantize((16 - 2**-7) / 4)


def test_roles():
    assert Pooling2D("max").roles == ("result",)
    assert Pooling2D("average").roles == ("result", "accum", "recip")


def test_errors():
    with pytest.raises(ValueError, match=re.escape("pooling op 'min' is not one of max, average")):
        Pooling2D("min")
    g = single(Pooling2D("max", (3, 3), (1, 1), "valid"), (2, 5, 1))
    msg = "layer: window (3, 3) (dilation (1, 1)) is larger than the input (2, 5, 1) with 'valid' padding"
    with pytest.raises(ValueError, match=re.escape(msg)):
        passes.infer_shapes(g)
    g = single(GlobalPooling1D("max"), (2, 5, 1))
    msg = "layer: GlobalPooling1D takes a (width, channels) input per sample, got (2, 5, 1)"
    with pytest.raises(ValueError, match=re.escape(msg)):
        passes.infer_shapes(g)


@pytest.mark.parametrize("count_pad", [False, True])
@pytest.mark.parametrize(
    "op_name, size, strides, pads, shape",
    [
        ("average", (3, 3), (2, 2), (1, 1), (5, 6, 2)),
        ("average", (2, 3), (1, 2), ((1, 0), (1, 1)), (4, 5, 1)),
        ("max", (3, 2), (2, 1), (1, 1), (5, 4, 2)),
    ],
)
def test_explicit_padding_and_count_pad_match_float(op_name, size, strides, pads, shape, count_pad):
    """PyTorch semantics: max over valid positions; average divides by the valid count, or by
    the window size with count_pad (count_include_pad)."""
    op = Pooling2D(op_name, size, strides, pads, count_pad)
    g = typed(op, shape, result="ap_fixed<24,10>")
    x = X.quantize(np.random.default_rng(0).normal(0, 2, (20, *shape)))
    pp = [(p, p) if isinstance(p, int) else p for p in pads]
    fill = -np.inf if op_name == "max" else 0.0
    xp = np.pad(x, ((0, 0), *pp, (0, 0)), constant_values=fill)
    valid = np.pad(np.ones(shape[:2]), pp)
    oh = (xp.shape[1] - size[0]) // strides[0] + 1
    ow = (xp.shape[2] - size[1]) // strides[1] + 1
    want = np.zeros((20, oh, ow, shape[2]))
    for i in range(oh):
        for j in range(ow):
            rows = slice(i * strides[0], i * strides[0] + size[0])
            cols = slice(j * strides[1], j * strides[1] + size[1])
            win = xp[:, rows, cols].reshape(20, -1, shape[2])
            if op_name == "max":
                want[:, i, j] = win.max(axis=1)
            else:
                n = size[0] * size[1] if count_pad else valid[rows, cols].sum()
                want[:, i, j] = win.sum(axis=1) / n
    got = Interpreter(g).run(x)
    assert got.shape == want.shape
    # the average's reciprocal has 17 fraction bits: |error| <= |sum| * 2^-18 + result LSB
    bound = np.abs(want) * size[0] * size[1] * 2.0**-18 + g["layer"].result.lsb
    assert np.all(np.abs(got - want) <= bound)
