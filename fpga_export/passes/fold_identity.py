"""Remove ``Identity`` nodes (layers/reshape.py): their users read the identity's input.

An identity with a user ``result`` precision is a type conversion: it is replaced by an
``Activation("linear")`` node with the same name, inputs, precision and source.
"""

from __future__ import annotations

from ..ir.graph import Graph, Node
from ..layers.activation import Activation
from ..layers.reshape import Identity


def fold_identity(graph: Graph, config=None) -> Graph:
    for node in graph:
        if not isinstance(node.op, Identity):
            continue
        if "result" in node.precision:
            cast = Node(
                name=node.name,
                op=Activation("linear"),
                inputs=list(node.inputs),
                shape=node.shape,
                precision=dict(node.precision),
                reuse_factor=node.reuse_factor,
                strategy=node.strategy,
                source=node.source,
                layer=node.layer,
            )
            graph.replace(node.name, cast)
        else:
            graph.remove(node.name)
    return graph
