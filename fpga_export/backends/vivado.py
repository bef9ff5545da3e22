"""AMD/Xilinx Vivado HLS backend (2019.2 - 2020.1): the Vitis project in Vivado HLS form.

Vivado HLS synthesizes the same C++ (ap types, the same nnet headers, one top function), so
this backend is the Vitis one (``backends.vitis``) with what Vivado HLS spells or runs
differently, all of it here:

- pragmas in the positional forms of UG902 (``backends.vivado_pragmas``), in every C++ file
  of ``firmware/`` (the nnet headers and custom ops' headers too, ``backends.respelled``); a
  pragma with no Vivado form is refused naming the file and layer family or custom op header,
- internal streams declared ``hls::stream<T>`` with the depth in the STREAM pragma only: the
  depth template parameter (``hls::stream<T, DEPTH>``) is in Vivado HLS 2020.1's hls_stream.h
  but not in 2019.x's. The csim dataflow simulation still bounds each FIFO by its depth,
- ``build_prj.tcl`` for ``vivado_hls -f build_prj.tcl`` (``backends.vivado_build``).

Cost model, tool limits, parts and report parsing are the Vitis ones (the cost model with
Vivado HLS' clock uncertainty, ``VivadoCost``): the limits in
``vitis_limits`` are Vivado HLS' own messages (the complete-partition threshold is raised by
``config_array_partition -maximum_size`` in build_prj.tcl), and Vivado HLS writes
``<name>_prj/solution1/syn/report/<top>_csynth.xml`` as ``vitis_report`` reads it.
"""

from __future__ import annotations

from pathlib import Path

from ..codegen.context import EmitContext
from ..codegen.fifo import DEFAULT_DEPTH
from ..ir.graph import Graph, Node
from ..ir.hardware import PARTITION
from .respelled import RespelledFiles
from .vitis import VitisBackend, templates
from .vitis_cost import VitisCost
from .vitis_limits import LIMITS
from .vivado_pragmas import RULES

TEMPLATES = templates("vivado", "vitis")  # our build script; the testbench is the Vitis one

# config_compile -name_max_length: Vivado HLS shortens longer RTL names (SYN 201-210 "Renamed
# object name ... due to the length limit"); a layer's module name carries its
# "<node>_config" (report_html.match_instances). 256: Vitis HLS' default (UG1399 config_compile).
NAME_MAX_LENGTH = 256

# Vivado HLS' default clock uncertainty: 12.5 % of the period (UG902 "Specifying the Clock
# Frequency"; every Vivado HLS 2019.2-2020.1 csynth.xml of ../shared/reports at 5 ns says
# <ClockUncertainty>0.62</ClockUncertainty>). Vitis HLS: 27 % (vitis_cost.UNCERTAINTY).
UNCERTAINTY = 0.125


class VivadoCost(VitisCost):
    """The Vitis cost primitives, scheduled into the period minus Vivado HLS' uncertainty."""

    def __init__(self, config):
        super().__init__(config)
        self.t_eff = self.clock_period * (1 - UNCERTAINTY)


class VivadoBackend(VitisBackend):
    name = "vivado"
    templates = TEMPLATES

    def write(self, graph: Graph, config, files, name: str, version: str, *args, **kwargs):
        return super().write(
            graph, config, RespelledFiles(files, RULES), name, version, *args, **kwargs
        )

    def build_script(self, graph: Graph, config, name: str, version: str) -> str:
        return self.templates.get_template("build_prj.tcl.j2").render(
            name=name,
            part=config.part,
            clock_period=config.clock_period,
            version=version,
            max_partition=LIMITS[PARTITION],
            name_max_length=NAME_MAX_LENGTH,
        )

    def cost_model(self, config) -> VivadoCost:
        return VivadoCost(config)

    # -- the vendor tool -----------------------------------------------------------------
    def find_tool(self) -> str:
        from .vivado_build import find_tool

        return find_tool()

    def run_build(self, project: Path, options, *, log=None, verbose: bool = True) -> Path:
        from .vitis_build import run_build
        from .vivado_build import command, find_tool

        return run_build(project, options, log=log, verbose=verbose, cmd=command(find_tool()))

    # -- the top function ------------------------------------------------------------------
    def parallel_top_pragmas(self, graph: Graph, ports: list[str], ctx: EmitContext) -> list[str]:
        lines = [
            '    // UG902 "pragma HLS array_partition" complete: every value is a register',
            *[f"#pragma HLS ARRAY_PARTITION variable={v} complete" for v in ports],
            '    // UG902 "pragma HLS interface": a valid signal per port',
            *[f"#pragma HLS INTERFACE ap_vld port={v}" for v in ports],
        ]
        if ctx.dataflow:
            return lines + [
                '    // UG902 "pragma HLS dataflow": every layer is a process with its own II;',
                "    // pipelining the top would unroll the layers' pixel and reuse loops",
                "#pragma HLS DATAFLOW",
            ]
        ii = max([n.reuse_factor for n in graph] + [1])
        return lines + [
            '    // UG902 "Function Pipelining": every loop below is unrolled; a new input',
            "    // every II cycles, II = the largest reuse factor",
            f"#pragma HLS PIPELINE II={ii}",
        ]

    def declare(self, node: Node, var: str, ctx: EmitContext) -> list[str]:
        return [
            f"{ctx.type_name(node)} {var}[{node.size}];",
            f"#pragma HLS ARRAY_PARTITION variable={var} complete",
        ]

    @staticmethod
    def stream_top_pragmas(ports: list[str]) -> list[str]:
        return [
            '    // UG902 "pragma HLS interface": an AXI4-Stream port per argument',
            *[f"#pragma HLS INTERFACE axis port={v}" for v in ports],
            "#pragma HLS DATAFLOW",
        ]

    @staticmethod
    def declare_stream(node: Node, var: str, ctx: EmitContext, depths: dict[str, int]):
        """A FIFO of node's packets, its depth in the STREAM pragma (UG902 "pragma HLS
        stream"). The csim dataflow simulation (FPGA_EXPORT_DATAFLOW_SIM, never synthesized)
        declares it with the depth in the type, which bounds it there."""
        depth = depths.get(var, DEFAULT_DEPTH)
        packet = ctx.packet_name(node)
        return [
            "#ifdef FPGA_EXPORT_DATAFLOW_SIM",
            f'hls::stream<{packet}, {depth}> {var}("{var}");',
            "#else",
            f'hls::stream<{packet}> {var}("{var}");',
            "#endif",
            f"#pragma HLS STREAM variable={var} depth={depth}",
        ]
