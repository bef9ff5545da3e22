"""Handlers for the merges of tensors: add / sub / mul of two tensors of the same shape
(``a + b``, ``torch.add(a, b)``, ``a.add(b)`` ...) and concatenation (``torch.cat``).

The second operand is put in the first one's layout (for two conv feature maps, both are
already channels-last). Constants, broadcasting and ``alpha`` are refused. ``torch.cat`` of
more than two tensors is a chain of two-input concatenations (exact: values only move).
"""

from __future__ import annotations

import operator

import torch

from fpga_export.ir import Layout
from fpga_export.layers.merge import Concatenate, Merge

from ..convert import TORCH_FUNCTIONS, TORCH_METHODS, NodeCall, Value


def _operands(call: NodeCall, what: str) -> tuple[Value, Value]:
    a, b = call.arg(0, "input"), call.arg(1, "other")
    if not isinstance(a, Value) or not isinstance(b, Value):
        raise call.refuse(
            f"{what} with a constant is not supported: only two tensors computed from the "
            "inputs (fold constants into a layer's weights or bias)"
        )
    if a.shape != b.shape:
        raise call.refuse(
            f"{what} of tensors of shapes {a.shape} and {b.shape} (per sample) is not "
            "supported: broadcasting is not supported, the shapes must be equal"
        )
    if call.const(2, "alpha", 1) != 1:
        raise call.refuse(f"{what} with alpha != 1 is not supported")
    return a, call.like(b, a)


def _merge(op: str, what: str):
    def handler(call: NodeCall):
        a, b = _operands(call, what)
        return call.value(call.add(Merge(op), [a, b]), layout=a.layout)

    handler.__name__ = op
    return handler


TORCH_FUNCTIONS.register(operator.add, operator.iadd, torch.add)(_merge("add", "addition"))
TORCH_FUNCTIONS.register(operator.sub, operator.isub, torch.sub, torch.subtract)(
    _merge("subtract", "subtraction")
)
TORCH_FUNCTIONS.register(operator.mul, operator.imul, torch.mul, torch.multiply)(
    _merge("multiply", "multiplication")
)
TORCH_METHODS.register("add", "add_")(_merge("add", "addition"))
TORCH_METHODS.register("sub", "sub_", "subtract")(_merge("subtract", "subtraction"))
TORCH_METHODS.register("mul", "mul_", "multiply")(_merge("multiply", "multiplication"))


@TORCH_FUNCTIONS.register(torch.cat, torch.concat, torch.concatenate)
def cat(call: NodeCall):
    """Concatenation on a non-batch axis. All tensors go into the layout of the first one
    when its IR shape shows where the axis is (e.g. channels-last feature maps concatenated
    on the channel axis: the IR's last axis), else into the torch order."""
    tensors = call.arg(0, "tensors")
    dim = call.const(1, "dim", 0)
    if not isinstance(tensors, (list, tuple)) or not all(isinstance(t, Value) for t in tensors):
        raise call.refuse("only tensors computed from the inputs can be concatenated")
    if len(tensors) == 1:
        return tensors[0]
    rank = len(tensors[0].shape) + 1
    if not -rank <= int(dim) < rank or int(dim) % rank == 0:
        raise call.refuse(f"concatenation on dim={dim} (the batch axis) is not supported")
    axis = int(dim) % rank - 1  # per-sample torch axis
    first = tensors[0]
    perm = call.find_perm(first)
    if perm is None:
        first, perm = call.canonical(first), tuple(range(rank - 1))
        first = call.to_layout(first, perm)
    ir_axis = perm.index(axis)
    out, shape = first, first.shape
    for i, t in enumerate(tensors[1:]):
        t = call.to_layout(t, perm)
        shape = list(shape)
        shape[axis] += t.shape[axis]
        shape = tuple(shape)
        last = i == len(tensors) - 2
        node = call.add(Concatenate(axis=ir_axis), [out, t], suffix="" if last else f"part{i}")
        out = call.value(node, shape=tuple(shape), layout=Layout.make(shape, shape, perm))
    return out
