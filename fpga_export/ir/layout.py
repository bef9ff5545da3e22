"""Layouts: how a framework's per-sample array maps onto the firmware's array of a node.

The IR and the firmware are channels-last; a frontend for a channels-first framework
(PyTorch: NCHW) converts internally and records, per node whose framework array is ordered
differently, a :class:`Layout` in ``graph.layouts``. ``Firmware`` applies the layouts of the
graph inputs to what ``predict``/``reference``/``trace`` are given, and those of the outputs
(and, in ``trace``, of every node) to what they return, so users see the framework's arrays.

Per sample (batch excluded), with ``u`` the framework array of shape ``shape`` and ``f`` the
firmware array of the node's shape::

    f = u.reshape(base).transpose(perm).reshape(node.shape)

``base`` is a view of ``u`` (same values, same C order) and ``perm`` a permutation of its
axes. A layout is stored normalized (:meth:`Layout.make`): axes of size 1 are dropped and
axes that stay neighbours are merged, so an NCHW feature map stored channels-last is
``base = (C, H*W), perm = (1, 0)``; a layout that moves nothing is ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

__all__ = ["Layout", "normalize"]


def normalize(base, perm) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(base, perm)`` without size-1 axes and with neighbouring axes merged."""
    base = tuple(int(b) for b in base)
    perm = tuple(int(p) for p in perm)
    if sorted(perm) != list(range(len(base))):
        raise ValueError(f"perm {perm} is not a permutation of the axes of {base}")
    keep = [a for a in range(len(base)) if base[a] != 1]
    renumber = {a: i for i, a in enumerate(keep)}
    sizes = [base[a] for a in keep]
    order = [renumber[a] for a in perm if a in renumber]
    runs: list[list[int]] = []  # axes that stay neighbours, in firmware order
    for a in order:
        if runs and runs[-1][-1] + 1 == a:
            runs[-1].append(a)
        else:
            runs.append([a])
    by_first = sorted(range(len(runs)), key=lambda i: runs[i][0])
    merged = tuple(prod(sizes[a] for a in runs[i]) for i in by_first)
    rank = {i: r for r, i in enumerate(by_first)}
    return merged, tuple(rank[i] for i in range(len(runs)))


@dataclass(frozen=True)
class Layout:
    """Framework array of ``shape`` -> firmware array (module docstring)."""

    shape: tuple[int, ...]  # the framework's per-sample shape
    base: tuple[int, ...]  # normalized view of it
    perm: tuple[int, ...]  # axes of ``base`` in firmware order

    @classmethod
    def make(cls, shape, base, perm) -> Layout | None:
        """A normalized layout, or None when the firmware order is the framework's."""
        shape = tuple(int(s) for s in shape)
        if prod(base) != prod(shape):
            raise ValueError(f"layout base {tuple(base)} does not hold shape {shape}")
        base, perm = normalize(base, perm)
        if perm == tuple(range(len(perm))):
            return None
        return cls(shape, base, perm)

    @property
    def size(self) -> int:
        return prod(self.shape)

    def index(self) -> np.ndarray:
        """Flat framework index of each firmware value, in firmware order."""
        return np.arange(self.size).reshape(self.base).transpose(self.perm).ravel()

    def to_firmware(self, a: np.ndarray, shape) -> np.ndarray:
        """(batch, *self.shape) -> (batch, *shape), the firmware order."""
        b = a.shape[0]
        moved = a.reshape(b, *self.base).transpose(0, *(p + 1 for p in self.perm))
        return np.ascontiguousarray(moved).reshape(b, *shape)

    def from_firmware(self, a: np.ndarray) -> np.ndarray:
        """(batch, *node shape) -> (batch, *self.shape), the framework order."""
        b = a.shape[0]
        moved = a.reshape(b, *(self.base[p] for p in self.perm))
        back = np.argsort(self.perm)
        return np.ascontiguousarray(moved.transpose(0, *(p + 1 for p in back))).reshape(
            b, *self.shape
        )

    def __str__(self) -> str:
        return f"{self.shape} as {self.base} transposed {self.perm}"
