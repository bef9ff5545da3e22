"""Firmware-vs-float numbers shared by the training-loop helpers (``keras_plugin.CSimCallback``,
``torch_plugin.CSimValidator``); framework-neutral (numpy only).

- :func:`compare`: ``csim_agreement`` and ``csim_max_abs_diff`` of a csim output and the
  float model's output for the same samples;
- :func:`count_overflow`: ``csim_overflow``, the number of values, over all nodes and samples,
  that saturated or wrapped, counted by the numpy interpreter (bit-identical to csim): each
  node is re-run on its actual (fixed-point) inputs with every type role of the node
  (``result``, ``accum``, tables ...; not the weight types) widened by 4 to 16 integer bits
  (signed, same fraction bits, so the rounding is unchanged); an output value that differs
  from the firmware's value was changed by an overflow of the result or of an intermediate
  type of that node. Overflow inside a node that cancels out (wrapping accumulation that
  comes back in range) changes nothing and is not counted.
"""

from __future__ import annotations

import copy
import math

import numpy as np

__all__ = [
    "compare",
    "count_overflow",
    "firmware_overflow",
    "overflow_by_node",
    "overflow_extent",
    "widen",
]


def compare(y_csim, y_float, lsb: float | None = None) -> dict[str, float]:
    """``csim_agreement``: for outputs with more than one value per sample, the fraction of
    samples whose csim argmax equals the float argmax; for one value per sample, the
    fraction within ``lsb`` (the output type's LSB) of the float output.
    ``csim_max_abs_diff``: the largest |csim - float| over all values."""
    flat_c = np.asarray(y_csim, dtype=np.float64).reshape(len(y_csim), -1)
    flat_f = np.asarray(y_float, dtype=np.float64).reshape(len(y_float), -1)
    if flat_c.shape != flat_f.shape:
        raise ValueError(
            f"csim output has shape {np.shape(y_csim)}, the float output {np.shape(y_float)}"
        )
    if flat_c.shape[1] > 1:
        agree = flat_c.argmax(1) == flat_f.argmax(1)
    else:
        agree = np.all(np.abs(flat_c - flat_f) <= (lsb or 0.0), axis=1)
    return {
        "csim_agreement": float(np.mean(agree)) if len(agree) else math.nan,
        "csim_max_abs_diff": float(np.max(np.abs(flat_c - flat_f))) if flat_c.size else 0.0,
    }


def widen(t):
    """``t`` with more integer bits (up to 16, fewer for wide types so products stay within
    int64), signed, same fraction bits: what overflowed in ``t`` does not in ``widen(t)``."""
    extra = max(0, min(16, max(4, 32 - t.width), 64 - t.width - (0 if t.signed else 1)))
    grow = extra + (0 if t.signed else 1)
    return t.with_(width=t.width + grow, integer=t.integer + grow, signed=True)


def count_overflow(graph, x, chunk: int = 2048) -> int:
    """Values that saturated or wrapped in any node (module docstring); ``x`` in the
    firmware's layout (the graph's own input shapes)."""
    return sum(overflow_by_node(graph, x, chunk).values())


def overflow_by_node(graph, x, chunk: int = 2048) -> dict[str, int]:
    """:func:`count_overflow` per node (graph inputs are not counted: 0)."""
    return {name: count for name, (count, _, _) in overflow_extent(graph, x, chunk).items()}


def overflow_extent(graph, x, chunk: int = 2048) -> dict[str, tuple[int, float, float]]:
    """Per node: (values that overflowed, min, max of the widened run): the min and max are
    the node's values as they would be without overflow in that node (within the extra
    integer bits of :func:`widen`), for its actual inputs. Graph inputs: (0, min, max) of
    their fixed-point values."""
    from .ir import Interpreter

    interp = Interpreter(graph, chunk)
    xs = interp._split(x)
    out = {n.name: (0, math.inf, -math.inf) for n in graph}
    for start in range(0, len(xs[0]), chunk):
        env = interp.run_raw([a[start : start + chunk] for a in xs], trace=True)
        for node in graph:
            if node.name in graph.inputs:
                _extend(out, node.name, 0, env[node.name].values())
                continue
            wide = copy.copy(node)
            wide.weights = dict(node.weights)
            wide.types = {r: (widen(t) if r in node.op.roles else t) for r, t in node.types.items()}
            y = node.op.run(wide, [env[i] for i in node.inputs]).values()
            _extend(out, node.name, int(np.count_nonzero(y != env[node.name].values())), y)
    empty = (math.nan, math.nan)
    return {k: (n, lo, hi) if lo <= hi else (n, *empty) for k, (n, lo, hi) in out.items()}


def _extend(out: dict, name: str, count: int, values: np.ndarray) -> None:
    n, lo, hi = out[name]
    if values.size:
        lo, hi = min(lo, float(values.min())), max(hi, float(values.max()))
    out[name] = (n + count, lo, hi)


def firmware_overflow(firmware, x, chunk: int = 2048) -> int:
    """:func:`count_overflow` for inputs as ``firmware.predict`` takes them (its layouts)."""
    return count_overflow(firmware.graph, firmware._inputs(x), chunk)
