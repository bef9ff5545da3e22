"""Output shape of every node, then each op's shape-dependent checks (e.g. reuse factor)."""

from __future__ import annotations

from ..ir.graph import Graph


def infer_shapes(graph: Graph, config=None) -> Graph:
    for node in graph:
        in_shapes = [graph[i].shape for i in node.inputs]
        node.shape = tuple(int(d) for d in node.op.output_shape(node, in_shapes))
        node.op.check(node, graph)
    return graph
