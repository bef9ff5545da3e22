"""Handlers for Conv1d/Conv2d (groups: ordinary, depthwise or grouped), MaxPool/AvgPool
1d/2d and AdaptiveAvgPool/AdaptiveMaxPool 1d/2d, module and function forms.

All work channels-last: the input is put in that layout (a model input arrives in it), the
output stays in it. Weights are transposed to the IR layout: ``(F, C/G, KH, KW)`` becomes
``(KH, KW, C, F)`` (depthwise: ``(KH, KW, C, M)``, grouped: ``(G, KH, KW, C/G, F/G)``).

Padding: ``'valid'``, ``'same'`` (stride 1, as PyTorch requires; PyTorch and the firmware
both put the odd pad after) and explicit sizes. Average pooling with padding keeps
PyTorch's ``count_include_pad`` (default True: padding counts in the divisor).
Refused: padding modes other than ``'zeros'``, ``ceil_mode=True``, pooling dilation,
``return_indices``, ``divisor_override``, adaptive pooling whose output size does not
divide the input size.
"""

from __future__ import annotations

import numpy as np
from torch import nn
from torch.nn import functional as F

from fpga_export.layers.conv import Conv1D, Conv2D
from fpga_export.layers.depthwise import DepthwiseConv1D, DepthwiseConv2D
from fpga_export.layers.pool import GlobalPooling1D, GlobalPooling2D, Pooling1D, Pooling2D

from ..convert import TORCH_FUNCTIONS, TORCH_MODULES, NodeCall, Value, channels_last, numpy


def _ints(value, rank: int) -> tuple[int, ...]:
    """``rank`` ints from an int or a sequence (one value applies to every axis)."""
    vals = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return tuple(int(v) for v in (vals * rank if len(vals) == 1 else vals))


def _spatial_rank(call: NodeCall, x, rank: int, what: str) -> None:
    if len(x.shape) != rank + 1:
        want = "(channels, length)" if rank == 1 else "(channels, height, width)"
        raise call.refuse(
            f"{what} takes a {want} input per sample (unbatched inputs are not supported), "
            f"got {x.shape}"
        )


def _explicit(padding: tuple[int, ...]):
    return "valid" if not any(padding) else tuple(padding)


@TORCH_MODULES.register(nn.Conv1d, nn.Conv2d)
@channels_last
def conv(call: NodeCall):
    m = call.module
    bias = numpy(m.bias) if m.bias is not None else np.zeros(int(m.out_channels))
    return conv_node(call, call.input(), numpy(m.weight), bias)


def conv_node(call: NodeCall, x: Value, w: np.ndarray, bias: np.ndarray, **node_kw) -> Value:
    """The convolution of ``call.module`` (its geometry) with the torch weight ``w``
    ``(F, C/G, *K)`` and ``bias``; ``node_kw``: ``given``/``hints`` of the node."""
    m = call.module
    rank = 1 if isinstance(m, nn.Conv1d) else 2
    _spatial_rank(call, x, rank, type(m).__name__)
    if m.padding_mode != "zeros":
        raise call.refuse(f"padding_mode={m.padding_mode!r} is not supported (only 'zeros')")
    x = call.channels_last(x)
    k, s, d = (_ints(v, rank) for v in (m.kernel_size, m.stride, m.dilation))
    padding = m.padding if isinstance(m.padding, str) else _explicit(_ints(m.padding, rank))
    c, f, g = int(m.in_channels), int(m.out_channels), int(m.groups)
    spatial = tuple(range(2, 2 + rank))
    if g == 1:
        cls = Conv1D if rank == 1 else Conv2D
        op = cls(filters=f, kernel_size=k, strides=s, padding=padding, dilation=d)
        kernel = w.transpose(*spatial, 1, 0)  # (*K, C, F)
    elif g == c:  # depthwise: output channel c * M + m, as Keras
        cls = DepthwiseConv1D if rank == 1 else DepthwiseConv2D
        mult = f // c
        op = cls(kernel_size=k, depth_multiplier=mult, strides=s, padding=padding, dilation=d)
        kernel = w.reshape(c, mult, *k).transpose(*spatial, 0, 1)  # (*K, C, M)
    else:
        cls = Conv1D if rank == 1 else Conv2D
        op = cls(filters=f, kernel_size=k, strides=s, padding=padding, dilation=d, groups=g)
        blocks = w.reshape(g, f // g, c // g, *k)  # (G, F/G, C/G, *K)
        kernel = blocks.transpose(0, *(a + 1 for a in spatial), 2, 1)  # (G, *K, C/G, F/G)
    node = call.add(op, [x], weights={"kernel": kernel, "bias": bias}, **node_kw)
    return call.channels_last_value(node)


def _pool(
    call: NodeCall, op_name: str, rank: int, kernel, stride, padding, count_pad=False, **node_kw
):
    x = call.input()
    _spatial_rank(call, x, rank, f"{op_name} pooling")
    x = call.channels_last(x)
    k = _ints(kernel, rank)
    s = k if stride is None or stride == [] or stride == () else _ints(stride, rank)
    pad = _ints(padding, rank)
    cls = Pooling1D if rank == 1 else Pooling2D
    count_pad = bool(count_pad) and op_name == "average" and any(pad)  # else: no difference
    op = cls(op_name, pool_size=k, strides=s, padding=_explicit(pad), count_pad=count_pad)
    return call.channels_last_value(call.add(op, [x], **node_kw))


def _check_pool_options(call: NodeCall, ceil_mode, dilation=1, return_indices=False, divisor=None):
    if ceil_mode:
        raise call.refuse("ceil_mode=True is not supported")
    if any(v != 1 for v in np.atleast_1d(dilation)):
        raise call.refuse(f"pooling with dilation={dilation} is not supported")
    if return_indices:
        raise call.refuse("return_indices=True is not supported")
    if divisor is not None:
        raise call.refuse("divisor_override is not supported")


@TORCH_MODULES.register(nn.MaxPool1d, nn.MaxPool2d)
@channels_last
def max_pool_module(call: NodeCall):
    m = call.module
    _check_pool_options(call, m.ceil_mode, m.dilation, m.return_indices)
    rank = 1 if isinstance(m, nn.MaxPool1d) else 2
    return _pool(call, "max", rank, m.kernel_size, m.stride, m.padding)


@TORCH_MODULES.register(nn.AvgPool1d, nn.AvgPool2d)
@channels_last
def avg_pool_module(call: NodeCall):
    m = call.module
    _check_pool_options(call, m.ceil_mode, divisor=getattr(m, "divisor_override", None))
    rank = 1 if isinstance(m, nn.AvgPool1d) else 2
    return _pool(call, "average", rank, m.kernel_size, m.stride, m.padding, m.count_include_pad)


def _max_pool_function(rank: int):
    @channels_last
    def handler(call: NodeCall):
        kernel, stride = call.const(1, "kernel_size"), call.const(2, "stride", None)
        padding, dilation = call.const(3, "padding", 0), call.const(4, "dilation", 1)
        ceil_mode, indices = (
            call.const(5, "ceil_mode", False),
            call.const(6, "return_indices", False),
        )
        _check_pool_options(call, ceil_mode, dilation, indices)
        return _pool(call, "max", rank, kernel, stride, padding)

    return handler


def _avg_pool_function(rank: int):
    @channels_last
    def handler(call: NodeCall):
        kernel, stride = call.const(1, "kernel_size"), call.const(2, "stride", None)
        padding, ceil_mode = call.const(3, "padding", 0), call.const(4, "ceil_mode", False)
        count = call.const(5, "count_include_pad", True)
        divisor = call.const(6, "divisor_override", None) if rank == 2 else None
        _check_pool_options(call, ceil_mode, divisor=divisor)
        return _pool(call, "average", rank, kernel, stride, padding, count)

    return handler


TORCH_FUNCTIONS.register(F.max_pool1d)(_max_pool_function(1))
TORCH_FUNCTIONS.register(F.max_pool2d)(_max_pool_function(2))
TORCH_FUNCTIONS.register(F.avg_pool1d)(_avg_pool_function(1))
TORCH_FUNCTIONS.register(F.avg_pool2d)(_avg_pool_function(2))


def _adaptive(call: NodeCall, op_name: str, rank: int, **node_kw):
    """Output size 1 (per axis): global pooling, torch shape (C, 1[, 1]) on an IR (C,);
    an output size dividing the input size: a window pool with kernel = stride = in/out."""
    x = call.input()
    _spatial_rank(call, x, rank, f"adaptive {op_name} pooling")
    x = call.channels_last(x)
    spatial, out = x.shape[1:], call.out_shape[1:]
    if all(o == 1 for o in out):
        cls = GlobalPooling1D if rank == 1 else GlobalPooling2D
        return call.value(call.add(cls(op_name), [x], **node_kw))  # (C,): torch (C, 1, 1)
    if any(n % o for n, o in zip(spatial, out, strict=True)):
        raise call.refuse(
            f"adaptive pooling from {spatial} to {out} is not supported: only output sizes "
            "that divide the input size (or 1)"
        )
    k = tuple(n // o for n, o in zip(spatial, out, strict=True))
    cls = Pooling1D if rank == 1 else Pooling2D
    op = cls(op_name, pool_size=k, strides=k, padding="valid")
    return call.channels_last_value(call.add(op, [x], **node_kw))


def _adaptive_handler(op_name: str, rank: int, module: bool):
    @channels_last
    def handler(call: NodeCall):
        if module and op_name == "max" and call.module.return_indices:
            raise call.refuse("return_indices=True is not supported")
        if not module and op_name == "max" and call.const(2, "return_indices", False):
            raise call.refuse("return_indices=True is not supported")
        return _adaptive(call, op_name, rank)

    return handler


for _name, _rank, _module, _function in (
    ("average", 1, nn.AdaptiveAvgPool1d, F.adaptive_avg_pool1d),
    ("average", 2, nn.AdaptiveAvgPool2d, F.adaptive_avg_pool2d),
    ("max", 1, nn.AdaptiveMaxPool1d, F.adaptive_max_pool1d),
    ("max", 2, nn.AdaptiveMaxPool2d, F.adaptive_max_pool2d),
):
    TORCH_MODULES.register(_module)(_adaptive_handler(_name, _rank, True))
    TORCH_FUNCTIONS.register(_function)(_adaptive_handler(_name, _rank, False))
