"""AMD Vitis HLS backend: writes a complete HLS project for a typed graph."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
import numpy as np

import nnet_cpp

from ..codegen import cpp, names
from ..codegen.context import EmitContext
from ..codegen.fifo import DEFAULT_DEPTH, stream_depths
from ..ir.graph import Graph, Node
from ..types import FixedType

GENERATOR = "fpga-export"


def templates(*folders: str) -> jinja2.Environment:
    """A backend's templates: backends/templates/<folder>, the first folder holding a
    template wins (vivado, catapult: their build script, then the Vitis testbench)."""
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.PackageLoader("fpga_export", f"backends/templates/{f}") for f in folders]
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["tcl"] = names.tcl_word  # every value printed into tcl
    return env


TEMPLATES = templates("vitis")


@dataclass
class Port:
    """A top-function argument: one graph input or output."""

    node: Node
    var: str
    dtype: str  # scalar type (io_parallel) or packet type (io_stream)
    size: int  # values per sample
    offset: int  # position in the flat per-sample vector of all inputs / all outputs


class VitisBackend:
    name = "vitis"
    vendor = "ap"  # the type family this backend spells
    family = None  # a family every type is converted into (None: types keep theirs)
    templates = TEMPLATES  # build_prj.tcl.j2, testbench.cpp.j2
    stream_class = "hls::stream"  # the io_stream channel template
    dataflow_sim = True  # Firmware.check_dataflow (bounded hls::stream FIFOs) is available
    testbench_options: dict = {}  # backend-specific switches of testbench.cpp.j2
    # the vendor's type and stream headers, in defines.h before any nnet header
    type_includes = ('#include "ap_fixed.h"', '#include "ap_int.h"', '#include "hls_stream.h"')
    # the declaration specifiers of a namespace-scope constant table (weights, ROMs)
    const_table = "static const"

    def spell(self, t: FixedType) -> str:
        if t.family != self.vendor:
            raise ValueError(self.family_error(t))
        return t.spell(self.vendor)

    def family_error(self, t: FixedType, where: str = "") -> str:
        return (
            f"{where}the {self.name} backend writes {self.vendor} types; {t} is an "
            f"{'Algorithmic C' if t.family == 'ac' else 'ap'} type (give {self.vendor}_fixed "
            "precisions, or use backend='catapult' for ac types)"
        )

    def check_families(self, graph: Graph) -> None:
        """Every type of the graph in this backend's family, before anything is written."""
        for node in graph:
            for role, t in node.types.items():
                if t.family != self.vendor:
                    raise ValueError(self.family_error(t, f"{node.name} ({role} type): "))

    # -- the project ---------------------------------------------------------------------
    def write(
        self,
        graph: Graph,
        config,
        files,
        name: str,
        version: str,
        tb_in=None,
        tb_out=None,
        *,
        values: bool = True,
    ):
        """Add the project's files to ``files`` (a ``project.ProjectFiles``: relative path ->
        content; ``Firmware.write`` writes them into the folder and records them).
        ``values=False``: a csim-only project, whose weight headers hold no values (csim
        pushes them at run time; ``weight``)."""
        self.check_families(graph)
        ctx = self.context(graph, config)
        for out_name in graph.outputs:
            if out_name in graph.inputs:
                raise ValueError(
                    f"graph output {out_name!r} is also a graph input (the model passes an input "
                    "straight through); firmware outputs must be computed by a layer"
                )
        emissions = {n.name: n.op.emit(n, ctx) for n in graph}
        ins, outs = self.ports(graph, ctx, graph.inputs), self.ports(graph, ctx, graph.outputs)
        files.text("firmware/defines.h", self.defines(graph, ctx))
        files.text("firmware/parameters.h", self.parameters(graph, ctx, emissions))
        for node in graph:
            for w, role in node.op.weight_roles.items():
                files.text(
                    f"firmware/weights/{ctx.weight_var(node, w)}.h",
                    self.weight(node, w, role, ctx, values),
                )
        files.text(f"firmware/{name}.h", self.top_header(name, ctx, ins, outs))
        files.text(f"firmware/{name}.cpp", self.top_source(graph, name, ctx, ins, outs, emissions))
        headers = {"nnet/common.h", "nnet/types.h"}
        headers |= {h for e in emissions.values() for h in e.includes}
        for h in sorted(headers):
            files.copy(f"firmware/{h}", nnet_cpp.ROOT / h)
        _copy_user_headers(files, graph, emissions)
        # our vendor-type headers, for g++ builds without the vendor
        for h in sorted(nnet_cpp.COMPAT_DIR.glob("*.h")):
            files.copy(f"compat/{h.name}", h)
        stream = ctx.stream
        args = ", ".join(p.var for p in ins + outs)
        files.text(
            f"{name}_test.cpp",
            self.templates.get_template("testbench.cpp.j2").render(
                name=name,
                inputs=ins,
                outputs=outs,
                stream=stream,
                stream_class=self.stream_class,
                **self.testbench_options,
                args=args,
                total_in=sum(p.size for p in ins),
                total_out=sum(p.size for p in outs),
            ),
        )
        files.text("build_prj.tcl", self.build_script(graph, config, name, version))
        if tb_in is not None:
            files.text("tb_data/tb_input_features.dat", _dat(tb_in))
            files.text("tb_data/tb_output_predictions.dat", _dat(tb_out))
        return ins, outs, ctx

    def build_script(self, graph: Graph, config, name: str, version: str) -> str:
        """build_prj.tcl: the vendor tool's script (``backends.vitis_build``)."""
        return self.templates.get_template("build_prj.tcl.j2").render(
            name=name, part=config.part, clock_period=config.clock_period, version=version
        )

    # -- the vendor tool (``Firmware.build``) -------------------------------------------------
    def find_tool(self) -> str:
        """The vendor command on PATH; VendorToolNotFoundError saying what to install."""
        from .vitis_build import find_tool

        return find_tool()

    def run_build(self, project: Path, options, *, log=None, verbose: bool = True) -> Path:
        """Run the tool on a written project (its options file written); returns the log."""
        from .vitis_build import run_build

        return run_build(project, options, log=log, verbose=verbose)

    def read_report(self, folder: Path, top: str):
        """The tool's synthesis report (``backends.vitis_report``)."""
        from .vitis_report import read_report

        return read_report(folder, top=top)

    def context(self, graph: Graph, config) -> EmitContext:
        dataflow = config.io_type == "io_parallel" and self.pipeline_style(graph) == "dataflow"
        return EmitContext(graph, self, config.io_type, dataflow=dataflow)

    def cost_model(self, config):
        """The AMD cost primitives ops price their C++ with (``backends.vitis_cost``)."""
        from .vitis_cost import VitisCost

        return VitisCost(config)

    def target_part(self, config) -> str:
        """The part the vendor tool builds for (the estimate's part)."""
        return config.part

    def part_capacity(self, config):
        """The target's resources (``backends.parts``), None when not in the table."""
        from .parts import find_part

        return find_part(self.target_part(config))

    def unknown_part_note(self, part: str) -> str:
        """What the estimate says of a part not in the table ("": the default wording)."""
        return ""

    def check(self, graph: Graph, config) -> list:
        """Tool limits and part resources, before writing (``backends.vitis_limits``)."""
        from .vitis_limits import check

        return check(graph, config, self.context(graph, config))

    def ports(self, graph: Graph, ctx: EmitContext, names: list[str]) -> list[Port]:
        ports, offset = [], 0
        for n in names:
            node = graph[n]
            ports.append(Port(node, ctx.var(node), ctx.data_type(node), node.size, offset))
            offset += node.size
        return ports

    @staticmethod
    def pipeline_style(graph: Graph) -> str:
        """The io_parallel top: "pipeline" (a latency MLP: the top pipelined, everything below
        it unrolled) or "dataflow" (every layer a process) when a layer keeps a loop, which
        function pipelining would unroll (UG1399 "Function Pipelining": "all the loops in the
        function body and in the hierarchy below are automatically unrolled"): a conv's pixel
        loop, the resource strategy's reuse loop."""
        return "dataflow" if any(n.op.keeps_loops(n) for n in graph) else "pipeline"

    # -- files ---------------------------------------------------------------------------
    def defines(self, graph: Graph, ctx: EmitContext) -> str:
        lines = [
            "// Types of every node's result and internal roles (written by fpga-export).",
            "#ifndef DEFINES_H_",
            "#define DEFINES_H_",
            "",
            *self.type_includes,
            '#include "nnet/common.h"',
            "",
        ]
        for node in graph:
            lines.append(f"// {node.name}: {_origin(node)}")
            for role, t in node.types.items():
                lines.append(f"typedef {self.spell(t)} {ctx.type_name(node, role)};")
            if ctx.stream:
                pack = ctx.packet(node)
                lines.append(
                    f"typedef nnet::array<{ctx.type_name(node)}, {pack}> {ctx.packet_name(node)};"
                )
            lines.append("")
        lines.append("#endif")
        return "\n".join(lines) + "\n"

    def parameters(self, graph: Graph, ctx: EmitContext, emissions) -> str:
        includes = sorted({h for e in emissions.values() for h in e.includes})
        includes += sorted({h for e in emissions.values() for h, _ in e.headers})
        lines = [
            "// Layer configurations and weights (written by fpga-export).",
            "#ifndef PARAMETERS_H_",
            "#define PARAMETERS_H_",
            "",
            '#include "defines.h"',
        ]
        lines += [f'#include "{h}"' for h in includes]
        lines.append("")
        for node in graph:
            for w in node.op.weight_roles:
                lines.append(f'#include "weights/{ctx.weight_var(node, w)}.h"')
        lines.append("")
        for node in graph:
            if emissions[node.name].config:
                lines += [
                    f"// {node.name}: {_origin(node)}",
                    emissions[node.name].config,
                    "",
                ]
        lines.append("#endif")
        return "\n".join(lines) + "\n"

    def weight(self, node: Node, w: str, role: str, ctx: EmitContext, values: bool = True) -> str:
        """A weight's header: its values for synthesis, an ``extern`` array for the csim
        library (values pushed at run time). ``values=False`` (csim-only projects) writes
        an ``#error`` in place of the values."""
        var, tname, t = ctx.weight_var(node, w), ctx.type_name(node, role), node.types[role]
        n = int(np.size(node.weights[w]))
        guard = f"WEIGHTS_{var.upper()}_H_"
        constants = [
            f"static const unsigned {name} = {value};"
            for name, value in node.op.weight_constants(node, w, ctx).items()
        ]
        if constants:  # derived from the values: outside the csim hash, like them
            constants.insert(0, "// derived from the values (pragma limits)")
        head = [
            f"// {node.name} {w}: shape {tuple(np.shape(node.weights[w]))}, type {self.spell(t)}",
            f"#ifndef {guard}",
            f"#define {guard}",
            "#ifdef FPGA_EXPORT_RUNTIME_WEIGHTS  // csim library: values pushed at run time",
            f"extern {tname} {var}[{n}];",
            "#else",
        ]
        tail = ["#endif", *constants, "#endif", ""]
        if not values:
            error = (
                f'#error "{var}: values not written (a csim-only project, written by '
                'Firmware.compile); Firmware.write() writes them"'
            )
            return "\n".join([*head, error, *tail])
        raw = t.quantize_raw(node.weights[w])  # the values are raw * lsb, written exactly
        head.append(f"{self.const_table} {tname} {var}[{n}] = {{")
        head = "\n".join(head) + "\n    "  # one string: a million values are not copied
        tail = "};\n" + "\n".join(tail)
        if raw.dtype == object:  # wider than 64 bits
            return cpp.array_values(t.from_raw(raw), head=head, tail=tail)
        return cpp.coded_values(raw, t.from_raw, head=head, tail=tail)

    def signature(self, name: str, ctx: EmitContext, ins, outs) -> str:
        if ctx.stream:
            args = [f"{self.stream_class}<{p.dtype}> &{p.var}" for p in ins + outs]
        else:
            args = [f"const {p.dtype} {p.var}[{p.size}]" for p in ins]
            args += [f"{p.dtype} {p.var}[{p.size}]" for p in outs]
        return f"void {name}({', '.join(args)})"

    def top_header(self, name: str, ctx: EmitContext, ins, outs) -> str:
        guard = f"{name.upper()}_H_"
        return (
            f'#ifndef {guard}\n#define {guard}\n\n#include "defines.h"\n\n'
            f"{self.signature(name, ctx, ins, outs)};\n\n#endif\n"
        )

    def top_source(self, graph, name, ctx: EmitContext, ins, outs, emissions) -> str:
        if ctx.stream:
            return self.dataflow_top(graph, name, ctx, ins, outs, emissions)
        ports = [p.var for p in ins + outs]
        body = self.parallel_top_pragmas(graph, ports, ctx)
        out_names = set(graph.outputs)
        for index, node in enumerate(graph):
            e = emissions[node.name]
            body.append("")
            body.append(f"    // {node.name}: {_origin(node)}")
            if ctx.out_var(node) not in (ctx.var(n) for n in (*graph.inputs, *out_names)):
                body += self.declare(node, ctx.out_var(node), ctx)
            body += e.pragmas
            if e.call:
                body.append(e.call)
            body.append(self.trace(index, node, ctx))
            if ctx.fans_out(node):
                body += self.fan_out_parallel(node, ctx)
        lines = [
            '#include "' + name + '.h"',
            '#include "parameters.h"',
            "",
            self.signature(name, ctx, ins, outs) + " {",
        ]
        lines += [b if b.startswith(("#", "    //")) or not b else "    " + b for b in body]
        lines.append("}")
        return "\n".join(lines) + "\n"

    def parallel_top_pragmas(self, graph: Graph, ports: list[str], ctx: EmitContext) -> list[str]:
        """io_parallel: whole arrays in and out, the pipeline style chosen per model."""
        lines = [
            '    // UG1399 "pragma HLS array_partition" complete: every value is a register',
            *[f"#pragma HLS ARRAY_PARTITION variable={v} type=complete" for v in ports],
            '    // UG1399 "pragma HLS interface": a valid signal per port',
            *[f"#pragma HLS INTERFACE mode=ap_vld port={v}" for v in ports],
        ]
        if ctx.dataflow:
            return lines + [
                '    // UG1399 "pragma HLS dataflow": every layer is a process with its own II;',
                "    // pipelining the top would unroll the layers' pixel and reuse loops",
                "#pragma HLS DATAFLOW",
            ]
        ii = max([n.reuse_factor for n in graph] + [1])
        return lines + [
            '    // UG1399 "Function Pipelining": every loop below is unrolled; a new input',
            "    // every II cycles, II = the largest reuse factor",
            f"#pragma HLS PIPELINE II={ii}",
        ]

    def declare(self, node: Node, var: str, ctx: EmitContext) -> list[str]:
        return [
            f"{ctx.type_name(node)} {var}[{node.size}];",
            f"#pragma HLS ARRAY_PARTITION variable={var} type=complete",
        ]

    def trace(self, index: int, node: Node, ctx: EmitContext) -> str:
        if ctx.stream:
            return f"FE_TRACE_STREAM({index}, {ctx.out_var(node)}, {ctx.packets(node)});"
        return f"FE_TRACE({index}, {ctx.out_var(node)}, {node.size});"

    # -- io_stream: the top is one DATAFLOW region -----------------------------------------
    def dataflow_top(self, graph, name, ctx: EmitContext, ins, outs, emissions) -> str:
        """The io_stream top in UG1399's canonical dataflow form ("Canonical Forms": a
        sequence of function calls passing data forward through local channels): its body
        holds only stream declarations with their STREAM pragmas and process calls, each
        marked FE_PROCESS (the call itself for synthesis; a thread in the csim dataflow
        simulation). FE_TRACE_STREAM lines are csim hooks, empty for synthesis."""
        ports = [p.var for p in ins + outs]
        depths = self.fifo_depths(graph, ctx)
        body = self.stream_top_pragmas(ports)
        port_vars = set(ports)
        for index, node in enumerate(graph):
            e = emissions[node.name]
            body.append("")
            body.append(f"    // {node.name}: {_origin(node)}")
            if ctx.out_var(node) not in port_vars:
                body += self.declare_stream(node, ctx.out_var(node), ctx, depths)
            if e.call:
                body.append(self.process(node.name, e.call))
            body.append(self.trace(index, node, ctx))
            if ctx.fans_out(node):
                body += self.fan_out(node, ctx, depths)
        lines = ['#include "' + name + '.h"', '#include "parameters.h"', ""]
        lines.append(self.signature(name, ctx, ins, outs) + " {")
        lines += [b if b.startswith(("#", "    //")) or not b else "    " + b for b in body]
        lines.append("}")
        return "\n".join(lines) + "\n"

    @staticmethod
    def stream_top_pragmas(ports: list[str]) -> list[str]:
        return [
            '    // UG1399 "pragma HLS interface": an AXI4-Stream port per argument',
            *[f"#pragma HLS INTERFACE mode=axis port={v}" for v in ports],
            "#pragma HLS DATAFLOW",
        ]

    def streams(self, graph: Graph, ctx: EmitContext) -> list[tuple[str, Node, int]]:
        """The io_stream FIFOs the top declares (variable, the node whose packets it carries,
        its depth): one per reader (a fan-out's copies) and one per graph output; ports,
        not internal streams, at the default depth (the estimate prices these)."""
        depths = self.fifo_depths(graph, ctx)
        return [
            (var, node, depths.get(var, DEFAULT_DEPTH))
            for node in graph
            for var in ctx.reader_vars(node) or [ctx.out_var(node)]
        ]

    def fifo_depths(self, graph: Graph, ctx: EmitContext) -> dict[str, int]:
        """Computed depths (codegen.fifo), replaced by the graph's ``fifo_depths`` (set by
        ``Firmware.minimize_fifo_depths`` or by hand) where it names a stream."""
        depths = stream_depths(ctx)
        for var, depth in getattr(graph, "fifo_depths", {}).items():
            if var not in depths:
                known = ", ".join(sorted(depths)) or "none"
                raise ValueError(f"fifo_depths names {var!r}, not an internal stream ({known})")
            if int(depth) < 1:
                raise ValueError(f"fifo_depths[{var!r}] = {depth}: a FIFO depth must be >= 1")
            depths[var] = int(depth)
        return depths

    @staticmethod
    def declare_stream(node: Node, var: str, ctx: EmitContext, depths: dict[str, int]):
        """A FIFO of node's packets. The depth is in the type (UG1399 "HLS Stream Library":
        ``hls::stream<Type, Depth>``), which the csim dataflow simulation reads, and in the
        STREAM pragma, which sets the depth synthesis builds."""
        depth = depths.get(var, DEFAULT_DEPTH)
        return [
            f'hls::stream<{ctx.packet_name(node)}, {depth}> {var}("{var}");',
            f"#pragma HLS STREAM variable={var} depth={depth}",
        ]

    @staticmethod
    def process(name: str, call: str) -> str:
        """One process of the dataflow region: ``FE_PROCESS(name, call);``."""
        call = call.strip()
        if "\n" in call or not call.endswith(";") or call.count(";") != 1:
            raise ValueError(f"{name}: an io_stream process must be one call, got {call!r}")
        return f"FE_PROCESS({name}, {call[:-1]});"

    def fan_out(self, node: Node, ctx: EmitContext, depths: dict[str, int]) -> list[str]:
        """Copies the packets of a stream read by several consumers into one stream each, by
        one clone process (nnet::clone_stream, any number of outputs)."""
        copies = ctx.fan_out_vars(node)
        lines = []
        for c in copies:
            if c != ctx.var(node):  # not the top-level output port
                lines += self.declare_stream(node, c, ctx, depths)
        lines.append(self.clone(f"{node.name}_clone", node, ctx.out_var(node), copies, ctx))
        return lines

    @staticmethod
    def clone(name: str, node: Node, src: str, outs: list[str], ctx: EmitContext) -> str:
        params = f"{ctx.packet_name(node)}, {ctx.packets(node)}"
        return f"FE_PROCESS({name}, nnet::clone_stream<{params}>({src}, {', '.join(outs)}));"

    def fan_out_parallel(self, node: Node, ctx: EmitContext) -> list[str]:
        """io_parallel DATAFLOW: one array per reader, through a chain of nnet::fan_out_2."""
        copies = ctx.fan_out_vars(node)
        lines = []
        for c in copies:
            if c != ctx.var(node):  # not the top-level output port
                lines += self.declare(node, c, ctx)
        params = f"{ctx.type_name(node)}, {node.size}"
        src = ctx.out_var(node)
        for k, c in enumerate(copies[:-2]):
            rest = f"{node.name}_fanout_{k + 1}"
            lines += self.declare(node, rest, ctx)
            lines.append(f"nnet::fan_out_2<{params}>({src}, {c}, {rest});")
            src = rest
        lines.append(f"nnet::fan_out_2<{params}>({src}, {copies[-2]}, {copies[-1]});")
        return lines

    # -- project description ----------------------------------------------------------------
    @staticmethod
    def describe(graph: Graph, config, name: str, version: str) -> dict:
        def attrs(node):
            return {k: _jsonable(v) for k, v in node.op.attributes().items()}

        return {
            "generator": GENERATOR,
            "version": version,
            "name": name,
            "backend": config.backend,
            "io_type": config.io_type,
            "part": config.part,
            "clock_period": config.clock_period,
            "inputs": graph.inputs,
            "outputs": graph.outputs,
            "nodes": [
                {
                    "name": n.name,
                    "op": n.op.kind,
                    "attributes": attrs(n),
                    "inputs": n.inputs,
                    "shape": list(n.shape),
                    "types": {r: str(t) for r, t in n.types.items()},
                    "reuse_factor": n.reuse_factor,
                    "strategy": n.strategy,
                    "source": n.source,
                    "weights": {w: list(np.shape(v)) for w, v in n.weights.items()},
                }
                for n in graph
            ],
        }


def _copy_user_headers(files, graph: Graph, emissions) -> None:
    """Copy the headers of custom ops (``Emission.headers``) into firmware/: the project is
    self-contained. The user's file is read, never linked or changed (a backend's ``files``
    may respell the copy's pragmas); two different files for one project path are refused."""
    sources: dict[str, tuple[str, bytes]] = {}
    for node in graph:
        for rel, source in emissions[node.name].headers:
            try:
                data = Path(source).read_bytes()
            except OSError as exc:
                raise FileNotFoundError(
                    f"{node.name}: the C++ header {str(source)!r} of op {node.op.kind!r} cannot "
                    f"be read ({exc.strerror or exc})"
                ) from None
            if rel in sources and sources[rel][1] != data:
                raise ValueError(
                    f"ops {sources[rel][0]!r} and {node.op.kind!r} bring different C++ headers "
                    f"named {rel!r}: give one of them another file name"
                )
            sources[rel] = (node.op.kind, data)
            files.add(f"firmware/{rel}", data)


def _origin(node: Node) -> str:
    """Where the node came from, for a C++ comment (the source names a user's layer)."""
    return names.comment(node.source or node.op.kind)


def _jsonable(v):
    if isinstance(v, (np.integer, np.floating, np.bool_)):
        return v.item()
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v if isinstance(v, (int, float, str, bool, type(None))) else str(v)


def _dat(rows: np.ndarray) -> str:
    rows = np.asarray(rows, dtype=np.float64).reshape(len(rows), -1)
    return "".join(" ".join(map(repr, r)) + "\n" for r in rows.tolist())
