"""Bit-accurate numpy reference run of a typed graph (the oracle csim must equal)."""

from __future__ import annotations

import numpy as np

from .graph import Graph
from .op import Tensor


class Interpreter:
    """Runs a typed graph in numpy with the exact fixed-point semantics of DESIGN.md §4.

    ``run(x)`` returns the graph outputs as float64 arrays (one array for a single-output
    graph, else a list); ``run(x, trace=True)`` returns ``{node name: values}`` for every node.
    Batches are processed in chunks so memory stays bounded.
    """

    def __init__(self, graph: Graph, chunk: int = 2048):
        self.graph = graph
        self.chunk = chunk
        for node in graph:
            if "result" not in node.types:
                raise ValueError(f"graph is not typed (node {node.name!r}); run infer_types first")

    def run_raw(self, inputs: list[np.ndarray], trace: bool = False) -> dict[str, Tensor]:
        """One chunk: float inputs -> {node name: Tensor} (all nodes if trace, else outputs)."""
        g = self.graph
        env: dict[str, Tensor] = {}
        remaining = {n.name: len(g.users(n.name)) for n in g}
        keep = set(g.outputs)
        for name, x in zip(g.inputs, inputs, strict=True):
            t = g[name].result
            env[name] = Tensor(t.quantize_raw(np.asarray(x, dtype=np.float64)), t)
        for node in g:
            if node.name in env:
                continue
            args = [env[i] for i in node.inputs]
            env[node.name] = node.op.run(node, args)
            if not trace:
                for i in set(node.inputs):  # users() counts a node reading twice once
                    remaining[i] -= 1
                    if remaining[i] == 0 and i not in keep:
                        del env[i]
        return env

    def _split(self, x) -> list[np.ndarray]:
        xs = list(x) if isinstance(x, (list, tuple)) else [x]
        g = self.graph
        if len(xs) != len(g.inputs):
            raise ValueError(f"graph has {len(g.inputs)} inputs, got {len(xs)} arrays")
        out = []
        for name, a in zip(g.inputs, xs, strict=True):
            a = np.asarray(a, dtype=np.float64)
            want = g[name].shape
            if a.shape[1:] != want:
                raise ValueError(
                    f"input {name!r} expects shape (batch, {', '.join(map(str, want))}), "
                    f"got {a.shape}"
                )
            out.append(a)
        return out

    def run(self, x, trace: bool = False):
        xs = self._split(x)
        n = xs[0].shape[0]
        parts: dict[str, list[np.ndarray]] = {}
        if n == 0:  # an empty batch: empty results, without asking every op to handle it
            parts = {node.name: [np.empty((0, *node.shape))] for node in self.graph}
        for lo in range(0, n, self.chunk):
            env = self.run_raw([a[lo : lo + self.chunk] for a in xs], trace=trace)
            for name, t in env.items():
                if trace or name in self.graph.outputs:
                    parts.setdefault(name, []).append(t.values())
        result = {k: np.concatenate(v, axis=0) for k, v in parts.items()}
        if trace:
            return result
        outs = [result[o] for o in self.graph.outputs]
        return outs[0] if len(outs) == 1 else outs
