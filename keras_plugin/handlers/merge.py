"""Handlers for Keras' merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate (any axis but the batch) and Dot (two vectors, axes=1, not normalized).

The element-wise ones take two or more inputs of the same shape (Subtract: two), Concatenate
and Dot exactly two (Concatenate: the same shape off its axis); Keras' broadcasting and
concatenations of three or more inputs are refused. Each handler serves
Keras 3 and tf_keras (registered on the class objects of every installed Keras).
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
    _two_inputs(call, same_shape=False)
    rank = len(call.input_shapes[0]) + 1  # with the batch dimension
    axis = int(layer.axis)
    if axis % rank == 0:
        raise call.refuse(f"concatenation on axis {axis} (the batch axis) is not supported")
    return call.add(Concatenate(axis=axis % rank - 1))


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
