"""Handlers for Keras' convolution, pooling and Flatten layers (Keras 3 and tf_keras).

Only ``data_format="channels_last"`` is supported (the firmware's data are channels-last);
channels-first layers are refused with a clear message.

DepthwiseConv1D/2D become one depthwise node named after the layer (type roles ``result``,
``accum``, ``kernel`` = Keras' depthwise kernel, ``bias``). SeparableConv1D/2D
``sep`` become TWO nodes: ``sep_depthwise`` (the depthwise step, zero bias, its own
``result``/``accum``/``kernel`` types) then ``sep`` (a 1x1 Conv1D/Conv2D: ``kernel`` = the
pointwise kernel, ``bias`` = the layer's bias). The depthwise output is converted to
``sep_depthwise``'s ``result`` type before the pointwise step (Keras keeps it in float).
Per-layer precision: ``layers={"sep_depthwise": {...}, "sep": {...}}`` (or
``hls_config["LayerName"]``); ``hls_config["LayerType"]["SeparableConv2D"]`` applies to both.
Settings for ``sep`` may also use hls4ml's layer-level role names (``SEPARABLE_ROLES``):
``{"depthwise": <depthwise kernel>, "pointwise": <pointwise kernel>, "depthwise_result": ...,
"depthwise_accum": ...}``, and a whole-layer type for ``sep`` applies to both nodes.
"""

from __future__ import annotations

import numpy as np

from fpga_export.layers.conv import Conv1D, Conv2D
from fpga_export.layers.depthwise import SEPARABLE_ROLES, DepthwiseConv1D, DepthwiseConv2D
from fpga_export.layers.pool import GlobalPooling1D, GlobalPooling2D, Pooling1D, Pooling2D
from fpga_export.layers.reshape import Flatten

from ..convert import KERAS_LAYERS, LayerCall, array
from ..flavors import each
from .core import fused_activation


def _channels_last(layer, call: LayerCall) -> None:
    fmt = getattr(layer, "data_format", "channels_last")
    if fmt != "channels_last":
        raise call.refuse(
            f'data_format="{fmt}" is not supported: only "channels_last" (rebuild the model '
            'with data_format="channels_last", or transpose its input)'
        )


def _ints(value) -> tuple[int, ...]:
    return tuple(int(v) for v in (value if isinstance(value, (list, tuple)) else (value,)))


def _padding(layer, call: LayerCall) -> str:
    padding = str(layer.padding).lower()
    if padding not in ("valid", "same"):
        raise call.refuse(f"padding={padding!r} is not supported (only 'valid' and 'same')")
    return padding


def conv_op(layer, call: LayerCall) -> Conv1D | Conv2D:
    """The Conv1D/Conv2D op of a Keras convolution layer (float or quantized)."""
    rank = len(_ints(layer.kernel_size))
    return (Conv1D if rank == 1 else Conv2D)(
        filters=int(layer.filters),
        kernel_size=_ints(layer.kernel_size),
        strides=_ints(layer.strides),
        padding=_padding(layer, call),
        dilation=_ints(layer.dilation_rate),
    )


@KERAS_LAYERS.register(*each(lambda k: k.layers.Conv1D), *each(lambda k: k.layers.Conv2D))
def conv(layer, call: LayerCall) -> str:
    _channels_last(layer, call)
    if getattr(layer, "groups", 1) != 1:
        raise call.refuse(f"groups={layer.groups} is not supported (only 1)")
    mode = getattr(layer, "quantization_mode", None)
    if mode is not None:
        raise call.refuse(
            f"Keras-quantized convolutions (quantization_mode={mode!r}) are not supported"
        )
    op = conv_op(layer, call)
    kernel = array(layer.kernel)
    bias = array(layer.bias) if layer.use_bias else np.zeros(int(layer.filters))
    out = call.add(op, weights={"kernel": kernel, "bias": bias})
    return fused_activation(layer, call, out)


def each_class(name: str) -> tuple:
    return tuple(each(lambda k: getattr(k.layers, name)))


def _depthwise(layer, call: LayerCall, use_bias: bool) -> tuple:
    """(op, weights) of the depthwise step of a Depthwise/SeparableConv layer."""
    _channels_last(layer, call)
    mode = getattr(layer, "quantization_mode", None)
    if mode is not None:
        raise call.refuse(
            f"Keras-quantized convolutions (quantization_mode={mode!r}) are not supported"
        )
    rank = len(_ints(layer.kernel_size))
    m = int(layer.depth_multiplier)
    op = (DepthwiseConv1D if rank == 1 else DepthwiseConv2D)(
        kernel_size=_ints(layer.kernel_size),
        depth_multiplier=m,
        strides=_ints(layer.strides),
        padding=_padding(layer, call),
        dilation=_ints(layer.dilation_rate),
    )
    # Keras 3 DepthwiseConvND names it `kernel`, tf_keras and SeparableConvND `depthwise_kernel`
    kernel = getattr(layer, "depthwise_kernel", None)
    kernel = array(layer.kernel if kernel is None else kernel)
    c = int(call.input_shapes[0][-1])
    bias = array(layer.bias) if use_bias and layer.use_bias else np.zeros(c * m)
    return op, {"kernel": kernel, "bias": bias}


# tf_keras' Depthwise/SeparableConvND subclass its Conv and redefine call(): registered here
@KERAS_LAYERS.register(*each_class("DepthwiseConv1D"), *each_class("DepthwiseConv2D"))
def depthwise(layer, call: LayerCall) -> str:
    op, weights = _depthwise(layer, call, use_bias=True)
    return fused_activation(layer, call, call.add(op, weights=weights))


@KERAS_LAYERS.register(*each_class("SeparableConv1D"), *each_class("SeparableConv2D"))
def separable(layer, call: LayerCall) -> str:
    op, weights = _depthwise(layer, call, use_bias=False)
    (in_shape,) = call.input_shapes
    dw_shape = (*call.output_shape[:-1], int(in_shape[-1]) * op.depth_multiplier)
    dw = call.add(op, weights=weights, suffix="depthwise", shape=dw_shape)
    one = (1,) * op.rank
    filters = int(layer.filters)
    pw = (Conv1D if op.rank == 1 else Conv2D)(
        filters=filters, kernel_size=one, strides=one, padding="valid", dilation=one
    )
    kernel = array(layer.pointwise_kernel).reshape(*one, dw_shape[-1], filters)
    bias = array(layer.bias) if layer.use_bias else np.zeros(filters)
    out = call.add(pw, weights={"kernel": kernel, "bias": bias}, inputs=[dw])
    nodes = {"depthwise": dw, "pointwise": out}
    call.alias_roles(out, {a: (nodes[part], r) for a, (part, r) in SEPARABLE_ROLES.items()})
    return fused_activation(layer, call, out)


def _pool_handler(op_name: str, rank: int):
    def handler(layer, call: LayerCall) -> str:
        _channels_last(layer, call)
        cls = Pooling1D if rank == 1 else Pooling2D
        op = cls(
            op_name,
            pool_size=_ints(layer.pool_size),
            strides=_ints(layer.strides),
            padding=_padding(layer, call),
        )
        return call.add(op)

    return handler


def _global_handler(op_name: str, rank: int):
    def handler(layer, call: LayerCall) -> str:
        _channels_last(layer, call)
        if getattr(layer, "keepdims", False):
            raise call.refuse("keepdims=True is not supported (only the (batch, channels) output)")
        return call.add((GlobalPooling1D if rank == 1 else GlobalPooling2D)(op_name))

    return handler


for _op, _cls, _rank in (
    ("max", "MaxPooling1D", 1),
    ("max", "MaxPooling2D", 2),
    ("average", "AveragePooling1D", 1),
    ("average", "AveragePooling2D", 2),
):
    KERAS_LAYERS.register(*each_class(_cls))(_pool_handler(_op, _rank))
for _op, _cls, _rank in (
    ("max", "GlobalMaxPooling1D", 1),
    ("max", "GlobalMaxPooling2D", 2),
    ("average", "GlobalAveragePooling1D", 1),
    ("average", "GlobalAveragePooling2D", 2),
):
    KERAS_LAYERS.register(*each_class(_cls))(_global_handler(_op, _rank))


@KERAS_LAYERS.register(*each(lambda k: k.layers.Flatten))
def flatten(layer, call: LayerCall) -> str:
    (shape,) = call.input_shapes
    if len(shape) > 1:
        _channels_last(layer, call)
    return call.add(Flatten())
