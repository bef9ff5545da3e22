"""Op base class and registry.

Every IR op is a dataclass subclass of :class:`Op` living in one layer-family file
(``fpga_export/layers/<family>.py``) next to its C++ header ``nnet_cpp/nnet/<family>.h``.
The op holds its attributes and knows its shape/type inference, its numpy reference
(in the raw-integer domain) and its C++ emission. Subclassing registers it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..types import FixedType

if TYPE_CHECKING:
    from ..codegen.context import EmitContext
    from .cost import Cost
    from .graph import Graph, Node
    from .hardware import HwUse

OP_REGISTRY: dict[str, type[Op]] = {}


@dataclass
class Tensor:
    """A batch of fixed-point values: raw two's-complement integers and their type."""

    raw: np.ndarray  # shape (batch, *shape); int64 or object
    type: FixedType

    def values(self) -> np.ndarray:
        return self.type.from_raw(self.raw)


@dataclass
class Emission:
    """What an op contributes to the generated C++ for one node."""

    config: str = ""  # config struct definition(s), placed in parameters.h
    call: str = ""  # the statement(s) in the top function
    includes: tuple[str, ...] = ()  # nnet headers, e.g. ("nnet/dense.h",)
    pragmas: tuple[str, ...] = ()  # extra pragmas placed in the top function body
    # headers from outside the nnet library (a custom op's, ``fpga_export.extend``): path in
    # the project's firmware/ folder (also what parameters.h includes) -> the file copied there
    headers: tuple[tuple[str, Path], ...] = ()


@dataclass
class Op:
    """Base of all IR ops. Subclasses are dataclasses with typed attribute fields."""

    kind: ClassVar[str] = ""  # registry key, e.g. "dense"
    family: ClassVar[str | None] = None  # file stem: layers/<family>.py, nnet/<family>.h
    roles: ClassVar[tuple[str, ...]] = ("result",)  # type roles this op uses
    weight_roles: ClassVar[dict[str, str]] = {}  # weight name -> type role
    n_inputs: ClassVar[int | None] = 1  # None: any number

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.kind:
            if cls.kind in OP_REGISTRY and OP_REGISTRY[cls.kind] is not cls:
                raise TypeError(f"op kind {cls.kind!r} registered twice")
            OP_REGISTRY[cls.kind] = cls

    # -- structure --------------------------------------------------------------------
    def output_shape(self, node: Node, input_shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
        return input_shapes[0]

    def check(self, node: Node, graph: Graph) -> None:
        """Validate settings that depend on shapes (e.g. reuse factor); raise ValueError."""

    # -- types ------------------------------------------------------------------------
    def default_types(self, node: Node, graph: Graph, ctx) -> dict[str, FixedType]:
        """Types for roles the user did not set. ``ctx`` is a TypeContext (passes.infer_types)."""
        return {role: ctx.default for role in self.roles}

    def hls4ml_compatible(self) -> Op:
        """This op computing as hls4ml does (``activation_tables="hls4ml"``): a different
        op where hls4ml's arithmetic differs from ours (lookup-table activations); self
        otherwise."""
        return self

    def hls4ml_difference(self) -> str | None:
        """Why this op's outputs can differ from hls4ml's csim even with hls4ml's types
        (a summary note with ``activation_tables="hls4ml"``); None: they do not."""
        return None

    def types_ready(self, node: Node, graph: Graph) -> None:
        """Called by ``infer_types`` once the node has its types: weights that depend on
        them (hls4ml's softmax tables are indexed by the bits of their types)."""

    def exact_spans(self, node: Node, graph: Graph) -> dict | None:
        """Exact values (``ir.span.Span``) this node computes before converting them into
        its types, for inputs holding any value of their nodes' ``result`` types: role
        ``"result"`` (the value converted into ``result``), internal roles (``"accum"``) and
        ``"float32"``: every intermediate value a float framework computes (products, partial
        sums), whose width says whether float32 holds them exactly.
        None: the op approximates (lookup tables ...), so it is never exact. Used by
        ``passes.mark_exact`` and by types derived from actual weights."""
        return None

    def describe(self, node: Node) -> str:
        """A note for ``fw.summary()`` beside the node's types ("": none), e.g. the container
        type of per-element types."""
        return ""

    # -- numpy reference ----------------------------------------------------------------
    def approximation(self, node: Node, graph: Graph) -> str | None:
        """Why the node is not exact when ``exact_spans`` is None, with its worst-case error
        where the op can bound it (``passes.mark_exact``); None: the generic reason."""
        return None

    def run(self, node: Node, inputs: list[Tensor]) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no numpy reference")

    # -- C++ --------------------------------------------------------------------------
    def emit(self, node: Node, ctx: EmitContext) -> Emission:
        raise NotImplementedError(f"{type(self).__name__} has no C++ emission")

    def config_fields(self, node: Node, ctx: EmitContext) -> dict[str, object]:
        """Fields of the node's C++ config struct (checked against the header's defaults)."""
        return {}

    def weight_constants(self, node: Node, weight: str, ctx: EmitContext) -> dict[str, int]:
        """Constants derived from a weight's values (e.g. a multiplier count), written into
        that weight's header: like the values, they never change the csim library."""
        return {}

    def hardware(self, node: Node, ctx: EmitContext) -> list[HwUse]:
        """What the node's C++ asks of the synthesis tool (``ir.hardware``): completely
        partitioned arrays, unrolled loops, reshaped ROMs, multipliers. The backend checks
        them against its limits before writing (the node's output array is the backend's)."""
        return []

    def cost(self, node: Node, ctx: EmitContext, hw) -> Cost:
        """What the node's C++ costs (``ir.cost``), built from the backend's cost primitives
        ``hw`` (for AMD ``backends.vitis_cost.VitisCost``: multipliers, adders, ROMs,
        FIFOs, registers). Default: wiring (reshapes), free and immediate."""
        from .cost import Cost

        return Cost(latency=0, ii=1)

    def keeps_loops(self, node: Node) -> bool:
        """True when the node's io_parallel C++ keeps a loop (a pixel loop, a reuse loop)
        that a pipelined caller would unroll: the top is then a DATAFLOW region."""
        return False

    # -- io_stream ----------------------------------------------------------------------
    def stream_packet(self, node: Node, ctx: EmitContext) -> int:
        """Values per stream packet of the node's output: one pixel (the last axis)."""
        return node.shape[-1] if node.shape else 1

    def reads_any_packet(self, node: Node) -> bool:
        """True if the stream code takes input packets of any width dividing the input."""
        return False

    def stream_need(self, node: Node, ctx: EmitContext) -> list[np.ndarray] | None:
        """Per input i, ``need[i][k]``: packets of input i the stream code has read when it
        writes its output packet k (counts, non-decreasing). Used to size the FIFOs of
        reconvergent branches (``codegen.fifo``). None: unknown (the FIFO then holds the whole
        tensor). Default: one output packet per input packet (element-wise ops), or one
        output packet after all of the input."""
        out = ctx.packets(node)
        ins = [ctx.packets(ctx.input_node(node, i)) for i in range(len(node.inputs))]
        if all(n == out for n in ins):
            return [np.arange(1, out + 1) for _ in ins]
        if out == 1:
            return [np.array([n]) for n in ins]
        return None

    def attributes(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def op_field(default=None, **kw):
    """A dataclass field with a default (shorthand for mutable defaults too)."""
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), **kw)
    return field(default=default, **kw)
