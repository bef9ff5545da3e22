"""QKeras QSimpleRNN / QLSTM / QGRU: quantizers map to types, the models run end to end
(reference == csim). With quantized activations and a state quantizer they are exact
(csim == QKeras bit for bit: the op reads the state through the state quantizer's type,
``round_state_on_read``); with QKeras' unquantized hard_sigmoid or float tanh / sigmoid they
are reported NOT EXACT with the reason (module docstring of
keras_plugin.handlers.qkeras_recurrent), and their output stays within a bound of QKeras' own.

Bound (not exact): the weights are quantized exactly (types given), so the firmware differs from QKeras
only by where the state is rounded: each step h and c may each be off by half an LSB of the
state quantizer (2^-7 for quantized_bits(8, 0)) and the gates' hard sigmoid has slope 1/2:
at most T * (2 LSB) after T steps with the recurrent weights' column sums <= 1."""

import numpy as np
import pytest
import tf_keras
from qkeras import (
    QGRU,
    QLSTM,
    QActivation,
    QSimpleRNN,
    quantized_bits,
    quantized_sigmoid,
    quantized_tanh,
)

# QSimpleRNN / QGRU call tf's nest.is_sequence, which this TensorFlow no longer has (a QKeras
# bug): give QKeras the function it was renamed to, so the float model runs at all
from tensorflow.python.util import nest  # noqa: E402

from keras_plugin import to_graph
from keras_plugin.handlers.qkeras_recurrent import STATE_ROUNDING

if not hasattr(nest, "is_sequence"):
    nest.is_sequence = nest.is_nested

T, F, U = 5, 3, 4
Q = quantized_bits(8, 0, alpha=1)


def model_of(layer, features=F):
    m = tf_keras.Sequential([tf_keras.Input((T, features), name="x"), layer], name="qrnn")
    rng = np.random.default_rng(0)
    new = []
    for w in m.get_weights():
        v = rng.uniform(-0.4, 0.4, w.shape)
        if v.ndim == 2 and v.shape[0] == U:
            v *= 0.9 / np.abs(v).sum(axis=0).max()
        new.append(v)
    m.set_weights(new)
    return m


def qlayer(cls, name="q", state_bits=8, **kw):
    return cls(
        U,
        kernel_quantizer=Q,
        recurrent_quantizer=Q,
        bias_quantizer=Q,
        state_quantizer=quantized_bits(state_bits, 0, alpha=1),
        name=name,
        **kw,
    )


QT, QS = quantized_tanh(8), quantized_sigmoid(8)
EXACT = {
    "rnn": lambda: qlayer(QSimpleRNN, "rnn", activation=QT, return_sequences=True),
    "lstm": lambda: qlayer(QLSTM, "lstm", activation=QT, recurrent_activation=QS),
    "lstm_seq": lambda: qlayer(
        QLSTM, "lstm_seq", 6, activation=QT, recurrent_activation=QS, return_sequences=True
    ),
    "gru": lambda: qlayer(QGRU, "gru", activation=QT, recurrent_activation=QS),
    "gru_before": lambda: qlayer(
        QGRU,
        "gru_before",
        activation=QT,
        recurrent_activation=QS,
        reset_after=False,
        go_backwards=True,
    ),  # fmt: skip
}


def test_quantized_recurrent_layers_are_exact(tmp_path):
    """Every cell side by side after an input quantizer (one compile): exact, and csim ==
    QKeras bit for bit on inputs on (and between) the input quantizer's grid."""
    x_in = tf_keras.Input((T, F), name="x")
    h = QActivation(quantized_bits(8, 0, alpha=1), name="qin")(x_in)
    model = model_of_outputs(x_in, [make()(h) for make in EXACT.values()])
    fw = model.export_fpga(tmp_path / "prj")
    for name in EXACT:
        node = fw.graph[name]
        assert node.op.round_state_on_read, name
        assert str(node.types["state_read"]) == str(node.given["state_read"]), name
        assert node.exact is True, (name, node.notes)
    rng = np.random.default_rng(1)
    x = np.concatenate(
        [rng.integers(-128, 128, (300, T, F)) / 128, rng.uniform(-1.2, 1.2, (100, T, F))]
    ).astype("f4")
    got = fw.compile().predict(x)
    want = model.predict(x, verbose=0)
    for name, g, w in zip(EXACT, got, want, strict=True):
        assert np.array_equal(np.asarray(g, dtype=np.float32), w), name


def model_of_outputs(x_in, outs):
    m = tf_keras.Model(x_in, outs, name="qrnn_all")
    rng = np.random.default_rng(0)
    new = []
    for w in m.get_weights():
        v = rng.uniform(-0.4, 0.4, w.shape)
        if v.ndim == 2 and v.shape[0] == U:
            v *= 0.9 / np.abs(v).sum(axis=0).max()
        new.append(v)
    m.set_weights(new)
    return m


LAYERS = {
    "qgru_hard": lambda: qlayer(QGRU, activation=QT, recurrent_activation="hard_sigmoid"),
    "qlstm_float": lambda: qlayer(QLSTM, activation="tanh", recurrent_activation="sigmoid"),
}


@pytest.mark.parametrize("kind", list(LAYERS))
def test_qrecurrent_not_exact(kind, tmp_path):
    model = model_of(LAYERS[kind]())
    graph = to_graph(model)
    node = graph["q"]
    assert str(node.given["kernel"]) == "ap_fixed<8,1>"
    assert str(node.given["state"]) == "ap_fixed<8,1,AP_RND_CONV,AP_SAT>"
    assert not node.op.round_state_on_read
    fw = model.export_fpga(tmp_path / "prj", precision="ap_fixed<16,6>")
    notes = fw.graph["q"].notes
    assert fw.graph["q"].exact is False
    assert any(STATE_ROUNDING["result"] in n for n in notes), notes
    x = np.random.default_rng(1).uniform(-1, 1, (50, T, F)).astype("f4")
    ref = fw.reference(x)
    assert (fw.compile().predict(x) == ref).all()
    if kind == "qgru_hard":
        assert node.op.activation == "linear"
        assert node.op.recurrent_activation == "hard_sigmoid_qkeras"
        assert np.abs(ref - model.predict(x, verbose=0)).max() <= T * 2 * 2.0**-7
    else:
        assert any("tanh lookup table" in n for n in notes), notes


def test_qgru_without_recurrent_quantizer_refused():
    # QKeras only builds it when features == units (the input kernel's shape)
    model = model_of(QGRU(U, kernel_quantizer=Q, name="g"), features=U)
    message = (
        "layer 'g' (QGRU): a QGRU without recurrent_quantizer is not supported: QKeras then "
        "multiplies the state by the input kernel instead of the recurrent kernel"
    )
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        to_graph(model)
