"""Limits of the AMD HLS tools, checked before a project is written.

Every op reports what its C++ asks of the tool (``Op.hardware``, ``ir.hardware``); the
backend adds the node output arrays it declares itself (io_parallel: each completely
partitioned). A size over a hard limit makes synthesis fail or not finish: the export
refuses with :class:`HardwareLimitError`, naming the layer, the array or loop, its size,
the limit and what to change. Multipliers beyond the part's DSPs (``backends.parts``) are a
design that will not fit: a :class:`ResourceUseWarning`, never an error.

The limits and their sources:

- complete partition, 4096 elements. Vivado HLS refuses larger complete partitions
  (``XFORM 203-103``: "partitioned elements number (N) has exceeded the threshold (1024)",
  raised with ``config_array_partition -maximum_size``; hls4ml issues #79, #134). Vitis HLS
  dropped ``-maximum_size`` (UG1399 "config_array_partition" lists only
  ``-complete_threshold`` and ``-throughput_driven``) and warns from 1024 elements on
  (UG1448 message 200-868, "Completely partitioning arrays size > 1024"). 4096 is the value
  the hls4ml users' flows raise it to and synthesize with (hls4ml issue #1157): our choice.
- complete unroll, 4096 copies: Vivado HLS stops unrolling larger loops (``XFORM 203-504``
  "Stop unrolling loop", a hard-coded 4096, hls4ml issue #904); Vitis HLS reports long run
  times for them (UG1448 200-868 "Completely unrolling large loops"). Same number: our
  choice for Vitis.
- reshaped word, 65536 bits: ``XFORM 203-133`` "Bitwidth of reshaped elements (N bits)
  exceeds the maximum bitwidth (65536 bits)" (hls4ml issue #506).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from ..codegen.context import EmitContext
from ..ir.graph import Graph
from ..ir.hardware import MULTIPLIERS, PARTITION, RESHAPE, UNROLL, HwUse
from ..layers.dense import divisors
from .parts import find_part

LIMITS = {PARTITION: 4096, UNROLL: 4096, RESHAPE: 65536}  # sources: module docstring

_SAYS = {
    PARTITION: "array {what} is completely partitioned into {size} elements",
    UNROLL: "the {what} unrolls into {size} copies of its body",
    RESHAPE: "ROM {what} is reshaped into words of {size} bits",
}
_LIMIT_NAMES = {
    PARTITION: "the complete-partition limit",
    UNROLL: "the unroll limit",
    RESHAPE: "the reshaped-word limit",
}


class HardwareLimitError(ValueError):
    """The firmware crosses a limit of the synthesis tool (the message says what to change)."""


class ResourceUseWarning(UserWarning):
    """The firmware needs more of a resource than the chosen part has."""


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" (a tool limit), "warning" (does not fit the part) or "note"
    node: str  # the layer, "" for the whole model
    message: str

    def __str__(self) -> str:
        return f"{self.node}: {self.message}" if self.node else self.message


def uses(graph: Graph, ctx: EmitContext) -> dict[str, list[HwUse]]:
    """Per node: what its C++ asks of the tool, plus its io_parallel output array."""
    out = {}
    declared = set()
    for node in graph:
        items = list(node.op.hardware(node, ctx))
        var = ctx.out_var(node)
        if not ctx.stream and var not in declared:
            declared.add(var)
            fix = "use io_type='io_stream' (one pixel at a time instead of whole arrays)"
            items.append(HwUse(PARTITION, var, node.size, fix))
        out[node.name] = items
    return out


def check(graph: Graph, config, ctx: EmitContext) -> list[Finding]:
    """Every finding: tool limits crossed, multipliers against the part's DSPs, notes."""
    found = []
    per_node = uses(graph, ctx)
    for name, items in per_node.items():
        for u in items:
            limit = LIMITS.get(u.kind)
            if limit is not None and u.size > limit:
                text = _SAYS[u.kind].format(what=u.what, size=u.size)
                text += f", over {_LIMIT_NAMES[u.kind]} of {limit}"
                fix = _fix(u, graph[name].reuse_factor, limit)
                found.append(Finding("error", name, text + (f"; {fix}" if fix else "")))
    found += _fit(per_node, config.part)
    return found


def _fix(u: HwUse, reuse_factor: int, limit: int) -> str:
    """The use's own advice, led by the least reuse factor that fits when it scales with it."""
    if not u.reuse_work:
        return u.fix
    total = u.size * reuse_factor
    least = next((d for d in divisors(u.reuse_work) if total // d <= limit), None)
    if least is None:
        advice = "no reuse_factor brings it within the limit"
    else:
        advice = f"raise reuse_factor to at least {least} (it must divide {u.reuse_work})"
    return advice + (f", or {u.fix}" if u.fix else "")


def _fit(per_node: dict[str, list[HwUse]], part_name: str) -> list[Finding]:
    part = find_part(part_name)
    if part is None:
        return [
            Finding(
                "note",
                "",
                f"part {part_name!r} is not in the part table "
                "(fpga_export.backends.parts): multipliers not compared with its DSPs",
            )
        ]
    mults = {
        n: sum(u.size for u in items if u.kind == MULTIPLIERS) for n, items in per_node.items()
    }
    total = sum(mults.values())
    if total <= part.dsp:
        return []
    top = sorted((m, n) for n, m in mults.items() if m)[::-1][:3]
    layers = ", ".join(f"{n} {m}" for m, n in top)
    return [
        Finding(
            "warning",
            "",
            f"the model uses {total} multipliers ({layers}) but part {part_name} has "
            f"{part.dsp} DSPs: it will not fit unless the tool builds multipliers from LUTs; "
            "raise reuse_factor (each multiplier then serves reuse_factor products) or choose "
            "a larger part",
        )
    ]


def enforce(findings: list[Finding]) -> None:
    """Raise for the tool limits crossed, warn for resources beyond the part."""
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        lines = "\n".join(f"  {f}" for f in errors)
        raise HardwareLimitError(
            f"the firmware crosses the synthesis tool's limits (fpga_export.backends."
            f"vitis_limits):\n{lines}\n(write(check_limits=False) writes it anyway)"
        )
    for f in findings:
        if f.severity == "warning":
            warnings.warn(str(f), ResourceUseWarning, stacklevel=3)
