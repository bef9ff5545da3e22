"""Intel HLS Compiler (i++) backend: an HLS component project with Algorithmic C types.

Targets the Intel HLS Compiler Pro Edition 21.3 and later (Quartus Prime Pro; the releases
whose Reference Manual documents every construct used here; Intel now directs new designs
to oneAPI, ``backend='oneapi'``). The generated C++ is the
layer library in its Algorithmic C form (``nnet/types.h`` with ``NNET_AC_TYPES`` and
``NNET_QUARTUS``), as i++ reads it; everything i++ spells or runs differently is here
(citations: Intel HLS Compiler Pro Edition Reference Manual, "RM", and User Guide, "UG"):

- every type is an ac type (``family = "ac"``), included as ``HLS/ac_int.h`` and
  ``HLS/ac_fixed.h`` after ``HLS/hls.h`` (RM "Arbitrary Precision Math Support"),
- pragmas in i++'s spelling (``backends.quartus_pragmas``: ``#pragma ii``, ``#pragma
  unroll``, ``hls_register``), in every C++ file of ``firmware/`` (custom ops' headers too,
  ``backends.respelled``),
- io_parallel: the datapath ``<name>(arrays)`` (what the csim calls) and the component
  ``<name>_component``, whose argument and result are structs of arrays passed by value:
  conduits with the start/busy, done/stall handshake of ``hls_avalon_streaming_component``
  (RM "Component Invocation Interface Control Attributes", "Structs in Component
  Interfaces"); the layer outputs between are ``hls_register`` arrays,
- io_stream: the component ``<name>`` with ``ihc::stream_in<T>`` / ``ihc::stream_out<T>``
  Avalon-ST ports (RM "Streaming Input/Output Interfaces") is a system of tasks (RM "Systems
  of Tasks", ``backends.quartus_tasks``): every layer and fan-out copy a task function without
  arguments, launched with ``ihc::launch`` and collected with ``ihc::collect``, the layers
  running concurrently; they exchange ``ihc::stream<T, ihc::buffer<N>>`` objects at namespace
  scope (RM "ihc::stream Class"), N the FIFO depth of the Vitis io_stream top
  (``codegen.fifo``), the largest of its packet type (``nnet::stream_buffer<T>`` in
  defines.h); as the component copies its ports one after the other, the streams of the
  outputs and of every input but the last hold a whole tensor,
- a ``Makefile`` for ``i++ -march=x86-64`` (emulation: the testbench on the CPU) and
  ``i++ -march=<family or part> --clock`` (synthesis and its reports; co-simulation;
  Quartus compile), run by ``build()`` (``backends.quartus_build``),
- csim: g++ with our compat headers, ``compat/HLS/`` standing in for Intel's ``HLS/hls.h``
  (set ``FPGA_EXPORT_VENDOR_INCLUDE`` to Intel's ``hls/include`` to use the real ones).

The cost estimate counts the Vitis model's operations in Intel resources against the -march
target (``backends.intel_cost``, ``backends.intel_parts``; uncalibrated); AMD's tool limits
are not checked; the csim dataflow simulation (bounded hls::stream FIFOs) is not available
for ihc streams: the csim runs the tasks one after the other on unbounded streams (compat
``HLS/hls.h``), so a design that would stall on its ihc::buffer depths is not caught there.
"""

from __future__ import annotations

from pathlib import Path

import nnet_cpp

from ..codegen.context import EmitContext
from ..config import ExportConfig
from ..ir.graph import Graph, Node
from .intel_cost import IntelEstimate
from .quartus_pragmas import RULES
from .quartus_tasks import capacities, component
from .quartus_tasks import streams as stream_list
from .respelled import RespelledFiles
from .vitis import VitisBackend, templates

TEMPLATES = templates("quartus")
DEFAULT_PART = "Arria10"  # i++ -march family (RM "i++ Command-Line Arguments")
AMD_DEFAULT_PART = ExportConfig.__dataclass_fields__["part"].default


class QuartusFiles(RespelledFiles):
    """Project files of the quartus backend: C++ in firmware/ respelled for i++, and the
    Makefile in the place of the Vitis build script."""

    def text(self, rel: str, text: str) -> None:
        if rel != "build_prj.tcl":  # the Makefile is written by QuartusBackend.write
            super().text(rel, text)


class QuartusBackend(IntelEstimate, VitisBackend):
    name = "quartus"
    vendor = "ac"
    family = "ac"
    templates = TEMPLATES
    stream_class = "ihc::stream"  # the csim bridge's port streams (compat: one FIFO class)
    dataflow_sim = False
    type_includes = (
        "#define NNET_AC_TYPES  // nnet/types.h: the Algorithmic C types",
        "#define NNET_QUARTUS  // ... as the Intel HLS Compiler ships them, ihc streams",
        '#include "HLS/hls.h"',
        '#include "HLS/ac_int.h"',
        '#include "HLS/ac_fixed.h"',
    )

    def write(self, graph: Graph, config, files, name: str, version: str, *args, **kwargs):
        part = self.part(config)
        result = super().write(
            graph, config, QuartusFiles(files, RULES), name, version, *args, **kwargs
        )
        for h in sorted((nnet_cpp.COMPAT_DIR / "HLS").glob("*.h")):
            files.copy(f"compat/HLS/{h.name}", h)
        files.text(
            "Makefile",
            self.templates.get_template("Makefile.j2").render(
                name=name,
                part=part,
                default_part=config.part == AMD_DEFAULT_PART,
                clock_period=config.clock_period,
                version=version,
            ),
        )
        return result

    def build_script(self, graph: Graph, config, name: str, version: str) -> str:
        return ""  # no Tcl: the Makefile (write)

    @staticmethod
    def part(config) -> str:
        """The i++ ``-march`` target: the config's part, or Arria 10 when it is left at the
        (AMD) default; another AMD part is refused."""
        if config.part == AMD_DEFAULT_PART:
            return DEFAULT_PART
        if config.part.lower().startswith("xc"):
            raise ValueError(
                f"part {config.part!r} is an AMD part; the quartus backend targets Intel FPGAs: "
                "give an i++ -march family (Arria10, Stratix10, Agilex7) or an Intel part number"
            )
        return config.part

    def target_part(self, config) -> str:
        return self.part(config)

    def describe(self, graph: Graph, config, name: str, version: str) -> dict:
        """project.json, with the i++ target as its part."""
        return {**super().describe(graph, config, name, version), "part": self.part(config)}

    @staticmethod
    def component_name(name: str, ctx: EmitContext) -> str:
        return name if ctx.stream else f"{name}_component"

    def check(self, graph: Graph, config) -> list:
        """AMD's tool limits do not apply to i++; its own are not modelled."""
        self.part(config)
        return []

    # -- the vendor tool -----------------------------------------------------------------
    def find_tool(self) -> str:
        from .quartus_build import find_tool

        return find_tool()

    def run_build(self, project: Path, options, *, log=None, verbose: bool = True) -> Path:
        from .quartus_build import command, find_tool
        from .vitis_build import run_build

        find_tool()
        return run_build(project, options, log=log, verbose=verbose, cmd=command(options))

    def read_report(self, folder: Path, top: str):
        """The i++ report (``backends.quartus_report``)."""
        from .quartus_report import read_report

        return read_report(folder, top=top)

    # -- files ---------------------------------------------------------------------------
    def defines(self, graph: Graph, ctx: EmitContext) -> str:
        """defines.h; io_stream: the capacity of the streams of every packet type
        (``nnet::stream_buffer``, ``nnet/types.h``; ``backends.quartus_tasks``)."""
        text = super().defines(graph, ctx)
        if not ctx.stream:
            return text
        _, groups = capacities(self, graph, ctx)
        lines = [
            "// ihc::stream capacities in words (packets), one per packet type: the largest FIFO",
            '// depth among its streams (RM "ihc::stream Class": ihc::buffer)',
            "namespace nnet {",
            *[
                f"template <> struct stream_buffer<{t}> {{ static const unsigned value = {n}; }};"
                for t, n in groups
            ],
            "}  // namespace nnet",
            "",
        ]
        end = text.rindex("#endif")
        return text[:end] + "\n".join(lines) + "\n" + text[end:]

    def signature(self, name: str, ctx: EmitContext, ins, outs) -> str:
        if not ctx.stream:
            return super().signature(name, ctx, ins, outs)
        args = [f"ihc::stream_in<{p.dtype}> &{p.var}_port" for p in ins]
        args += [f"ihc::stream_out<{p.dtype}> &{p.var}_port" for p in outs]
        return f"component void {name}({', '.join(args)})"

    def top_header(self, name: str, ctx: EmitContext, ins, outs) -> str:
        guard = f"{name.upper()}_H_"
        lines = [f"#ifndef {guard}", f"#define {guard}", "", '#include "defines.h"', ""]
        if ctx.stream:
            lines += [
                '// The component: Avalon-ST ports (RM "Streaming Input Interfaces", "Streaming',
                '// Output Interfaces"), one packet per transfer',
                f"{self.signature(name, ctx, ins, outs)};",
            ]
        else:
            lines += [
                "// The datapath (the csim calls it; inlined into the component)",
                f"{self.signature(name, ctx, ins, outs)};",
                "",
                *self.structs(name, ins, outs),
                "",
                f"{self.component_signature(name, ctx)};",
            ]
        return "\n".join([*lines, "", "#endif", ""])

    @staticmethod
    def structs(name: str, ins, outs) -> list[str]:
        lines = []
        for kind, ports in (("input", ins), ("output", outs)):
            lines.append(f"struct {name}_{kind} {{")
            lines += [f"    {p.dtype} {p.var}[{p.size}];" for p in ports]
            lines.append("};")
        return lines

    def component_signature(self, name: str, ctx: EmitContext) -> str:
        """io_parallel. A latency design (every loop unrolled) takes a new input every II
        cycles, II = the largest reuse factor, as the Vitis top's PIPELINE II: the
        ``hls_component_ii`` attribute (RM "Component Attributes"); a design whose layers keep
        loops runs them in order, at their own ii."""
        ii = (
            ""
            if ctx.dataflow
            else f"hls_component_ii({max([1] + [n.reuse_factor for n in ctx.graph])}) "
        )
        return (
            f"component hls_avalon_streaming_component {ii}{name}_output "
            f"{self.component_name(name, ctx)}({name}_input in)"
        )

    def top_source(self, graph, name, ctx: EmitContext, ins, outs, emissions) -> str:
        text = super().top_source(graph, name, ctx, ins, outs, emissions)
        if ctx.stream:
            return text
        args = ", ".join([f"in.{p.var}" for p in ins] + [f"out.{p.var}" for p in outs])
        return text + "\n".join(
            [
                "",
                '// The component (RM "Structs in Component Interfaces"): the arrays travel by',
                "// value, as conduits of the call (start/busy) and return (done/stall) handshakes",
                f"{self.component_signature(name, ctx)} {{",
                f"    {name}_output out;",
                f"    {name}({args});",
                "    return out;",
                "}",
                "",
            ]
        )

    def parallel_top_pragmas(self, graph: Graph, ports: list[str], ctx: EmitContext) -> list[str]:
        if ctx.dataflow:
            return [
                "    // i++ runs the layers one after the other, each loop pipelined at its",
                "    // ii (#pragma ii: the reuse factor); this datapath is inlined into",
                "    // the component below",
            ]
        return [
            "    // i++ pipelines the component; every loop below is unrolled (#pragma unroll)",
            "    // and the arrays between layers are registers (hls_register)",
        ]

    def declare(self, node: Node, var: str, ctx: EmitContext) -> list[str]:
        return [f"hls_register {ctx.type_name(node)} {var}[{node.size}];"]

    # -- io_stream -------------------------------------------------------------------------
    def streams(self, graph: Graph, ctx: EmitContext) -> list[tuple[str, Node, int]]:
        """The component's streams at the capacity it declares (the largest of their packet
        type, ``quartus_tasks.capacities``): the ports' copies and fan-out copies too."""
        per_var, _ = capacities(self, graph, ctx)
        return [(var, node, per_var[var][1]) for var, node in stream_list(graph, ctx)]

    def dataflow_top(self, graph, name, ctx: EmitContext, ins, outs, emissions) -> str:
        """The io_stream component: a system of tasks (``backends.quartus_tasks``)."""
        lines = ['#include "' + name + '.h"', '#include "parameters.h"', "", *PORT_COPIES]
        return "\n".join(lines) + "\n" + component(self, graph, name, ctx, ins, outs, emissions)


# The copies between the component's Avalon-ST ports and the streams of the layers, one
# packet per iteration (RM "Loop Initiation Interval (ii Pragma)").
PORT_COPIES = [
    "namespace nnet {",
    "template <class packet_T, unsigned N, class port_T>",
    "void port_to_stream(port_T &port, stream<packet_T> &out) {",
    "#pragma ii 1",
    "    for (unsigned i = 0; i < N; i++) out.write(port.read());",
    "}",
    "template <class packet_T, unsigned N, class port_T>",
    "void stream_to_port(stream<packet_T> &in, port_T &port) {",
    "#pragma ii 1",
    "    for (unsigned i = 0; i < N; i++) port.write(in.read());",
    "}",
    "}  // namespace nnet",
    "",
]
