"""Handlers for Keras' merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate (any axis but the batch) and Dot (two vectors, axes=1, not normalized).

The element-wise ones and Concatenate take two or more inputs (Subtract and Dot: exactly
two) of the same shape (Concatenate: off its axis); Keras' broadcasting is refused. Each
handler serves Keras 3 and tf_keras (registered on the class objects of every installed Keras).
"""

from __future__ import annotations

from fpga_export.layers.merge import Concatenate, Dot, Merge

from ..convert import KERAS_LAYERS, LayerCall
from ..flavors import each


def _two_inputs(call: LayerCall, same_shape: bool = True, more: bool = False) -> None:
    """Two inputs (``more``: two or more), of the same shape if ``same_shape``."""
    shapes = call.input_shapes
    listed = " and ".join(str(tuple(s)) for s in shapes)
    if len(shapes) < 2 or (len(shapes) > 2 and not more):
        raise call.refuse(
            f"merging {len(shapes)} inputs (shapes {listed}) is not supported: only 2"
        )
    if same_shape and any(tuple(s) != tuple(shapes[0]) for s in shapes):
        raise call.refuse(f"inputs of different shapes {listed} (broadcasting) are not supported")


def _elementwise(op: str):
    def handler(layer, call: LayerCall) -> str:
        _two_inputs(call, more=op != "subtract")
        return call.add(Merge(op))

    handler.__name__ = op
    return handler


for _op, _cls in [
    ("add", "Add"),
    ("subtract", "Subtract"),
    ("multiply", "Multiply"),
    ("average", "Average"),
    ("maximum", "Maximum"),
    ("minimum", "Minimum"),
]:
    KERAS_LAYERS.register(*each(lambda k, c=_cls: getattr(k.layers, c)))(_elementwise(_op))


@KERAS_LAYERS.register(*each(lambda k: k.layers.Concatenate))
def concatenate(layer, call: LayerCall) -> str:
    """Two inputs: one Concatenate node. More: a chain of two-input nodes (``<layer>_part1``
    ... then ``<layer>``) that all take the layer's settings; converting to the result type
    twice is the same as once, so the chain is exact."""
    _two_inputs(call, same_shape=False, more=True)
    rank = len(call.input_shapes[0]) + 1  # with the batch dimension
    axis = int(layer.axis)
    if axis % rank == 0:
        raise call.refuse(f"concatenation on axis {axis} (the batch axis) is not supported")
    op = Concatenate(axis=axis % rank - 1)
    shapes = [tuple(s) for s in call.input_shapes]
    if any(len(s) != len(shapes[0]) for s in shapes):
        raise call.refuse(f"inputs of different ranks {' and '.join(map(str, shapes))}")
    ax = axis % rank - 1
    prev, size, parts = call.inputs[0], shapes[0][ax], []
    for i, (name, shape) in enumerate(zip(call.inputs[1:-1], shapes[1:-1], strict=True)):
        size += shape[ax]
        part_shape = (*shape[:ax], size, *shape[ax + 1 :])
        prev = call.add(op, inputs=[prev, name], suffix=f"part{i + 1}", shape=part_shape)
        parts.append(prev)
    out = call.add(op, inputs=[prev, call.inputs[-1]])
    for part in parts:
        call.part_of(part, out)
    return out


@KERAS_LAYERS.register(*each(lambda k: k.layers.Dot))
def dot(layer, call: LayerCall) -> str:
    _two_inputs(call)
    axes = layer.axes if isinstance(layer.axes, (list, tuple)) else [layer.axes, layer.axes]
    shape = call.input_shapes[0]
    if len(shape) != 1 or [int(a) % 2 for a in axes] != [1, 1]:
        raise call.refuse(
            f"Dot with axes={layer.axes} on inputs of shape {tuple(shape)} is not supported: "
            "only two vectors (n,) with axes=1 (a scalar per sample)"
        )
    if layer.normalize:
        raise call.refuse("Dot with normalize=True is not supported")
    return call.add(Dot())
