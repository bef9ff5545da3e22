"""Handlers for the layout operations: reshapes (``nn.Flatten``, ``torch.flatten``,
``view``, ``reshape``, ``squeeze``, ``unsqueeze``, ``nn.Unflatten`` ...), axis permutations
(``permute``, ``transpose``; swapping the batch and time axes of a sequence makes a
time-major sequence, ``torch_plugin.time_major``), zero padding (``nn.ZeroPad1d/2d``,
``nn.ConstantPad1d/2d`` with value 0, ``F.pad``) and nearest upsampling by integer factors
(``nn.Upsample``, ``F.interpolate``).

A reshape or a permutation moves no data in torch terms: it only changes the Value's torch
shape and layout (the IR node stays, no node is added), except that a reshape to 1-D
flattens a multi-dimensional IR node (an IR ``Flatten``, which keeps the channels-last
order: a Linear after it gets its rows permuted). Consumers put the Value into the layout
they need (``torch_plugin.layout``).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from fpga_export.ir import Layout
from fpga_export.layers.reshape import (
    Cropping1D,
    Cropping2D,
    Flatten,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)

from ..convert import (
    TORCH_FUNCTIONS,
    TORCH_METHODS,
    TORCH_MODULES,
    NodeCall,
    Value,
    channels_last,
    structured,
)
from ..time_major import TimeMajor


def reshaped(call: NodeCall, x: Value, shape: tuple[int, ...]) -> Value:
    """``x`` viewed with torch ``shape`` (same size): same flat order, so the layout stays
    (re-expressed for the new shape)."""
    layout = None if x.layout is None else Layout.make(shape, x.layout.base, x.layout.perm)
    if len(shape) == 1 and len(call.ir_shape(x)) != 1:
        return call.value(call.add(Flatten(), [x]), shape=shape, layout=layout)
    return call.converter.make_value(x.node, shape, layout)


@TORCH_MODULES.register(nn.Flatten, nn.Unflatten)
@TORCH_FUNCTIONS.register(torch.flatten, torch.reshape, torch.squeeze, torch.unsqueeze)
@TORCH_METHODS.register(
    "flatten", "view", "reshape", "squeeze", "unsqueeze", "unflatten", "view_as", "reshape_as"
)
def reshape(call: NodeCall):
    """Any reshape that keeps the batch axis first: the output shape is torch's own."""
    x = call.input(0, "input")
    return reshaped(call, x, tuple(call.out_shape))


def _permutation(call: NodeCall, x: Value, dims) -> tuple[int, ...]:
    """The per-sample permutation of a torch ``permute(dims)`` (batch axis 0 must stay)."""
    rank = len(x.shape) + 1
    dims = tuple(int(d) % rank for d in dims)
    if sorted(dims) != list(range(rank)) or dims[0] != 0:
        raise call.refuse(
            f"permuting the axes {dims} of (batch, {', '.join(map(str, x.shape))}) is not "
            "supported: the batch axis must stay first"
        )
    return tuple(d - 1 for d in dims[1:])


def permuted(call: NodeCall, x: Value, q: tuple[int, ...]) -> Value:
    """torch ``y = x.permute(q)`` per sample, on the same IR node: only the layout changes
    (IR axis i held torch x axis p[i], i.e. y axis q^-1[p[i]])."""
    shape = tuple(x.shape[a] for a in q)
    p = call.find_perm(x)
    if p is None:
        x = call.canonical(x)
        x = call.to_layout(x, tuple(range(len(x.shape))))
        p = tuple(range(len(x.shape)))
    inverse = np.argsort(q)
    perm = tuple(int(inverse[a]) for a in p)
    return call.converter.make_value(x.node, shape, Layout.make(shape, shape, perm))


def _batch_time_swap(call: NodeCall, dims_of) -> Value | TimeMajor | None:
    """A ``(batch, T, F)`` <-> ``(T, batch, F)`` swap (``torch_plugin.time_major``), else
    None. ``dims_of(rank)``: the full torch permutation."""
    x = call.arg(0, "input")
    if isinstance(x, TimeMajor):
        if tuple(int(d) % 3 for d in dims_of(3)) != (1, 0, 2):
            raise call.refuse(f"argument 'input' is {x.describe()}")
        return x.sequence
    if isinstance(x, Value) and len(x.shape) == 2:
        if tuple(int(d) % 3 for d in dims_of(3)) == (1, 0, 2):
            return TimeMajor(call.canonical(x), call.what)
    return None


@TORCH_FUNCTIONS.register(torch.permute)
@TORCH_METHODS.register("permute")
@structured
def permute(call: NodeCall):
    def dims_of(rank):
        dims = call.args[1:] if call.fx_node.op == "call_method" else call.const(1, "dims")
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = dims[0]
        return tuple(dims)

    swapped = _batch_time_swap(call, dims_of)
    if swapped is not None:
        return swapped
    x = call.input(0, "input")
    return permuted(call, x, _permutation(call, x, dims_of(len(x.shape) + 1)))


@TORCH_FUNCTIONS.register(torch.transpose, torch.swapaxes, torch.swapdims)
@TORCH_METHODS.register("transpose", "swapaxes", "swapdims")
@structured
def transpose(call: NodeCall):
    def dims_of(rank):
        a, b = int(call.const(1, "dim0")), int(call.const(2, "dim1"))
        dims = list(range(rank))
        dims[a], dims[b] = dims[b], dims[a]
        return tuple(dims)

    swapped = _batch_time_swap(call, dims_of)
    if swapped is not None:
        return swapped
    x = call.input(0, "input")
    return permuted(call, x, _permutation(call, x, dims_of(len(x.shape) + 1)))


def _pad(call: NodeCall, pad, value, mode="constant"):
    """``F.pad`` semantics: ``pad`` pairs from the last axis backwards."""
    if mode != "constant":
        raise call.refuse(f"padding mode {mode!r} is not supported (only 'constant' with 0)")
    if value not in (None, 0, 0.0):
        raise call.refuse(f"padding with the value {value} is not supported (only 0)")
    x = call.input()
    pad = tuple(int(p) for p in pad)
    spatial = len(x.shape) - 1
    if len(pad) % 2 or len(pad) // 2 > spatial or spatial not in (1, 2):
        raise call.refuse(
            f"padding {pad} of an input of shape {x.shape} is not supported: only the length "
            "of a (channels, length) input or the height/width of (channels, height, width)"
        )
    pairs = [pad[i : i + 2] for i in range(0, len(pad), 2)]  # last axis first
    pairs += [(0, 0)] * (spatial - len(pairs))
    pairs = tuple(tuple(p) for p in reversed(pairs))  # spatial axes in order
    if all(v >= 0 for p in pairs for v in p):
        cls = ZeroPadding1D if spatial == 1 else ZeroPadding2D
        op = cls(padding=pairs[0] if spatial == 1 else pairs)
    elif all(v <= 0 for p in pairs for v in p):
        crop = tuple(tuple(-v for v in p) for p in pairs)
        cls = Cropping1D if spatial == 1 else Cropping2D
        op = cls(cropping=crop[0] if spatial == 1 else crop)
    else:
        raise call.refuse(f"padding {pad} mixes padding and cropping; not supported")
    x = call.channels_last(x)
    return call.channels_last_value(call.add(op, [x]))


@TORCH_MODULES.register(nn.ZeroPad1d, nn.ZeroPad2d, nn.ConstantPad1d, nn.ConstantPad2d)
@channels_last
def pad_module(call: NodeCall):
    return _pad(call, call.module.padding, call.module.value)


@TORCH_FUNCTIONS.register(F.pad)
@channels_last
def pad_function(call: NodeCall):
    return _pad(
        call, call.const(1, "pad"), call.const(3, "value", None), call.const(2, "mode", "constant")
    )


def _upsample(call: NodeCall, mode):
    if mode not in ("nearest", "nearest-exact"):
        raise call.refuse(f"upsampling mode {mode!r} is not supported (only 'nearest')")
    x = call.input()
    spatial, out = x.shape[1:], call.out_shape[1:]
    if len(spatial) not in (1, 2) or any(o % n for n, o in zip(spatial, out, strict=True)):
        raise call.refuse(
            f"upsampling {x.shape} to {call.out_shape} is not supported: only integer scale "
            "factors of a (channels, length) or (channels, height, width) input"
        )
    size = tuple(o // n for n, o in zip(spatial, out, strict=True))
    x = call.channels_last(x)
    op = UpSampling1D(size=size) if len(size) == 1 else UpSampling2D(size=size)
    return call.channels_last_value(call.add(op, [x]))


@TORCH_MODULES.register(nn.Upsample, nn.UpsamplingNearest2d)
@channels_last
def upsample_module(call: NodeCall):
    return _upsample(call, call.module.mode)


@TORCH_FUNCTIONS.register(F.interpolate)
@channels_last
def interpolate(call: NodeCall):
    if call.const(5, "antialias", False):
        raise call.refuse("antialias=True is not supported")
    return _upsample(call, call.const(3, "mode", "nearest"))
