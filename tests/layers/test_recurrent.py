"""Recurrent layers: numpy reference vs float math, exact cases, orderings, errors, overflow.

Tolerance of reference vs float (a bound propagated step by step, ``bound()`` below). With
``bw = 2 r / N`` the table bin width, a table lookup of a function of slope at most L is off
by ``L bw / 2 + T.lsb / 2`` (nearest bin center; entries round; beyond the outermost
centers tanh and sigmoid change by less than that); every conversion truncates: one LSB of
its type. The pre-activation ``z`` is off by ``e_pre = A.lsb (F + U + 2) + K.lsb sum|x| +
B.lsb + RK.lsb sum|h| + ||RK||_inf e_h`` (a term per truncated product and bias, the
weights' rounding, the state error through the recurrent kernel). Then per step:

* SimpleRNN: ``e_h' = e_pre + d_tanh + S.lsb``;
* LSTM: gates ``e_g = e_pre / 4 + d_sig + G.lsb``, candidate ``e_n = e_pre + d_tanh +
  N.lsb``; ``e_c' = e_c + |c| e_g + e_g + e_n + C.lsb``; ``e_h' = e_g + e_c' + d_tanh +
  N.lsb + S.lsb``;
* GRU: gates as LSTM; ``n``: reset_after ``e_pre + e_r |r_h|`` (r times the recurrent sum),
  else through ``q = S(r h)``: ``e_q = e_r + e_h + S.lsb``; ``e_h' = 2 e_z + max(e_h, e_n)
  + S.lsb`` (h' = z h + (1 - z) n, |h - n| <= 2).

|c|, |r_h| are the float run's maxima (plus their error). The bound is first order in the
errors and holds for any weights; the tests use wide types (table error dominates) and the
default types.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from fpga_export import passes
from fpga_export.config import ExportConfig
from fpga_export.ir import Graph, Interpreter, Node
from fpga_export.layers.input import Input
from fpga_export.layers.recurrent import GRU, LSTM, SimpleRNN, Timestep
from fpga_export.metrics import overflow_by_node
from fpga_export.types import FixedType
from graphs import recurrent_weights

T_STEPS, F, U = 6, 3, 4
WIDE = {
    r: "ap_fixed<32,8>"
    for r in ("accum", "kernel", "recurrent_kernel", "bias", "recurrent_bias", "state",
              "candidate", "cell", "result")
}  # fmt: skip
WIDE["gate"] = "ap_ufixed<32,2>"


def weights(op, n_in=F, seed=0, scale=0.5):
    return recurrent_weights(op, n_in, np.random.default_rng(seed), scale)


def build(op, precision=None, steps=T_STEPS, n_in=F, seed=0, x_type="ap_fixed<16,4>", **kw):
    g = Graph("rnn")
    g.add(Node("x", Input(), shape=(steps, n_in), precision={"result": x_type}))
    g.add(Node("rnn", op, ["x"], weights=weights(op, n_in, seed), precision=precision or {}, **kw))
    g.inputs, g.outputs = ["x"], ["rnn"]
    passes.infer_shapes(g)
    passes.infer_types(g, ExportConfig(output_dir="unused"))
    return g


def sequences(g, n=200, seed=1, scale=1.5):
    x = np.random.default_rng(seed).normal(0, scale, (n, *g["x"].shape))
    return g["x"].result.quantize(x)  # on the input grid: no input rounding error


# ---------------------------------------------------------------------- float reference
def sigmoid(v):
    return 0.5 * (1 + np.tanh(0.5 * v))


def float_run(op, w, x):
    """Keras semantics in float64: (outputs per processed step (h), final c)."""
    u = op.units
    k, rk, b = w["kernel"], w["recurrent_kernel"], w["bias"]
    h = np.zeros((len(x), u))
    c = np.zeros((len(x), u))
    steps = range(x.shape[1] - 1, -1, -1) if op.go_backwards else range(x.shape[1])
    hs, extra = [], {"c": [0.0], "rh": [0.0]}
    for t in steps:
        xt = x[:, t]
        if op.kind == "simple_rnn":
            h = np.tanh(xt @ k + h @ rk + b)
        elif op.kind == "lstm":
            z = xt @ k + h @ rk + b
            i, f, g, o = (z[:, j * u : (j + 1) * u] for j in range(4))
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
            extra["c"].append(np.abs(c).max())
        else:
            xz = xt @ k + b
            if op.reset_after:
                hz = h @ rk + w["recurrent_bias"]
                z, r = sigmoid(xz[:, :u] + hz[:, :u]), sigmoid(xz[:, u : 2 * u] + hz[:, u : 2 * u])
                n = np.tanh(xz[:, 2 * u :] + r * hz[:, 2 * u :])
                extra["rh"].append(np.abs(hz[:, 2 * u :]).max())
            else:
                hz = h @ rk[:, : 2 * u]
                z, r = sigmoid(xz[:, :u] + hz[:, :u]), sigmoid(xz[:, u : 2 * u] + hz[:, u:])
                n = np.tanh(xz[:, 2 * u :] + (r * h) @ rk[:, 2 * u :])
            h = z * h + (1 - z) * n
        hs.append(h)
    return np.stack(hs, axis=1), c, {k_: max(v) for k_, v in extra.items()}


def bound(op, node, x, extra) -> np.ndarray:
    """Error bound after each processed step (module docstring)."""
    ty = node.types
    lsb = {r: t.lsb for r, t in ty.items()}
    bw = 2 * op.table_range / op.table_size
    d_tanh = bw / 2 + lsb["table"] / 2
    d_sig = bw / 8 + lsb.get("recurrent_table", 0) / 2
    rk = np.abs(node.weights["recurrent_kernel"])
    norm = rk.sum(axis=0).max()
    sum_x = np.abs(x).sum(axis=2).max()
    e_fixed = (
        lsb["accum"] * (F + op.units + 2)
        + lsb["kernel"] * sum_x
        + lsb["bias"]
        + lsb["recurrent_kernel"] * op.units * 1.0
        + lsb.get("recurrent_bias", 0)
    )
    e_h, e_c, out = 0.0, 0.0, []
    for _ in range(x.shape[1]):
        e_pre = e_fixed + norm * e_h
        if op.kind == "simple_rnn":
            e_h = e_pre + d_tanh + lsb["state"]
        else:
            e_g = e_pre / 4 + d_sig + lsb["gate"]
            if op.kind == "lstm":
                e_n = e_pre + d_tanh + lsb["candidate"]
                e_c = e_c + (extra["c"] + e_c) * e_g + e_g + e_n + lsb["cell"]
                e_h = e_g + e_c + d_tanh + lsb["candidate"] + lsb["state"]
            else:
                if op.reset_after:
                    e_n = e_pre + e_g * (extra["rh"] + e_pre) + d_tanh + lsb["candidate"]
                else:
                    e_q = e_g + e_h + lsb["state"]
                    e_n = e_pre + norm * e_q + d_tanh + lsb["candidate"]
                e_h = 2 * e_g + max(e_h, e_n) + lsb["state"]
        out.append(e_h + lsb["result"])
    return np.array(out)


OPS = [
    SimpleRNN(units=U, return_sequences=True),
    LSTM(units=U, return_sequences=True),
    GRU(units=U, return_sequences=True),
    GRU(units=U, return_sequences=True, reset_after=False),
    LSTM(units=U, return_sequences=True, go_backwards=True),
]
IDS = ["simple_rnn", "lstm", "gru", "gru_reset_before", "lstm_backwards"]


@pytest.mark.parametrize("precision", [WIDE, None], ids=["wide", "default"])
@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_reference_matches_float_within_bound(op, precision):
    g = build(op, precision, seed=3)
    node = g["rnn"]
    x = sequences(g)
    got = Interpreter(g).run(x)
    want, _, extra = float_run(op, node.weights, x)
    err = np.abs(got - want).max(axis=(0, 2))  # per processed step
    tol = bound(op, node, x, extra)
    assert (err <= tol).all(), (err, tol)
    if precision is WIDE:  # the first step's bound is tight (the table error dominates)
        assert err[0] > 0.2 * tol[0]


def test_linear_rnn_is_exact_with_exact_types():
    """activation='linear' and types holding every value: the float result, bit for bit."""
    op = SimpleRNN(units=2, activation="linear", return_sequences=True)
    exact = {r: "ap_fixed<60,30>" for r in ("accum", "state", "result")}
    exact.update(kernel="ap_fixed<8,4>", recurrent_kernel="ap_fixed<8,4>", bias="ap_fixed<8,4>")
    g = build(op, exact, steps=4, n_in=2, x_type="ap_fixed<8,4>")
    node = g["rnn"]
    for w in ("kernel", "recurrent_kernel", "bias"):
        node.weights[w] = node.types[w].quantize(node.weights[w])
    x = sequences(g, n=50)
    h, want = np.zeros((50, 2)), []
    for t in range(4):
        h = x[:, t] @ node.weights["kernel"] + h @ node.weights["recurrent_kernel"]
        h = h + node.weights["bias"]
        want.append(h)
    np.testing.assert_array_equal(Interpreter(g).run(x), np.stack(want, axis=1))


def test_saturating_accumulator_order():
    """A saturating accum follows mv(): bias, then the products in order, each step
    saturating (a sum that comes back in range still shows the clip)."""
    op = SimpleRNN(units=1, activation="linear")
    prec = {"accum": "ap_fixed<6,3,AP_TRN,AP_SAT>", "state": "ap_fixed<16,8>",
            "result": "ap_fixed<16,8>", "kernel": "ap_fixed<8,4>", "bias": "ap_fixed<8,4>",
            "recurrent_kernel": "ap_fixed<8,4>"}  # fmt: skip
    g = build(op, prec, steps=1, n_in=2, x_type="ap_fixed<8,4>")
    node = g["rnn"]
    node.weights.update(kernel=np.array([[3.0], [-3.0]]), bias=np.array([2.0]))
    x = np.array([[[1.0, 1.0]]])
    # acc = 2; += 3 -> 5 saturates at 3.875; += -3 -> 0.875; + mv(h = 0) = 0.875
    assert Interpreter(g).run(x).ravel().tolist() == [0.875]


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_go_backwards_orders(cls):
    """go_backwards = the forward layer on the reversed sequence; Keras order keeps the
    processing order, align_outputs puts the state after input t at position t."""
    fwd = build(cls(units=U, return_sequences=True))
    x = sequences(fwd, n=20)
    rev = Interpreter(fwd).run(x[:, ::-1])
    keras = build(cls(units=U, return_sequences=True, go_backwards=True))
    aligned = build(cls(units=U, return_sequences=True, go_backwards=True, align_outputs=True))
    last = build(cls(units=U, go_backwards=True))
    np.testing.assert_array_equal(Interpreter(keras).run(x), rev)
    np.testing.assert_array_equal(Interpreter(aligned).run(x), rev[:, ::-1])
    np.testing.assert_array_equal(Interpreter(last).run(x), rev[:, -1])


def test_lstm_output_cell_is_the_final_cell_state():
    g = build(LSTM(units=U, output_cell=True), WIDE, seed=2)
    x = sequences(g, n=50)
    _, c, extra = float_run(g["rnn"].op, g["rnn"].weights, x)
    got = Interpreter(g).run(x)
    assert got.shape == (50, U)
    assert np.abs(got - c).max() < 0.05  # c accumulates the table errors (bound above)
    h = Interpreter(build(LSTM(units=U), WIDE, seed=2)).run(x)
    assert not np.array_equal(got, h)


def test_hard_sigmoid_spellings():
    """hard_sigmoid: Keras 3 / PyTorch slope 1/6; hard_sigmoid_tf: tf_keras 0.2 (constants
    in the recurrent_table type, ap_fixed<18,1,AP_RND>)."""
    for name, slope in (("hard_sigmoid", 1 / 6), ("hard_sigmoid_tf", 0.2)):
        g = build(GRU(units=U, recurrent_activation=name), WIDE)
        node = g["rnn"]
        assert str(node.types["recurrent_table"]) == "ap_fixed<18,1,AP_RND>"
        np.testing.assert_array_equal(node.weights["recurrent_table"], [slope, 0.5])


def test_default_types():
    g = build(LSTM(units=U), steps=20)
    t = {r: str(v) for r, v in g["rnn"].types.items()}
    assert t == {
        "result": "ap_fixed<16,2>", "state": "ap_fixed<16,2>", "accum": "ap_fixed<16,6>",
        "kernel": "ap_fixed<16,6>", "recurrent_kernel": "ap_fixed<16,6>",
        "bias": "ap_fixed<16,6>", "table": "ap_fixed<18,2,AP_RND,AP_SAT>",
        "gate": "ap_ufixed<16,1>", "candidate": "ap_fixed<16,2>",
        "recurrent_table": "ap_fixed<18,2,AP_RND,AP_SAT>", "cell": "ap_fixed<20,6>",
    }  # fmt: skip
    relu = build(SimpleRNN(units=U, activation="relu"))["rnn"].types
    assert str(relu["state"]) == "ap_fixed<16,6>" and str(relu["table"]) == "ap_fixed<2,2>"
    cell = build(LSTM(units=U, output_cell=True), steps=100)["rnn"].types
    assert str(cell["result"]) == str(cell["cell"]) == "ap_fixed<22,8>"


def test_overflow_counter_sees_state_and_cell():
    """count_overflow re-runs the node with every role widened: a cell type too narrow for
    c is counted, the default types (|c| <= T) are not."""
    op = LSTM(units=U, return_sequences=True)
    narrow = build(op, {"cell": "ap_fixed<8,1>"}, seed=4)
    x = sequences(narrow, n=100, scale=3.0)
    assert overflow_by_node(narrow, x)["rnn"] > 0
    assert overflow_by_node(build(op, seed=4), x)["rnn"] == 0
    state = build(SimpleRNN(units=U, activation="relu"), {"state": "ap_fixed<6,1>"}, seed=4)
    assert overflow_by_node(state, x)["rnn"] > 0


# ---------------------------------------------------------------------- errors
def test_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"^LSTM activation 'gelu' is not supported; supported: "
                       r"tanh, sigmoid, hard_sigmoid, hard_sigmoid_tf, hard_sigmoid_qkeras, relu, linear$"):  # fmt: skip
        LSTM(units=2, activation="gelu")
    with pytest.raises(ValueError, match=r"^GRU recurrent_activation 'tanh' is not supported; "
                       r"supported: sigmoid, hard_sigmoid, hard_sigmoid_tf, hard_sigmoid_qkeras$"):  # fmt: skip
        GRU(units=2, recurrent_activation="tanh")
    with pytest.raises(ValueError, match=r"^SimpleRNN units must be an int >= 1, got 0$"):
        SimpleRNN(units=0)
    with pytest.raises(
        ValueError, match=r"^SimpleRNN implementation 'fast' is not one of static, unrolled$"
    ):
        SimpleRNN(units=2, implementation="fast")
    with pytest.raises(ValueError, match=r"^LSTM table_size must be an integer power of two"):
        LSTM(units=2, table_size=1000)
    with pytest.raises(
        ValueError,
        match=r"^LSTM output_cell outputs the final cell state: it needs return_sequences=False$",
    ):
        LSTM(units=2, output_cell=True, return_sequences=True)
    g = Graph("e")
    g.add(Node("x", Input(), shape=(5,)))
    g.add(Node("rnn", GRU(units=2), ["x"]))
    with pytest.raises(
        ValueError, match=r"^rnn: GRU takes a \(timesteps, features\) input per sample, got \(5,\)$"
    ):
        passes.infer_shapes(g)
    g = build(GRU(units=2))
    g["rnn"].weights["recurrent_bias"] = np.zeros(5)
    with pytest.raises(
        ValueError, match=r"^rnn: recurrent_bias must have shape \(6,\), got \(5,\)$"
    ):
        passes.infer_shapes(g)
    del g["rnn"].weights["recurrent_bias"]
    with pytest.raises(ValueError, match=r"^rnn: recurrent_bias must have shape \(6,\), got None$"):
        passes.infer_shapes(g)


# ---------------------------------------------------------------------- Timestep
def test_timestep_picks_one_step():
    g = Graph("ts")
    g.add(Node("x", Input(), shape=(5, 3)))
    g.add(Node("last", Timestep(index=-1), ["x"]))
    g.add(Node("first", Timestep(index=0), ["x"], precision={"result": "ap_fixed<6,2>"}))
    g.inputs, g.outputs = ["x"], ["last", "first"]
    passes.infer_shapes(g)
    passes.infer_types(g)
    assert g["last"].shape == (3,)
    x = np.random.default_rng(0).normal(0, 2, (10, 5, 3))
    last, first = Interpreter(g).run(x)
    xq = FixedType.parse("ap_fixed<16,6>").quantize(x)
    np.testing.assert_array_equal(last, xq[:, -1])
    np.testing.assert_array_equal(first, FixedType.parse("ap_fixed<6,2>").quantize(xq[:, 0]))
    g.add(Node("bad", Timestep(index=5), ["x"]))
    with pytest.raises(
        ValueError, match=r"^bad: Timestep index 5 is outside the 5 timesteps \(-5 \.\. 4\)$"
    ):
        passes.infer_shapes(g)


def test_implementation_is_a_layer_setting():
    g = build(LSTM(units=2))
    ExportConfig(layers={"rnn": {"implementation": "unrolled"}}).apply(g, {})
    assert g["rnn"].op.implementation == "unrolled"
    with pytest.raises(
        ValueError,
        match=r"^layer 'rnn': LSTM implementation 'fast' is not one of static, unrolled$",
    ):
        ExportConfig(layers={"rnn": {"implementation": "fast"}}).apply(g, {})


def test_hardware_loops_and_stream_needs():
    """static keeps its timestep loop (the io_parallel top becomes DATAFLOW); unrolled
    copies the cell per step, which the unroll limit checks; io_stream FIFO needs: forward
    return_sequences writes output k after input k, otherwise after the whole sequence."""
    from fpga_export.backends.vitis import VitisBackend
    from fpga_export.backends.vitis_limits import HardwareLimitError, enforce

    assert LSTM(units=2).keeps_loops(None)
    assert not LSTM(units=2, implementation="unrolled").keeps_loops(None)
    g = build(GRU(units=8, implementation="unrolled"), steps=40)
    cfg = ExportConfig(output_dir="unused")
    msg = (
        "rnn: the timestep cell unrolls into 10560 copies of its body, over the unroll limit "
        "of 4096; use implementation='static' (one cell shared by the timesteps)"
    )
    with pytest.raises(HardwareLimitError, match=re.escape(msg)):
        enforce(VitisBackend().check(g, cfg))
    g = build(LSTM(units=2, return_sequences=True))
    g.add(Node("last", LSTM(units=2, go_backwards=True, return_sequences=True), ["x"],
               weights=weights(LSTM(units=2))))  # fmt: skip
    g.outputs.append("last")
    passes.infer_shapes(g)
    passes.infer_types(g)
    ctx = VitisBackend().context(g, ExportConfig(output_dir="unused", io_type="io_stream"))
    assert [n.tolist() for n in g["rnn"].op.stream_need(g["rnn"], ctx)] == [[1, 2, 3, 4, 5, 6]]
    assert [n.tolist() for n in g["last"].op.stream_need(g["last"], ctx)] == [[6] * 6]
    assert VitisBackend.pipeline_style(g) == "dataflow"


def test_saved_state_round_trip(tmp_path):
    """The firmware's saved state (data only) holds the recurrent ops and their tables."""
    from fpga_export.firmware import Firmware

    g = Graph("rnn")
    g.add(Node("x", Input(), shape=(T_STEPS, F)))
    op = GRU(units=2, reset_after=False, recurrent_activation="hard_sigmoid_tf", table_size=64)
    g.add(Node("rnn", op, ["x"], weights=weights(op), precision={"state": "ap_fixed<9,3>"}))
    g.add(Node("ts", Timestep(index=1), ["rnn"]))  # a Timestep needs a sequence
    g["rnn"].op = GRU(**{**op.attributes(), "return_sequences": True})
    g.inputs, g.outputs = ["x"], ["ts"]
    fw = Firmware(g, ExportConfig(output_dir=tmp_path / "prj"))
    out = fw.write()
    loaded = Firmware.load(out)
    assert vars(loaded.graph["rnn"].op) == vars(fw.graph["rnn"].op)
    assert loaded.graph["rnn"].weights.keys() == fw.graph["rnn"].weights.keys()
    x = sequences(build(LSTM(units=2)), n=20)
    np.testing.assert_array_equal(loaded.reference(x), fw.reference(x))


@pytest.mark.parametrize("precision", [WIDE, None], ids=["wide", "default"])
@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_static_error_bound_holds_and_is_stated(op, precision):
    """``error_bound`` (the worst inputs of the input type) bounds the measured error, and
    ``approximation`` states it (the NOT EXACT reason of quantized frontends)."""
    from fpga_export.layers.recurrent import error_bound

    g = build(op, precision)
    node = g["rnn"]
    x = sequences(g)
    float_h, _, _ = float_run(op, node.weights, x)
    got = Interpreter(g).run(x)
    worst = float(np.abs(got - float_h).max())
    limit = error_bound(op, node, g)
    assert worst <= limit, (worst, limit)
    assert limit <= 2 * T_STEPS + 1  # the values' own ranges cap it (module docstring)
    text = op.approximation(node, g)
    assert text.startswith(f"{op.kind} is approximated: ")
    assert (
        f"worst-case output error {limit:.3g} against the float cell after {T_STEPS} steps" in text
    )


def test_static_bound_is_tight_enough_for_a_contractive_cell():
    """Small recurrent weights (column sums < 1) and wide types: the bound is well below the
    trivial 2 (the tables dominate: half a bin, 1/128, per lookup and step)."""
    from fpga_export.layers.recurrent import error_bound

    op = GRU(units=U, return_sequences=True)
    g = build(op, WIDE)
    node = g["rnn"]
    for role in ("kernel", "recurrent_kernel"):
        node.weights[role] = node.weights[role] * 0.2
    x = sequences(g, scale=0.5)
    worst = float(np.abs(Interpreter(g).run(x) - float_run(op, node.weights, x)[0]).max())
    limit = error_bound(op, node, g)
    assert worst <= limit < 0.1, (worst, limit)  # measured 0.0075, bound 0.082


def test_no_static_bound_for_unbounded_activations():
    from fpga_export.layers.recurrent import error_bound

    op = SimpleRNN(units=U, activation="relu")
    g = build(op)
    assert error_bound(op, g["rnn"], g) is None
    assert "no static error bound (unbounded activation)" in op.approximation(g["rnn"], g)
