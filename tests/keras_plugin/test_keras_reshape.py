"""Keras layout layers (ZeroPadding, Cropping, UpSampling, Reshape, Permute): Keras 3 and
tf_keras export identically, the firmware is close to Keras' float output, and unsupported
settings are refused."""

import re

import keras
import numpy as np
import pytest
import tf_keras

from keras_plugin import to_graph

FLAVORS = [pytest.param(keras, id="keras3"), pytest.param(tf_keras, id="tf_keras")]


def layout2d(K):
    L = K.layers
    return K.Sequential(
        [
            K.Input((6, 5, 2), name="x"),
            L.ZeroPadding2D(((1, 0), (2, 1)), name="zp"),
            L.Conv2D(3, (3, 3), activation="relu", name="c1"),
            L.UpSampling2D((2, 1), name="up"),
            L.Cropping2D(((1, 1), (0, 2)), name="cr"),
            L.Permute((2, 1, 3), name="pe"),
            L.Reshape((-1, 6), name="re"),
            L.Conv1D(2, 2, name="c2"),
            L.Flatten(name="f"),
            L.Dense(3, name="d"),
        ],
        name="layout2d",
    )


def layout1d(K):
    L = K.layers
    return K.Sequential(
        [
            K.Input((8, 3), name="x"),
            L.ZeroPadding1D(2, name="zp"),
            L.Conv1D(4, 3, activation="relu", name="c1"),
            L.UpSampling1D(2, name="up"),
            L.Cropping1D((1, 3), name="cr"),
            L.Permute((2, 1), name="pe"),
            L.Reshape((2, 2, -1), name="re"),
            L.ZeroPadding2D(1, name="zp2"),
            L.Flatten(name="f"),
            L.Dense(2, name="d"),
        ],
        name="layout1d",
    )


def twins(make):
    k3, tk = make(keras), make(tf_keras)
    rng = np.random.default_rng(0)
    weights = [rng.normal(0, 0.5, w.shape) for w in k3.get_weights()]
    k3.set_weights(weights)
    tk.set_weights(weights)
    return k3, tk


@pytest.mark.parametrize("make", [layout2d, layout1d])
def test_keras3_and_tf_keras_export_identically(make):
    k3, tk = twins(make)
    g3, gt = to_graph(k3), to_graph(tk)
    assert [(n.name, n.op, n.inputs, n.shape) for n in g3] == [
        (n.name, n.op, n.inputs, n.shape) for n in gt
    ]
    for a, b in zip(g3, gt, strict=True):
        assert a.weights.keys() == b.weights.keys()
        for w in a.weights:
            np.testing.assert_array_equal(a.weights[w], b.weights[w])
    kinds = {n.op.kind for n in g3}
    assert {"crop1d", "crop2d", "zeropad1d", "zeropad2d", "upsample1d", "upsample2d"} & kinds
    assert {"permute", "reshape"} <= kinds


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("make", [layout2d, layout1d])
def test_csim_close_to_keras_float(make, io_type, tmp_path):
    model, _ = twins(make)
    fw = model.export_fpga(tmp_path / io_type, precision="ap_fixed<24,10>", io_type=io_type)
    fw.compile()
    x = np.random.default_rng(2).normal(0, 1, (32, *model.input_shape[1:]))
    got = fw.predict(x)
    np.testing.assert_array_equal(got, fw.reference(x))
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=0.01)


@pytest.mark.parametrize("K", FLAVORS)
def test_unsupported_settings_are_refused(K):
    L = K.layers

    def refused(layer, shape, msg):
        model = K.Sequential([K.Input(shape, name="x"), layer])
        with pytest.raises(ValueError, match=re.escape(msg)):
            to_graph(model)

    first = (
        'data_format="channels_first" is not supported: only "channels_last" (rebuild the '
        'model with data_format="channels_last", or transpose its input)'
    )
    refused(
        L.ZeroPadding2D(1, data_format="channels_first", name="z"), (2, 6, 6),
        f"layer 'z' (ZeroPadding2D): {first}",
    )  # fmt: skip
    refused(
        L.Cropping2D(1, data_format="channels_first", name="c"), (2, 6, 6),
        f"layer 'c' (Cropping2D): {first}",
    )  # fmt: skip
    refused(
        L.UpSampling2D(2, data_format="channels_first", name="u"), (2, 6, 6),
        f"layer 'u' (UpSampling2D): {first}",
    )  # fmt: skip
    refused(
        L.UpSampling2D(2, interpolation="bilinear", name="u"), (6, 6, 2),
        "layer 'u' (UpSampling2D): interpolation='bilinear' is not supported (only 'nearest')",
    )  # fmt: skip
