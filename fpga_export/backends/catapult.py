"""Siemens Catapult HLS backend: Algorithmic C types, ac_channel streams, a Catapult project.

Catapult synthesizes the same nnet headers in their Algorithmic C form (``nnet/types.h``
with ``NNET_AC_TYPES``, defined in defines.h): ``ac_fixed``/``ac_int`` types and
``ac_channel`` for io_stream. Everything Catapult spells or runs differently is here:

- every type is an ac type (``family = "ac"``): precisions given in the ap spelling
  (``ap_fixed<16,6>``, hls4ml's vocabulary) become ``ac_fixed`` types with the same widths
  and modes (``passes.infer_types``); the interpreter follows the ac semantics,
- pragmas in Catapult's spelling (``backends.catapult_pragmas``), in every C++ file of
  ``firmware/`` (custom ops' headers too, ``backends.respelled``); the top function is
  marked ``#pragma hls_design top``,
- streams are ``ac_channel<T>``, their FIFO depths Catapult directives (``-FIFO_DEPTH``) in
  ``build_prj.tcl``, as is the pipelining of the io_parallel top's main loop
  (``-PIPELINE_INIT_INTERVAL``),
- ``build_prj.tcl`` for ``catapult -shell -file build_prj.tcl`` (``backends.catapult_build``).

The cost estimate is the Vitis one (AMD primitives) and the AMD tool limits are not checked:
Catapult has its own; the csim dataflow simulation (bounded hls::stream FIFOs) is not
available for ac_channel.
"""

from __future__ import annotations

from pathlib import Path

from ..codegen.context import EmitContext
from ..ir.graph import Graph, Node
from .catapult_pragmas import RULES
from .respelled import RespelledFiles
from .vitis import VitisBackend, templates

TEMPLATES = templates("catapult", "vitis")  # our build script; the testbench is the Vitis one


class CatapultBackend(VitisBackend):
    name = "catapult"
    vendor = "ac"
    family = "ac"
    templates = TEMPLATES
    stream_class = "ac_channel"
    dataflow_sim = False
    testbench_options = {"scverify": True}  # CCS_MAIN / CCS_DESIGN for SCVerify
    type_includes = (
        "#define NNET_AC_TYPES  // nnet/types.h: the Algorithmic C types",
        '#include "ac_fixed.h"',
        '#include "ac_int.h"',
        '#include "ac_channel.h"',
    )

    def write(self, graph: Graph, config, files, name: str, version: str, *args, **kwargs):
        return super().write(
            graph, config, RespelledFiles(files, RULES), name, version, *args, **kwargs
        )

    def build_script(self, graph: Graph, config, name: str, version: str) -> str:
        ctx = self.context(graph, config)
        depths = sorted(self.fifo_depths(graph, ctx).items()) if ctx.stream else []
        pipeline = not ctx.stream and not ctx.dataflow
        return self.templates.get_template("build_prj.tcl.j2").render(
            name=name,
            part=config.part,
            clock_period=config.clock_period,
            version=version,
            pipeline_ii=max([n.reuse_factor for n in graph] + [1]) if pipeline else 0,
            fifo_depths=depths,
        )

    def check(self, graph: Graph, config) -> list:
        """AMD's tool limits do not apply to Catapult; its own are not modelled."""
        return []

    # -- the vendor tool -----------------------------------------------------------------
    def find_tool(self) -> str:
        from .catapult_build import find_tool

        return find_tool()

    def run_build(self, project: Path, options, *, log=None, verbose: bool = True) -> Path:
        from .catapult_build import command, find_tool
        from .vitis_build import run_build

        return run_build(project, options, log=log, verbose=verbose, cmd=command(find_tool()))

    def read_report(self, folder: Path, top: str):
        """The Catapult rtl.rpt (``backends.catapult_report``)."""
        from .catapult_report import read_report

        return read_report(folder, top=top)

    # -- the top function ------------------------------------------------------------------
    def top_source(self, graph, name, ctx: EmitContext, ins, outs, emissions) -> str:
        text = super().top_source(graph, name, ctx, ins, outs, emissions)
        signature = self.signature(name, ctx, ins, outs) + " {"
        return text.replace(
            signature, f"// Catapult: the design's top\n#pragma hls_design top\n{signature}", 1
        )

    def parallel_top_pragmas(self, graph: Graph, ports: list[str], ctx: EmitContext) -> list[str]:
        return [
            "    // Catapult: interfaces, memories and the pipelining of the main loop are",
            "    // directives in build_prj.tcl",
        ]

    def declare(self, node: Node, var: str, ctx: EmitContext) -> list[str]:
        return [f"{ctx.type_name(node)} {var}[{node.size}];"]

    @staticmethod
    def stream_top_pragmas(ports: list[str]) -> list[str]:
        return ["    // Catapult: channel depths are directives in build_prj.tcl (-FIFO_DEPTH)"]

    @staticmethod
    def declare_stream(node: Node, var: str, ctx: EmitContext, depths: dict[str, int]):
        """An ac_channel of node's packets (its depth: a directive in build_prj.tcl)."""
        return [f"ac_channel<{ctx.packet_name(node)}> {var};"]
