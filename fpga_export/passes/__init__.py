"""Graph passes: plain functions ``pass(graph, config) -> graph``, one per file."""

from .fold_identity import fold_identity
from .fuse_batchnorm import fuse_batchnorm
from .infer_shapes import infer_shapes
from .infer_types import TypeContext, infer_types
from .mark_exact import ExactnessWarning, mark_exact


def check_graph(graph, config=None):
    graph.check()
    return graph


DEFAULT_PIPELINE = (
    fold_identity,
    fuse_batchnorm,
    infer_shapes,
    infer_types,
    mark_exact,
    check_graph,
)


def run_pipeline(graph, config=None, pipeline=DEFAULT_PIPELINE):
    for step in pipeline:
        graph = step(graph, config)
    return graph


__all__ = [
    "DEFAULT_PIPELINE",
    "ExactnessWarning",
    "TypeContext",
    "check_graph",
    "fold_identity",
    "fuse_batchnorm",
    "infer_shapes",
    "infer_types",
    "mark_exact",
    "run_pipeline",
]
