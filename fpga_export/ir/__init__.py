"""Framework-neutral intermediate representation."""

from .graph import Graph, GraphError, Node
from .interpreter import Interpreter
from .op import OP_REGISTRY, Emission, Op, Tensor

__all__ = ["Graph", "GraphError", "Node", "Interpreter", "OP_REGISTRY", "Emission", "Op", "Tensor"]
