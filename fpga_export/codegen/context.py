"""What an op needs to know while emitting C++ for one node."""

from __future__ import annotations

from dataclasses import dataclass

from ..ir.graph import Graph, Node
from ..types import FixedType
from . import cpp


@dataclass
class EmitContext:
    graph: Graph
    backend: object  # backends.vitis.VitisBackend: spells types
    io_type: str = "io_parallel"
    dataflow: bool = False  # io_parallel: the top is a DATAFLOW region (io_stream always is)

    @property
    def stream(self) -> bool:
        return self.io_type == "io_stream"

    def spell(self, t: FixedType) -> str:
        return self.backend.spell(t)

    @property
    def const_table(self) -> str:
        """How a namespace-scope constant table is declared (``static const``; the backend's)."""
        return self.backend.const_table

    # readable names in generated code ------------------------------------------------
    @staticmethod
    def type_name(node: Node, role: str = "result") -> str:
        return f"{node.name}_{role}_t"

    @staticmethod
    def var(node: Node | str) -> str:
        return f"{node if isinstance(node, str) else node.name}_out"

    @staticmethod
    def weight_var(node: Node, weight: str) -> str:
        return f"{node.name}_{weight}"

    @staticmethod
    def config_name(node: Node) -> str:
        return f"{node.name}_config"

    @classmethod
    def global_names(cls, graph: Graph) -> set[str]:
        """Names the generated code declares at file scope (types, configs, weights)."""
        out = set()
        for n in graph:
            out |= {cls.config_name(n), f"{n.name}_packet_t", cls.type_name(n)}
            out |= {cls.type_name(n, role) for role in n.types}
            out |= {cls.weight_var(n, w) for w in n.op.weight_roles}
        return out

    # io_stream packets -----------------------------------------------------------------
    def packet(self, node: Node) -> int:
        """Values per stream packet of the node's output (io_stream)."""
        return node.op.stream_packet(node, self)

    def packets(self, node: Node) -> int:
        """Stream packets of the node's output per sample (io_stream)."""
        return node.size // self.packet(node)

    # Fan-out: a stream can be read once and a DATAFLOW channel has one reader, so a node read
    # by several consumers writes into `<node>_fanout` and a copy process (io_stream:
    # nnet::clone_stream; io_parallel: a chain of nnet::fan_out_2) copies it into one per
    # consumer.
    def edges(self, node: Node) -> list[tuple[Node, int]]:
        """(consumer, input slot) for every read of node's output inside the graph."""
        return [
            (u, i)
            for u in self.graph.users(node.name)
            for i, s in enumerate(u.inputs)
            if s == node.name
        ]

    def consumers(self, node: Node) -> int:
        return len(self.edges(node)) + (node.name in self.graph.outputs)

    def reader_vars(self, node: Node) -> list[str]:
        """The variable each read of node's output reads (a fan-out's copies), in ``edges``
        order."""
        return [self.in_var(u, i) for u, i in self.edges(node)]

    def fan_out_vars(self, node: Node) -> list[str]:
        """What the fan-out copy of node writes: one variable per read, then the top-level
        output port when node is a graph output."""
        copies = self.reader_vars(node)
        if node.name in self.graph.outputs and node.name not in self.graph.inputs:
            copies.append(self.var(node))
        return copies

    def fans_out(self, node: Node) -> bool:
        return (self.stream or self.dataflow) and self.consumers(node) > 1

    def out_var(self, node: Node) -> str:
        """The variable the node's own code writes."""
        is_input = node.name in self.graph.inputs
        return f"{node.name}_fanout" if self.fans_out(node) and not is_input else self.var(node)

    def in_var(self, node: Node, i: int = 0) -> str:
        """The variable node reads for its i-th input."""
        src = self.input_node(node, i)
        if not self.fans_out(src):
            return self.var(src)
        slot = f"_{i}" if node.inputs.count(src.name) > 1 else ""  # read twice: one copy each
        return f"{src.name}_to_{node.name}{slot}"

    def packet_name(self, node: Node) -> str:
        return f"{node.name}_packet_t"

    def data_type(self, node: Node) -> str:
        """Element type of the node's output variable: scalar (parallel) or packet (stream)."""
        return self.packet_name(node) if self.stream else self.type_name(node)

    def input_node(self, node: Node, i: int = 0) -> Node:
        return self.graph[node.inputs[i]]

    def config(self, node: Node, base: str, fields: dict, roles: dict[str, str], members=()) -> str:
        """Config struct deriving from the header's default struct ``base``.

        ``roles`` maps the struct's typedef alias (``accum_t``) to the node type role;
        ``members`` are extra member definitions (C++ text, e.g. a constant table).
        """
        types = {alias: self.type_name(node, role) for alias, role in roles.items()}
        return cpp.struct(self.config_name(node), base, fields, types, members)

    def call(self, fn: str, node: Node, weights=()) -> str:
        """``nnet::fn<in_t, out_t, node_config>(in, out, weights...);`` for a one-input op."""
        src = self.input_node(node)
        args = [self.in_var(node), self.out_var(node), *(self.weight_var(node, w) for w in weights)]
        params = f"{self.data_type(src)}, {self.data_type(node)}, {self.config_name(node)}"
        return f"nnet::{fn}<{params}>({', '.join(args)});"
