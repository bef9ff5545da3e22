"""Handlers for Keras' recurrent layers (Keras 3 and tf_keras): SimpleRNN, LSTM, GRU,
Bidirectional around one of them, and TimeDistributed(Dense).

A recurrent layer on a ``(T, F)`` sequence becomes one node of the recurrent family
(``fpga_export/layers/recurrent.py``) named after the layer, with Keras' own weight layout
(``kernel``, ``recurrent_kernel``, ``bias``; a GRU with ``reset_after=True`` also
``recurrent_bias``, the second row of Keras' ``(2, 3U)`` bias). The initial state is zero.

- ``return_sequences``: the node outputs ``(T, U)``; ``go_backwards``: processes
  t = T-1 .. 0 and, like Keras, outputs the sequence in processing order.
- ``return_state``: the extra outputs are ``h`` (the output itself, or a ``<layer>_h``
  Timestep(-1) node after it when ``return_sequences``: a crop, its own settings) and, for an
  LSTM, ``c`` (a second LSTM node ``<layer>_c`` with the same weights and
  ``output_cell=True``, taking the layer's settings).
- ``activation`` / ``recurrent_activation``: tanh, relu, linear, sigmoid, hard_sigmoid
  (gates: sigmoid, hard_sigmoid) as the functions of the flavor: Keras 3's hard_sigmoid is
  ``relu6(x + 3) / 6`` (slope 1/6), tf_keras' ``clip(0.2 x + 0.5, 0, 1)`` (slope 0.2).
- ``dropout`` / ``recurrent_dropout`` act only in training (ignored); ``unroll=True`` only
  changes how Keras builds its graph, not the values (ignored: the firmware's unrolling is
  the ``implementation`` setting).
- Refused with the layer and option named: ``stateful=True``, ``time_major=True`` (tf_keras),
  Masking layers (and ``mask_zero`` embeddings, refused by their own handler).

``Bidirectional(layer, merge_mode)`` ``bi``: ``bi_forward`` and ``bi_backward`` nodes
(the backward one with ``go_backwards=True`` and, with ``return_sequences``,
``align_outputs=True``: Keras flips its outputs back to input order), then the merge node
``bi``: concat (Concatenate on the last axis), sum, mul, ave (Merge add / multiply /
average); ``merge_mode=None`` outputs both directions. All of the layer's nodes take the
settings given for ``bi``.

``TimeDistributed(Dense)`` (and a Dense on a ``(T, F)`` input) is the same Dense at every
timestep: a Conv1D with kernel size 1 (kernel ``(1, F, U)``), the Dense's activation after it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from fpga_export.layers.merge import Concatenate, Merge
from fpga_export.layers.recurrent import GRU, LSTM, SimpleRNN
from fpga_export.layers.reshape import Timestep

from ..convert import KERAS_LAYERS, LayerCall, array
from ..flavors import each
from .core import dense_over_time

ACTIVATIONS = ("tanh", "relu", "linear", "sigmoid", "hard_sigmoid")  # the op's candidate set
GATE_ACTIVATIONS = ("sigmoid", "hard_sigmoid")
MERGES = {"sum": "add", "mul": "multiply", "ave": "average"}  # besides concat and None


def op_activation(call: LayerCall, fn, what: str, allowed: tuple[str, ...]) -> str:
    """The op's spelling of a Keras activation function object (``what``: the layer option).

    hard_sigmoid is the flavor's own: slope 1/6 in Keras 3 (the op's ``"hard_sigmoid"``),
    0.2 in tf_keras (``"hard_sigmoid_tf"``)."""
    spec = call.flavor.activation(fn)
    name = spec[0] if spec is not None else getattr(fn, "__name__", repr(fn))
    if spec is None or name not in allowed:
        raise call.refuse(f"{what}={name!r} is not supported; supported: {', '.join(allowed)}")
    slope = spec[1].get("slope")
    if slope is None:
        return name
    return HARD_SIGMOIDS[slope]


HARD_SIGMOIDS = {1.0 / 6.0: "hard_sigmoid", 0.2: "hard_sigmoid_tf"}  # slope -> op spelling


def check_options(layer, call: LayerCall) -> None:
    """Refuse the options the firmware cannot follow (dropout, unroll: accepted)."""
    if getattr(layer, "stateful", False):
        raise call.refuse(
            "stateful=True is not supported: the firmware starts every sequence from a zero "
            "state (rebuild the layer with stateful=False)"
        )
    if getattr(layer, "time_major", False):
        raise call.refuse(
            "time_major=True is not supported: the input must be (batch, timesteps, features)"
        )
    (shape,) = call.input_shapes[:1]
    if len(shape) != 2:
        raise call.refuse(
            f"an input of shape {tuple(shape)} per sample is not supported: only sequences "
            "(timesteps, features)"
        )


def cell_weights(layer) -> tuple[dict, dict]:
    """(op fields, weights) of a SimpleRNN/LSTM/GRU layer's cell, Keras layout."""
    cell = layer.cell
    units = int(cell.units)
    kernel, recurrent = array(cell.kernel), array(cell.recurrent_kernel)
    gates = recurrent.shape[1] // units
    weights = {"kernel": kernel, "recurrent_kernel": recurrent}
    fields = {"units": units}
    reset_after = getattr(cell, "reset_after", None)
    if reset_after is not None:
        fields["reset_after"] = bool(reset_after)
    bias = array(cell.bias) if cell.use_bias else np.zeros((2, gates * units))
    if reset_after:
        weights["bias"], weights["recurrent_bias"] = bias[0], bias[1]
    else:
        weights["bias"] = bias if cell.use_bias else bias[0]
    return fields, weights


def rnn_op(layer, call: LayerCall, op_class, **fields):
    """The recurrent op of ``layer`` (its activations, options) and its weights."""
    check_options(layer, call)
    cell_fields, weights = cell_weights(layer)
    acts = {"activation": op_activation(call, layer.cell.activation, "activation", ACTIVATIONS)}
    if op_class is not SimpleRNN:
        fn = layer.cell.recurrent_activation
        acts["recurrent_activation"] = op_activation(
            call, fn, "recurrent_activation", GATE_ACTIVATIONS
        )
    op = op_class(
        **cell_fields,
        **acts,
        return_sequences=bool(layer.return_sequences),
        go_backwards=bool(layer.go_backwards),
        **fields,
    )
    return op, weights


def recurrent(op_class):
    def handler(layer, call: LayerCall):
        op, weights = rnn_op(layer, call, op_class)
        out = call.add(op, weights=weights)
        if not layer.return_state:
            return out
        return [out, *state_nodes(call, op, weights, out, "")]

    handler.__name__ = op_class.kind
    return handler


def state_nodes(call: LayerCall, op, weights: dict, out: str, prefix: str) -> list[str]:
    """The ``return_state`` outputs after node ``out`` of ``op``: h (and c for an LSTM)."""
    units = op.units
    states = [out]
    if op.return_sequences:
        states[0] = call.add(
            Timestep(index=-1),
            suffix=f"{prefix}h",
            inputs=[out],
            shape=(units,),
            layer_type="Timestep",
        )  # fmt: skip  (its own settings: a crop has no tables; its type is its input's)
    if isinstance(op, LSTM):
        cell_op = replace(op, output_cell=True, return_sequences=False, align_outputs=False)
        c = call.add(cell_op, weights=weights, suffix=f"{prefix}c", shape=(units,))
        call.part_of(c, out)
        states.append(c)
    return states


KERAS_LAYERS.register(*each(lambda k: k.layers.SimpleRNN))(recurrent(SimpleRNN))
KERAS_LAYERS.register(*each(lambda k: k.layers.LSTM))(recurrent(LSTM))
KERAS_LAYERS.register(*each(lambda k: k.layers.GRU))(recurrent(GRU))

_OP_CLASSES = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}


def _op_class(inner, call: LayerCall):
    for flavor_layers in each(lambda k: k.layers):
        for name, op_class in _OP_CLASSES.items():
            if type(inner) is getattr(flavor_layers, name):
                return op_class
    raise call.refuse(
        f"Bidirectional around {type(inner).__name__} is not supported: only SimpleRNN, LSTM "
        "and GRU"
    )


@KERAS_LAYERS.register(*each(lambda k: k.layers.Bidirectional))
def bidirectional(layer, call: LayerCall):
    fwd_layer, bwd_layer = layer.forward_layer, layer.backward_layer
    op_class = _op_class(fwd_layer, call)
    if fwd_layer.go_backwards:
        raise call.refuse(
            "Bidirectional around a layer with go_backwards=True is not supported (the "
            "'forward' direction would run backwards)"
        )
    mode = layer.merge_mode
    if mode not in ("concat", None, *MERGES):
        raise call.refuse(f"merge_mode={mode!r} is not supported")
    seq = bool(fwd_layer.return_sequences)
    fwd_op, fwd_w = rnn_op(fwd_layer, call, op_class)
    bwd_op, bwd_w = rnn_op(bwd_layer, call, op_class, align_outputs=seq)
    units = fwd_op.units
    shape = (call.input_shapes[0][0], units) if seq else (units,)
    kind = type(fwd_layer).__name__
    fwd = call.add(fwd_op, weights=fwd_w, suffix="forward", shape=shape, layer_type=kind)
    bwd = call.add(bwd_op, weights=bwd_w, suffix="backward", shape=shape, layer_type=kind)
    if mode is None:  # both directions are outputs: the forward node stands for the layer
        outs = [fwd, bwd]
        main = fwd
        call.converter.graph[fwd].layer = layer.name
    else:
        merge = Concatenate(axis=len(shape) - 1) if mode == "concat" else Merge(MERGES[mode])
        main = call.add(merge, inputs=[fwd, bwd])
        outs = [main]
    for node in (fwd, bwd):
        if node != main:
            call.part_of(node, main)
    if layer.return_state:
        graph = call.converter.graph
        for op, w, node, prefix in ((fwd_op, fwd_w, fwd, "forward_"),
                                    (bwd_op, bwd_w, bwd, "backward_")):  # fmt: skip
            for state in state_nodes(call, op, w, node, prefix):
                if state != node and graph[state].op.family == "recurrent":
                    call.part_of(state, main)
                outs.append(state)
    return outs if len(outs) > 1 else main


@KERAS_LAYERS.register(*each(lambda k: k.layers.TimeDistributed))
def time_distributed(layer, call: LayerCall) -> str:
    inner = layer.layer
    (shape,) = call.input_shapes
    if not any(type(inner) is d for d in each(lambda k: k.layers.Dense)):
        raise call.refuse(
            f"TimeDistributed({type(inner).__name__}) is not supported: only TimeDistributed(Dense)"
        )
    if len(shape) != 2:
        raise call.refuse(
            f"TimeDistributed(Dense) on an input of shape {tuple(shape)} per sample is not "
            "supported: only sequences (timesteps, features)"
        )
    if getattr(inner, "quantization_mode", None) is not None:
        raise call.refuse("a Keras-quantized Dense (quantization_mode) is not supported")
    return dense_over_time(inner, call)


@KERAS_LAYERS.register(*each(lambda k: k.layers.Masking))
def masking(layer, call: LayerCall) -> str:
    raise call.refuse(
        f"masking (mask_value={float(layer.mask_value)}) is not supported: the firmware has no "
        "masks and runs every timestep; remove the Masking layer (pad sequences with values "
        "the model learns to ignore, or trim them to a fixed length)"
    )
