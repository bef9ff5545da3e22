"""Recurrent layers: csim == Interpreter bit for bit, per io type x implementation.

One graph per (io type, implementation) holds every cell and option side by side (SimpleRNN,
LSTM, GRU reset_after both ways; return_sequences, go_backwards, align_outputs, output_cell;
tanh / sigmoid / hard sigmoid / relu / linear; narrow saturating and wrapping types;
``round_state_on_read`` with a narrow ``state_read`` type (QKeras' state quantizer); a
Timestep after a sequence), so four compiles cover everything; each library then runs
several weight sets pushed with ``set_weights`` (no recompile). One T=100 LSTM checks that
long sequences compile (time and g++ memory printed, no assertion on them).
"""

from __future__ import annotations

import resource
import time

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Graph, Node
from fpga_export.layers.input import Input
from fpga_export.layers.recurrent import GRU, LSTM, SimpleRNN, Timestep
from graphs import recurrent_weights

T, F = 4, 3
NARROW_SAT = "ap_fixed<8,2,AP_RND,AP_SAT>"
NARROW_WRAP = "ap_fixed<7,2>"

# (name, op, precision): every chain reads the input x
CHAINS = [
    ("rnn", SimpleRNN(units=3), {}),
    (
        "rnn_relu",
        SimpleRNN(units=2, activation="relu", return_sequences=True, go_backwards=True),
        {"state": NARROW_SAT, "accum": "ap_fixed<10,4,AP_TRN,AP_SAT>"},
    ),
    (
        "lstm_seq",
        LSTM(units=3, return_sequences=True, go_backwards=True, align_outputs=True),
        {"cell": NARROW_WRAP, "gate": "ap_ufixed<6,1,AP_RND>"},
    ),
    ("lstm_cell", LSTM(units=2, output_cell=True, recurrent_activation="hard_sigmoid"), {}),
    ("gru", GRU(units=3, return_sequences=True, table_size=64, table_range=4.0), {}),
    (
        "gru_before",
        GRU(units=2, reset_after=False, go_backwards=True, recurrent_activation="hard_sigmoid_tf"),
        {"state": NARROW_SAT, "candidate": NARROW_WRAP, "result": "ap_fixed<12,1>"},
    ),
    # round_state_on_read (QKeras): h and c read through a narrow state_read type each step
    (
        "rnn_read",
        SimpleRNN(units=2, activation="linear", round_state_on_read=True),
        {"state_read": NARROW_WRAP, "state": "ap_fixed<14,6>"},
    ),
    (
        "lstm_read",
        LSTM(
            units=3,
            return_sequences=True,
            recurrent_activation="hard_sigmoid_qkeras",
            activation="linear",
            round_state_on_read=True,
        ),
        {"state_read": NARROW_SAT, "cell": "ap_fixed<20,6>", "state": "ap_fixed<20,6>"},
    ),
    (
        "gru_read",
        GRU(units=2, reset_after=False, round_state_on_read=True, go_backwards=True),
        {"state_read": NARROW_WRAP, "state": "ap_fixed<20,4>"},
    ),
    (
        "gru_read_after",
        GRU(units=2, round_state_on_read=True, recurrent_activation="hard_sigmoid"),
        {"state_read": NARROW_SAT, "state": "ap_fixed<20,4>"},
    ),
]


def graph(implementation: str) -> Graph:
    rng = np.random.default_rng(0)
    g = Graph("rnn_all")
    g.add(Node("x", Input(), shape=(T, F), precision={"result": "ap_fixed<10,4>"}))
    for name, op, prec in CHAINS:
        op = type(op)(**{**op.attributes(), "implementation": implementation})
        rf = 2 if name == "gru" else 1
        node = Node(
            name, op, ["x"], weights=recurrent_weights(op, F, rng, 0.8), precision=dict(prec)
        )
        node.reuse_factor = rf
        g.add(node)
        g.outputs.append(name)
    g.add(Node("last", Timestep(index=-1), ["lstm_seq"]))
    g.inputs = ["x"]
    g.outputs.append("last")
    return g


@pytest.mark.parametrize("implementation", ["static", "unrolled"])
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_csim_equals_interpreter(tmp_path, io_type, implementation):
    fw = Firmware(graph(implementation), ExportConfig(output_dir=tmp_path / "p", io_type=io_type))
    fw.compile()
    x = np.random.default_rng(1).normal(0, 2.5, (300, T, F))  # saturates / wraps somewhere
    rng = np.random.default_rng(2)
    for weight_set in range(3):
        if weight_set:  # new weights, same library
            fw.set_weights(
                {n: recurrent_weights(fw.graph[n].op, F, rng, 0.8) for n, _, _ in CHAINS}
            )
        got, want = fw.predict(x), fw.reference(x)
        for g_, w_ in zip(got, want, strict=True):
            np.testing.assert_array_equal(g_, w_)
    trace = fw.trace(x[:30])
    ref = fw.reference(x[:30])
    for name, values in zip(fw.graph.outputs, ref, strict=True):
        np.testing.assert_array_equal(trace[name], values, err_msg=name)


def test_long_sequence_compiles(tmp_path):
    """T=100, 6 features, LSTM 16 + GRU 8 (io_parallel, static): compile time and the peak
    memory of g++ are printed (-s shows them); the outputs are exact."""
    steps, feats = 100, 6
    rng = np.random.default_rng(3)
    g = Graph("long")
    g.add(Node("x", Input(), shape=(steps, feats)))
    lstm = LSTM(units=16, return_sequences=True)
    w = {
        "kernel": rng.normal(0, 0.3, (feats, 64)),
        "recurrent_kernel": rng.normal(0, 0.3, (16, 64)),
        "bias": rng.normal(0, 0.3, 64),
    }
    g.add(Node("lstm", lstm, ["x"], weights=w))
    w = {
        "kernel": rng.normal(0, 0.3, (16, 24)),
        "recurrent_kernel": rng.normal(0, 0.3, (8, 24)),
        "bias": rng.normal(0, 0.3, 24),
        "recurrent_bias": rng.normal(0, 0.3, 24),
    }
    g.add(Node("gru", GRU(units=8), ["lstm"], weights=w))
    g.inputs, g.outputs = ["x"], ["gru"]
    fw = Firmware(g, ExportConfig(output_dir=tmp_path / "p"))
    start = time.perf_counter()
    fw.compile()
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    x = rng.normal(0, 1, (200, steps, feats))
    start = time.perf_counter()
    got = fw.predict(x)
    run = time.perf_counter() - start
    np.testing.assert_array_equal(got, fw.reference(x))
    print(f"T=100: compile {seconds:.1f} s (0 if cached), g++ peak {peak_mb:.0f} MB, "
          f"predict 200 sequences {run * 1000:.0f} ms")  # fmt: skip
