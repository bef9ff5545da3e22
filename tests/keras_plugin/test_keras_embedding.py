"""Keras Embedding: Keras 3 and tf_keras export identically; with integer ids the firmware
equals the Interpreter exactly and is close to Keras' float output; bad settings are refused."""

import re

import keras
import numpy as np
import pytest
import tf_keras

from keras_plugin import to_graph

FLAVORS = [pytest.param(keras, id="keras3"), pytest.param(tf_keras, id="tf_keras")]
VOCAB, DIM, SEQ = 20, 4, 6


def text_model(K):
    L = K.layers
    return K.Sequential(
        [
            K.Input((SEQ,), name="tokens"),
            L.Embedding(VOCAB, DIM, name="emb"),
            L.Flatten(name="f"),
            L.Dense(3, name="d"),
        ],
        name="text",
    )


def twins():
    k3, tk = text_model(keras), text_model(tf_keras)
    rng = np.random.default_rng(0)
    weights = [rng.normal(0, 0.5, w.shape) for w in k3.get_weights()]
    k3.set_weights(weights)
    tk.set_weights(weights)
    return k3, tk


def test_keras3_and_tf_keras_export_identically():
    k3, tk = twins()
    g3, gt = to_graph(k3), to_graph(tk)
    assert [(n.name, n.op, n.inputs, n.shape) for n in g3] == [
        (n.name, n.op, n.inputs, n.shape) for n in gt
    ]
    for a, b in zip(g3, gt, strict=True):
        assert a.weights.keys() == b.weights.keys()
        for w in a.weights:
            np.testing.assert_array_equal(a.weights[w], b.weights[w])
    emb = g3["emb"]
    assert emb.op.kind == "embedding" and emb.shape == (SEQ, DIM)
    assert (emb.op.vocab_size, emb.op.output_dim) == (VOCAB, DIM)
    np.testing.assert_array_equal(emb.weights["embeddings"], k3.get_weights()[0])


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_csim_equals_interpreter_and_close_to_keras(io_type, tmp_path):
    model, _ = twins()
    fw = model.export_fpga(
        tmp_path / io_type, precision="ap_fixed<24,10>", input_precision="ap_uint<8>",
        io_type=io_type,
    )  # fmt: skip
    fw.compile()
    x = np.random.default_rng(2).integers(0, VOCAB, (64, SEQ)).astype(np.float64)
    got = fw.predict(x)
    np.testing.assert_array_equal(got, fw.reference(x))
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=0.01)
    # out-of-range ids: the firmware clamps them, csim and Interpreter still agree
    bad = x.copy()
    bad[:, 0], bad[:, 1] = VOCAB + 7, 255
    np.testing.assert_array_equal(fw.predict(bad), fw.reference(bad))
    clamped = np.minimum(bad, VOCAB - 1)
    np.testing.assert_array_equal(fw.predict(bad), fw.predict(clamped))


@pytest.mark.parametrize("K", FLAVORS)
def test_unsupported_settings_are_refused(K):
    model = K.Sequential(
        [K.Input((SEQ,), name="x"), K.layers.Embedding(VOCAB, DIM, mask_zero=True, name="e")]
    )
    msg = (
        "layer 'e' (Embedding): mask_zero=True is not supported (the firmware has no masks); "
        "rebuild the model with mask_zero=False"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        to_graph(model)
