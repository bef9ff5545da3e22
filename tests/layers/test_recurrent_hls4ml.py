"""Hls4mlLSTM / Hls4mlGRU: LSTM and GRU computed as hls4ml computes them.

* csim == interpreter, bit for bit, both io types, both cells, return_sequences both ways,
  static and unrolled, tanh / sigmoid / relu, default and narrow (saturating, rounding,
  wrapping) types: one project per io type holding every case;
* interpreter == an independent oracle (tests/layers/hls4ml_recurrent_oracle.cpp: hls4ml's
  cell in its own style, tables filled with float math at run time) compiled against the
  vendor's ap types (shared/vendor), bit for bit, two type sets;
* conversion: which layers convert (``hls4ml_compatible``), why the others do not
  (``hls4ml_difference``, the summary line), exactly;
* Keras end to end: an LSTM -> GRU -> Dense model exported with an hls4ml generator config.

SimpleRNN is not converted: hls4ml's Vivado/Vitis backends have no SimpleRNN (its own tests
run SimpleRNN only on Quartus/oneAPI), so there is no hls4ml csim to equal; the test below
checks that it keeps fpga-export's cell and says so.
"""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from conformance import find_shared
from fpga_export import passes
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Graph, Node
from fpga_export.layers.input import Input
from fpga_export.layers.recurrent import GRU, LSTM, SimpleRNN
from fpga_export.layers.recurrent_hls4ml import Hls4mlGRU, Hls4mlLSTM
from fpga_export.types import FixedType

T = FixedType.parse
VENDOR = find_shared("shared/vendor/xilinx_ap_types/include")
ORACLE = Path(__file__).with_name("hls4ml_recurrent_oracle.cpp")
STEPS, F = 5, 3
# name -> (input type, role types, table size)
TYPE_SETS = {
    "default": ("ap_fixed<16,6>", {}, 1024),
    "narrow": (
        "ap_fixed<10,3,AP_RND,AP_SAT>",
        {
            "result": "ap_fixed<12,3,AP_RND_CONV,AP_SAT>",
            "accum": "ap_fixed<14,5,AP_TRN,AP_SAT>",
            "kernel": "ap_fixed<8,2,AP_RND>",
            "recurrent_kernel": "ap_fixed<9,2>",
            "bias": "ap_fixed<10,4>",
            "recurrent_bias": "ap_fixed<8,3,AP_RND,AP_SAT>",
            "table": "ap_fixed<12,2,AP_RND,AP_SAT>",
        },
        256,
    ),
    "wrap": (
        "ap_fixed<12,4>",
        {"accum": "ap_fixed<10,3>", "result": "ap_fixed<9,2>", "table": "ap_fixed<10,1>"},
        64,
    ),
}


def weights(op, n_in=F, seed=0, scale=0.7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    g = op.n_gates
    w = {
        "kernel": rng.normal(0, scale, (n_in, g)),
        "recurrent_kernel": rng.normal(0, scale, (op.units, g)),
        getattr(op, "bias_weight", "bias"): rng.normal(0, scale, g),
    }
    if "recurrent_bias" in op.roles:
        w["recurrent_bias"] = rng.normal(0, scale, g)
    if "input_bias" in w:  # from torch: the sum too (fpga-export's cell reads it)
        w["bias"] = w["input_bias"] + w["recurrent_bias"]
    return w


def add(g: Graph, name: str, op, type_set: str, seed: int) -> None:
    x_type, roles, size = TYPE_SETS[type_set]
    op = replace(op, table_size=size)
    g.add(Node(f"{name}_x", Input(), shape=(STEPS, F), precision={"result": x_type}))
    prec = {r: t for r, t in roles.items() if r in op.roles}
    g.add(Node(name, op, [f"{name}_x"], weights=weights(op, seed=seed), precision=prec))
    g.inputs.append(f"{name}_x")
    g.outputs.append(name)


# (name, op, type set): every case of the csim project
CASES = [
    ("lstm_seq", Hls4mlLSTM(units=3, return_sequences=True), "default"),
    ("lstm_relu", Hls4mlLSTM(units=2, activation="relu", implementation="unrolled"), "narrow"),
    ("lstm_wrap", Hls4mlLSTM(units=2), "wrap"),
    ("lstm_torch", Hls4mlLSTM(units=2, recurrent_bias=True, return_sequences=True), "narrow"),
    ("gru_seq", Hls4mlGRU(units=3, return_sequences=True, implementation="unrolled"), "narrow"),
    ("gru", Hls4mlGRU(units=2), "default"),
    ("gru_wrap", Hls4mlGRU(units=2, recurrent_activation="tanh", return_sequences=True), "wrap"),
]


def graph() -> Graph:
    g = Graph("h4rnn")
    for seed, (name, op, type_set) in enumerate(CASES):
        add(g, name, op, type_set, seed)
    passes.infer_shapes(g)
    passes.infer_types(g)
    return g


def sequences(g: Graph, name: str, n: int = 300, seed: int = 1) -> np.ndarray:
    """Values over the input type's range and beyond (the conversion saturates or wraps)."""
    t = g[f"{name}_x"].result
    x = np.random.default_rng(seed).normal(0, max(abs(t.min), t.max) / 3, (n, STEPS, F))
    return t.quantize(x)


def test_csim_equals_interpreter(tmp_path):
    g = graph()
    xs = [sequences(g, name, seed=i) for i, (name, _, _) in enumerate(CASES)]
    fws = [
        Firmware(g, ExportConfig(output_dir=tmp_path / io, io_type=io))
        for io in ("io_parallel", "io_stream")
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda fw: fw.compile(), fws))
    want = fws[0].reference(xs)
    for fw in fws:
        for got, ref, (name, _, _) in zip(fw.predict(xs), want, CASES, strict=True):
            np.testing.assert_array_equal(got, ref, err_msg=f"{fw.config.io_type} {name}")
    for (name, _, _), ref in zip(CASES, want, strict=True):
        assert np.ptp(ref) > 0, name  # not a constant output


# ------------------------------------------------------------------ the hls4ml-style oracle
FUNCTIONS = ("tanh", "sigmoid", "relu")  # the oracle's numbering


def _oracle_exe(tmp_path: Path, type_set: str, units: int) -> Path:
    x_type, roles, size = TYPE_SETS[type_set]
    d = "ap_fixed<16,6>"
    defines = {
        "DATA_T": x_type,
        "RES_T": roles.get("result", d),
        "ACCUM_T": roles.get("accum", d),
        "WEIGHT_T": roles.get("kernel", d),
        "RWEIGHT_T": roles.get("recurrent_kernel", d),
        "BIAS_T": roles.get("bias", d),
        "RBIAS_T": roles.get("recurrent_bias", d),
        "TABLE_T": roles.get("table", "ap_fixed<18,8>"),
        "TABLE_SIZE": str(size),
        "N_SEQ": str(STEPS),
        "N_IN": str(F),
        "N_STATE": str(units),
    }
    exe = tmp_path / f"oracle_{type_set}"
    flags = [f"-D{k}={v}" for k, v in defines.items()]
    subprocess.run(
        ["g++", "-std=c++14", "-O1", "-w", f"-I{VENDOR}", *flags, str(ORACLE), "-o", str(exe)],
        check=True,
    )
    return exe


def _oracle_run(exe: Path, op, w: dict, x: np.ndarray) -> np.ndarray:
    args = [
        "1" if op.kind == "lstm_hls4ml" else "2",
        str(FUNCTIONS.index(op.activation)),
        str(FUNCTIONS.index(op.recurrent_activation)),
        str(int(op.return_sequences)),
    ]
    rbias = w.get("recurrent_bias", np.zeros(op.n_gates))  # hls4ml's Keras LSTM: zeros
    params = [w["kernel"].ravel(), w["recurrent_kernel"].ravel(), w[op.bias_weight], rbias]
    lines = [" ".join(repr(float(v)) for v in p) for p in params]
    lines += [" ".join(repr(float(v)) for v in row.ravel()) for row in x]
    out = subprocess.run(
        [str(exe), *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    return np.array([[int(v) for v in line.split()] for line in out.stdout.splitlines()])


# type set -> (units, cases): one oracle program per type set
ORACLE_CASES = {
    "default": (3, [Hls4mlLSTM(units=3), Hls4mlGRU(units=3, return_sequences=True)]),
    "narrow": (
        2,
        [
            Hls4mlLSTM(units=2, return_sequences=True, activation="relu"),
            Hls4mlGRU(units=2, recurrent_activation="tanh"),
            Hls4mlLSTM(units=2, recurrent_bias=True),  # from torch: bias_hh apart
        ],
    ),
}


@pytest.mark.vendor
@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_interpreter_equals_hls4ml_oracle(tmp_path):
    """The oracle built against the vendor headers gives the interpreter's bits."""
    if VENDOR is None:
        pytest.fail("vendor headers not found: shared/vendor/xilinx_ap_types/include")
    sets = list(ORACLE_CASES)
    with ThreadPoolExecutor(max_workers=2) as pool:
        exes = dict(
            zip(
                sets,
                pool.map(lambda s: _oracle_exe(tmp_path, s, ORACLE_CASES[s][0]), sets),
                strict=True,
            )
        )
    g = Graph("oracle")
    cases = [(s, op) for s in sets for op in ORACLE_CASES[s][1]]
    for i, (type_set, op) in enumerate(cases):
        add(g, f"c{i}", op, type_set, seed=10 + i)
    passes.infer_shapes(g)
    passes.infer_types(g)
    xs = [sequences(g, f"c{i}", n=300, seed=20 + i) for i in range(len(cases))]
    refs = Firmware(g, ExportConfig()).reference(xs)
    for i, (type_set, op) in enumerate(cases):
        got = _oracle_run(exes[type_set], g[f"c{i}"].op, g[f"c{i}"].weights, xs[i])
        t = g[f"c{i}"].result
        raw = t.quantize_raw(refs[i]).reshape(len(xs[i]), -1) % (1 << t.width)
        np.testing.assert_array_equal(raw, got, err_msg=f"{op.kind} {type_set}")


# ------------------------------------------------------------------ conversion
def test_lstm_and_gru_convert():
    lstm = LSTM(units=4, return_sequences=True, implementation="unrolled", table_size=256)
    assert lstm.hls4ml_compatible() == Hls4mlLSTM(
        units=4, return_sequences=True, implementation="unrolled", table_size=256
    )
    assert lstm.hls4ml_difference() is None
    gru = GRU(units=2, activation="relu")
    assert gru.hls4ml_compatible() == Hls4mlGRU(units=2, activation="relu")
    assert Hls4mlGRU(units=2).roles == (
        "result", "accum", "kernel", "recurrent_kernel", "bias", "recurrent_bias", "table",
    )  # fmt: skip
    assert "recurrent_bias" not in Hls4mlLSTM(units=2).roles


OWN = "computed with fpga-export's own cell (layers/recurrent.py)"


@pytest.mark.parametrize(
    "op, why",
    [
        (
            SimpleRNN(units=2),
            "hls4ml's Vivado/Vitis backends have no SimpleRNN (only its Quartus/oneAPI "
            f"backends do); {OWN}",
        ),
        (
            GRU(units=2, reset_after=False),
            f"hls4ml computes only the GRU with reset_after=True; {OWN}",
        ),
        (
            LSTM(units=2, recurrent_activation="hard_sigmoid"),
            "hls4ml's recurrent layers have no recurrent_activation 'hard_sigmoid' "
            f"(nnet_recr_activations.h: relu, sigmoid, tanh); {OWN}",
        ),
        (
            GRU(units=2, activation="linear"),
            "hls4ml's recurrent layers have no activation 'linear' (nnet_recr_activations.h: "
            f"relu, sigmoid, tanh); {OWN}",
        ),
        (
            LSTM(units=2, go_backwards=True),
            f"hls4ml's recurrent layers run forwards only (it ignores go_backwards); {OWN}",
        ),
        (
            LSTM(units=2, output_cell=True),
            f"hls4ml outputs no final cell state (return_state); {OWN}",
        ),
        (
            LSTM(units=2, round_state_on_read=True),
            f"QKeras' state quantizer, kept to stay exact with QKeras; {OWN}",
        ),
    ],
)
def test_kept_with_reason(op, why):
    assert op.hls4ml_compatible() is op
    assert op.hls4ml_difference() == why


def test_summary_names_converted_and_kept():
    g = Graph("s")
    g.add(Node("x", Input(), shape=(STEPS, F)))
    g.inputs = ["x"]
    for name, op in (("lstm", LSTM(units=2)), ("rnn", SimpleRNN(units=2))):
        g.add(Node(name, op, ["x"], weights=weights(op)))
        g.outputs.append(name)
    config = ExportConfig(hls_config={"Model": {"Precision": "fixed<16,6>"}})
    config.apply(g, {})
    assert isinstance(g["lstm"].op, Hls4mlLSTM) and isinstance(g["rnn"].op, SimpleRNN)
    lines = [n for n in config.notes if n.startswith("activation_tables")]
    assert lines == [
        "activation_tables: lstm computed as hls4ml computes them (its LSTM/GRU cell: accum "
        "sums and gates, its tables, h and c in the result type, layers/recurrent_hls4ml.py; "
        "activation_tables='fpga-export' for fpga-export's cell)",
        "activation_tables: rnn can differ from hls4ml's csim: hls4ml's Vivado/Vitis backends "
        f"have no SimpleRNN (only its Quartus/oneAPI backends do); {OWN}",
    ]


def test_default_types_are_hls4mls():
    """Every role the model precision ('auto' too: hls4ml infers no recurrent type), the
    table ap_fixed<18,8>."""
    g = Graph("t")
    g.add(Node("x", Input(), shape=(STEPS, F)))
    op = Hls4mlGRU(units=2)
    prec = {"result": "auto", "accum": "auto", "kernel": "auto"}
    g.add(Node("gru", op, ["x"], weights=weights(op), precision=prec))
    g.inputs, g.outputs = ["x"], ["gru"]
    passes.infer_shapes(g)
    passes.infer_types(g, ExportConfig(precision="ap_fixed<14,5>"))
    types = g["gru"].types
    assert types.pop("table") == T("ap_fixed<18,8>")
    assert set(types.values()) == {T("ap_fixed<14,5>")}


@pytest.mark.parametrize(
    "strategy, accum, noted",
    [("resource", "ap_fixed<14,5,AP_TRN,AP_SAT>", True), ("resource", "ap_fixed<14,5>", False),
     ("latency", "ap_fixed<14,5,AP_TRN,AP_SAT>", False)],
)  # fmt: skip
def test_resource_with_a_saturating_accum_is_noted(strategy, accum, noted):
    """hls4ml's Resource dense adds the products in another order: the summary says so where
    the order can change a sum (a saturating accum)."""
    g = Graph("r")
    g.add(Node("x", Input(), shape=(STEPS, F)))
    op = Hls4mlLSTM(units=2)
    node = Node("lstm", op, ["x"], weights=weights(op), precision={"accum": accum})
    node.strategy = strategy
    g.add(node)
    g.inputs, g.outputs = ["x"], ["lstm"]
    passes.infer_shapes(g)
    passes.infer_types(g, ExportConfig(precision="ap_fixed<14,5>"))
    assert op.describe(g["lstm"]) == (
        "can differ from hls4ml's csim: with Strategy Resource hls4ml adds the products in "
        "another order, which a saturating accum can tell apart"
        if noted
        else ""
    )


def test_unknown_activation_refused():
    with pytest.raises(ValueError) as info:
        Hls4mlLSTM(units=2, activation="linear")
    assert str(info.value) == (
        "Hls4mlLSTM activation 'linear' is not one of hls4ml's recurrent activations: "
        "tanh, sigmoid, relu"
    )


# ------------------------------------------------------------------ Keras end to end
def test_keras_hls_config_end_to_end(tmp_path):
    keras = pytest.importorskip("keras")
    import keras_plugin  # noqa: F401

    model = keras.Sequential(
        [
            keras.Input((STEPS, F)),
            keras.layers.LSTM(4, return_sequences=True, name="lstm"),
            keras.layers.GRU(3, name="gru"),
            keras.layers.Dense(2, name="out"),
        ]
    )
    rng = np.random.default_rng(5)
    model.set_weights([rng.normal(0, 0.5, w.shape) for w in model.get_weights()])
    rnn = {
        "Trace": False,
        "Precision": {
            "result": "auto",
            "accum": "auto",
            "weight": "auto",
            "bias": "auto",
            "recurrent_weight": "auto",
            "recurrent_bias": "auto",
            "table": "fixed<18,8>",
        },
        "ReuseFactor": 1,
        "RecurrentReuseFactor": 1,
        "Static": True,
        "TableSize": 1024,
    }
    config = {
        "Model": {"Precision": {"default": "fixed<16,6>"}, "ReuseFactor": 1,
                  "Strategy": "Latency", "BramFactor": 1_000_000_000, "TraceOutput": False},
        "LayerName": {
            "lstm": dict(rnn),
            "gru": dict(rnn, Static=False),
            "out": {"Trace": False, "Precision": {"result": "auto", "accum": "auto",
                                                  "weight": "auto", "bias": "auto"}},
        },
    }  # fmt: skip
    fw = model.export_fpga(tmp_path / "prj", hls_config=config)
    assert isinstance(fw.graph["lstm"].op, Hls4mlLSTM)
    assert fw.graph["gru"].op == Hls4mlGRU(units=3, implementation="unrolled")
    assert fw.graph["lstm"].types["table"] == T("ap_fixed<18,8>")
    assert fw.graph["gru"].types["accum"] == T("ap_fixed<16,6>")
    summary = fw.summary()
    assert (
        "activation_tables: lstm, gru computed as hls4ml computes them (its LSTM/GRU cell"
        in summary
    )
    assert "hls_config: RecurrentReuseFactor accepted, no effect" in summary
    x = np.round(rng.normal(0, 1, (200, STEPS, F)) * 64) / 64
    fw.compile()
    y = fw.predict(x)
    np.testing.assert_array_equal(y, fw.reference(x))
    # the tables and the 16-bit types stay close to Keras' float run
    np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=0.1)


# ------------------------------------------------------------------ torch end to end
def test_torch_hls_config_end_to_end(tmp_path):
    """nn.LSTM keeps bias_hh apart (hls4ml's pytorch converter: recurrent_bias, added where
    the recurrent product starts); nn.GRU's b_hn stays inside r * (W_hn h + b_hn)."""
    torch = pytest.importorskip("torch")
    from torch import nn

    import fpga_export
    import torch_plugin  # noqa: F401

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(F, 4, batch_first=True)
            self.gru = nn.GRU(4, 3, batch_first=True)
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            return self.fc(self.gru(self.lstm(x)[0])[0][:, -1])

    torch.manual_seed(0)
    model = Net().eval()
    with torch.no_grad():
        model.lstm.bias_hh_l0.mul_(4)  # a recurrent bias that matters
    config = {
        "Model": {"Precision": {"default": "fixed<16,6>"}, "ReuseFactor": 1,
                  "Strategy": "Latency"},
        "LayerName": {"lstm": {"Precision": {"recurrent_bias": "fixed<10,4>"}}},
    }  # fmt: skip
    fw = fpga_export.export(
        model, tmp_path / "prj", input_shape=(STEPS, F), hls_config=config, io_type="io_stream"
    )
    g = fw.graph
    lstm = g["lstm"]
    assert lstm.op == Hls4mlLSTM(units=4, return_sequences=True, recurrent_bias=True)
    assert lstm.types["recurrent_bias"] == T("ap_fixed<10,4>")
    np.testing.assert_array_equal(lstm.weights["recurrent_bias"], model.lstm.bias_hh_l0.detach())
    np.testing.assert_array_equal(lstm.weights["input_bias"], model.lstm.bias_ih_l0.detach())
    assert isinstance(g["gru"].op, Hls4mlGRU)
    summary = fw.summary()
    assert (
        "activation_tables: lstm computed as hls4ml computes them (its LSTM/GRU cell: accum "
        "sums and gates, its tables, torch's bias_hh as recurrent_bias, h and c in the result "
        "type, layers/recurrent_hls4ml.py; activation_tables='fpga-export' for fpga-export's "
        "cell)" in summary
    )
    assert "activation_tables: gru computed as hls4ml computes them (its LSTM/GRU cell" in summary
    x = np.round(np.random.default_rng(3).normal(0, 1, (200, STEPS, F)) * 64) / 64
    want = fw.reference(x)
    fw.compile()
    np.testing.assert_array_equal(fw.predict(x), want)
    with torch.no_grad():
        ref = model(torch.tensor(x, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(want, ref, atol=0.1)  # tables and 16-bit types
    loaded = Firmware.load(fw.save_state())  # the five LSTM weights saved and checked
    assert loaded.graph["lstm"].op == lstm.op
    np.testing.assert_array_equal(loaded.reference(x), want)
    # the Keras-style cell (bias_hh folded into bias, the recurrent product from 0) differs
    lstm.op = replace(lstm.op, recurrent_bias=False)
    lstm.types = {r: t for r, t in lstm.types.items() if r != "recurrent_bias"}
    assert (fw.reference(x) != want).any()
