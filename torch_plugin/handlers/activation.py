"""Handlers for the activation functions, in module (``nn.ReLU()``), function (``F.relu``,
``torch.relu``) and Tensor-method (``x.relu()``) forms; all forms of one function make the
same IR op. Element-wise functions keep their input's layout (no node is added to move
data); softmax needs its axis last in the IR (see :func:`softmax`).

Table-based functions (sigmoid, tanh, elu, selu, softplus, silu, softmax) are
approximations with the accuracy documented in ``fpga_export/layers/activation.py``.
Softplus: only ``beta=1``; the firmware returns ``x`` from ``x >= table_range`` (8 by
default) while PyTorch does so above ``threshold`` (20), a difference of at most
``log1p(exp(-8)) = 3.4e-4``; a threshold below 8 is refused.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from fpga_export.layers.activation import Activation

from ..convert import TORCH_FUNCTIONS, TORCH_METHODS, TORCH_MODULES, NodeCall, Value

SOFTPLUS_MIN_THRESHOLD = 8.0


def elementwise(call: NodeCall, x: Value, op: Activation) -> Value:
    """``op`` on ``x`` in whatever layout it is held (element-wise: order does not matter)."""
    return call.value(call.add(op, [x]), layout=x.layout)


def _simple(function: str):
    def handler(call: NodeCall):
        return elementwise(call, call.input(), Activation(function))

    handler.__name__ = function
    return handler


for _fn, _modules, _functions, _methods in (
    ("relu", (nn.ReLU,), (F.relu, torch.relu, F.relu_, torch.relu_), ("relu", "relu_")),
    ("relu6", (nn.ReLU6,), (F.relu6,), ()),
    ("selu", (nn.SELU,), (F.selu, torch.selu), ()),
    ("sigmoid", (nn.Sigmoid,), (torch.sigmoid, F.sigmoid), ("sigmoid",)),
    ("tanh", (nn.Tanh,), (torch.tanh, F.tanh), ("tanh",)),
    ("softsign", (nn.Softsign,), (F.softsign,), ()),
    ("silu", (nn.SiLU,), (F.silu,), ()),
    ("hard_sigmoid", (nn.Hardsigmoid,), (F.hardsigmoid,), ()),  # relu6(x + 3) / 6
):
    _handler = _simple(_fn)
    if _modules:
        TORCH_MODULES.register(*_modules)(_handler)
    TORCH_FUNCTIONS.register(*_functions)(_handler)
    if _methods:
        TORCH_METHODS.register(*_methods)(_handler)


@TORCH_MODULES.register(nn.LeakyReLU)
@TORCH_FUNCTIONS.register(F.leaky_relu)
def leaky_relu(call: NodeCall):
    m = call.module
    slope = m.negative_slope if m is not None else call.const(1, "negative_slope", 0.01)
    return elementwise(call, call.input(), Activation("leaky_relu", alpha=float(slope)))


@TORCH_MODULES.register(nn.ELU)
@TORCH_FUNCTIONS.register(F.elu)
def elu(call: NodeCall):
    m = call.module
    alpha = m.alpha if m is not None else call.const(1, "alpha", 1.0)
    return elementwise(call, call.input(), Activation("elu", alpha=float(alpha)))


def clip(call: NodeCall, x: Value, lo, hi) -> Value:
    """``clamp(x, lo, hi)``: relu (lo 0, no hi), relu6 / clipped relu (lo 0) or hardtanh."""
    if lo is None:
        raise call.refuse("a clamp without a lower bound (min=None) is not supported")
    lo, hi = float(lo), None if hi is None else float(hi)
    if hi is not None and not lo < hi:
        raise call.refuse(f"clamping to [{lo}, {hi}] is not supported (min must be < max)")
    if lo == 0.0 and hi is None:
        op = Activation("relu")
    elif lo == 0.0:
        op = Activation("relu6") if hi == 6.0 else Activation("clipped_relu", max_value=hi)
    elif hi is None:
        raise call.refuse(f"a clamp with min={lo} and no max is not supported (only min=0)")
    else:
        op = Activation("hardtanh", min_value=lo, max_value=hi)
    return elementwise(call, x, op)


@TORCH_MODULES.register(nn.Hardtanh)
@TORCH_FUNCTIONS.register(F.hardtanh)
def hardtanh(call: NodeCall):
    m = call.module
    if m is not None:
        lo, hi = m.min_val, m.max_val
    else:
        lo, hi = call.const(1, "min_val", -1.0), call.const(2, "max_val", 1.0)
    return clip(call, call.input(), lo, hi)


@TORCH_FUNCTIONS.register(torch.clamp, torch.clip)
@TORCH_METHODS.register("clamp", "clip", "clamp_", "clip_")
def clamp(call: NodeCall):
    lo, hi = call.const(1, "min", None), call.const(2, "max", None)
    return clip(call, call.input(), lo, hi)


@TORCH_MODULES.register(nn.Softplus)
@TORCH_FUNCTIONS.register(F.softplus)
def softplus(call: NodeCall):
    m = call.module
    if m is not None:
        beta, threshold = m.beta, m.threshold
    else:
        beta, threshold = call.const(1, "beta", 1.0), call.const(2, "threshold", 20.0)
    if float(beta) != 1.0:
        raise call.refuse(f"Softplus with beta={beta} is not supported (only beta=1)")
    if float(threshold) < SOFTPLUS_MIN_THRESHOLD:
        raise call.refuse(
            f"Softplus with threshold={threshold} is not supported: the firmware is linear "
            f"from x >= 8 only (threshold >= {SOFTPLUS_MIN_THRESHOLD:g})"
        )
    return elementwise(call, call.input(), Activation("softplus"))


@TORCH_MODULES.register(nn.Softmax)
@TORCH_FUNCTIONS.register(F.softmax, torch.softmax)
@TORCH_METHODS.register("softmax")
def softmax(call: NodeCall):
    """Softmax over one axis (not the batch). The firmware's softmax works on the last IR
    axis: a 1-D vector is taken in any order; otherwise the torch axis is put last (for a
    channels-last feature map and ``dim=1``, the channel axis already is)."""
    m = call.module
    dim = m.dim if m is not None else call.const(1, "dim", None)
    if m is None and call.arg(3, "dtype", None) is not None:
        raise call.refuse("softmax with a dtype= conversion is not supported")
    x = call.input()
    rank = len(x.shape) + 1  # with the batch
    if dim is None:
        raise call.refuse("softmax without dim= is not supported: give the axis explicitly")
    if not -rank <= int(dim) < rank or int(dim) % rank == 0:
        raise call.refuse(
            f"softmax over dim={dim} is not supported for inputs of shape (batch, "
            f"{', '.join(map(str, x.shape))}): only a non-batch axis"
        )
    axis = int(dim) % rank - 1  # per-sample axis
    if len(x.shape) == 1:
        x = call.flat(x)
    else:
        perm = call.find_perm(x)
        if perm is None or perm[-1] != axis:
            perm = (*(a for a in range(len(x.shape)) if a != axis), axis)
        x = call.to_layout(x, perm)
    return call.value(call.add(Activation("softmax"), [x]), layout=x.layout)
