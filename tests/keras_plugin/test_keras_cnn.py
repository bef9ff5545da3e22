"""Keras CNNs (Conv1D/2D, pooling, Flatten): Keras 3 and tf_keras export identically, the
firmware is close to Keras' float output, and unsupported settings are refused."""

import re

import keras
import numpy as np
import pytest
import tf_keras

from keras_plugin import to_graph

FLAVORS = [pytest.param(keras, id="keras3"), pytest.param(tf_keras, id="tf_keras")]


def cnn2d(K):
    L = K.layers
    return K.Sequential(
        [
            K.Input((8, 7, 2), name="x"),
            L.Conv2D(3, (3, 3), padding="same", activation="relu", name="c1"),
            L.MaxPooling2D((2, 2), padding="same", name="p1"),
            L.Conv2D(4, (2, 2), strides=(2, 1), use_bias=False, name="c2"),
            L.AveragePooling2D((2, 2), strides=(1, 1), padding="same", name="p2"),
            L.Flatten(name="f"),
            L.Dense(3, name="d"),
        ],
        name="cnn2d",
    )


def cnn1d(K):
    L = K.layers
    return K.Sequential(
        [
            K.Input((10, 2), name="x"),
            L.Conv1D(3, 3, padding="same", dilation_rate=2, activation="tanh", name="c1"),
            L.AveragePooling1D(2, name="p1"),
            L.Conv1D(2, 2, strides=2, name="c2"),
            L.MaxPooling1D(2, strides=1, padding="same", name="p2"),
            L.GlobalAveragePooling1D(name="g"),
        ],
        name="cnn1d",
    )


def twins(make):
    k3, tk = make(keras), make(tf_keras)
    rng = np.random.default_rng(0)
    weights = [rng.normal(0, 0.5, w.shape) for w in k3.get_weights()]
    k3.set_weights(weights)
    tk.set_weights(weights)
    return k3, tk


@pytest.mark.parametrize("make", [cnn2d, cnn1d])
def test_keras3_and_tf_keras_export_identically(make, tmp_path):
    k3, tk = twins(make)
    g3, gt = to_graph(k3), to_graph(tk)
    assert [(n.name, n.op, n.inputs, n.shape) for n in g3] == [
        (n.name, n.op, n.inputs, n.shape) for n in gt
    ]
    for a, b in zip(g3, gt, strict=True):
        assert a.weights.keys() == b.weights.keys()
        for w in a.weights:
            np.testing.assert_array_equal(a.weights[w], b.weights[w])
    x = np.random.default_rng(1).normal(0, 1, (16, *k3.input_shape[1:]))
    f3 = k3.export_fpga(tmp_path / "k3", precision="ap_fixed<18,8>").compile()
    ft = tk.export_fpga(tmp_path / "tk", precision="ap_fixed<18,8>").compile()
    np.testing.assert_array_equal(f3.predict(x), ft.predict(x))


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("make", [cnn2d, cnn1d])
def test_csim_close_to_keras_float(make, io_type, tmp_path):
    model, _ = twins(make)
    fw = model.export_fpga(tmp_path / io_type, precision="ap_fixed<24,10>", io_type=io_type)
    fw.compile()
    x = np.random.default_rng(2).normal(0, 1, (32, *model.input_shape[1:]))
    got = fw.predict(x)
    np.testing.assert_array_equal(got, fw.reference(x))
    # 14 fraction bits per conversion; tanh goes through a lookup table (bins of 2^-6)
    tol = 0.05 if make is cnn1d else 0.01
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=tol)


@pytest.mark.parametrize("K", FLAVORS)
def test_unsupported_settings_are_refused(K):
    L = K.layers

    def refused(layer, shape, msg):
        model = K.Sequential([K.Input(shape, name="x"), layer])
        with pytest.raises(ValueError, match=re.escape(msg)):
            to_graph(model)

    refused(
        L.Conv1D(2, 3, padding="causal", name="c"), (6, 2),
        "layer 'c' (Conv1D): padding='causal' is not supported (only 'valid' and 'same')",
    )  # fmt: skip
    refused(
        L.Conv2D(2, 3, groups=2, name="c"), (6, 6, 2),
        "layer 'c' (Conv2D): groups=2 is not supported (only 1)",
    )  # fmt: skip
    refused(
        L.Conv2D(2, 3, data_format="channels_first", name="c"), (2, 6, 6),
        "layer 'c' (Conv2D): data_format=\"channels_first\" is not supported: only "
        "\"channels_last\" (rebuild the model with data_format=\"channels_last\", or "
        "transpose its input)",
    )  # fmt: skip
    refused(
        L.MaxPooling2D(2, data_format="channels_first", name="p"), (2, 6, 6),
        "layer 'p' (MaxPooling2D): data_format=\"channels_first\" is not supported: only "
        "\"channels_last\"",
    )  # fmt: skip
    refused(
        L.GlobalAveragePooling2D(keepdims=True, name="g"), (4, 4, 2),
        "layer 'g' (GlobalAveragePooling2D): keepdims=True is not supported",
    )  # fmt: skip
    refused(
        L.Flatten(data_format="channels_first", name="f"), (2, 3, 4),
        "layer 'f' (Flatten): data_format=\"channels_first\" is not supported",
    )  # fmt: skip
