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

import fpga_export.firmware
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


def settings(model) -> dict:
    """export_fpga keywords: PRECISION and the TABLES of every recurrent node."""
    layers = {n.name: dict(TABLES) for n in to_graph(model) if n.op.family == "recurrent"}
    return {"precision": PRECISION, "layers": layers}


def export(model, tmp_path, **kw):
    return model.export_fpga(tmp_path / "prj", **{**settings(model), **kw})


def sequential(K, layer, steps=T):
    return small_weights(K.Sequential([K.Input((steps, F), name="x"), layer], name="rnn"))


def layer_of(K, kind, **kw):
    L = K.layers
    if kind == "gru_before":
        return L.GRU(U, reset_after=False, **kw)
    return {"simple_rnn": L.SimpleRNN, "lstm": L.LSTM, "gru": L.GRU}[kind](U, **kw)


KINDS = ["simple_rnn", "lstm", "gru", "gru_before"]
OPTIONS = {
    "plain": {},
    "seq": {"return_sequences": True},
    "back": {"go_backwards": True},
    "seq_back": {"return_sequences": True, "go_backwards": True},
}


def predict(model, x):
    out = model(x, training=False)  # eager: faster than predict() for one small batch
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else np.asarray(out)


@pytest.mark.parametrize("K", FLAVORS)
@pytest.mark.parametrize("kind", KINDS)
def test_layer_and_options_follow_keras(K, kind, tmp_path):
    """One model per layer kind, one branch per option set (output order = OPTIONS)."""
    x_in = K.Input((T, F), name="x")
    outs = [layer_of(K, kind, name=name, **o)(x_in) for name, o in OPTIONS.items()]
    model = small_weights(K.Model(x_in, outs, name="rnn"))
    fw = export(model, tmp_path)
    for name, options in OPTIONS.items():
        node = fw.graph[name]
        assert node.op.units == U
        assert node.op.return_sequences == options.get("return_sequences", False)
        assert node.op.go_backwards == options.get("go_backwards", False)
        assert node.op.align_outputs is False
        if kind.startswith("gru"):
            assert node.op.reset_after == (kind == "gru")
            assert ("recurrent_bias" in node.weights) == (kind == "gru")
    x = data()
    for name, got, expected in zip(OPTIONS, fw.reference(x), predict(model, x), strict=True):
        assert got.shape == expected.shape, name
        assert np.abs(got - expected).max() <= tolerance(fw.graph[name].op.kind), name


@pytest.mark.parametrize("K", FLAVORS)
@pytest.mark.parametrize(
    "act, rec",
    [("relu", "sigmoid"), ("linear", "hard_sigmoid"), ("sigmoid", "hard_sigmoid")],
)
def test_activations(K, act, rec, tmp_path):
    model = sequential(K, K.layers.LSTM(U, activation=act, recurrent_activation=rec, name="l"))
    fw = export(model, tmp_path)
    node = fw.graph["l"]
    hard = "hard_sigmoid" if K is keras else "hard_sigmoid_tf"  # slope 1/6 or 0.2
    spelled = [hard if a == "hard_sigmoid" else a for a in (act, rec)]
    assert [node.op.activation, node.op.recurrent_activation] == spelled
    x = data()
    assert np.abs(fw.reference(x) - predict(model, x)).max() <= tolerance("lstm")


@pytest.mark.parametrize("K", FLAVORS)
def test_bidirectional_gru_every_merge_mode(K, tmp_path):
    L = K.layers
    x_in = K.Input((T, F), name="x")
    outs = [
        L.Bidirectional(L.GRU(U, return_sequences=True), merge_mode="concat", name="cat")(x_in),
        L.Bidirectional(L.GRU(U), merge_mode="sum", name="add")(x_in),
        L.Bidirectional(L.GRU(U, return_sequences=True), merge_mode="ave", name="ave")(x_in),
        L.Bidirectional(L.GRU(U), merge_mode="mul", name="mul")(x_in),
        *L.Bidirectional(L.GRU(U, return_sequences=True), merge_mode=None, name="both")(x_in),
    ]
    model = small_weights(K.Model(x_in, outs, name="bi"))
    fw = export(model, tmp_path)
    g = fw.graph
    assert [(n, g[n].op.kind, g[n].inputs) for n in ("cat", "add", "ave", "mul")] == [
        ("cat", "concatenate", ["cat_forward", "cat_backward"]),
        ("add", "merge", ["add_forward", "add_backward"]),
        ("ave", "merge", ["ave_forward", "ave_backward"]),
        ("mul", "merge", ["mul_forward", "mul_backward"]),
    ]
    assert g.outputs[-2:] == ["both_forward", "both_backward"]
    back = g["cat_backward"].op
    assert (back.go_backwards, back.align_outputs, back.return_sequences) == (True, True, True)
    assert (g["add_backward"].op.go_backwards, g["add_backward"].op.align_outputs) == (True, False)
    assert g["cat_backward"].layer == "" and g["cat"].layer == "cat"
    x = data()
    for name, got, expected in zip(g.outputs, fw.reference(x), predict(model, x), strict=True):
        assert got.shape == expected.shape, name
        # sum / mul / ave of the two directions: at most twice one direction's error
        assert np.abs(got - expected).max() <= 2 * tolerance("gru"), name


@pytest.mark.parametrize("K", FLAVORS)
def test_return_state(K, tmp_path):
    L = K.layers
    x_in = K.Input((T, F), name="x")
    seq, h, c = L.LSTM(U, return_sequences=True, return_state=True, name="l")(x_in)
    last, h2 = L.GRU(U, return_state=True, name="g")(x_in)
    model = small_weights(K.Model(x_in, [seq, h, c, last, h2], name="states"))
    fw = export(model, tmp_path)
    g = fw.graph
    assert g.outputs == ["l", "l_h", "l_c", "g", "g"]
    assert g["l_h"].op.kind == "timestep" and g["l_h"].op.index == -1
    assert g["l_c"].op.output_cell and not g["l_c"].op.return_sequences
    assert g["l_c"].op.table_size == TABLES["table_size"]  # the layer's settings apply
    x = data()
    expected = predict(model, x)
    for i, (got, want) in enumerate(zip(fw.reference(x), expected, strict=True)):
        kind = "gru" if i > 2 else "lstm"
        # c: the LSTM cell error bound without the output tanh (docstring)
        assert np.abs(got - want).max() <= tolerance(kind), g.outputs[i]


@pytest.mark.parametrize("K", FLAVORS)
def test_stacked_lstm_and_time_distributed(K, tmp_path):
    L = K.layers
    model = small_weights(
        K.Sequential(
            [
                K.Input((T, F), name="x"),
                L.LSTM(U, return_sequences=True, dropout=0.2, recurrent_dropout=0.1, name="l1"),
                L.LSTM(U, return_sequences=True, unroll=True, name="l2"),
                L.TimeDistributed(L.Dense(2, activation="relu"), name="td"),
                L.Dense(3, name="d"),
            ],
            name="stack",
        )
    )
    fw = export(model, tmp_path)
    assert [(n.name, n.op.kind, n.shape) for n in fw.graph] == [
        ("x", "input", (T, F)),
        ("l1", "lstm", (T, U)),
        ("l2", "lstm", (T, U)),
        ("td", "conv1d", (T, 2)),
        ("td_relu", "activation", (T, 2)),
        ("d", "conv1d", (T, 3)),
    ]
    x = data()
    # two LSTMs in a row: the second sees the first's error (|w| sums <= 0.9: not amplified)
    # and adds its own; the Dense layers sum 4 and 2 values of weights <= 0.3
    tol = 2 * tolerance("lstm") * 0.3 * 4 * 0.3 * 2 + tolerance("lstm")
    assert np.abs(fw.reference(x) - predict(model, x)).max() <= tol


def test_csim_equals_reference_and_callback_pushes_weights(tmp_path, monkeypatch):
    """csim == the numpy reference bit for bit (Bidirectional LSTM + GRU + TimeDistributed);
    the CSimCallback pushes new weights into the compiled library."""
    from keras_plugin import CSimCallback

    L = keras.layers
    model = small_weights(
        keras.Sequential(
            [
                keras.Input((T, F), name="x"),
                L.Bidirectional(L.LSTM(U, return_sequences=True), name="bi"),
                L.GRU(U, name="g"),
                L.Dense(2, activation="softmax", name="d"),
            ],
            name="cb_rnn",
        )
    )
    x = data(n=40)
    y = (x[:, :, 0].mean(axis=1) > 0).astype("int64")
    fw = export(model, tmp_path).compile()
    assert (fw.predict(x) == fw.reference(x)).all()
    model.compile(keras.optimizers.SGD(0.5), "sparse_categorical_crossentropy")
    cb = CSimCallback((x, y), verbose=0, **settings(model))
    builds = []
    real = fpga_export.firmware.build_library
    monkeypatch.setattr(
        fpga_export.firmware, "build_library", lambda *a, **k: builds.append(1) or real(*a, **k)
    )
    seen = []

    class Recorder(keras.callbacks.Callback):  # after cb: sees the weights it evaluated
        def on_epoch_end(self, epoch, logs=None):
            fresh = export(model, tmp_path / f"e{epoch}")
            seen.append((cb.firmware.predict(x), fresh.reference(x)))

    model.fit(x, y, epochs=2, batch_size=20, verbose=0, callbacks=[cb, Recorder()])
    for pushed, current in seen:
        assert (pushed == current).all()  # the current weights, not the first ones
    assert not (seen[0][0] == seen[1][0]).all()
    assert len(builds) == 1  # compiled once (the callback's firmware), weights pushed after


@pytest.mark.parametrize("K", FLAVORS)
@pytest.mark.parametrize(
    "make, in_shape, message",
    [
        (
            lambda L: L.LSTM(U, stateful=True, name="l"),
            (T, F),
            "layer 'l' (LSTM): stateful=True is not supported: the firmware starts every "
            "sequence from a zero state (rebuild the layer with stateful=False)",
        ),
        (
            lambda L: L.Masking(0.0, name="m"),
            (T, F),
            "layer 'm' (Masking): masking (mask_value=0.0) is not supported: the firmware has no "
            "masks and runs every timestep; remove the Masking layer (pad sequences with values "
            "the model learns to ignore, or trim them to a fixed length)",
        ),
        (
            lambda L: L.SimpleRNN(U, activation="softplus", name="s"),
            (T, F),
            "layer 's' (SimpleRNN): activation='softplus' is not supported; supported: tanh, "
            "relu, linear, sigmoid, hard_sigmoid",
        ),
        (
            lambda L: L.GRU(U, recurrent_activation="tanh", name="g"),
            (T, F),
            "layer 'g' (GRU): recurrent_activation='tanh' is not supported; supported: sigmoid, "
            "hard_sigmoid",
        ),
        (
            lambda L: L.TimeDistributed(L.Conv1D(2, 1), name="td"),
            (T, F, 2),
            "layer 'td' (TimeDistributed): TimeDistributed(Conv1D) is not supported: only "
            "TimeDistributed(Dense)",
        ),
        (
            lambda L: L.TimeDistributed(L.Dense(2), name="td"),
            (T, F, 2),
            "layer 'td' (TimeDistributed): TimeDistributed(Dense) on an input of shape (6, 3, 2) "
            "per sample is not supported: only sequences (timesteps, features)",
        ),
    ],
)
def test_refusals(K, make, in_shape, message):
    x = K.Input(in_shape, batch_size=2 if "stateful" in message else None, name="x")
    model = K.Model(x, make(K.layers)(x))
    with pytest.raises(ValueError, match=exact(message)):
        to_graph(model)


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda L: L.LSTM(U, time_major=True, name="tm"),
            "layer 'tm' (LSTM): time_major=True is not supported: the input must be (batch, "
            "timesteps, features)",
        ),
        (  # Keras 3 itself refuses this Bidirectional
            lambda L: L.Bidirectional(L.LSTM(U, go_backwards=True), name="b"),
            "layer 'b' (Bidirectional): Bidirectional around a layer with go_backwards=True is "
            "not supported (the 'forward' direction would run backwards)",
        ),
    ],
)
def test_tf_keras_refusals(make, message):
    x = tf_keras.Input((T, F), name="x")
    model = tf_keras.Model(x, make(tf_keras.layers)(x))
    with pytest.raises(ValueError, match=exact(message)):
        to_graph(model)
