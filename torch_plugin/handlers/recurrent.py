"""Handlers for ``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` and the indexing of their outputs.

A recurrent module returns ``(out, h_n)`` (``nn.LSTM``: ``(out, (h_n, c_n))``): the handler
returns a :class:`RecurrentOutputs` (a :class:`~torch_plugin.convert.Structured` value) and
IR nodes are made only for what the model reads (``torch_plugin.convert`` skips dead fx
nodes), through ``operator.getitem``:

* ``out`` (``output[0]``): the last layer's sequence, ``(T, D*H)`` per sample (both
  directions concatenated); ``out[:, t]`` (``out[t]`` with ``batch_first=False``) is an IR
  ``Timestep``;
* ``h_n[k]`` (``h_n[-1]``: the last layer's last direction): the final h of layer
  ``k // D``, direction ``k % D``: a node with ``return_sequences=False``, or a ``Timestep``
  of that layer's sequence node when the sequence is computed anyway (lower layers, or
  ``out`` is used too);
* ``c_n[k]`` (LSTM): a node with ``output_cell=True`` (same weights).

Mapping (IR op fields and weights, Keras layout, ``fpga_export.layers.recurrent``):
one node per layer and direction; the reverse direction has ``go_backwards=True`` and
``align_outputs=True`` (output position t holds the state after input t, as in torch), and
the two sequences are concatenated on the feature axis. ``kernel = weight_ih.T`` (F, G*H),
``recurrent_kernel = weight_hh.T`` (H, G*H). ``nn.RNN``: ``SimpleRNN(activation=
nonlinearity)``, ``bias = bias_ih + bias_hh``. ``nn.LSTM``: gates i, f, g, o are the IR's
i, f, c, o; ``bias = bias_ih + bias_hh``, and ``input_bias = bias_ih``, ``recurrent_bias =
bias_hh`` apart (``torch_biases=True``: hls4ml's cell under ``hls_config=`` adds them where
hls4ml does, layers/recurrent_hls4ml.py). ``nn.GRU``: torch's gate blocks r, z, n are
reordered to the IR's z, r, h; ``bias = bias_ih``, ``recurrent_bias = bias_hh``
(``reset_after=True``: torch applies r to ``W_hn h + b_hn``). ``bias=False``: zeros.
``dropout`` is a no-op at inference. Refused: ``proj_size > 0``, an initial state argument
(the firmware starts from zero), unbatched (2-D) inputs, ``batch_first=False`` on a
batch-first tensor (see ``torch_plugin.time_major``), other uses of the outputs.
"""

from __future__ import annotations

import contextlib
import operator

import numpy as np
from torch import nn

from fpga_export.layers import recurrent as ir
from fpga_export.layers.merge import Concatenate

from ..convert import (
    TORCH_FUNCTIONS,
    TORCH_MODULES,
    NodeCall,
    Structured,
    UnsupportedOperationError,
    Value,
    numpy,
    spell_index,
    structured,
)
from ..time_major import TimeMajor, timestep


def _spec(m: nn.RNNBase) -> tuple[type, dict]:
    """(IR op class, op fields) of a torch recurrent module."""
    if isinstance(m, nn.RNN):
        return ir.SimpleRNN, {"activation": m.nonlinearity}
    gates = {"activation": "tanh", "recurrent_activation": "sigmoid"}
    if isinstance(m, nn.LSTM):
        return ir.LSTM, {**gates, "torch_biases": True}
    return ir.GRU, {**gates, "reset_after": True}


def _weights(m: nn.RNNBase, layer: int, reverse: bool) -> dict[str, np.ndarray]:
    """The IR weights of one layer and direction (module docstring)."""
    sfx = f"_l{layer}" + ("_reverse" if reverse else "")
    w_ih, w_hh = numpy(getattr(m, "weight_ih" + sfx)), numpy(getattr(m, "weight_hh" + sfx))
    rows = w_ih.shape[0]
    if m.bias:
        b_ih, b_hh = numpy(getattr(m, "bias_ih" + sfx)), numpy(getattr(m, "bias_hh" + sfx))
    else:
        b_ih, b_hh = np.zeros(rows), np.zeros(rows)
    if isinstance(m, nn.GRU):
        h = m.hidden_size
        order = np.r_[h : 2 * h, 0:h, 2 * h : 3 * h]  # torch r, z, n -> IR z, r, h
        return {
            "kernel": w_ih[order].T,
            "recurrent_kernel": w_hh[order].T,
            "bias": b_ih[order],
            "recurrent_bias": b_hh[order],
        }
    out = {"kernel": w_ih.T, "recurrent_kernel": w_hh.T, "bias": b_ih + b_hh}
    if isinstance(m, nn.LSTM):  # apart too, for hls4ml's cell (LSTM.torch_biases)
        out |= {"input_bias": b_ih, "recurrent_bias": b_hh}
    return out


@TORCH_MODULES.register(nn.RNN, nn.LSTM, nn.GRU)
@structured
def recurrent(call: NodeCall):
    m = call.module
    if getattr(m, "proj_size", 0):
        raise call.refuse(
            f"proj_size={m.proj_size} is not supported (LSTM with projections); use "
            "proj_size=0 and a Linear on the output"
        )
    if len(call.args) > 1 or call.kwargs:
        raise call.refuse(
            "an initial state argument is not supported: the firmware starts every sequence "
            "from a zero state (call the module with the input only)"
        )
    x = call.arg(0, "input")
    if m.batch_first:
        if isinstance(x, TimeMajor):
            raise call.refuse(
                "batch_first=True reads (batch, T, F), but this input is time-major "
                "(T, batch, F): use batch_first=False or do not transpose the input"
            )
        x = call.input()
    else:
        if isinstance(x, Value):
            raise call.refuse(
                "batch_first=False reads its input as (T, batch, F), but the batch of this "
                "input is its first axis (the firmware takes batch-first inputs): use "
                "batch_first=True, or pass x.transpose(0, 1) of a (batch, T, F) tensor"
            )
        if not isinstance(x, TimeMajor):
            call.input()  # raises the usual message
        x = x.sequence
    if len(x.shape) != 2:
        raise call.refuse(
            f"an input of shape {x.shape} per sample is not supported: only sequences "
            "(batch, T, F) (unbatched inputs cannot be exported)"
        )
    return RecurrentOutputs(call, call.canonical(x))


def _live_index(fx_node, index) -> bool:
    """True if ``fx_node[index]`` is read by a node that is converted."""
    return any(
        u.op == "call_function" and u.target is operator.getitem and u.args[1] == index
        and len(u.users) > 0
        for u in fx_node.users
    )  # fmt: skip


class RecurrentOutputs(Structured):
    """``(out, h_n)`` / ``(out, (h_n, c_n))`` of one recurrent module call; builds and
    caches the IR nodes the indexing asks for."""

    def __init__(self, call: NodeCall, x: Value):
        m = call.module
        self.call, self.module, self.x = call, m, x
        self.layers, self.directions = int(m.num_layers), 2 if m.bidirectional else 1
        self.op, self.fields = _spec(m)
        self.units = int(m.hidden_size)
        self.steps = int(x.shape[0])
        self.is_lstm = isinstance(m, nn.LSTM)
        self.sequence_used = _live_index(call.fx_node, 0)
        self._nodes: dict = {}

    def describe(self) -> str:
        states = "(h_n, c_n)" if self.is_lstm else "h_n"
        return (
            f"the output tuple (output, {states}) of {self.call.what}: index it ([0] the "
            "sequence, [1] the final states)"
        )

    # -- indexing ---------------------------------------------------------------------
    def getitem(self, call: NodeCall, index):
        if index == 0:
            value = self.output()
            return value if self.module.batch_first else TimeMajor(value, self.call.what)
        if index == 1:
            return LSTMStates(self) if self.is_lstm else StateStack(self, "h_n")
        return super().getitem(call, index)

    # -- nodes ------------------------------------------------------------------------
    def _name(self, layer: int, direction: int | None, what: str = "") -> str:
        parts = []
        if self.layers > 1:
            parts.append(f"l{layer}")
        if self.directions == 2 and direction is not None:  # both named: "lstm" names all
            parts.append(("forward", "reverse")[direction])
        if what:
            parts.append(what)
        return "_".join(parts)

    def _cell(self, layer: int, direction: int, **fields) -> str:
        key = (layer, direction, tuple(sorted(fields.items())))
        if key not in self._nodes:
            what = "cell" if fields.get("output_cell") else ""
            op = self.op(units=self.units, go_backwards=bool(direction), **self.fields, **fields)
            x = self.layer_input(layer)
            with self._source():
                self._nodes[key] = self.call.add(
                    op,
                    [x],
                    weights=_weights(self.module, layer, bool(direction)),
                    suffix=self._name(layer, direction, what),
                    layer=self.call.layer,
                )
        return self._nodes[key]

    @contextlib.contextmanager
    def _source(self):
        """Nodes made while converting a later getitem come from the module (``source``)."""
        conv = self.call.converter
        before, conv.source = conv.source, self.call.what
        try:
            yield
        finally:
            conv.source = before

    def sequence(self, layer: int, direction: int) -> str:
        """The node of one layer and direction's output sequence (T, H)."""
        return self._cell(layer, direction, return_sequences=True, align_outputs=bool(direction))

    def layer_input(self, layer: int) -> Value:
        """The sequence layer ``layer`` reads: the module input, or the previous layer's
        output (both directions concatenated)."""
        if layer == 0:
            return self.x
        return self._layer_output(layer - 1)

    def _layer_output(self, layer: int) -> Value:
        key = ("output", layer)
        if key not in self._nodes:
            node = self.sequence(layer, 0)
            if self.directions == 2:
                backward = self.sequence(layer, 1)
                with self._source():
                    node = self.call.add(
                        Concatenate(axis=-1),
                        [node, backward],
                        suffix=self._name(layer, None, "concat"),
                        layer_type="Concatenate",
                        layer="",
                    )
            shape = (self.steps, self.directions * self.units)
            self._nodes[key] = self.call.converter.make_value(node, shape, None)
        return self._nodes[key]

    def output(self) -> Value:
        return self._layer_output(self.layers - 1)

    def final(self, call: NodeCall, index: int, kind: str) -> Value:
        """``h_n[index]`` (kind "h_n") or ``c_n[index]`` (LSTM, kind "c_n"): (H,)."""
        layer, direction = divmod(index % (self.layers * self.directions), self.directions)
        if kind == "c_n":
            node = self._cell(layer, direction, output_cell=True)
        elif self.sequence_used or layer < self.layers - 1:
            # the sequence is computed anyway: its last step (the reverse direction's aligned
            # output at position 0 holds its state after the whole sequence)
            seq = self.call.converter.make_value(
                self.sequence(layer, direction), (self.steps, self.units), None
            )
            return timestep(call, seq, 0 if direction else -1)
        else:
            node = self._cell(layer, direction)
        return self.call.converter.make_value(node, (self.units,), None)


class LSTMStates(Structured):
    """``(h_n, c_n)`` of an nn.LSTM call."""

    def __init__(self, owner: RecurrentOutputs):
        self.owner = owner

    def describe(self) -> str:
        return f"the final states (h_n, c_n) of {self.owner.call.what}: index it ([0] h_n, [1] c_n)"

    def getitem(self, call: NodeCall, index):
        if index in (0, 1):
            return StateStack(self.owner, ("h_n", "c_n")[index])
        return super().getitem(call, index)


class StateStack(Structured):
    """``h_n`` or ``c_n``: (num_layers * directions, batch, H) in torch."""

    def __init__(self, owner: RecurrentOutputs, kind: str):
        self.owner, self.kind = owner, kind

    def describe(self) -> str:
        n = self.owner.layers * self.owner.directions
        return (
            f"{self.kind} of {self.owner.call.what}, shaped (num_layers * num_directions, "
            f"batch, hidden_size) = ({n}, batch, {self.owner.units}): only {self.kind}[k] "
            f"(k in -{n}..{n - 1}; {self.kind}[-1]: the last layer's final state) is supported"
        )

    def getitem(self, call: NodeCall, index):
        n = self.owner.layers * self.owner.directions
        k = index[0] if isinstance(index, tuple) and len(index) == 1 else index
        if isinstance(k, int) and not isinstance(k, bool) and -n <= k < n:
            return self.owner.final(call, k, self.kind)
        return super().getitem(call, index)


@TORCH_FUNCTIONS.register(operator.getitem)
@structured
def getitem(call: NodeCall):
    """``value[index]``: the parts of a structured value (a recurrent module's outputs, a
    time-major sequence) and ``seq[:, t]`` (``seq[:, t, :]``) of a (T, F) sequence."""
    obj, index = call.arg(0, "input"), call.arg(1, "index")
    if isinstance(obj, Structured):
        return obj.getitem(call, index)
    if not isinstance(obj, Value):
        raise call.refuse("indexing is only supported on tensors computed from the inputs")
    items = index if isinstance(index, tuple) else (index,)
    full = slice(None)
    if len(obj.shape) == 2 and len(items) in (2, 3) and items[0] == full and items[2:] in (
        (), (full,)
    ) and isinstance(items[1], int) and -obj.shape[0] <= items[1] < obj.shape[0]:  # fmt: skip
        return timestep(call, obj, items[1])
    raise UnsupportedOperationError(
        f"{call.what}: indexing a tensor of shape (batch, {', '.join(map(str, obj.shape))}) "
        f"with [{spell_index(index)}] is not supported: only seq[:, t] of a sequence "
        "(batch, T, F)"
    )
