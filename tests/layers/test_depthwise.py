"""DepthwiseConv1D/2D: Interpreter vs a direct float depthwise convolution, errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fpga_export import passes
from fpga_export.ir import Interpreter
from fpga_export.layers.depthwise import DepthwiseConv1D, DepthwiseConv2D
from fpga_export.types import FixedType
from graphs import keras_window, single

T = FixedType.parse


def float_depthwise2d(x, kernel, bias, strides, padding, dilation):
    """Direct loops, Keras semantics: x (b, H, W, C), kernel (KH, KW, C, M) -> (.., C*M)."""
    b, h, w, c = x.shape
    kh, kw, _, m = kernel.shape
    out, pads = keras_window((h, w), (kh, kw), strides, padding, dilation)
    y = np.zeros((b, *out, c, m))
    for i in range(out[0]):
        for j in range(out[1]):
            y[:, i, j] = bias.reshape(c, m)
            for a in range(kh):
                for q in range(kw):
                    r = i * strides[0] + a * dilation[0] - pads[0]
                    s_ = j * strides[1] + q * dilation[1] - pads[1]
                    if 0 <= r < h and 0 <= s_ < w:
                        y[:, i, j] += x[:, r, s_, :, None] * kernel[a, q]
    return y.reshape(b, *out, c * m)


def typed(op, in_shape, weights, **precision):
    g = single(op, in_shape, weights, precision=precision)
    g["input_1"].precision["result"] = "ap_fixed<16,6>"
    passes.infer_shapes(g)
    passes.infer_types(g)
    return g


def weights(op, c, seed=0):
    rng = np.random.default_rng(seed)
    m = op.depth_multiplier
    return {
        "kernel": rng.normal(0, 0.5, (*op.kernel_size, c, m)),
        "bias": rng.normal(0, 0.5, c * m),
    }


@pytest.mark.parametrize(
    "op, shape",
    [
        (DepthwiseConv2D(kernel_size=(3, 3), padding="same"), (5, 6, 2)),
        (
            DepthwiseConv2D(kernel_size=(2, 2), depth_multiplier=3, strides=(2, 2), padding="same"),
            (6, 6, 2),
        ),  # fmt: skip
        (DepthwiseConv2D(kernel_size=(3, 2), strides=(1, 2), padding="valid"), (5, 7, 3)),
        (
            DepthwiseConv2D(
                kernel_size=(2, 3), depth_multiplier=2, dilation=(2, 2), padding="same"
            ),
            (6, 6, 1),
        ),  # fmt: skip
        (DepthwiseConv1D(kernel_size=(3,), strides=(2,), padding="same"), (9, 2)),
        (DepthwiseConv1D(kernel_size=(4,), depth_multiplier=2, padding="valid"), (9, 3)),
    ],
)
def test_interpreter_matches_float_depthwise_within_type_tolerance(op, shape):
    w = weights(op, shape[-1])
    g = typed(op, shape, w, result="ap_fixed<24,10>", accum="ap_fixed<28,10>",
              kernel="ap_fixed<16,2>", bias="ap_fixed<16,2>")  # fmt: skip
    node = g["layer"]
    x = T("ap_fixed<16,6>").quantize(np.random.default_rng(1).normal(0, 2, (20, *shape)))
    kq = node.types["kernel"].quantize(w["kernel"])
    bq = node.types["bias"].quantize(w["bias"])
    if op.rank == 1:
        want = float_depthwise2d(x[:, None], kq[None], bq, (1, *op.strides), op.padding,
                                 (1, *op.dilation))[:, 0]  # fmt: skip
    else:
        want = float_depthwise2d(x, kq, bq, op.strides, op.padding, op.dilation)
    got = Interpreter(g).run(x)
    assert got.shape == want.shape == (20, *node.shape)
    taps = int(np.prod(op.kernel_size))
    bound = (taps + 1) * node.types["accum"].lsb + node.result.lsb
    assert np.abs(got - want).max() <= bound
    assert np.abs(want).max() > 1  # the check is not vacuous


def test_missing_bias_is_zeros():
    op = DepthwiseConv2D(kernel_size=(2, 2), depth_multiplier=2)
    w = weights(op, 3)
    g = typed(op, (3, 3, 3), {"kernel": w["kernel"]})
    np.testing.assert_array_equal(g["layer"].weights["bias"], np.zeros(6))


def test_auto_types_never_lose_a_bit():
    op = DepthwiseConv2D(kernel_size=(2, 2), padding="same")
    w = weights(op, 2)
    g = single(op, (4, 4, 2), w, precision={"accum": "auto", "result": "auto",
                                           "kernel": "auto", "bias": "auto"})  # fmt: skip
    g["input_1"].precision["result"] = "ap_fixed<8,3>"
    passes.infer_shapes(g)
    passes.infer_types(g)
    node = g["layer"]
    x = T("ap_fixed<8,3>").quantize(np.random.default_rng(2).normal(0, 2, (10, 4, 4, 2)))
    kq = node.types["kernel"].quantize(w["kernel"])
    bq = node.types["bias"].quantize(w["bias"])
    want = float_depthwise2d(x, kq, bq, (1, 1), "same", (1, 1))
    np.testing.assert_array_equal(Interpreter(g).run(x), want)


def check_error(op, shape, w, msg, **node_kw):
    g = single(op, shape, w, **node_kw)
    with pytest.raises(ValueError, match=re.escape(msg)):
        passes.infer_shapes(g)


def test_errors():
    op = DepthwiseConv2D(kernel_size=(3, 3), depth_multiplier=2)
    w = weights(op, 2)
    check_error(
        op, (4, 4, 2), w,
        "layer: reuse_factor 5 does not divide kernel taps * channels * depth_multiplier = 36; "
        "valid reuse factors: 1, 2, 3, 4, 6, 9, 12, 18, 36", reuse_factor=5,
    )  # fmt: skip
    check_error(op, (4, 4, 3), w, "layer: kernel has shape (3, 3, 2, 2), expected (3, 3, 3, 2)")
    check_error(op, (4, 2), w, "layer: DepthwiseConv2D takes a (height, width, channels) input "
                "per sample, got (4, 2)")  # fmt: skip
    check_error(op, (2, 4, 2), w, "layer: window (3, 3) (dilation (1, 1)) is larger than the "
                "input (2, 4, 2) with 'valid' padding")  # fmt: skip
    bad = DepthwiseConv2D(kernel_size=(3, 3), depth_multiplier=0)
    check_error(bad, (4, 4, 2), w, "layer: depth_multiplier must be an integer >= 1, got 0")
    op1 = DepthwiseConv1D(kernel_size=(3,))
    check_error(op1, (4, 4, 2), {}, "layer: DepthwiseConv1D takes a (width, channels) input "
                "per sample, got (4, 4, 2)")  # fmt: skip


def test_parallelization_factor_error():
    op = DepthwiseConv2D(kernel_size=(3, 3), parallelization_factor=3)
    check_error(
        op, (4, 4, 2), weights(op, 2),
        "layer: parallelization_factor 3 does not fit the 2x2 output pixels (it must divide "
        "the output width or be a multiple of it that divides the pixels); valid factors: "
        "1, 2, 4",
    )  # fmt: skip
