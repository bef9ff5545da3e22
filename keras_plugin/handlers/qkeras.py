"""Handlers for QKeras layers (legacy tf_keras models; loaded by ``convert`` once QKeras is in
the process, so ``import keras_plugin`` never needs QKeras).

Every quantizer is read from the live layer (``*_quantizer_internal``) and applied to the
live weights the way the layer's ``call()`` does (``keras_plugin.quantizers``). A quantized
weight layer gets ``node.given`` types: its weights' exact types, ``accum`` and ``result``
"auto" (wide enough for every exact sum of the actual weights: nothing rounds before the
activation quantizer), and its activation quantizer a node of its own whose given result type
rounds and saturates like QKeras. Weights without a quantizer are exported as floats with the
user's precision and reported as not exact.

QConv2DBatchnorm / QDepthwiseConv2DBatchnorm fold the batch normalization into the kernel and
bias with TensorFlow's float32 ops exactly as their inference ``call()`` does, then quantize.
QBatchNormalization is a scale-and-shift node (exact only when its scale is a power of two).
QAveragePooling2D / QGlobalAveragePooling2D are average pools (exact when the window area is a
power of two). QSimpleRNN, QLSTM, QGRU: :mod:`.qkeras_recurrent`. Refused: QConv2DTranspose,
QAdaptiveActivation, QOctaveConv2D.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import qkeras
import tensorflow as tf

from fpga_export.layers.activation import Activation
from fpga_export.layers.conv import Conv1D, Conv2D
from fpga_export.layers.dense import Dense
from fpga_export.layers.depthwise import SEPARABLE_ROLES
from fpga_export.layers.norm import BatchNormalization
from fpga_export.layers.pool import GlobalPooling2D, Pooling2D
from fpga_export.layers.quantizer import exact_type, is_power_of_two
from fpga_export.types import FixedType

from ..convert import KERAS_LAYERS, LayerCall
from ..quantizers import QuantizerError, activation_spec, qq, quantize_weight, weight_type
from .conv import _channels_last, _depthwise, _ints, _padding, conv_op

AUTO = "auto"


def _q(layer, spec_attr: str, internal_attr: str):
    """The live quantizer object, or None when the layer leaves that weight unquantized
    (QKeras tests the spec, e.g. ``if self.kernel_quantizer:``)."""
    return getattr(layer, internal_attr) if getattr(layer, spec_attr, None) else None


@dataclass
class _Quantized:
    """A weight node's quantized weights, their types and why a type is lossy (hints)."""

    weights: dict
    types: dict
    hints: dict

    def node(self) -> dict:
        """``call.add`` keywords: the weights, the weight types plus exact accumulators."""
        return {"weights": self.weights, "given": _given(self.types), "hints": self.hints}


def _weights(call: LayerCall, pairs) -> _Quantized:
    """{weight: (quantizer, weight, reshape)} -> the quantized weights of one node."""
    out = _Quantized({}, {}, {})
    for name, (q, w, reshape) in pairs.items():
        try:
            out.weights[name], t, hint = quantize_weight(q, w, reshape)
        except QuantizerError as e:
            raise call.refuse(f"{name}: {e}") from None
        if t is not None:
            out.types[name] = t
        if hint:
            out.hints[name] = hint
    return out


def _bias(layer, call: LayerCall, n: int):
    if layer.use_bias:
        return (_q(layer, "bias_quantizer", "bias_quantizer_internal"), layer.bias, None)
    return (None, tf.zeros(n), None)


def _given(types: dict) -> dict:
    """Weight types plus exact accumulators; the result is the exact sum (the activation
    quantizer, a node of its own, rounds it like QKeras)."""
    return {**types, "accum": AUTO, "result": AUTO}


def fused_quantizer(layer, call: LayerCall, node: str) -> str:
    """The layer's ``activation=`` (a quantizer object or a Keras activation function) as a
    node after ``node``."""
    act = getattr(layer, "activation", None)
    if act is None:
        return node
    spec = call.flavor.activation(act)
    if spec is not None:  # a float Keras activation: approximated, not a quantizer
        name, kwargs = spec
        if name == "linear":
            return node
        return call.add(Activation(name, **kwargs), suffix=name, inputs=[node],
                        layer_type="Activation")  # fmt: skip
    try:
        q = activation_spec(act, f"the activation of layer {layer.name!r}")
    except QuantizerError as e:
        raise call.refuse(str(e)) from None
    suffix = type(act).__name__
    return call.add(
        q.op, suffix=suffix, inputs=[node], weights=q.weights, given={"result": q.result},
        layer_type="Activation",
    )  # fmt: skip


@KERAS_LAYERS.register(qkeras.QActivation)
def qactivation(layer, call: LayerCall) -> str:
    act = layer.quantizer
    spec = call.flavor.activation(act)
    if spec is not None:
        name, kwargs = spec
        return call.add(Activation(name, **kwargs))
    try:
        q = activation_spec(act)
    except QuantizerError as e:
        raise call.refuse(str(e)) from None
    return call.add(q.op, weights=q.weights, given={"result": q.result})


@KERAS_LAYERS.register(qkeras.QDense)
def qdense(layer, call: LayerCall) -> str:
    (shape,) = call.input_shapes
    if len(shape) != 1:
        raise call.refuse(f"QDense on an input of shape {shape} per sample: only 1-D inputs")
    q = _q(layer, "kernel_quantizer", "kernel_quantizer_internal")
    qw = _weights(call, {"kernel": (q, layer.kernel, None),
                         "bias": _bias(layer, call, layer.units)})  # fmt: skip
    node = _weight_node(call, Dense(units=int(layer.units)), q, qw)
    return fused_quantizer(layer, call, node)


def _conv_op(layer, call: LayerCall):
    _channels_last(layer, call)
    return conv_op(layer, call)


@KERAS_LAYERS.register(qkeras.QConv1D, qkeras.QConv2D)
def qconv(layer, call: LayerCall) -> str:
    op = _conv_op(layer, call)
    q = _q(layer, "kernel_quantizer", "kernel_quantizer_internal")
    qw = _weights(call, {"kernel": (q, layer.kernel, None),
                         "bias": _bias(layer, call, op.filters)})  # fmt: skip
    node = _weight_node(call, op, q, qw)
    return fused_quantizer(layer, call, node)


def _weight_node(call: LayerCall, op, q, qw: _Quantized, depthwise=False) -> str:
    """The layer's weight node. Binary/ternary kernels scaled per output channel by powers of
    two (QKeras' default alpha "auto_po2") become a multiplier-free node with the kernel's
    signs (a 2-bit type) and the bias divided by the scales, then a ``<layer>_scale`` node
    multiplying each channel by its scale (a shift): the same values exactly."""
    split = None
    if isinstance(q, (qq.binary, qq.ternary)) and "kernel" in qw.types:
        split = _sign_and_scale(qw.weights["kernel"], 2 if depthwise else 1)
    if split is None:
        return call.add(op, **qw.node())
    signs, scale = split
    bias = qw.weights["bias"] / scale
    types = {"kernel": FixedType(2, 2), "bias": exact_type(bias) or qw.types["bias"]}
    qw = _Quantized({"kernel": signs, "bias": bias}, {**qw.types, **types}, qw.hints)
    node = call.add(op, **qw.node())
    given = {"scale": exact_type(scale), "bias": FixedType(1, 1, False)}
    return call.add(
        BatchNormalization(), weights={"scale": scale, "shift": np.zeros_like(scale)},
        suffix="scale", inputs=[node], given=_given(given), layer_type="BatchNormalization",
    )  # fmt: skip


def _sign_and_scale(kernel: np.ndarray, channel_axes: int):
    """(kernel / scale, scale) when every output channel's (the last ``channel_axes`` axes)
    nonzero weights are +-s, s a power of two, not all 1 (else the kernel is 2-bit already);
    else None."""
    n_out = int(np.prod(kernel.shape[-channel_axes:]))
    k = kernel.reshape(-1, n_out)
    mags = np.abs(k)
    scale = mags.max(axis=0)
    scale[scale == 0] = 1.0
    if not np.all((mags == 0) | (mags == scale)):
        return None
    if not is_power_of_two(scale) or np.all(scale == 1.0):
        return None
    return (k / scale).reshape(kernel.shape), scale


def _folded_bn(layer):
    """(kernel, bias) of a Q*Batchnorm layer folded with its moving statistics, computed with
    the same float32 TensorFlow ops as its inference ``call()``."""
    bn = layer.batchnorm
    inv = tf.math.rsqrt(bn.moving_variance + bn.epsilon)
    if bn.gamma is not None:
        inv *= bn.gamma
    bias = layer.bias if layer.use_bias else 0
    folded_bias = inv * (bias - bn.moving_mean) + (bn.beta if bn.beta is not None else 0)
    kernel = layer.depthwise_kernel if hasattr(layer, "depthwise_kernel") else layer.kernel
    if hasattr(layer, "depthwise_kernel"):  # (KH, KW, C, M): scale per channel c*M + m
        shape = kernel.shape
        folded = tf.reshape(inv, (int(shape[2]), int(shape[3]))) * kernel
    else:
        folded = inv * kernel
    return folded, folded_bias


def _folded_layer(layer, call: LayerCall, op, kernel_spec: str) -> str:
    """A Q*Batchnorm layer: batchnorm folded into kernel and bias (float32, as QKeras), then
    both quantized."""
    kernel, bias = _folded_bn(layer)
    q_kernel = _q(layer, kernel_spec, kernel_spec + "_internal")
    q_bias = getattr(layer, "bias_quantizer_internal", None)
    pairs = {"kernel": (q_kernel, kernel, None), "bias": (q_bias, bias, None)}
    node = call.add(op, **_weights(call, pairs).node())
    return fused_quantizer(layer, call, node)


@KERAS_LAYERS.register(qkeras.QConv2DBatchnorm)
def qconv_batchnorm(layer, call: LayerCall) -> str:
    return _folded_layer(layer, call, _conv_op(layer, call), "kernel_quantizer")


@KERAS_LAYERS.register(qkeras.QDepthwiseConv2DBatchnorm)
def qdepthwise_batchnorm(layer, call: LayerCall) -> str:
    op, _ = _depthwise(layer, call, use_bias=True)
    return _folded_layer(layer, call, op, "depthwise_quantizer")


@KERAS_LAYERS.register(qkeras.QDepthwiseConv2D)
def qdepthwise(layer, call: LayerCall) -> str:
    op, _ = _depthwise(layer, call, use_bias=True)
    c = int(call.input_shapes[0][-1])
    q = _q(layer, "depthwise_quantizer", "depthwise_quantizer_internal")
    pairs = {
        "kernel": (q, layer.depthwise_kernel, None),
        "bias": _bias(layer, call, c * op.depth_multiplier),
    }
    node = _weight_node(call, op, q, _weights(call, pairs), depthwise=True)
    return fused_quantizer(layer, call, node)


@KERAS_LAYERS.register(qkeras.QSeparableConv1D, qkeras.QSeparableConv2D)
def qseparable(layer, call: LayerCall) -> str:
    op, _ = _depthwise(layer, call, use_bias=False)
    one = (1,) * op.rank
    # QSeparableConv1D quantizes the kernels expanded to 2-D (a leading axis of 1)
    expand = (lambda t: tf.expand_dims(t, 0)) if op.rank == 1 else None
    q_dw = _q(layer, "depthwise_quantizer", "depthwise_quantizer_internal")
    q_pw = _q(layer, "pointwise_quantizer", "pointwise_quantizer_internal")
    (in_shape,) = call.input_shapes
    c = int(in_shape[-1]) * op.depth_multiplier
    dw_q = _weights(
        call,
        {"kernel": (q_dw, layer.depthwise_kernel, expand), "bias": (None, tf.zeros(c), None)},
    )
    dw_q.types["bias"] = FixedType(1, 1, False)  # holds the depthwise step's zero bias
    dw_shape = (*call.output_shape[:-1], c)
    dw = call.add(op, suffix="depthwise", shape=dw_shape, **dw_q.node())
    filters = int(layer.filters)
    pw_q = _weights(
        call,
        {"kernel": (q_pw, layer.pointwise_kernel, expand), "bias": _bias(layer, call, filters)},
    )
    pw_q.weights["kernel"] = pw_q.weights["kernel"].reshape(*one, c, filters)
    pw = (Conv1D if op.rank == 1 else Conv2D)(
        filters=filters, kernel_size=one, strides=one, padding="valid", dilation=one
    )
    out = call.add(pw, inputs=[dw], **pw_q.node())
    nodes = {"depthwise": dw, "pointwise": out}
    call.alias_roles(out, {a: (nodes[part], r) for a, (part, r) in SEPARABLE_ROLES.items()})
    return fused_quantizer(layer, call, out)


@KERAS_LAYERS.register(qkeras.QBatchNormalization)
def qbatchnorm(layer, call: LayerCall) -> str:
    """``y = x * inv + (beta - mean * inv)``, ``inv = rsqrt(var + eps) * gamma`` from the
    quantized parameters, in float32 as ``tf.nn.batch_normalization`` computes them."""
    (shape,) = call.input_shapes
    axes = layer.axis if isinstance(layer.axis, (list, tuple)) else [layer.axis]
    if [int(a) % (len(shape) + 1) for a in axes] != [len(shape)]:
        raise call.refuse(f"QBatchNormalization over axis {list(axes)}: only the last axis")
    n = int(shape[-1])

    def param(value, flag, spec_attr, default):
        if value is None or not flag:  # no gamma (scale=False) / beta (center=False)
            return tf.fill((n,), tf.constant(default, tf.float32))
        q = _q(layer, spec_attr, spec_attr + "_internal")
        return q(value) if q is not None else value

    gamma = param(layer.gamma, layer.scale, "gamma_quantizer", 1.0)
    beta = param(layer.beta, layer.center, "beta_quantizer", 0.0)
    mean = param(layer.moving_mean, True, "mean_quantizer", 0.0)
    var = param(layer.moving_variance, True, "variance_quantizer", 1.0)
    inv = tf.math.rsqrt(var + layer.epsilon) * gamma
    scale, shift = inv.numpy(), (beta - mean * inv).numpy()
    weights = {"scale": scale, "shift": shift}
    given = {"scale": weight_type(None, scale), "bias": weight_type(None, shift)}
    return call.add(BatchNormalization(), weights=weights, given=_given(given))


def _qpool(is_global: bool):
    def handler(layer, call: LayerCall) -> str:
        _channels_last(layer, call)
        if is_global:
            op = GlobalPooling2D("average")
        else:
            op = Pooling2D(
                "average",
                pool_size=_ints(layer.pool_size),
                strides=_ints(layer.strides),
                padding=_padding(layer, call),
            )
        node = call.add(op)
        q = layer.average_quantizer_internal if layer.average_quantizer else None
        if q is not None:
            (shape,) = call.input_shapes
            area = shape[0] * shape[1] if is_global else int(np.prod(_ints(layer.pool_size)))
            factor = float(np.asarray(q(tf.constant(1.0 / area)).numpy()))
            if factor != 1.0 / area:
                raise call.refuse(
                    f"average_quantizer {q} turns 1/{area} into {factor}, a different "
                    "multiplier than the average; not supported"
                )
        return fused_quantizer(layer, call, node)

    return handler


KERAS_LAYERS.register(qkeras.QAveragePooling2D)(_qpool(False))
KERAS_LAYERS.register(qkeras.QGlobalAveragePooling2D)(_qpool(True))


def _refuse(reason: str):
    def handler(layer, call: LayerCall) -> str:
        raise call.refuse(reason)

    return handler


KERAS_LAYERS.register(qkeras.QConv2DTranspose)(_refuse("transposed convolutions are not supported"))
KERAS_LAYERS.register(qkeras.QAdaptiveActivation)(
    _refuse("QAdaptiveActivation changes its quantizer while training; replace it by "
            "QActivation with the final quantizer before export")
)  # fmt: skip

from . import qkeras_recurrent  # noqa: E402,F401  (registers QSimpleRNN, QLSTM, QGRU)
