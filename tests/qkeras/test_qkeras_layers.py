"""Each QKeras layer in both io types: csim == QKeras bit for bit (and == the numpy
reference), with the types derived from the live quantizers."""

import numpy as np
import pytest
import tf_keras
from qkeras import (
    QActivation,
    QAveragePooling2D,
    QBatchNormalization,
    QConv1D,
    QConv2D,
    QConv2DBatchnorm,
    QDepthwiseConv2D,
    QDepthwiseConv2DBatchnorm,
    QGlobalAveragePooling2D,
    QSeparableConv1D,
    QSeparableConv2D,
)

from qmodels import INPUT_Q, W6, inputs, randomize

L = tf_keras.layers
W4 = "quantized_bits(4,0)"  # alpha auto_po2 on kernels (QKeras' default for these layers)
RELU = "quantized_relu(8,4)"


def conv2d():
    return QConv2D(4, 3, padding="same", kernel_quantizer=W6, bias_quantizer=W6,
                   activation=RELU, name="layer")  # fmt: skip


def conv2d_strided():
    return QConv2D(3, (2, 3), strides=(2, 1), kernel_quantizer=W4, bias_quantizer=W6,
                   name="layer")  # fmt: skip


def conv1d():
    return QConv1D(4, 3, padding="same", dilation_rate=2, kernel_quantizer=W4,
                   bias_quantizer=W6, activation=RELU, name="layer")  # fmt: skip


def depthwise():
    return QDepthwiseConv2D(3, depth_multiplier=2, depthwise_quantizer=W4, bias_quantizer=W6,
                            activation="quantized_relu(6,2)", name="layer")  # fmt: skip


def separable2d():
    return QSeparableConv2D(4, 3, depthwise_quantizer=W4, pointwise_quantizer=W6,
                            bias_quantizer=W6, activation=RELU, name="layer")  # fmt: skip


def separable1d():
    return QSeparableConv1D(3, 3, padding="same", depth_multiplier=2, depthwise_quantizer=W4,
                            pointwise_quantizer=W4, bias_quantizer=W6, name="layer")  # fmt: skip


def conv_bn():
    return QConv2DBatchnorm(4, 3, kernel_quantizer=W6, bias_quantizer="quantized_bits(8,3)",
                            activation=RELU, name="layer")  # fmt: skip


def depthwise_bn():
    return QDepthwiseConv2DBatchnorm(
        3, depthwise_quantizer=W6, bias_quantizer="quantized_bits(8,3)", name="layer"
    )


def batchnorm():
    return QBatchNormalization(gamma_quantizer="quantized_po2(4,4)", beta_quantizer=W6,
                               mean_quantizer="quantized_po2(5)",
                               variance_quantizer="quantized_po2(5)", epsilon=0.0,
                               name="layer")  # fmt: skip


def binary_conv():
    """Binary kernel, per-filter po2 scales: a sign conv (no multiplier) then a scale node."""
    return QConv2D(3, 3, kernel_quantizer="binary()", bias_quantizer=W6, name="layer")


def ternary_depthwise():
    return QDepthwiseConv2D(3, depth_multiplier=2, depthwise_quantizer="ternary()",
                            bias_quantizer=W6, name="layer")  # fmt: skip


def avg_pool():
    return QAveragePooling2D(2, activation="quantized_bits(8,3)", name="layer")


def global_avg_pool():
    return QGlobalAveragePooling2D(name="layer")


LAYERS = [conv2d, conv2d_strided, depthwise, separable2d, conv_bn, depthwise_bn, batchnorm,
          avg_pool, global_avg_pool, binary_conv, ternary_depthwise]  # fmt: skip
LAYERS_1D = [conv1d, separable1d]


def model_with(make, shape):
    x_in = tf_keras.Input(shape, name="x")
    h = QActivation(INPUT_Q, name="qin")(x_in)
    h = make()(h)
    if len(h.shape) > 2:
        h = L.Flatten(name="flat")(h)
    return randomize(tf_keras.Model(x_in, h, name=make.__name__), scale=0.4)


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("make", LAYERS + LAYERS_1D, ids=lambda f: f.__name__)
def test_layer_is_exact(make, io_type, tmp_path):
    shape = (9, 3) if make in LAYERS_1D else (8, 8, 2)
    model = model_with(make, shape)
    if make is conv_bn or make is depthwise_bn:
        # a trained-looking batchnorm inside the folded layer
        bn = model.get_layer("layer").batchnorm
        rng = np.random.default_rng(5)
        bn.moving_mean.assign(rng.normal(0, 0.3, bn.moving_mean.shape))
        bn.moving_variance.assign(rng.uniform(0.5, 2, bn.moving_variance.shape))
    if make is batchnorm:
        # variances 4^k (eps = 0): rsqrt(var) * gamma is a power of two, the scale exact
        bn = model.get_layer("layer")
        bn.moving_variance.assign([0.25, 4.0])
    fw = model.export_fpga(tmp_path / io_type, io_type=io_type).compile()
    assert fw.exact is True, fw.summary()
    if make in (binary_conv, ternary_depthwise):
        assert str(fw.graph["layer"].types["kernel"]) == "ap_fixed<2,2>"
        assert fw.graph["layer_scale"].inputs == ["layer"]
    x = inputs(shape, n=256)
    got = fw.predict(x)
    np.testing.assert_array_equal(got, model.predict(x, verbose=0))
    np.testing.assert_array_equal(got, fw.reference(x))


def test_batchnorm_with_a_non_power_of_two_scale_is_reported(tmp_path):
    x_in = tf_keras.Input((6,), name="x")
    h = QActivation(INPUT_Q, name="qin")(x_in)
    h = QBatchNormalization(name="bn")(h)  # default quantizers, epsilon 1e-3
    model = randomize(tf_keras.Model(x_in, h), scale=0.4)
    fw = model.export_fpga(tmp_path / "p")
    assert fw.exact is False
    summary = fw.summary()
    assert "bn: NOT EXACT: scale values are not all values of" in summary
    assert "the framework computes it in float32, which rounds values of more than 24" in summary
