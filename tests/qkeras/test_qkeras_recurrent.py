"""QKeras QSimpleRNN / QLSTM / QGRU: quantizers map to types, the models run end to end
(reference == csim), they are reported NOT EXACT (the state quantizer is applied at a
different point, module docstring of keras_plugin.handlers.qkeras_recurrent), and their
output stays within a bound of QKeras' own.

Bound: the weights are quantized exactly (types given), so the firmware differs from QKeras
only by where the state is rounded: each step h and c may each be off by half an LSB of the
state quantizer (2^-7 for quantized_bits(8, 0)) and the gates' hard sigmoid has slope 1/2:
at most T * (2 LSB) after T steps with the recurrent weights' column sums <= 1."""

import numpy as np
import pytest
import tf_keras
from qkeras import QGRU, QLSTM, QSimpleRNN, quantized_bits, quantized_sigmoid, quantized_tanh

# QSimpleRNN / QGRU call tf's nest.is_sequence, which this TensorFlow no longer has (a QKeras
# bug): give QKeras the function it was renamed to, so the float model runs at all
from tensorflow.python.util import nest  # noqa: E402

from keras_plugin import to_graph

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


def qlayer(cls, **kw):
    return cls(
        U,
        kernel_quantizer=Q,
        recurrent_quantizer=Q,
        bias_quantizer=Q,
        state_quantizer=quantized_bits(8, 0, alpha=1),
        name="q",
        **kw,
    )


LAYERS = {
    "qsimplernn": lambda: qlayer(QSimpleRNN, activation=quantized_tanh(8)),
    "qlstm": lambda: qlayer(
        QLSTM, activation=quantized_tanh(8), recurrent_activation=quantized_sigmoid(8)
    ),
    "qgru": lambda: qlayer(QGRU, activation=quantized_tanh(8), recurrent_activation="hard_sigmoid"),
}


@pytest.mark.parametrize("kind", list(LAYERS))
def test_qrecurrent_end_to_end(kind, tmp_path):
    model = model_of(LAYERS[kind]())
    graph = to_graph(model)
    node = graph["q"]
    assert str(node.given["kernel"]) == "ap_fixed<8,1>"
    assert str(node.given["state"]) == "ap_fixed<8,1,AP_RND_CONV,AP_SAT>"
    if kind != "qsimplernn":
        assert str(node.given["candidate"]) == "ap_fixed<8,1,AP_RND_CONV,AP_SAT>"
        assert node.op.recurrent_activation == "hard_sigmoid_qkeras"
    assert node.op.activation == "linear"
    fw = model.export_fpga(tmp_path / "prj", precision="ap_fixed<16,6>")
    assert fw.graph["q"].exact is False and fw.graph["q"].notes
    x = np.random.default_rng(1).uniform(-1, 1, (50, T, F)).astype("f4")
    ref = fw.reference(x)
    assert (fw.compile().predict(x) == ref).all()
    assert np.abs(ref - model.predict(x, verbose=0)).max() <= T * 2 * 2.0**-7


def test_qgru_without_recurrent_quantizer_refused():
    # QKeras only builds it when features == units (the input kernel's shape)
    model = model_of(QGRU(U, kernel_quantizer=Q, name="g"), features=U)
    message = (
        "layer 'g' (QGRU): a QGRU without recurrent_quantizer is not supported: QKeras then "
        "multiplies the state by the input kernel instead of the recurrent kernel"
    )
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        to_graph(model)
