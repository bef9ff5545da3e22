"""Keras recurrent layers (SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed(Dense)):
every layer x option converts to the right nodes, the firmware follows Keras' float output
within a tolerance derived from the types and tables, and unsupported options are refused.

Tolerance. The tests export at ``ap_fixed<24,8>`` (LSB 2^-16, negligible here) with sigmoid /
tanh tables of 4096 entries over [-8, 8): a table lookup is off by at most max|f'| * bw / 2
(bw = 16 / 4096), i.e. ``TANH_ERR = 2^-9`` for tanh and ``SIG_ERR = 2^-11`` for sigmoid, plus
half an LSB of the table type. The weights are small (|w| <= 0.3 and the recurrent kernel's
column sums of |w| <= 0.9 times 1/max|act'|), so an error in h is not amplified from one step
to the next: after T steps the error is at most T times the error of one step. One step:
SimpleRNN one tanh (TANH_ERR); GRU: two gates and one candidate, h = z h + (1 - z) n, at most
2 SIG_ERR + TANH_ERR; LSTM: c gains at most 3 SIG_ERR + TANH_ERR per step (|c| <= T, f <= 1)
and h = o tanh(c) adds SIG_ERR + TANH_ERR. So ``tol = T * STEP[kind]``, with a margin of 25 %
for the LSBs of the result/state types (all <= 2^-16 per conversion, a few per step).
"""

import re

import keras
import numpy as np
import pytest
import tf_keras

from keras_plugin import to_graph

FLAVORS = [pytest.param(keras, id="keras3"), pytest.param(tf_keras, id="tf_keras")]
T, F, U = 6, 3, 4
PRECISION = "ap_fixed<24,8>"
TABLES = {"table_size": 4096, "table_range": 8.0}
TANH_ERR, SIG_ERR = 2.0**-9, 2.0**-11
STEP = {
    "simple_rnn": TANH_ERR,
    "gru": 2 * SIG_ERR + TANH_ERR,
    "lstm": 4 * SIG_ERR + 2 * TANH_ERR,
}


def exact(message):
    return "^" + re.escape(message) + "$"


def tolerance(kind: str, steps: int = T) -> float:
    return 1.25 * steps * STEP[kind]


def data(n=64, steps=T, features=F, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=(n, steps, features)).astype("f4")


def small_weights(model, seed=1):
    """Small weights (module docstring): the error of a step is not amplified by the next."""
    rng = np.random.default_rng(seed)
    new = []
    for w in model.get_weights():
        v = rng.uniform(-0.3, 0.3, w.shape)
        if v.ndim == 2 and v.shape[0] < v.shape[1] and v.shape[0] in (U, 2 * U):
            v *= 0.9 / np.abs(v).sum(axis=0).max()  # recurrent kernels: column sums <= 0.9
        new.append(v)
    model.set_weights(new)
    return model


def export(model, tmp_path, **kw):
    layers = {
        n.name: {"attributes": TABLES} for n in to_graph(model) if n.op.family == "recurrent"
    }
    kw.setdefault("precision", PRECISION)
    return model.export_fpga(tmp_path / "prj", layers=layers, **kw)


def sequential(K, layer, steps=T):
    return small_weights(K.Sequential([K.Input((steps, F), name="x"), layer], name="rnn"))


def layer_of(K, kind, **kw):
    L = K.layers
    if kind == "gru_before":
        return L.GRU(U, reset_after=False, name="rnn_layer", **kw)
    cls = {"simple_rnn": L.SimpleRNN, "lstm": L.LSTM, "gru": L.GRU}[kind]
    return cls(U, name="rnn_layer", **kw)


KINDS = ["simple_rnn", "lstm", "gru", "gru_before"]
OPTIONS = [
    {},
    {"return_sequences": True},
    {"go_backwards": True},
    {"return_sequences": True, "go_backwards": True},
]


@pytest.mark.parametrize("K", FLAVORS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "default")
def test_layer_and_options_follow_keras(K, kind, options, tmp_path):
    model = sequential(K, layer_of(K, kind, **options))
    fw = export(model, tmp_path)
    (node,) = [n for n in fw.graph if n.op.family == "recurrent"]
    assert node.name == "rnn_layer"
    assert node.op.units == U
    assert node.op.return_sequences == options.get("return_sequences", False)
    assert node.op.go_backwards == options.get("go_backwards", False)
    assert node.op.align_outputs is False
    if kind.startswith("gru"):
        assert node.op.reset_after == (kind == "gru")
        assert ("recurrent_bias" in node.weights) == (kind == "gru")
    x = data()
    expected = model.predict(x, verbose=0)
    got = fw.reference(x)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() <= tolerance(node.op.kind)


@pytest.mark.parametrize("K", FLAVORS)
@pytest.mark.parametrize(
    "act, rec",
    [("relu", "sigmoid"), ("linear", "hard_sigmoid"), ("sigmoid", "hard_sigmoid")],
)
def test_activations(K, act, rec, tmp_path):
    model = sequential(K, K.layers.LSTM(U, activation=act, recurrent_activation=rec, name="l"))
    fw = export(model, tmp_path)
    node = fw.graph["l"]
    assert (node.op.activation, node.op.recurrent_activation) == (act, rec)
    x = data()
    assert np.abs(fw.reference(x) - model.predict(x, verbose=0)).max() <= tolerance("lstm")
