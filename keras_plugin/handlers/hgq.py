"""Handlers for HGQ2 layers (Keras 3; loaded by ``convert`` once ``hgq`` is in the process).

An HGQ2 layer at inference: its input quantizer(s) ``iq`` (``enable_iq``), the float
computation of its Keras base class on the quantized values with the quantized weights
(``qkernel``/``qbias``: the layer's own quantizers applied to the live weights), its
``activation``, then its output quantizer ``oq`` (``enable_oq``). Each becomes a node:
``<layer>_iq`` (``_iq0``, ``_iq1`` ... for merges), ``<layer>``, ``<layer>_<activation>``,
``<layer>_oq``. Quantizers: :mod:`.hgq_quantizers`. Weight nodes get the exact types of their
quantized values and "auto" ``accum``/``result`` (every exact sum), so nothing rounds between
quantizers; the frameworks' float32 sums are exact while they need at most 24 significant
bits (``passes.mark_exact`` checks). relu/linear activations are exact; other float
activations (tanh ...) are lookup tables, reported NOT EXACT.

Layers: QDense (sequences: a Conv1D of kernel size 1), QBatchNormDense (HGQ folds the moving
statistics into the quantized kernel and bias: ``qkernel``/``qbias`` are those), QEinsumDense
that is a Dense (``"ab,bc->ac"``, bias on the output axis), QConv1D/QConv2D, QAdd, QSubtract,
QMultiply, QMaximum, QMinimum, QAveragePow2 (2^n inputs), Q(Global)(Max|Average)Pooling1D/2D,
QSum and QMeanPow2 (a Dense of 0 / power-of-two weights on the flattened input),
QUnaryFunctionLUT and QAffinedUnaryFunctionLUT (relu/linear: exact nodes; any other function:
a ``Lookup`` table of HGQ2's own outputs for every input value, inputs of at most 16 bits), the
``Quantizer`` layer itself, plus the plain Keras layers between them. Refused with the reason:
everything else HGQ2 has (QSoftmax, QDot, QEinsum, attention, recurrent, SNN, 3-D layers,
QBatchNormalization, table-based QDenseT ...).
"""

from __future__ import annotations

import dataclasses
import re

import hgq.layers as hl
import numpy as np
from hgq.quantizer import Quantizer as HQuantizer

from fpga_export.layers.activation import Activation
from fpga_export.layers.conv import Conv1D
from fpga_export.layers.dense import Dense
from fpga_export.layers.fixed_quantizer import container_type
from fpga_export.layers.lookup import MAX_BITS, Lookup, table_inputs
from fpga_export.layers.merge import Merge
from fpga_export.layers.quantizer import exact_type
from fpga_export.layers.reshape import Flatten, Reshape

from ..convert import KERAS_LAYERS, LayerCall, array
from .conv import _channels_last, _global_handler, _pool_handler, conv_op
from .hgq_quantizers import AUTO, HGQError, kif, quantize_node, weight_types


def _input_quantizers(layer, call: LayerCall) -> list[str]:
    """The nodes after the layer's input quantizer(s)."""
    if not layer.enable_iq:
        return list(call.inputs)
    iqs = list(layer.iq) if len(call.inputs) > 1 else [layer.iq]
    out = []
    for n, (q, name, shape) in enumerate(zip(iqs, call.inputs, call.input_shapes, strict=True)):
        suffix = "iq" if len(iqs) == 1 else f"iq{n}"
        out.append(quantize_node(call, q, name, tuple(shape), suffix))
    return out


def _output_quantizer(layer, call: LayerCall, node: str) -> str:
    if not layer.enable_oq:
        return node
    return quantize_node(call, layer.oq, node, tuple(call.output_shape), "oq")


def _activation(layer, call: LayerCall, node: str) -> str:
    """The layer's float ``activation``: relu/linear exact ("auto" types), others approximate."""
    fn = getattr(layer, "activation", None)
    if fn is None:
        return node
    spec = call.flavor.activation(fn)
    if spec is None:
        what = getattr(fn, "__name__", repr(fn))
        raise call.refuse(f"activation {what!r} is not supported")
    name, kwargs = spec
    if name == "linear":
        return node
    given = {"result": AUTO} if name == "relu" else {}
    return call.add(Activation(name, **kwargs), suffix=name, inputs=[node], given=given,
                    layer_type="Activation")  # fmt: skip


def _weight_node(call: LayerCall, op, inputs: list[str], kernel, bias) -> str:
    weights = {"kernel": np.asarray(kernel, np.float64), "bias": np.asarray(bias, np.float64)}
    given = {**weight_types(call, weights), "accum": AUTO, "result": AUTO}
    return call.add(op, inputs=inputs, weights=weights, given=given)


def _qbias(layer, n: int) -> np.ndarray:
    return array(layer.qbias) if layer.bias is not None else np.zeros(n)


@KERAS_LAYERS.register(hl.QDense, hl.QBatchNormDense)
def qdense(layer, call: LayerCall) -> str:
    """1-D inputs: a Dense; sequences (T, F): a Conv1D of kernel size 1 (the same Dense at
    every timestep, as HGQ2's matmul over the last axis)."""
    (shape,) = call.input_shapes
    if len(shape) not in (1, 2):
        raise call.refuse(f"{type(layer).__name__} on an input of shape {shape} per sample: "
                          "only 1-D inputs and sequences (timesteps, features)")  # fmt: skip
    inputs = _input_quantizers(layer, call)
    units = int(layer.units)
    kernel, bias = array(layer.qkernel), _qbias(layer, units)
    if len(shape) == 2:
        op = Conv1D(filters=units, kernel_size=(1,), strides=(1,), padding="valid", dilation=(1,))
        node = _weight_node(call, op, inputs, kernel[None], bias)
    else:
        node = _weight_node(call, Dense(units=units), inputs, kernel, bias)
    return _output_quantizer(layer, call, _activation(layer, call, node))


_DENSE_EQUATION = re.compile(r"^(\.\.\.|[a-z])([a-z]),\2([a-z])->\1\3$")


@KERAS_LAYERS.register(hl.QEinsumDense)
def qeinsum_dense(layer, call: LayerCall) -> str:
    """A QEinsumDense that is a Dense: ``"ab,bc->ac"`` (or ``"...b,bc->...c"``) on a 1-D
    input, bias (if any) on the output axis."""
    eq = layer.equation.replace(" ", "")
    m = _DENSE_EQUATION.match(eq)
    (shape,) = call.input_shapes
    bias_ok = layer.bias_axes in (None, "", m.group(3) if m else None)
    if m is None or len(shape) != 1 or not bias_ok:
        raise call.refuse(
            f"equation {layer.equation!r} with bias_axes={layer.bias_axes!r} on an input of "
            f"shape {tuple(shape)} is not a Dense; only 'ab,bc->ac' (or '...b,bc->...c') on "
            "1-D inputs with the bias on the output axis"
        )
    inputs = _input_quantizers(layer, call)
    kernel = array(layer.kq(layer._kernel))
    units = int(kernel.shape[-1])
    bias = array(layer.bq(layer.bias)) if layer.bias is not None else np.zeros(units)
    node = _weight_node(call, Dense(units=units), inputs, kernel, bias.reshape(units))
    return _output_quantizer(layer, call, _activation(layer, call, node))


@KERAS_LAYERS.register(hl.QConv1D, hl.QConv2D)
def qconv(layer, call: LayerCall) -> str:
    _channels_last(layer, call)
    if getattr(layer, "groups", 1) != 1:
        raise call.refuse(f"groups={layer.groups} is not supported (only 1)")
    op = conv_op(layer, call)
    pf = getattr(layer, "parallelization_factor", -1)  # HGQ2's: output pixels in parallel
    if isinstance(pf, int) and pf > 0:  # (its default, -1, becomes all pixels once built)
        op = dataclasses.replace(op, parallelization_factor=pf)
    inputs = _input_quantizers(layer, call)
    bias = _qbias(layer, op.filters)
    node = _weight_node(call, op, inputs, array(layer.qkernel), bias)
    return _output_quantizer(layer, call, _activation(layer, call, node))


def _plain(handler):
    """An HGQ2 layer computing as its Keras base class between its quantizers: the plain
    handler's node(s) on the quantized inputs, all values exact ("auto")."""

    def wrapped(layer, call: LayerCall) -> str:
        inputs = _input_quantizers(layer, call)
        node = handler(layer, dataclasses.replace(call, inputs=inputs))
        made = call.converter.graph[node]
        made.given = {r: AUTO for r in made.op.roles if r in ("result", "accum")}
        return _output_quantizer(layer, call, node)

    wrapped.__name__ = getattr(handler, "__name__", "plain")
    return wrapped


def _merge(op: str):
    def handler(layer, call: LayerCall) -> str:
        shapes = [tuple(s) for s in call.input_shapes]
        if len(shapes) < 2 or (op == "subtract" and len(shapes) != 2):
            raise call.refuse(f"merging {len(shapes)} inputs is not supported")
        if any(s != shapes[0] for s in shapes):
            raise call.refuse(f"inputs of different shapes {shapes} (broadcasting) are not "
                              "supported")  # fmt: skip
        if op == "average":
            n = len(shapes)
            if n & (n - 1):
                raise call.refuse(f"QAveragePow2 of {n} inputs scales by "
                                  f"{layer._scale}, not 1/{n}; only 2^k inputs")  # fmt: skip
        return call.add(Merge(op))

    return handler


for _op, _cls in [
    ("add", hl.QAdd),
    ("subtract", hl.QSubtract),
    ("multiply", hl.QMultiply),
    ("maximum", hl.QMaximum),
    ("minimum", hl.QMinimum),
    ("average", hl.QAveragePow2),
]:
    KERAS_LAYERS.register(_cls)(_plain(_merge(_op)))

for _op, _cls, _rank in (
    ("max", hl.QMaxPooling1D, 1),
    ("max", hl.QMaxPooling2D, 2),
    ("average", hl.QAveragePooling1D, 1),
    ("average", hl.QAveragePooling2D, 2),
):
    KERAS_LAYERS.register(_cls)(_plain(_pool_handler(_op, _rank)))
for _op, _cls, _rank in (
    ("max", hl.QGlobalMaxPooling1D, 1),
    ("max", hl.QGlobalMaxPooling2D, 2),
    ("average", hl.QGlobalAveragePooling1D, 1),
    ("average", hl.QGlobalAveragePooling2D, 2),
):
    KERAS_LAYERS.register(_cls)(_plain(_global_handler(_op, _rank)))


@KERAS_LAYERS.register(hl.QUnaryFunctionLUT, hl.QAffinedUnaryFunctionLUT)
def qunary_lut(layer, call: LayerCall) -> str:
    """relu/linear (unit affine): exact nodes; any other function: a ``Lookup`` table holding
    HGQ2's own float32 output (``oq(activation(v * scale + bias))``) for every value v of the
    input quantizer's type, so it is exact too."""
    spec = call.flavor.activation(layer.activation)
    name = spec[0] if spec else getattr(layer.activation, "__name__", repr(layer.activation))
    affined = isinstance(layer, hl.QAffinedUnaryFunctionLUT)
    unit = not affined or (np.all(array(layer.scale) == 1.0) and np.all(array(layer.bias) == 0))
    (node,) = _input_quantizers(layer, call)
    if name in ("relu", "linear") and unit:
        if name == "relu":
            node = call.add(Activation("relu"), inputs=[node], given={"result": AUTO})
        return _output_quantizer(layer, call, node)
    return _lookup(layer, call, node)


def _lookup(layer, call: LayerCall, node: str) -> str:
    if not layer.enable_iq:
        raise call.refuse("a lookup table needs the layer's input quantizer (enable_iq=True)")
    if layer.enable_oq:
        try:
            kif_ = kif(layer.oq, tuple(call.output_shape))
        except HGQError as e:
            raise call.refuse(str(e)) from None
        if kif_ is not None and not all(np.all(a == np.ravel(a)[0]) for a in kif_):
            raise call.refuse("its output quantizer has several bit widths; a lookup table "
                              "needs one (allow_heterogeneous_table=False)")  # fmt: skip
    made = call.converter.graph[node]
    given = made.given.get("result")
    t = container_type(made.weights, made.op.rounding, made.op.overflow) if given == AUTO else given
    if t.width > MAX_BITS:
        raise call.refuse(f"its input type {t} has {t.width} bits; a lookup table takes at most "
                          f"{MAX_BITS}")  # fmt: skip
    rank = len(call.output_shape)
    v = table_inputs(t).astype(np.float32).reshape(-1, *([1] * rank))
    if isinstance(layer, hl.QAffinedUnaryFunctionLUT):
        v = v * layer.scale + layer.bias
    y = layer.activation(v)
    if layer.enable_oq:
        y = layer.oq(y, training=False)
    table = array(y).reshape(-1)
    tt = exact_type(table, max_width=64) if np.all(np.isfinite(table)) else None
    if tt is None:
        raise call.refuse("its outputs over the input type are not all finite values of a "
                          "fixed-point type of at most 64 bits")  # fmt: skip
    return call.add(Lookup(), inputs=[node], weights={"table": table},
                    given={"table": tt, "result": tt})  # fmt: skip


@KERAS_LAYERS.register(hl.QSum, hl.QMeanPow2)
def qsum(layer, call: LayerCall) -> str:
    """A sum over ``axes`` times a power of two (``scale``; QMeanPow2:
    ``2^round(log2(1/n))``): a Dense on the flattened input whose kernel holds the scale where
    an input value belongs to an output value (0 elsewhere), reshaped to the output shape.
    Every sum is exact ("auto"), as HGQ2's float32 sum is while it needs at most 24
    significant bits (``passes.mark_exact`` checks)."""
    shape = tuple(call.input_shapes[0])
    axes = sorted(int(a) - 1 for a in layer.axes)  # layer.axes count the batch axis
    if axes[0] < 0:
        raise call.refuse("a sum over the batch axis is not supported")
    out_shape = tuple(call.output_shape)
    if not out_shape:
        raise call.refuse(f"a sum over every axis of {shape} without keepdims leaves no axis "
                          "per sample; use keepdims=True")  # fmt: skip
    kept = tuple(1 if i in axes else d for i, d in enumerate(shape))
    index = tuple(np.zeros(shape, int) if i in axes else a for i, a in enumerate(np.indices(shape)))
    target = np.ravel_multi_index(index, kept).ravel()
    n_in, n_out = target.size, int(np.prod(kept))
    kernel = np.zeros((n_in, n_out))
    kernel[np.arange(n_in), target] = float(layer.scale)
    inputs = _input_quantizers(layer, call)
    if len(shape) > 1:
        inputs = [call.add(Flatten(), suffix="flat", inputs=inputs, shape=(n_in,))]
    weights = {"kernel": kernel, "bias": np.zeros(n_out)}
    given = {**weight_types(call, weights), "accum": AUTO, "result": AUTO}
    node = call.add(Dense(units=n_out), inputs=inputs, weights=weights, given=given,
                    shape=(n_out,))  # fmt: skip
    if out_shape != (n_out,):
        node = call.add(Reshape(out_shape), suffix="reshape", inputs=[node])
    return _output_quantizer(layer, call, node)


@KERAS_LAYERS.register(HQuantizer)
def quantizer_layer(layer, call: LayerCall) -> str:
    (shape,) = call.input_shapes
    return quantize_node(call, layer, call.inputs[0], tuple(shape), "")


def _refuse(reason: str):
    def handler(layer, call: LayerCall) -> str:
        raise call.refuse(reason)

    return handler


for _cls, _why in [
    (hl.QSoftmax, "QSoftmax uses lookup tables that fixed-point firmware does not reproduce"),
    (hl.QDot, "QDot is not supported"),
    (hl.QEinsum, "QEinsum is not supported"),
    (hl.QBatchNormalization, "QBatchNormalization is not supported (use QBatchNormDense)"),
    (hl.QConv3D, "3-D convolutions are not supported"),
    (hl.QSimpleRNN, "recurrent HGQ2 layers are not supported"),
    (hl.QGRU, "recurrent HGQ2 layers are not supported"),
    (hl.QMultiHeadAttention, "attention layers are not supported"),
    (hl.QLinformerAttention, "attention layers are not supported"),
    (hl.QDenseT, "table-based layers (QDenseT ...) are not supported"),
    (hl.QConvT1D, "table-based layers (QDenseT ...) are not supported"),
    (hl.QConvT2D, "table-based layers (QDenseT ...) are not supported"),
    (hl.QEinsumDenseT, "table-based layers (QDenseT ...) are not supported"),
    (hl.QEinsumDenseBatchnorm, "QEinsumDenseBatchnorm is not supported (use QBatchNormDense)"),
]:
    KERAS_LAYERS.register(_cls)(_refuse(_why))
