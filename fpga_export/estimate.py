"""Resource and latency estimate of the generated firmware (``Firmware.estimate()``).

Each op prices its own C++ (``Op.cost`` in its family file) with the backend's cost
primitives (for AMD ``backends.vitis_cost``, for Intel ``backends.intel_cost``, which holds
Intel resources in the same slots: ``labels``); this module adds the nodes up the way the
top function composes them (the formulas and the source of every constant:
docs/estimate.md):

- io_parallel, one pipelined top (``pipeline``): the layers are one pipeline; latency is the
  longest path of layer latencies, the interval the largest layer interval.
- io_parallel DATAFLOW (``dataflow``): each layer is a process that reads its whole input
  array before it starts; latency as above, interval the slowest process's.
- io_stream (``stream``): processes overlap within a sample: latency is the longest path of
  the layers' fill times (first input to first output) plus the longest remaining time of
  one layer; the FIFOs between processes are priced too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .backends.intel_parts import IntelPart
from .backends.parts import Part
from .backends.vitis_cost import VitisCost
from .ir.cost import KINDS, Cost, Resources

__all__ = ["Estimate", "LayerEstimate", "estimate"]


@dataclass(frozen=True)
class LayerEstimate:
    name: str  # the node (generated-code name)
    op: str  # the op kind, e.g. "dense"
    layer: str  # the framework's layer name
    resources: Resources  # whole units
    latency: int  # cycles, one call
    ii: int  # cycles between calls
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Estimate:
    layers: list[LayerEstimate]
    total: Resources  # whole units, FIFOs and the top's own registers included
    latency: int  # cycles, one sample, input to output
    ii: int  # cycles between samples
    clock_period: float  # ns
    part: str  # the target the vendor tool builds for
    capacity: Part | IntelPart | None  # None: the part is not in the backend's part table
    style: str  # "pipeline", "dataflow" or "stream"
    fifos: Resources = Resources()  # io_stream FIFOs between processes
    notes: tuple[str, ...] = field(default_factory=tuple)
    # the vendor's name of each resource slot (Intel: DSP, ALM, REG, M20K, MLAB)
    labels: dict[str, str] = field(default_factory=lambda: dict(VitisCost.LABELS))
    part_note: str = ""  # what to say when the part is not in the table

    @property
    def latency_ns(self) -> float:
        return self.latency * self.clock_period

    @property
    def ii_ns(self) -> float:
        return self.ii * self.clock_period

    def utilization(self) -> dict[str, float]:
        """Fraction of the part's capacity per resource ({} when the part is unknown)."""
        if self.capacity is None:
            return {}
        out = {}
        amounts = self.capacity.amounts()
        for k in KINDS:
            cap = amounts[k]
            if cap:
                out[k] = getattr(self.total, k) / cap
        return out

    def fits(self) -> bool | None:
        """True when every resource is within the part (None: part unknown)."""
        use = self.utilization()
        return None if not use else all(v <= 1 for v in use.values())

    def to_dict(self) -> dict:
        return {
            "part": self.part,
            "labels": dict(self.labels),
            "clock_period": self.clock_period,
            "style": self.style,
            "latency": self.latency,
            "latency_ns": self.latency_ns,
            "ii": self.ii,
            "total": self.total.as_dict(),
            "fifos": self.fifos.as_dict(),
            "utilization": self.utilization(),
            "capacity": None if self.capacity is None else self.capacity.amounts(),
            "layers": [
                {
                    "name": e.name,
                    "op": e.op,
                    "layer": e.layer,
                    **e.resources.as_dict(),
                    "latency": e.latency,
                    "ii": e.ii,
                    "notes": list(e.notes),
                }
                for e in self.layers
            ],
            "notes": list(self.notes),
        }

    def table(self) -> str:
        """A text table: one row per layer, the total, and the part's capacity."""
        head = ["layer", "op", *(self.labels[k] for k in KINDS), "latency", "II"]
        rows = [
            [
                e.name,
                e.op,
                *(_int(getattr(e.resources, k)) for k in KINDS),
                str(e.latency),
                str(e.ii),
            ]
            for e in self.layers
        ]
        if any(getattr(self.fifos, k) for k in KINDS):
            rows.append(["(FIFOs)", "", *(_int(getattr(self.fifos, k)) for k in KINDS), "", ""])
        rows.append(
            [
                "total",
                self.style,
                *(_int(getattr(self.total, k)) for k in KINDS),
                str(self.latency),
                str(self.ii),
            ]
        )
        use = self.utilization()
        if use:
            cap = self.capacity.amounts()
            rows.append(
                [
                    "part " + self.capacity.device,
                    "",
                    *(_int(cap[k]) if cap[k] is not None else "-" for k in KINDS),
                    "",
                    "",
                ]
            )
            rows.append(
                [
                    "utilization",
                    "",
                    *(f"{100 * use[k]:.1f}%" if k in use else "-" for k in KINDS),
                    "",
                    "",
                ]
            )
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

        def line(r):
            return "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )

        out = [line(head), "  ".join("-" * w for w in widths)]
        out += [line(r) for r in rows]
        out.append(
            f"latency {self.latency} cycles = {self.latency_ns:g} ns at {self.clock_period:g} ns; "
            f"interval {self.ii} cycles ({self.style})"
        )
        if not use:
            default = f"part {self.part!r} is not in the part table: absolute numbers only"
            out.append(self.part_note or default)
        out += [f"note: {n}" for n in self.notes]
        out += [f"note: {e.name}: {n}" for e in self.layers for n in e.notes]
        return "\n".join(out)

    __str__ = table


def _int(v: float) -> str:
    return f"{int(round(v)):,}"


def estimate(graph, config, backend) -> Estimate:
    """The estimate of ``graph`` as ``backend`` writes it for ``config``."""
    ctx = backend.context(graph, config)
    hw = backend.cost_model(config)
    style = "stream" if ctx.stream else ("dataflow" if ctx.dataflow else "pipeline")
    costs: dict[str, Cost] = {n.name: n.op.cost(n, ctx, hw) for n in graph}
    layers = [
        LayerEstimate(
            n.name,
            n.op.kind,
            n.layer or n.name,
            costs[n.name].resources.rounded(),
            int(costs[n.name].latency),
            int(costs[n.name].ii),
            costs[n.name].notes,
        )
        for n in graph
    ]
    fifos = hw.fifos(graph, ctx) if ctx.stream else Resources()
    top = hw.top(graph, ctx, style)
    total = sum((e.resources for e in layers), Resources()) + fifos.rounded() + top.rounded()
    part = backend.target_part(config)
    capacity = backend.part_capacity(config)
    return Estimate(
        layers=layers,
        total=total,
        latency=_latency(graph, costs, style) + hw.io_latency(style),
        ii=max([1, *(c.ii for c in costs.values())]),
        clock_period=config.clock_period,
        part=part,
        capacity=capacity,
        style=style,
        fifos=fifos.rounded(),
        notes=tuple(hw.notes(graph, ctx)),
        labels=dict(hw.LABELS),
        part_note="" if capacity is not None else backend.unknown_part_note(part),
    )


def _latency(graph, costs: dict[str, Cost], style: str) -> int:
    """Longest path through the graph (see the module docstring for each style)."""
    start: dict[str, int] = {}  # cycles at which the node's first output appears
    slowest_rest = 0
    for n in graph:
        c = costs[n.name]
        before = max((start[i] for i in n.inputs), default=0)
        if style == "stream":
            fill = c.latency if c.fill is None else c.fill
            start[n.name] = before + fill
            slowest_rest = max(slowest_rest, c.latency - fill)
        else:
            start[n.name] = before + c.latency
    return max(start[o] for o in graph.outputs) + slowest_rest
