"""The QKeras reference model (see reference_models.py): needs legacy Keras, chosen before
TensorFlow is imported, so it is imported only in a process started with
``TF_USE_LEGACY_KERAS=1`` (bench/estimate.py runs one; tests/qkeras run in one)."""

from __future__ import annotations

import os

if os.environ.get("TF_USE_LEGACY_KERAS") != "1":
    raise ImportError(
        "reference_models_qkeras needs TF_USE_LEGACY_KERAS=1 set before TensorFlow is "
        "imported: run it in a process of its own"
    )

from reference_models import (  # noqa: E402
    _realistic,
    export_settings,
    prune_kernels,
    report_folder,
)

W6 = "quantized_bits(6,0,alpha=1)"


def svhn_qkeras_cnn():
    """hls4ml tutorial part 6 SVHN CNN in QKeras, 50 % pruned: 3 x [QConv2DBatchnorm 16/16/24
    3x3, kernel and bias quantized_bits(6,0,alpha=1), quantized_relu(6), MaxPool 2] -> 2 x
    [QDense 42/64 6-bit no bias, BN, quantized_relu(6)] -> Dense 10 -> softmax. Types from
    the quantizers, fixed<16,6> elsewhere, RF 1, latency, io_stream, xcu250 at 5 ns."""
    import tf_keras
    from qkeras import QActivation, QConv2DBatchnorm, QDense

    import keras_plugin  # noqa: F401  (adds export_fpga)

    tf_keras.utils.set_random_seed(9)
    init = "lecun_uniform"
    x = inp = tf_keras.Input((32, 32, 3), name="input_1")
    for i, f in enumerate((16, 16, 24)):
        x = QConv2DBatchnorm(f, kernel_size=(3, 3), kernel_quantizer=W6, bias_quantizer=W6,
                             kernel_initializer=init, use_bias=True,
                             name=f"fused_convbn_{i}")(x)  # fmt: skip
        x = QActivation("quantized_relu(6)", name=f"conv_act_{i}")(x)
        x = tf_keras.layers.MaxPooling2D(2, name=f"pool_{i}")(x)
    x = tf_keras.layers.Flatten(name="flatten")(x)
    for i, n in enumerate((42, 64)):
        x = QDense(n, kernel_quantizer=W6, kernel_initializer=init, use_bias=False,
                   name=f"dense_{i}")(x)  # fmt: skip
        x = tf_keras.layers.BatchNormalization(name=f"bn_dense_{i}")(x)
        x = QActivation("quantized_relu(6)", name=f"dense_act_{i}")(x)
    x = tf_keras.layers.Dense(10, kernel_initializer=init, name="output_dense")(x)
    out = tf_keras.layers.Activation("softmax", name="output_softmax")(x)
    model = _realistic(tf_keras.Model(inp, out, name="svhn_qkeras"), 9)
    prune_kernels(model, 0.5, skip=("output_dense",))
    kwargs = export_settings("xcu250-figd2104-2L-e", io_type="io_stream")
    return model, kwargs, report_folder("vivado2020_1_svhn_qkeras_cnn_stream")
