"""Handlers for QKeras' recurrent layers QSimpleRNN, QLSTM, QGRU (imported by ``.qkeras``).

The layer becomes the same recurrent node as its Keras counterpart (``.recurrent``), with
the weights quantized by the live quantizers exactly as the cell's ``call()`` does
(``kernel_quantizer``, ``recurrent_quantizer``, ``bias_quantizer``; a GRU's ``(2, 3U)`` bias
is quantized whole, then split) and their types given. Activations:

=============================  ==============================================================
``quantized_tanh(b)``          ``linear`` into ``candidate`` (LSTM, GRU) / ``state``
                               (SimpleRNN) ``ap_fixed<b, 1, AP_RND_CONV, AP_SAT>``: QKeras'
                               hard tanh clip(x, -1, 1), rounded (``use_real_tanh``: ``tanh``)
``quantized_sigmoid(b)``       ``hard_sigmoid_qkeras`` (slope 0.5) into ``gate``
                               ``ap_ufixed<b, 0, AP_RND_CONV, AP_SAT>`` (``use_real_sigmoid``:
                               ``sigmoid``)
QKeras ``hard_sigmoid``        ``hard_sigmoid_qkeras`` (the ``"hard_sigmoid"`` string of
                               QLSTM/QGRU's default ``recurrent_activation``)
Keras functions                as for Keras layers (tanh, sigmoid, relu, linear ...)
=============================  ==============================================================

State: QKeras applies its ``state_quantizer`` to h and c only when the next step reads them
(the layer's output and the c that the activation sees in the same step are not quantized).
When every activation has a quantizer type (above) the node follows it exactly: the op's
``round_state_on_read`` with the state quantizer's type as ``state_read``, and ``state`` /
``cell`` / ``result`` / ``accum`` ``"auto"``: the smallest types holding what the cell
computes exactly (``Op.exact_spans``: LSTM ``c = f c + i g``, ``h = o act(c)``; GRU
``h = z h + (1 - z) n``), capped at ``max_width``; a SimpleRNN's ``h = act(z)`` is already in
the activation's type. The node is then exact when ``passes.mark_exact`` finds every value
held (and float32's 24 bits enough). Otherwise (a float activation or QKeras' unquantized
``hard_sigmoid``, no state quantizer) the quantizer's type is given to ``state`` (and
``cell``): the firmware rounds
h and c when it computes them, and the node is reported not exact with the op's reason and
worst-case error against the float cell (``fpga_export.layers.recurrent.error_bound``)
followed by ``STATE_ROUNDING``.
Refused: a QGRU without ``recurrent_quantizer`` (QKeras then multiplies the state by the
*input* kernel, a QKeras bug), quantizers that are refused elsewhere (data-dependent scales).
"""

from __future__ import annotations

import numpy as np
import qkeras
from qkeras import quantizers as qq

from fpga_export.layers.recurrent import GRU, LSTM, SimpleRNN
from fpga_export.passes.infer_types import AUTO
from fpga_export.types import FixedType

from ..convert import KERAS_LAYERS, LayerCall, array
from ..quantizers import QuantizerError, activation_spec, quantize_weight
from .recurrent import ACTIVATIONS, GATE_ACTIVATIONS, check_options, op_activation, state_nodes

_QKERAS_HARD = (qq.hard_sigmoid,)
# the NOT EXACT reason QKeras adds to the op's own (passes.mark_exact reads node.hints)
STATE_ROUNDING = {
    "result": "QKeras applies state_quantizer to h and c only when the next step reads them, "
    "the firmware when they are computed"
}


def _activation(call: LayerCall, fn, what: str, allowed) -> tuple[str, FixedType | None]:
    """(op spelling, the quantizer's type or None) of a QKeras cell activation."""
    if fn in _QKERAS_HARD:
        return "hard_sigmoid_qkeras", None
    if isinstance(fn, qq.quantized_tanh):
        spec = activation_spec(fn, f"the {what} of layer {call.layer.name!r}")
        return ("tanh" if fn.use_real_tanh else "linear"), spec.result
    if isinstance(fn, qq.quantized_sigmoid):
        spec = activation_spec(fn, f"the {what} of layer {call.layer.name!r}")
        name = "sigmoid" if spec.op.function == "sigmoid" else "hard_sigmoid_qkeras"
        if name == "hard_sigmoid_qkeras" and spec.op.slope != 0.5:
            raise call.refuse(f"{what} {fn}: QKeras' smooth sigmoid (slope 0.1875)")
        return name, spec.result
    if call.flavor.activation(fn) is None:
        raise call.refuse(f"{what} {fn!r} is not supported in a recurrent layer")
    return op_activation(call, fn, what, allowed), None


def _quantized(call: LayerCall, layer, name: str, value) -> tuple[np.ndarray, FixedType | None]:
    q = (
        getattr(layer, f"{name}_quantizer_internal")
        if getattr(layer, f"{name}_quantizer")
        else None
    )
    try:
        values, t, _ = quantize_weight(q, value)
    except QuantizerError as e:
        raise call.refuse(f"{name}: {e}") from None
    return values, t


def exact_state_types(op_class, given: dict, read: FixedType) -> dict | None:
    """The types of ``round_state_on_read`` (module docstring): ``state_read`` = the state
    quantizer's, ``accum`` / ``state`` / ``cell`` / ``result`` ``"auto"`` (the smallest types
    holding the op's exact spans, capped at ``max_width``); None when an activation has no
    quantizer type."""
    if op_class is SimpleRNN:
        if "state" not in given:
            return None
        return {"state_read": read, "accum": AUTO, "result": given["state"]}
    if "gate" not in given or "candidate" not in given:
        return None
    out = {"state_read": read, "accum": AUTO, "state": AUTO, "result": AUTO}
    return {**out, "cell": AUTO} if op_class is LSTM else out


def qrecurrent(op_class):
    def handler(layer, call: LayerCall):
        check_options(layer, call)
        cell = layer.cell
        if op_class is GRU and not layer.recurrent_quantizer:
            raise call.refuse(
                "a QGRU without recurrent_quantizer is not supported: QKeras then multiplies the "
                "state by the input kernel instead of the recurrent kernel"
            )
        units = int(cell.units)
        given: dict = {}
        weights = {}
        for w in ("kernel", "recurrent"):
            attr = "kernel" if w == "kernel" else "recurrent_kernel"
            weights[attr], t = _quantized(call, layer, w, getattr(cell, attr))
            if t is not None:
                given[attr] = t
        gates = weights["recurrent_kernel"].shape[1]
        if cell.use_bias:
            bias, t = _quantized(call, layer, "bias", cell.bias)
        else:
            bias, t = np.zeros((2, gates)), FixedType(1, 1, False)
        fields = {"units": units}
        if op_class is GRU:
            fields["reset_after"] = bool(cell.reset_after)
        if op_class is GRU and cell.reset_after:
            weights["bias"], weights["recurrent_bias"] = bias[0], bias[1]
            if t is not None:
                given["recurrent_bias"] = t
        else:
            weights["bias"] = bias if bias.ndim == 1 else bias[0]
        if t is not None:
            given["bias"] = t
        act, act_t = _activation(call, cell.activation, "activation", ACTIVATIONS)
        fields["activation"] = act
        if act_t is not None:
            given["candidate" if op_class is not SimpleRNN else "state"] = act_t
        if op_class is not SimpleRNN:
            rec, rec_t = _activation(
                call, cell.recurrent_activation, "recurrent_activation", GATE_ACTIVATIONS
            )
            fields["recurrent_activation"] = rec
            if rec_t is not None:
                given["gate"] = rec_t
        exact = None
        if layer.state_quantizer:
            try:
                state_t = activation_spec(cell.state_quantizer_internal, "a state quantizer").result
            except QuantizerError as e:
                raise call.refuse(str(e)) from None
            exact = exact_state_types(op_class, given, state_t)
            if exact is None:
                given["state"] = state_t
                if op_class is LSTM:
                    given["cell"] = state_t
            else:
                given.update(exact)
        op = op_class(
            **fields,
            return_sequences=bool(layer.return_sequences),
            go_backwards=bool(layer.go_backwards),
            round_state_on_read=exact is not None,
        )
        weights = {k: array(v) for k, v in weights.items()}
        hints = STATE_ROUNDING if exact is None else None
        out = call.add(op, weights=weights, given=given, hints=hints)
        if not layer.return_state:
            return out
        return [out, *state_nodes(call, op, weights, out, "", given)]

    handler.__name__ = "q" + op_class.kind
    return handler


KERAS_LAYERS.register(qkeras.QSimpleRNN)(qrecurrent(SimpleRNN))
KERAS_LAYERS.register(qkeras.QLSTM)(qrecurrent(LSTM))
KERAS_LAYERS.register(qkeras.QGRU)(qrecurrent(GRU))
