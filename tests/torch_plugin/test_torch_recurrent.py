"""nn.RNN / nn.LSTM / nn.GRU through torch.fx (torch_plugin/handlers/recurrent.py).

Three oracles:
1. The mapping (no fixed point, no compiler): the exported graph evaluated in float64 with the
   IR float semantics of RECURRENT.md (:func:`float_run`, written here from that spec) equals
   torch's float32 output to 1e-5 (float32 rounding over T <= 6 steps).
2. Fixed point: ``fw.reference`` (the bit-accurate interpreter) against torch, within the
   tolerance derived in :data:`TOL16`; csim == reference exactly.
3. Refusals: exact messages.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import torch_plugin  # noqa: F401
from fpga_export.ir import Interpreter
from torch_plugin.export import input_specs, to_graph

T, F, H = 5, 3, 4


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


ACT = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "sigmoid": sigmoid}


def _cell(op, w, x):
    """One recurrent node in float (RECURRENT.md "Float semantics"): x (N, T, F)."""
    n, steps, _ = x.shape
    u = op.units
    act, rec = ACT[op.activation], ACT[getattr(op, "recurrent_activation", "sigmoid")]
    h, c = np.zeros((n, u)), np.zeros((n, u))
    order = range(steps - 1, -1, -1) if op.go_backwards else range(steps)
    outs = []
    for t in order:
        xt = x[:, t]
        if op.kind == "simple_rnn":
            h = act(xt @ w["kernel"] + h @ w["recurrent_kernel"] + w["bias"])
        elif op.kind == "lstm":
            z = xt @ w["kernel"] + h @ w["recurrent_kernel"] + w["bias"]
            i, f, g, o = (z[:, k * u : (k + 1) * u] for k in range(4))
            c = rec(f) * c + rec(i) * act(g)
            h = rec(o) * act(c)
        else:
            assert op.reset_after
            xz, xr, xh = np.split(xt @ w["kernel"] + w["bias"], 3, axis=1)
            hz, hr, hh = np.split(h @ w["recurrent_kernel"] + w["recurrent_bias"], 3, axis=1)
            z, r = rec(xz + hz), rec(xr + hr)
            h = z * h + (1 - z) * act(xh + r * hh)
        outs.append(h)
    if getattr(op, "output_cell", False):
        return c
    if not op.return_sequences:
        return h
    seq = np.stack(outs, axis=1)
    if op.go_backwards and op.align_outputs:
        seq = seq[:, ::-1]
    return seq


def float_run(graph, x) -> np.ndarray:
    """The graph in float64 (only the node kinds these models make)."""
    vals = {}
    for node in graph:
        ins = [vals[i] for i in node.inputs]
        kind = node.op.kind
        if kind == "input":
            vals[node.name] = x
        elif kind in ("simple_rnn", "lstm", "gru"):
            vals[node.name] = _cell(node.op, node.weights, ins[0])
        elif kind == "timestep":
            vals[node.name] = ins[0][:, node.op.index]
        elif kind == "concatenate":
            vals[node.name] = np.concatenate(ins, axis=node.op.axis)
        elif kind == "dense":
            vals[node.name] = ins[0] @ node.weights["kernel"] + node.weights["bias"]
        else:
            raise AssertionError(f"float_run: no float semantics for {kind}")
    (out,) = graph.outputs
    return vals[out]


class Model(nn.Module):
    """A recurrent module and one use of its outputs; input (batch, T, F) always."""

    def __init__(self, rnn: nn.RNNBase, use: str):
        super().__init__()
        self.rnn, self.use = rnn, use

    def forward(self, x):
        if not self.rnn.batch_first:
            x = x.transpose(0, 1)
        out, state = self.rnn(x)
        h, c = state if isinstance(self.rnn, nn.LSTM) else (state, None)
        if self.use == "seq":
            return out if self.rnn.batch_first else out.transpose(0, 1)
        if self.use == "last":
            return out[:, -1] if self.rnn.batch_first else out[-1]
        if self.use == "h":
            return h[-1]
        if self.use == "h0":
            return h[0]
        return c[-1]  # "c"


def make(kind: str, **kw) -> nn.RNNBase:
    torch.manual_seed(hash((kind, *sorted(kw.items()))) % 1000)
    if kind in ("tanh", "relu"):
        return nn.RNN(F, H, nonlinearity=kind, **kw)
    return {"lstm": nn.LSTM, "gru": nn.GRU}[kind](F, H, **kw)


def _x(n=16, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, T, F)).astype(np.float32)


def torch_out(model, x):
    with torch.no_grad():
        return model.eval()(torch.from_numpy(x)).double().numpy()


OPTIONS = [
    {"batch_first": True},
    {"batch_first": False},
    {"batch_first": True, "bias": False},
    {"batch_first": True, "bidirectional": True},
    {"batch_first": False, "num_layers": 2, "bidirectional": True, "dropout": 0.2},
    {"batch_first": True, "num_layers": 2},
]


@pytest.mark.parametrize("use", ["seq", "last", "h", "h0"])
@pytest.mark.parametrize(
    "options", OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items())
)
@pytest.mark.parametrize("kind", ["tanh", "relu", "lstm", "gru"])
def test_mapping_matches_torch_in_float(kind, options, use):
    model = Model(make(kind, **options), use)
    graph = to_graph(model, inputs=input_specs((T, F)))
    x = _x()
    np.testing.assert_allclose(float_run(graph, x), torch_out(model, x), atol=1e-5, rtol=0)


@pytest.mark.parametrize("options", OPTIONS[:2] + OPTIONS[3:5], ids=str)
def test_lstm_final_cell_state(options):
    model = Model(make("lstm", **options), "c")
    graph = to_graph(model, inputs=input_specs((T, F)))
    x = _x()
    np.testing.assert_allclose(float_run(graph, x), torch_out(model, x), atol=1e-5, rtol=0)
    cells = [n for n in graph if n.op.kind == "lstm"]
    assert cells[-1].op.output_cell and not cells[-1].op.return_sequences


def kinds(graph):
    return [(n.name, n.op.kind, n.layer) for n in graph]


def test_nodes_single_lstm_last_step():
    """``out, (h, c) = lstm(x)``; ``out[:, -1]``: one sequence node and a Timestep."""
    model = Model(make("lstm", batch_first=True), "last")
    graph = to_graph(model, inputs=input_specs((T, F)))
    assert kinds(graph) == [
        ("x", "input", "x"),
        ("rnn", "lstm", "rnn"),
        ("getitem_4", "timestep", "getitem_4"),
    ]
    assert graph["rnn"].op.return_sequences and graph["getitem_4"].op.index == -1
    assert graph["rnn"].source == "'rnn' (LSTM)"


def test_nodes_h_only_needs_no_sequence():
    """``h[-1]`` alone: one node with return_sequences=False (no Timestep, no sequence)."""
    model = Model(make("gru", batch_first=True), "h")
    graph = to_graph(model, inputs=input_specs((T, F)))
    assert kinds(graph) == [("x", "input", "x"), ("rnn", "gru", "rnn")]
    assert not graph["rnn"].op.return_sequences


def test_nodes_stacked_bidirectional():
    """Layer and direction nodes carry the module's name (layers= names them all)."""
    rnn = make("gru", batch_first=True, num_layers=2, bidirectional=True)
    graph = to_graph(Model(rnn, "h"), inputs=input_specs((T, F)))
    assert kinds(graph) == [
        ("x", "input", "x"),
        ("rnn_l0_forward", "gru", "rnn"),
        ("rnn_l0_reverse", "gru", "rnn"),
        ("rnn_l0_concat", "concatenate", ""),
        ("rnn_l1_reverse", "gru", "rnn"),  # h[-1]: the last layer's reverse direction
    ]
    rev = graph["rnn_l0_reverse"].op
    assert rev.go_backwards and rev.align_outputs and rev.return_sequences
    assert (
        graph["rnn_l1_reverse"].op.go_backwards and not graph["rnn_l1_reverse"].op.return_sequences
    )
    assert graph.outputs == ["rnn_l1_reverse"]


def test_gru_weights_reordered():
    rnn = make("gru", batch_first=True)
    graph = to_graph(Model(rnn, "h"), inputs=input_specs((T, F)))
    w = graph["rnn"].weights
    r, z, n = (rnn.weight_ih_l0.detach().double().numpy()[k * H : (k + 1) * H] for k in range(3))
    np.testing.assert_array_equal(w["kernel"], np.concatenate([z, r, n]).T)
    b = rnn.bias_hh_l0.detach().double().numpy()
    np.testing.assert_array_equal(w["recurrent_bias"], np.r_[b[H : 2 * H], b[:H], b[2 * H :]])
    assert graph["rnn"].op.reset_after


def test_self_gru_of_x_index_0():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = make("gru", batch_first=True)
            self.fc = nn.Linear(H, 2)

        def forward(self, x):
            return self.fc(self.gru(x)[0][:, -1, :])

    model = M()
    graph = to_graph(model, inputs=input_specs((T, F)))
    x = _x()
    np.testing.assert_allclose(float_run(graph, x), torch_out(model, x), atol=1e-5, rtol=0)


# ------------------------------------------------------------------------ refusals


def refusal(model, shape=(T, F)) -> str:
    with pytest.raises(ValueError) as info:
        to_graph(model, inputs=input_specs(shape))
    return str(info.value)


class Custom(nn.Module):
    def __init__(self, rnn, fn):
        super().__init__()
        self.rnn, self.fn = rnn, fn

    def forward(self, x):
        return self.fn(self.rnn, x)


@pytest.mark.filterwarnings("ignore:LSTM with projections")
def test_refuses_proj_size():
    model = Custom(nn.LSTM(F, H, proj_size=2, batch_first=True), lambda m, x: m(x)[0])
    assert refusal(model) == (
        "'rnn' (LSTM): proj_size=2 is not supported (LSTM with projections); use proj_size=0 "
        "and a Linear on the output"
    )


def test_refuses_initial_state():
    model = Custom(nn.GRU(F, H, batch_first=True), lambda m, x: m(x, None)[0])
    assert refusal(model) == (
        "'rnn' (GRU): an initial state argument is not supported: the firmware starts every "
        "sequence from a zero state (call the module with the input only)"
    )


def test_refuses_batch_first_false_on_batch_first_input():
    model = Custom(nn.RNN(F, H), lambda m, x: m(x)[1][-1])
    assert refusal(model) == (
        "'rnn' (RNN): batch_first=False reads its input as (T, batch, F), but the batch of "
        "this input is its first axis (the firmware takes batch-first inputs): use "
        "batch_first=True, or pass x.transpose(0, 1) of a (batch, T, F) tensor"
    )


def test_refuses_whole_h_n():
    model = Custom(nn.GRU(F, H, batch_first=True), lambda m, x: m(x)[1].squeeze(0))
    message = refusal(model)
    assert message.startswith(f"Tensor method .squeeze() (node 'squeeze', {__file__}:")
    assert message.endswith(
        "): argument 'input' is h_n of 'rnn' (GRU), shaped (num_layers * "
        "num_directions, batch, hidden_size) = (1, batch, 4): only h_n[k] (k in -1..0; "
        "h_n[-1]: the last layer's final state) is supported"
    )


def test_refuses_other_indexing():
    model = Custom(nn.GRU(F, H, batch_first=True), lambda m, x: m(x)[0][:, 1:])
    assert refusal(model).endswith(
        "indexing a tensor of shape (batch, 5, 4) with [:, 1:] is not supported: only "
        "seq[:, t] of a sequence (batch, T, F)"
    )


def test_refuses_tuple_as_output():
    model = Custom(nn.LSTM(F, H, batch_first=True), lambda m, x: m(x)[1])
    assert refusal(model) == (
        "output 0 of the model (getitem) is the final states (h_n, c_n) of 'rnn' (LSTM): "
        "index it ([0] h_n, [1] c_n): return a tensor (batch first) instead"
    )


def test_refuses_time_major_output():
    model = Custom(nn.GRU(F, H), lambda m, x: m(x.transpose(0, 1))[0])
    assert refusal(model) == (
        "output 0 of the model (getitem) is a time-major sequence (T, batch, F) = (5, batch, "
        "4) (from 'rnn' (GRU)): only a recurrent module with batch_first=False, seq[t] and "
        "seq.transpose(0, 1) / seq.permute(1, 0, 2) back to batch first can use it: return a "
        "tensor (batch first) instead"
    )


# ------------------------------------------------------------------------ fixed point

WIDE_TYPES = {
    r: "ap_fixed<32,8>"
    for r in ("accum", "kernel", "recurrent_kernel", "bias", "recurrent_bias", "state",
              "candidate", "cell", "result")
}  # fmt: skip
WIDE_TYPES["gate"] = "ap_ufixed<32,2>"


@pytest.mark.parametrize("wide", [True, False], ids=["wide", "default"])
@pytest.mark.parametrize("kind", ["tanh", "lstm", "gru"])
def test_reference_vs_torch_within_the_derived_bound(kind, wide):
    """Every direction's sequence (the halves of a bidirectional output) is within the
    step-by-step bound of tests/layers/test_recurrent.py (table bin error, one LSB per
    truncation, propagated through the recurrent kernel): the torch mapping adds no error
    of its own (the float tests above show it exact)."""
    from tests.layers.test_recurrent import bound
    from tests.layers.test_recurrent import float_run as keras_float_run

    model = Model(make(kind, batch_first=True, bidirectional=True), "seq")
    unused = {"tanh": ("gate", "candidate", "cell", "recurrent_bias"), "lstm": ("recurrent_bias",)}
    wide_types = {r: t for r, t in WIDE_TYPES.items() if r not in unused.get(kind, ("cell",))}
    layers = {"rnn": {"precision": wide_types}} if wide else None  # both directions
    fw = model.export_fpga(input_shape=(T, F), precision="ap_fixed<16,6>", layers=layers)
    x = np.floor(_x(200, seed=1) * 1024) / 1024  # on the input type's grid (LSB 2^-10)
    trace = Interpreter(fw.graph).run(x, trace=True)  # the nodes, before the concatenation
    want = torch_out(model, x)
    for direction, name in enumerate(["rnn_forward", "rnn_reverse"]):
        node = fw.graph[name]
        half = slice(direction * H, (direction + 1) * H)
        err = np.abs(trace[name] - want[..., half]).max(axis=(0, 2))  # per time step
        if direction:
            err = err[::-1]  # processing order
        _, _, extra = keras_float_run(node.op, node.weights, x)
        tol = bound(node.op, node, x, extra)
        assert (err <= tol).all(), (name, err, tol)


def jet_tagger(cls=nn.LSTM, units=16, **kw):
    """The benchmark's shape, smaller: (batch, T, 6) -> LSTM -> last step -> Linear(5)."""

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(4)
            self.rnn = cls(6, units, batch_first=True, **kw)
            self.fc = nn.Linear(units * (2 if kw.get("bidirectional") else 1), 5)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.fc(out[:, -1])

    return Tagger()


def jets(n, steps=8, seed=2):
    return np.random.default_rng(seed).normal(0, 1, (n, steps, 6)).astype(np.float32)


# csim vs float at ap_fixed<16,6> (accum, weights, LSB 2^-10) with the default state types
# ap_fixed<16,2> and 1024-entry tables over [-8, 8): the table bin (1/64) costs up to 1/128
# per tanh and 1/512 per sigmoid each step; the bound above gives ~0.1 on h after 8 steps
# for these weights, and the Linear(5) sums 16 such values with |w| <= 0.25: 0.1 covers it
# with room (measured: 0.01-0.03). Argmax agreement >= 0.95 on random inputs.
TOL16 = 0.1


@pytest.mark.parametrize(
    "cls, kw",
    [(nn.LSTM, {}), (nn.GRU, {"bidirectional": True}), (nn.LSTM, {"num_layers": 2})],
    ids=["lstm", "bigru", "lstm_2_layers"],
)
def test_end_to_end_csim(cls, kw, tmp_path):
    model = jet_tagger(cls, **kw)
    fw = model.export_fpga(tmp_path, input_shape=(8, 6), precision="ap_fixed<16,6>").compile()
    x = jets(300)
    got = fw.predict(x)
    np.testing.assert_array_equal(got, fw.reference(x))
    want = torch_out(model, x)
    assert np.abs(got - want).max() <= TOL16
    assert np.mean(got.argmax(1) == want.argmax(1)) >= 0.95


def test_stream_and_unrolled_csim(tmp_path):
    model = jet_tagger(nn.GRU, units=8)
    x = jets(100)
    for io_type, impl in [("io_stream", "static"), ("io_parallel", "unrolled")]:
        fw = model.export_fpga(
            tmp_path / io_type, input_shape=(8, 6), io_type=io_type,
            layers={"rnn": {"implementation": impl}},
        ).compile()  # fmt: skip
        np.testing.assert_array_equal(fw.predict(x), fw.reference(x))
        assert np.abs(fw.predict(x) - torch_out(model, x)).max() <= TOL16


def test_validator_pushes_new_weights_without_recompiling(tmp_path, monkeypatch):
    import fpga_export.firmware
    from torch_plugin import CSimValidator

    model = jet_tagger(nn.LSTM, units=8)
    x = torch.from_numpy(jets(200))
    y = torch.randint(0, 5, (200,), generator=torch.Generator().manual_seed(0))
    validator = CSimValidator(model, example_input=x[:1], output_dir=tmp_path, overflow=50)
    first = validator.evaluate((x, y))
    calls = []
    monkeypatch.setattr(fpga_export.firmware, "build_library", lambda *a, **k: calls.append(a))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(3):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    second = validator.evaluate((x, y))
    assert calls == []  # no rebuild
    y_csim = validator.firmware.predict(x.numpy())
    fresh = model.export_fpga(input_shape=(8, 6)).reference(x.numpy())
    np.testing.assert_array_equal(y_csim, fresh)  # the new weights are in the library
    assert second["csim_accuracy"] == float(np.mean(y_csim.argmax(1) == y.numpy()))
    assert first["csim_max_abs_diff"] <= TOL16 and second["csim_max_abs_diff"] <= TOL16
    assert second["csim_overflow"] == 0.0
