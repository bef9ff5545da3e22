"""FIFO depths of the internal streams of an io_stream design.

The rule (UG1399 "HLS Stream Library": an internal ``hls::stream`` is a FIFO of depth 2 unless
a STREAM pragma says otherwise; "Controlling the RTL FIFO Depth": when a FIFO is too shallow
the design stalls) and why:

* A chain of processes (each stream written by one process and read by the next) cannot
  deadlock on bounded FIFOs: some process can always move. Depth 2 (the tool's default) lets
  producer and consumer run at one packet per clock, so every stream gets at least 2.
* A node with several inputs that share an ancestor (a residual ``Add``, a ``Concatenate`` of
  two branches of one tensor) is a *reconvergence*: the fan-out writes every packet to all
  branches, but the merge reads its inputs in lockstep. While a slow branch (a conv with a
  line buffer) reads ahead before it writes its first packet, the packets of the fast branch
  (the skip connection) wait in the merge's input FIFO; if that FIFO fills, the fan-out
  blocks, the slow branch starves and the design deadlocks (csim cannot see this: its
  streams are unbounded). So each input FIFO of a reconvergence holds the lag between its
  branch and the slowest one.

The lag is computed from each op's stream schedule (``Op.stream_need``: input packets read
when output packet k is written) composed along the graph, in packets of each graph input
(the "time" ``T[node][j]``: input packets the design has consumed when the node writes its
j-th packet). The design waits for input just before the packet M's output k needs arrives,
at time ``T[M][k] - 1``: by then the branch feeding M's input i has produced every packet
whose time is not later, and M has written its outputs up to that time, having read
``need_i`` of them from input i. What is produced and not yet read waits in the FIFO: the depth
of input i is the largest difference, and at least 2. (A clone writes each packet to its
outputs in graph order, so every branch feeding M gets the packet it waits for before the clone
blocks on M's own full FIFO.)
Ops without a schedule (``None``) make the FIFO hold the whole tensor, which is always enough.
``Firmware.check_dataflow`` verifies the result by simulation and records each FIFO's peak
occupancy, which ``Firmware.minimize_fifo_depths`` writes back as the depths.
"""

from __future__ import annotations

import numpy as np

from ..ir.graph import Node
from .context import EmitContext

DEFAULT_DEPTH = 2  # UG1399: depth of an internal hls::stream without a STREAM pragma

Times = dict[str, np.ndarray] | None  # graph input -> packets consumed, per output packet


def stream_depths(ctx: EmitContext) -> dict[str, int]:
    """Depth of every internal stream of the io_stream top, by variable name."""
    graph = ctx.graph
    ports = {ctx.var(n) for n in (*graph.inputs, *graph.outputs)}
    depths: dict[str, int] = {}
    times: dict[str, Times] = {}
    for node in graph:
        if node.name not in graph.inputs and ctx.out_var(node) not in ports:
            depths[ctx.out_var(node)] = DEFAULT_DEPTH
        for i in range(len(node.inputs)):
            var = ctx.in_var(node, i)
            if var not in ports:
                depths[var] = DEFAULT_DEPTH
        times[node.name] = _times(node, ctx, times)
        if len(node.inputs) > 1:
            for i, depth in enumerate(reconvergence_depths(node, ctx, times)):
                var = ctx.in_var(node, i)
                if var not in ports:
                    depths[var] = max(depths[var], depth)
    return depths


def _times(node: Node, ctx: EmitContext, times: dict[str, Times]) -> Times:
    if node.name in ctx.graph.inputs:
        return {node.name: np.arange(1, ctx.packets(node) + 1)}
    need = node.op.stream_need(node, ctx)
    sources = [times[s] for s in node.inputs]
    if need is None or any(t is None for t in sources):
        return None
    out: dict[str, np.ndarray] = {}
    for t, n in zip(sources, need, strict=True):
        for src, arr in t.items():
            at = np.where(n > 0, arr[np.maximum(n, 1) - 1], 0)
            out[src] = np.maximum(out[src], at) if src in out else at
    return out


def reconvergence_depths(node: Node, ctx: EmitContext, times: dict[str, Times]) -> list[int]:
    """Depth each input FIFO of a multi-input node needs (see the module docstring)."""
    inputs = [ctx.input_node(node, i) for i in range(len(node.inputs))]
    need = node.op.stream_need(node, ctx)
    mine = times[node.name]
    if need is None or mine is None or any(times[p.name] is None for p in inputs):
        return [max(DEFAULT_DEPTH, ctx.packets(p)) for p in inputs]
    # the moments the design waits for input: just before the packet output k needs arrives
    waiting = {src: arr - 1 for src, arr in mine.items()}
    written = _count_before(mine, waiting, len(next(iter(mine.values()))))
    depths = []
    for p, n in zip(inputs, need, strict=True):
        produced = _count_before(times[p.name], waiting, ctx.packets(p))
        consumed = np.where(written > 0, n[np.maximum(written, 1) - 1], 0)
        depths.append(max(DEFAULT_DEPTH, int(np.max(produced - consumed))))
    return depths


def _count_before(times: dict[str, np.ndarray], moments: dict[str, np.ndarray], total: int):
    """Packets of a node written by each moment (graph-input packets consumed, per input)."""
    count = np.full(len(next(iter(moments.values()))), total)
    for src, arr in times.items():
        count = np.minimum(count, np.searchsorted(arr, moments[src], side="right"))
    return count
