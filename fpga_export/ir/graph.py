"""The IR graph: an ordered set of named nodes, each holding one op."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..types import FixedType
from .layout import Layout
from .op import Op


@dataclass
class Node:
    name: str  # C++-safe, unique
    op: Op
    inputs: list[str] = field(default_factory=list)
    shape: tuple[int, ...] = ()  # output shape, batch excluded
    types: dict[str, FixedType] = field(default_factory=dict)  # role -> type (after infer_types)
    precision: dict[str, FixedType | str] = field(default_factory=dict)  # user overrides
    # types the framework itself uses (its quantizers): a conversion into given["result"]
    # rounds and saturates exactly like the framework; "auto" = derive from actual weights
    given: dict[str, FixedType | str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)  # role -> why its given type is lossy
    floor: dict[str, FixedType] = field(default_factory=dict)  # derived types never narrower
    exact: bool | None = None  # csim == framework for this node (passes.mark_exact)
    notes: list[str] = field(default_factory=list)  # why not exact, caveats
    weights: dict[str, np.ndarray] = field(default_factory=dict)  # float64 values
    reuse_factor: int = 1
    strategy: str = "latency"
    source: str = ""  # "dense_1 (Dense)": where the node came from
    # the framework name of the layer the node stands for (Keras layer name, PyTorch module
    # path or fx node name): user settings find the node by it. Set on the node named after
    # the layer; its helper nodes (a fused activation, quantizers, the parts of a 3-input
    # Concatenate) leave it empty: they are named by node name, ``parts`` or role aliases.
    layer: str = ""

    @property
    def result(self) -> FixedType:
        return self.types["result"]

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __repr__(self) -> str:
        return f"Node({self.name!r}, {type(self.op).__name__}, inputs={self.inputs})"


class GraphError(ValueError):
    pass


class Graph:
    """Nodes in topological order with a name index; ``inputs``/``outputs`` name nodes.

    ``layouts`` maps node names to the :class:`~.layout.Layout` of the framework array they
    stand for, for nodes whose firmware order differs from the framework's (set by channels-
    first frontends; ``Firmware`` applies them to inputs, outputs and traces).

    ``batch_axes`` gives, per input, the axis of the framework's tensor that holds the batch
    (empty: all 0). The firmware always takes batch-first arrays; a frontend's own wrappers
    (``torch_plugin.CSimModule``) move a batch axis of 1 (a time-major sequence) first.
    """

    def __init__(self, name: str = "model"):
        self.name = name
        self._nodes: dict[str, Node] = {}
        self.inputs: list[str] = []
        self.outputs: list[str] = []
        self.layouts: dict[str, Layout] = {}
        self.fifo_depths: dict[str, int] = {}  # io_stream FIFO depth overrides, by stream name
        self.batch_axes: list[int] = []  # per input; empty: every input is batch first

    def batch_axis(self, index: int) -> int:
        """The framework batch axis of input ``index`` (0 unless the frontend set one)."""
        axes = getattr(self, "batch_axes", None) or []  # graphs pickled before batch_axes
        return axes[index] if index < len(axes) else 0

    # -- access -----------------------------------------------------------------------
    def __iter__(self):
        return iter(list(self._nodes.values()))

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, name: str) -> bool:
        return name in self._nodes

    def __getitem__(self, name: str) -> Node:
        try:
            return self._nodes[name]
        except KeyError:
            raise KeyError(f"no node named {name!r}; nodes: {', '.join(self._nodes)}") from None

    @property
    def nodes(self) -> list[Node]:
        return list(self._nodes.values())

    def users(self, name: str) -> list[Node]:
        return [n for n in self._nodes.values() if name in n.inputs]

    def unique_name(self, base: str) -> str:
        """``base``, or ``base_2`` ... : unique ignoring case (names become file names, and
        ``Dense_kernel.h`` is ``dense_kernel.h`` on a case-insensitive file system)."""
        taken = {n.lower() for n in self._nodes}
        name, i = base, 1
        while name.lower() in taken:
            i += 1
            name = f"{base}_{i}"
        return name

    # -- edits ------------------------------------------------------------------------
    def add(self, node: Node, *, after: str | None = None) -> Node:
        if node.name in self._nodes:
            raise GraphError(f"node name {node.name!r} already used")
        for inp in node.inputs:
            if inp not in self._nodes:
                raise GraphError(f"node {node.name!r} reads {inp!r}, which is not in the graph")
        if after is None:
            self._nodes[node.name] = node
        else:
            items = list(self._nodes.items())
            pos = [k for k, _ in items].index(after) + 1
            items.insert(pos, (node.name, node))
            self._nodes = dict(items)
        return node

    def remove(self, name: str, *, rewire_to: str | None = None) -> None:
        """Remove a node; its users read ``rewire_to`` (default: the node's only input)."""
        node = self[name]
        if rewire_to is None:
            if len(node.inputs) != 1:
                raise GraphError(f"cannot remove {name!r}: it has {len(node.inputs)} inputs")
            rewire_to = node.inputs[0]
        for user in self.users(name):
            user.inputs = [rewire_to if i == name else i for i in user.inputs]
        self.outputs = [rewire_to if o == name else o for o in self.outputs]
        del self._nodes[name]
        self.layouts.pop(name, None)  # users now see rewire_to's own layout

    def replace(self, name: str, node: Node) -> None:
        """Put ``node`` where ``name`` was; users of ``name`` read the new node."""
        old = self[name]
        items = [(node.name, node) if k == name else (k, v) for k, v in self._nodes.items()]
        self._nodes = dict(items)
        if node.name != old.name:
            for user in self.users(name):
                user.inputs = [node.name if i == name else i for i in user.inputs]
            self.outputs = [node.name if o == name else o for o in self.outputs]
            if name in self.layouts:
                self.layouts[node.name] = self.layouts.pop(name)

    # -- checks -----------------------------------------------------------------------
    def lint(self) -> list[str]:
        """Problems in the graph structure (empty list: fine)."""
        problems, seen = [], set()
        for node in self._nodes.values():
            for inp in node.inputs:
                if inp not in seen:
                    problems.append(f"{node.name}: input {inp!r} is not defined before it")
            want = type(node.op).n_inputs
            if want is not None and len(node.inputs) != want:
                problems.append(f"{node.name}: takes {want} input(s), has {len(node.inputs)}")
            if node.types and "result" not in node.types:
                problems.append(f"{node.name}: has types but no 'result' type")
            seen.add(node.name)
        for name in self.inputs + self.outputs:
            if name not in self._nodes:
                problems.append(f"graph input/output {name!r} is not a node")
        for name, layout in self.layouts.items():
            if name not in self._nodes:
                problems.append(f"layout of {name!r}: no such node")
            elif self._nodes[name].shape and layout.size != self._nodes[name].size:
                problems.append(
                    f"{name}: layout of shape {layout.shape} does not fit the node shape "
                    f"{self._nodes[name].shape}"
                )
        if not self.outputs:
            problems.append("graph has no outputs")
        return problems

    def check(self) -> None:
        problems = self.lint()
        if problems:
            raise GraphError("invalid graph:\n  " + "\n  ".join(problems))

    # -- display ----------------------------------------------------------------------
    def table(self) -> str:
        rows = [("name", "op", "inputs", "shape", "result type", "source")]
        for n in self._nodes.values():
            rtype = str(n.types["result"]) if "result" in n.types else "-"
            shape = "(" + ", ".join(map(str, n.shape)) + ")"
            rows.append((n.name, n.op.kind, ", ".join(n.inputs) or "-", shape, rtype, n.source))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return f"Graph {self.name!r}\n" + "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return f"Graph({self.name!r}, {len(self)} nodes)"
