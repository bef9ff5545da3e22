"""Conv1D/Conv2D: Interpreter vs a direct float convolution, geometry, errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fpga_export import passes
from fpga_export.ir import Interpreter
from fpga_export.layers.conv import Conv1D, Conv2D, axis_geometry, pixel_factors
from fpga_export.types import FixedType
from graphs import keras_window, single

T = FixedType.parse


def float_conv2d(x, kernel, bias, strides, padding, dilation):
    """Direct loops, Keras semantics: x (b, H, W, C), kernel (KH, KW, C, F)."""
    b, h, w, c = x.shape
    kh, kw, _, f = kernel.shape
    out, pads = keras_window((h, w), (kh, kw), strides, padding, dilation)
    y = np.zeros((b, *out, f))
    for i in range(out[0]):
        for j in range(out[1]):
            y[:, i, j] = bias
            for a in range(kh):
                for q in range(kw):
                    r = i * strides[0] + a * dilation[0] - pads[0]
                    s_ = j * strides[1] + q * dilation[1] - pads[1]
                    if 0 <= r < h and 0 <= s_ < w:
                        y[:, i, j] += x[:, r, s_] @ kernel[a, q]
    return y


def typed(op, in_shape, weights, **precision):
    g = single(op, in_shape, weights, precision=precision)
    g["input_1"].precision["result"] = "ap_fixed<16,6>"
    passes.infer_shapes(g)
    passes.infer_types(g)
    return g


def weights(op, c, seed=0):
    rng = np.random.default_rng(seed)
    k = (*op.kernel_size, c, op.filters)
    return {"kernel": rng.normal(0, 0.5, k), "bias": rng.normal(0, 0.5, op.filters)}


@pytest.mark.parametrize(
    "op, shape",
    [
        (Conv2D(filters=3, kernel_size=(3, 3), padding="same"), (5, 6, 2)),
        (Conv2D(filters=2, kernel_size=(2, 2), strides=(2, 2), padding="same"), (6, 6, 2)),
        (Conv2D(filters=2, kernel_size=(3, 2), strides=(1, 2), padding="valid"), (5, 7, 3)),
        (Conv2D(filters=2, kernel_size=(2, 3), dilation=(2, 2), padding="same"), (6, 6, 1)),
        (Conv1D(filters=4, kernel_size=(3,), strides=(2,), padding="same"), (9, 2)),
        (Conv1D(filters=2, kernel_size=(4,), padding="valid"), (9, 3)),
    ],
)
def test_interpreter_matches_float_conv_within_type_tolerance(op, shape):
    w = weights(op, shape[-1])
    g = typed(op, shape, w, result="ap_fixed<24,10>", accum="ap_fixed<28,10>",
              kernel="ap_fixed<16,2>", bias="ap_fixed<16,2>")  # fmt: skip
    node = g["layer"]
    x = T("ap_fixed<16,6>").quantize(np.random.default_rng(1).normal(0, 2, (20, *shape)))
    kq = node.types["kernel"].quantize(w["kernel"])
    bq = node.types["bias"].quantize(w["bias"])
    if op.rank == 1:
        want = float_conv2d(x[:, None], kq[None], bq, (1, *op.strides), op.padding,
                            (1, *op.dilation))[:, 0]  # fmt: skip
    else:
        want = float_conv2d(x, kq, bq, op.strides, op.padding, op.dilation)
    got = Interpreter(g).run(x)
    assert got.shape == want.shape
    taps = int(np.prod(op.kernel_size)) * shape[-1]
    bound = (taps + 1) * node.types["accum"].lsb + node.result.lsb
    assert np.abs(got - want).max() <= bound


def test_keras_same_padding_split():
    # total padding odd: the extra one goes after (bottom/right), like Keras/TensorFlow
    assert axis_geometry(6, 2, 2, 1, "same") == (3, 0)
    assert axis_geometry(5, 2, 1, 1, "same") == (5, 0)
    assert axis_geometry(5, 4, 1, 1, "same") == (5, 1)
    assert axis_geometry(7, 3, 2, 1, "same") == (4, 1)
    assert axis_geometry(7, 3, 1, 2, "valid") == (3, 0)


def test_missing_bias_is_zeros():
    op = Conv2D(filters=2, kernel_size=(2, 2))
    w = weights(op, 1)
    g = typed(op, (3, 3, 1), {"kernel": w["kernel"]})
    np.testing.assert_array_equal(g["layer"].weights["bias"], np.zeros(2))


def check_error(op, shape, w, msg, **node_kw):
    g = single(op, shape, w, **node_kw)
    with pytest.raises(ValueError, match=re.escape(msg)):
        passes.infer_shapes(g)


def test_errors():
    op = Conv2D(filters=2, kernel_size=(3, 3))
    w = weights(op, 2)
    check_error(
        op, (4, 4, 2), w,
        "layer: reuse_factor 5 does not divide kernel taps * filters = 36; valid reuse factors: "
        "1, 2, 3, 4, 6, 9, 12, 18, 36", reuse_factor=5,
    )  # fmt: skip
    check_error(op, (4, 4, 3), w, "layer: kernel has shape (3, 3, 2, 2), expected (3, 3, 3, 2)")
    check_error(op, (4, 2), w, "layer: Conv2D takes a (height, width, channels) input per "
                "sample, got (4, 2)")  # fmt: skip
    check_error(op, (2, 4, 2), w, "layer: window (3, 3) (dilation (1, 1)) is larger than the "
                "input (2, 4, 2) with 'valid' padding")  # fmt: skip
    bad = Conv2D(filters=2, kernel_size=(3, 3), padding="causal")
    check_error(
        bad, (4, 4, 2), w, "layer: padding 'causal' is not supported (only 'valid', 'same')"
    )
    bad = Conv2D(filters=2, kernel_size=(3, 0))
    check_error(bad, (4, 4, 2), w, "layer: size must be 2 integer(s) >= 1, got (3, 0)")
    op1 = Conv1D(filters=2, kernel_size=(3,))
    check_error(op1, (4, 4, 2), {}, "layer: Conv1D takes a (width, channels) input per sample, "
                "got (4, 4, 2)")  # fmt: skip


# ------------------------------------------------------------------ explicit padding, groups


def float_grouped_conv2d(x, kernel, bias, strides, pads, dilation, groups):
    """Direct loops: x (b, H, W, C), kernel (G, KH, KW, C/G, F/G), explicit (before, after)
    zero padding per axis."""
    b, h, w, c = x.shape
    g, kh, kw, cg, fg = kernel.shape
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    oh = (xp.shape[1] - (kh - 1) * dilation[0] - 1) // strides[0] + 1
    ow = (xp.shape[2] - (kw - 1) * dilation[1] - 1) // strides[1] + 1
    y = np.zeros((b, oh, ow, g * fg))
    for i in range(oh):
        for j in range(ow):
            y[:, i, j] = bias
            for a in range(kh):
                for q in range(kw):
                    pix = xp[:, i * strides[0] + a * dilation[0], j * strides[1] + q * dilation[1]]
                    for k in range(g):
                        y[:, i, j, k * fg : (k + 1) * fg] += (
                            pix[:, k * cg : (k + 1) * cg] @ kernel[k, a, q]
                        )
    return y


@pytest.mark.parametrize(
    "op, shape",
    [
        (Conv2D(filters=4, kernel_size=(3, 3), padding=(1, 1), groups=2), (5, 4, 4)),
        (
            Conv2D(filters=6, kernel_size=(2, 3), strides=(2, 1), padding=((0, 1), 2), groups=3),
            (5, 5, 3),
        ),  # fmt: skip
        (Conv2D(filters=2, kernel_size=(3, 2), dilation=(2, 1), padding=(2, 0)), (4, 4, 2)),
        (Conv1D(filters=4, kernel_size=(3,), padding=(1,), groups=2), (7, 6)),
        (Conv1D(filters=3, kernel_size=(2,), strides=(2,), padding=((1, 0),)), (6, 2)),
    ],
)
def test_explicit_padding_and_groups_match_float(op, shape):
    rng = np.random.default_rng(3)
    g_, c = op.groups, shape[-1]
    k = (g_, *op.kernel_size, c // g_, op.filters // g_)
    w = {
        "kernel": rng.normal(0, 0.5, k if g_ > 1 else k[1:]),
        "bias": rng.normal(0, 0.5, op.filters),
    }
    g = typed(op, shape, w, result="ap_fixed<24,10>", accum="ap_fixed<28,10>",
              kernel="ap_fixed<16,2>", bias="ap_fixed<16,2>")  # fmt: skip
    node = g["layer"]
    x = T("ap_fixed<16,6>").quantize(rng.normal(0, 2, (20, *shape)))
    kq = node.types["kernel"].quantize(w["kernel"]).reshape(k)
    bq = node.types["bias"].quantize(w["bias"])
    pads = [(p, p) if isinstance(p, int) else p for p in op.padding]
    if op.rank == 1:
        want = float_grouped_conv2d(x[:, None], kq[:, None], bq, (1, *op.strides),
                                    [(0, 0), *pads], (1, *op.dilation), g_)[:, 0]  # fmt: skip
    else:
        want = float_grouped_conv2d(x, kq, bq, op.strides, pads, op.dilation, g_)
    got = Interpreter(g).run(x)
    assert got.shape == want.shape
    taps = int(np.prod(op.kernel_size)) * c // g_
    bound = (taps + 1) * node.types["accum"].lsb + node.result.lsb
    assert np.abs(got - want).max() <= bound


def test_explicit_padding_geometry():
    assert axis_geometry(5, 3, 1, 1, (1, 1)) == (5, 1)
    assert axis_geometry(5, 3, 2, 1, (0, 1)) == (2, 0)
    assert axis_geometry(6, 2, 2, 2, (3, 2)) == (5, 3)


def test_grouped_errors():
    op = Conv2D(filters=4, kernel_size=(2, 2), groups=2)
    w = {"kernel": np.zeros((2, 2, 2, 2, 2)), "bias": np.zeros(4)}
    check_error(op, (3, 3, 4), w, "layer: reuse_factor 3 does not divide kernel taps * filters "
                "of one group = 16; valid reuse factors: 1, 2, 4, 8, 16", reuse_factor=3)  # fmt: skip
    check_error(op, (3, 3, 4), {"kernel": np.zeros((2, 2, 4, 4))},
                "layer: kernel has shape (2, 2, 4, 4), expected (2, 2, 2, 2, 2)")  # fmt: skip
    check_error(op, (3, 3, 3), w, "layer: groups=2 must divide the input channels (3) and the "
                "filters (4)")  # fmt: skip
    bad = Conv2D(filters=4, kernel_size=(2, 2), padding=(1, -1))
    check_error(bad, (3, 3, 4), {}, "layer: explicit padding must be 2 integer(s) >= 0 or "
                "(before, after) pair(s), got (1, -1)")  # fmt: skip


def test_grouped_auto_types_never_lose_bits():
    """'auto' accum/result of a grouped conv come from its per-output weight columns (each
    group's own taps): the result is the exact sum of the quantized products."""
    op = Conv2D(filters=4, kernel_size=(2, 2), padding=(1, 0), groups=2)
    rng = np.random.default_rng(7)
    kernel = rng.normal(0, 0.1, (2, 2, 2, 3, 2))
    kernel[1] = 1.875  # group 1: 12 taps of the largest weight (a 6-tap bound would overflow)
    w = {"kernel": kernel, "bias": rng.normal(0, 0.5, 4)}
    g = typed(op, (3, 3, 6), w, accum="auto", result="auto", kernel="ap_fixed<8,2>",
              bias="ap_fixed<8,2>")  # fmt: skip
    node = g["layer"]
    x = T("ap_fixed<16,6>").quantize(rng.normal(0, 8, (20, 3, 3, 6)))
    x[:4] = T("ap_fixed<16,6>").max  # the largest sums
    kq = node.types["kernel"].quantize(w["kernel"])
    bq = node.types["bias"].quantize(w["bias"])
    want = float_grouped_conv2d(x, kq, bq, (1, 1), [(1, 1), (0, 0)], (1, 1), 2)
    np.testing.assert_array_equal(Interpreter(g).run(x), want)


def test_parallelization_factor():
    """Pixels per step of the io_parallel pixel loop: columns of a row or whole rows."""
    assert pixel_factors(4, 6) == [1, 2, 3, 6, 12, 24]
    assert pixel_factors(1, 8) == [1, 2, 4, 8]  # Conv1D: any divisor of the width
    op = Conv2D(filters=2, kernel_size=(3, 3), parallelization_factor=4)
    check_error(
        op, (6, 8, 2), weights(op, 2),
        "layer: parallelization_factor 4 does not fit the 4x6 output pixels (it must divide "
        "the output width or be a multiple of it that divides the pixels); valid factors: "
        "1, 2, 3, 6, 12, 24",
    )  # fmt: skip
    g = single(Conv2D(filters=2, parallelization_factor=16), (6, 6, 2), weights(op, 2))
    passes.infer_shapes(g)  # every one of the 4x4 pixels in one step: nothing loops
    assert not g["layer"].op.keeps_loops(g["layer"])
    g["layer"].strategy = "resource"  # ... except the reuse loop
    assert g["layer"].op.keeps_loops(g["layer"])
