"""Framework-neutral intermediate representation."""

from .graph import Graph, GraphError, Node
from .interpreter import Interpreter
from .layout import Layout
from .op import OP_REGISTRY, Emission, Op, Tensor

__all__ = [
    "Graph",
    "GraphError",
    "Node",
    "Interpreter",
    "Layout",
    "OP_REGISTRY",
    "Emission",
    "Op",
    "Tensor",
]
