"""Putting a :class:`~torch_plugin.convert.Value` into the layout an op needs.

A Value's IR node holds the torch tensor in some order (its :class:`~fpga_export.ir.Layout`,
None for the torch order) and some IR shape of the right size. Ops need one particular
layout and IR shape; :class:`Layouts` inserts the fewest IR layout nodes to get there:

* nothing when the Value already is in that layout with that IR shape;
* a ``Reshape`` (``Flatten`` for 1-D) when only the IR shape differs (same flat order);
* otherwise a ``Permute`` back to the torch order, then one into the wanted order (each
  with the Reshapes around it that the Permute's shapes need).

The inserted nodes are named after the node that needs them (``<name>_permute``,
``<name>_reshape``, ``<name>_flatten``); their values are only moved, never recomputed.
"""

from __future__ import annotations

import itertools

import numpy as np

from fpga_export.ir import Layout
from fpga_export.layers.reshape import Flatten, Permute, Reshape


def same_layout(a: Layout | None, b: Layout | None) -> bool:
    """Same firmware order (the torch shapes may differ by a reshape)."""
    if a is None or b is None:
        return a is None and b is None
    return a.base == b.base and a.perm == b.perm


def _dims(perm) -> tuple[int, ...]:
    """Keras-style 1-based Permute dims of a 0-based axis permutation."""
    return tuple(int(p) + 1 for p in perm)


class Layouts:
    """Layout conversions on the graph a converter is building."""

    def __init__(self, converter):
        self.conv = converter

    def shape_of(self, value) -> tuple[int, ...]:
        return self.conv.graph[value.node].shape

    def reshaped(self, value, ir_shape, base: str):
        """``value`` on an IR node of ``ir_shape`` (same flat order)."""
        ir_shape = tuple(int(d) for d in ir_shape)
        if self.shape_of(value) == ir_shape:
            return value
        if len(ir_shape) == 1:
            op, suffix = Flatten(), "flatten"
        else:
            op, suffix = Reshape(target_shape=ir_shape), "reshape"
        node = self.conv.add_node(op, [value.node], f"{base}_{suffix}", None, type(op).__name__)
        return self.conv.make_value(node, value.shape, value.layout)

    def _permute(self, value, perm, layout: Layout | None, base: str):
        node = self.conv.add_node(
            Permute(dims=_dims(perm)), [value.node], f"{base}_permute", None, "Permute"
        )
        return self.conv.make_value(node, value.shape, layout)

    def canonical(self, value, base: str):
        """``value`` in the torch flat order (IR shape: the layout's base, or as it was)."""
        layout = value.layout
        if layout is None:
            return value
        held = tuple(layout.base[p] for p in layout.perm)
        value = self.reshaped(value, held, base)
        return self._permute(value, np.argsort(layout.perm), None, base)

    def to_layout(self, value, perm: tuple[int, ...], base: str):
        """``value`` held as torch axes ``perm`` on IR axes 0, 1 ..., IR shape
        ``[shape[p] for p in perm]``."""
        shape = value.shape
        if sorted(perm) != list(range(len(shape))):
            raise ValueError(f"{perm} is not a permutation of the axes of {shape}")
        target = Layout.make(shape, shape, perm)
        ir_shape = tuple(shape[p] for p in perm)
        if same_layout(value.layout, target):
            return self.reshaped(value, ir_shape, base)
        value = self.canonical(value, base)
        if target is None:
            return self.reshaped(value, ir_shape, base)
        if len(shape) <= 3:  # one Permute of the full shape
            value = self.reshaped(value, shape, base)
            return self._permute(value, perm, target, base)
        value = self.reshaped(value, target.base, base)  # through the normalized view
        value = self._permute(value, target.perm, target, base)
        return self.reshaped(value, ir_shape, base)

    def like(self, value, ref, base: str):
        """``value`` (same torch shape as ``ref``) in ``ref``'s layout and IR shape."""
        if same_layout(value.layout, ref.layout):
            return self.reshaped(value, self.shape_of(ref), base)
        perm = self.find_perm(ref)
        if perm is not None:
            return self.to_layout(value, perm, base)
        value = self.canonical(value, base)
        layout = ref.layout
        if layout is not None:
            value = self.reshaped(value, layout.base, base)
            value = self._permute(value, layout.perm, layout, base)
        return self.reshaped(value, self.shape_of(ref), base)

    def find_perm(self, value) -> tuple[int, ...] | None:
        """A full permutation ``p`` of the torch axes such that the Value's IR node has shape
        ``[shape[i] for i in p]`` and holds the axes in that order (None if there is none)."""
        shape, held = value.shape, self.shape_of(value)
        rank = len(shape)
        if len(held) != rank:
            return None
        first = [tuple(range(rank)), (*range(1, rank), 0)]
        rest = itertools.permutations(range(rank)) if rank <= 4 else ()
        for p in itertools.chain(first, rest):
            if tuple(shape[i] for i in p) == held and same_layout(
                Layout.make(shape, shape, p), value.layout
            ):
                return tuple(p)
        return None
