"""Keras LayerNormalization (Keras 3 and tf_keras): identical export, csim == Interpreter and
close to Keras' float output, unsupported settings refused."""

import re

import keras
import numpy as np
import pytest
import tf_keras

from keras_plugin import to_graph

FLAVORS = [pytest.param(keras, id="keras3"), pytest.param(tf_keras, id="tf_keras")]


def seq_model(K, center=True, scale=True):
    L = K.layers
    return K.Sequential(
        [
            K.Input((5, 6), name="x"),
            L.Conv1D(8, 1, name="c1"),
            L.LayerNormalization(axis=-1, epsilon=1e-3, center=center, scale=scale, name="ln"),
            L.Flatten(name="f"),
            L.Dense(3, name="d2"),
        ],
        name="lnmodel",
    )


def flat_model(K):
    L = K.layers
    return K.Sequential(
        [K.Input((10,), name="x"), L.LayerNormalization(epsilon=1e-5, name="ln")], name="lnflat"
    )


def twins(make, **kw):
    k3, tk = make(keras, **kw), make(tf_keras, **kw)
    rng = np.random.default_rng(0)
    k3.set_weights([rng.normal(0, 0.5, w.shape) for w in k3.get_weights()])
    ln = k3.get_layer("ln")
    if ln.scale:  # gamma around 1, beta around 0
        ln.gamma.assign(rng.uniform(0.5, 1.5, ln.gamma.shape))
    tk.set_weights(k3.get_weights())
    return k3, tk


@pytest.mark.parametrize("kw", [{}, {"center": False, "scale": False}], ids=["affine", "plain"])
def test_keras3_and_tf_keras_export_identically(kw):
    k3, tk = twins(seq_model, **kw)
    g3, gt = to_graph(k3), to_graph(tk)
    assert [(n.name, n.op, n.inputs, n.shape) for n in g3] == [
        (n.name, n.op, n.inputs, n.shape) for n in gt
    ]
    for a, b in zip(g3, gt, strict=True):
        assert a.weights.keys() == b.weights.keys()
        for w in a.weights:
            np.testing.assert_array_equal(a.weights[w], b.weights[w])
    ln = g3["ln"]
    assert ln.op.kind == "layernorm" and ln.op.epsilon == pytest.approx(1e-3)
    if kw:
        np.testing.assert_array_equal(ln.weights["gamma"], np.ones(8))
        np.testing.assert_array_equal(ln.weights["beta"], np.zeros(8))


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("make", [seq_model, flat_model])
@pytest.mark.parametrize("K", FLAVORS)
def test_csim_close_to_keras_float(K, make, io_type, tmp_path):
    model = twins(make)[0 if K is keras else 1]
    fw = model.export_fpga(tmp_path / io_type, precision="ap_fixed<24,10>", io_type=io_type)
    fw.compile()
    x = np.random.default_rng(2).normal(0, 1, (32, *model.input_shape[1:]))
    got = fw.predict(x)
    np.testing.assert_array_equal(got, fw.reference(x))
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=0.05)


@pytest.mark.filterwarnings("ignore:.*rms_scaling=True:UserWarning")  # Keras 3 deprecation
@pytest.mark.parametrize("K", FLAVORS)
def test_unsupported_settings_are_refused(K):
    L = K.layers

    def refused(layer, shape, msg):
        model = K.Sequential([K.Input(shape, name="x"), layer])
        with pytest.raises(ValueError, match=re.escape(msg)):
            to_graph(model)

    refused(
        L.LayerNormalization(axis=1, name="ln"), (4, 6),
        "layer 'ln' (LayerNormalization): LayerNormalization over axis [1] is not supported: "
        "only the last axis (axis=-1)",
    )  # fmt: skip
    refused(
        L.LayerNormalization(axis=[1, 2], name="ln"), (4, 6),
        "layer 'ln' (LayerNormalization): LayerNormalization over axis [1, 2] is not "
        "supported: only the last axis (axis=-1)",
    )  # fmt: skip
    if K is keras:
        refused(
            L.LayerNormalization(rms_scaling=True, name="ln"), (6,),
            "layer 'ln' (LayerNormalization): LayerNormalization with rms_scaling=True is not "
            "supported",
        )  # fmt: skip
