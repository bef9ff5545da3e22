"""Intel oneAPI FPGA backend: a SYCL task kernel in a CMake project, Algorithmic C types.

The project is the oneAPI FPGA flow as Intel's samples lay it out (oneAPI-samples
``C++SYCL_FPGA/Tutorials/GettingStarted/fpga_compile``): ``CMakeLists.txt`` with the targets
``fpga_emu`` (the emulator), ``report`` (the optimization report: ``-fsycl-link=early`` stops
after RTL generation), ``fpga_sim`` and ``fpga`` (hardware, ``-Xshardware -Xstarget=<device>``),
a host testbench ``<name>_test.cpp`` and the kernel ``firmware/<name>_kernel.cpp``.

What runs on the FPGA, and how the csim relates to it:

- ``firmware/<name>.cpp`` is the top function of the layer calls, the same C++ the csim compiles
  with g++ (our ac headers; ``defines.h`` includes Intel's ``sycl/ext/intel/ac_types/*.hpp``
  under a SYCL compiler instead). The kernel file includes it and calls it from one task kernel
  (``q.single_task<Kernel>``, Intel: "single_task" kernels are the FPGA's pipelined loops).
- io_parallel: the inputs and outputs are kernel arguments (USM pointers), one sample per
  iteration of the kernel's loop, each sample's arrays ``[[intel::fpga_register]]``.
- io_stream: pipes are types, not objects (Intel, "The pipe Class and its Use":
  ``sycl::ext::intel::pipe<Id, T, min_capacity>`` with static ``read()``/``write()``), so a layer
  function taking a stream by reference cannot take a pipe. The design: the model is one task
  kernel between two inter-kernel pipes (a producer kernel writes the inputs' packets, a consumer
  kernel reads the outputs'; the three run concurrently). Inside the model kernel the layers run
  one after another (code within one SYCL kernel is sequential; it is not a Vitis DATAFLOW
  region), each layer-to-layer stream a local FIFO holding one tensor (``nnet::fifo<T, N>``,
  ``NNET_ONEAPI`` in nnet/types.h). The layer headers are unchanged; layers overlapping as
  concurrent kernels would need them templated on pipe types.
- pragmas in oneAPI's attributes (``backends.oneapi_pragmas``), in every C++ file of
  ``firmware/`` (custom ops' headers too, ``backends.respelled``); what has no oneAPI form is
  refused by name.
- weights and constant tables (the reciprocal ROMs of average pool/merge, nnet/fixed_quantizer.h's
  ``no_inv_period``, whose default nnet/types.h sets) are declared ``NNET_CONST_TABLE``
  (``const_table``; defines.h). SYCL 2020,
  5.4 "Language restrictions for device functions": device code may odr-use a variable of
  static storage duration only if it is const or constexpr and zero- or constant-initialized.
  So the macro is ``static constexpr`` under SYCL (Intel's ac types construct at compile time:
  the Intel HLS ``ac_fixed.h`` they derive from declares its constructors, ``ac_fixed(double)``
  too, constexpr; hls4ml's oneAPI weights are ``static constexpr`` as well) and with our ac
  headers (the csim; every constructor constexpr, with the bits of a run-time conversion:
  tests/compat/test_compat_constexpr.py): a value that is not constant is a compile error,
  never a dynamic initialization. With the reference Algorithmic C headers (the csim's
  ``FPGA_EXPORT_VENDOR_INCLUDE``; constructors not constexpr) it is ``static const``. No
  ``[[intel::fpga_register]]`` on them: Intel documents its memory attributes for variables
  declared in the kernel (Intel oneAPI DPC++/C++ Compiler Handbook for FPGAs, "Memory
  Attributes": "the memory system implementing the local variable"), while a preinitialized
  file-scope constant array is a ROM the compiler builds itself (Intel FPGA SDK for OpenCL
  Programming Guide, "Declaring __constant Address Space Qualifiers").

Types are ac types (``family = "ac"``, as for Catapult): csim == Catapult's csim for the same
model. The cost estimate counts the Vitis model's operations in Intel resources against the
-Xstarget device (``backends.intel_cost``, ``backends.intel_parts``; uncalibrated); AMD tool
limits are not checked;
the csim dataflow simulation is not available (layers run in order, their FIFOs hold tensors).
"""

from __future__ import annotations

from pathlib import Path

from ..codegen.context import EmitContext
from ..ir.graph import Graph, Node
from .intel_cost import IntelEstimate
from .oneapi_pragmas import RULES
from .respelled import RespelledFiles
from .vitis import Port, VitisBackend, templates

TEMPLATES = templates("oneapi")

# The -Xstarget value when the configured part is an AMD one (the default part, xc...): Intel's
# samples default to the Agilex 7 family. CMake's -DFPGA_DEVICE=<family, part or board> overrides.
DEFAULT_DEVICE = "Agilex7"


class _OneAPIFiles(RespelledFiles):
    """The project's files, respelled for oneAPI; the Vitis build script is not written (the
    project builds with CMakeLists.txt)."""

    def text(self, rel: str, text: str) -> None:
        if rel != "build_prj.tcl":
            super().text(rel, text)


class OneAPIBackend(IntelEstimate, VitisBackend):
    name = "oneapi"
    vendor = "ac"
    family = "ac"
    templates = TEMPLATES
    stream_class = "nnet::port"  # the top's io_stream ports outside the kernel (<name>.h)
    dataflow_sim = False
    type_includes = (
        "#define NNET_ONEAPI  // nnet/types.h: ac types, nnet::fifo streams",
        "#define NNET_AC_TYPES",
        "#ifdef SYCL_LANGUAGE_VERSION  // icpx -fsycl -qactypes: Intel's ac types",
        "#include <sycl/ext/intel/ac_types/ac_fixed.hpp>",
        "#include <sycl/ext/intel/ac_types/ac_int.hpp>",
        "#else  // csim (g++): fpga-export's own ac headers (compat/)",
        '#include "ac_fixed.h"',
        '#include "ac_int.h"',
        "#endif",
        "// Weights and constant tables: device code may use a static variable only if it is",
        "// constant-initialized (SYCL 2020, 5.4), so they are constexpr: a value that is not",
        "// constant is a compile error, not a silent run-time initialization. The reference",
        "// Algorithmic C headers (a csim option) construct at run time: static const there.",
        "#if defined(SYCL_LANGUAGE_VERSION) || defined(FPGA_EXPORT_COMPAT_AC_FIXED_H)",
        "#define NNET_CONST_TABLE static constexpr",
        "#else",
        "#define NNET_CONST_TABLE static const",
        "#endif",
    )
    const_table = "NNET_CONST_TABLE"  # weights, reciprocal tables (defines.h, above)

    def write(self, graph: Graph, config, files, name: str, version: str, *args, **kwargs):
        files = _OneAPIFiles(files, RULES)
        ins, outs, ctx = super().write(graph, config, files, name, version, *args, **kwargs)
        values = dict(name=name, inputs=ins, outputs=outs, stream=ctx.stream, version=version)
        for rel, template in (
            (f"firmware/{name}_kernel.h", "kernel.h.j2"),
            (f"firmware/{name}_kernel.cpp", "kernel.cpp.j2"),
        ):
            files.text(rel, self.templates.get_template(template).render(**values))
        files.text("CMakeLists.txt", self.cmake(config, name, version))
        return ins, outs, ctx

    def ports(self, graph: Graph, ctx: EmitContext, names: list[str]) -> list[Port]:
        ports = super().ports(graph, ctx, names)
        for p in ports:  # the packets per sample (io_stream), for the kernel's loops
            p.packets = ctx.packets(p.node) if ctx.stream else p.size
        return ports

    def cmake(self, config, name: str, version: str) -> str:
        return self.templates.get_template("CMakeLists.txt.j2").render(
            name=name,
            version=version,
            device=device(config.part),
            part=config.part,
            clock_mhz=f"{1000.0 / config.clock_period:g}",
        )

    def target_part(self, config) -> str:
        """The -Xstarget device (``device``)."""
        return device(config.part)

    def build_script(self, graph: Graph, config, name: str, version: str) -> str:
        return ""  # no build_prj.tcl (_OneAPIFiles): CMakeLists.txt builds the project

    def check(self, graph: Graph, config) -> list:
        """AMD's tool limits do not apply to oneAPI; its own are not modelled."""
        return []

    # -- the vendor tool -----------------------------------------------------------------
    def find_tool(self) -> str:
        from .oneapi_build import find_tool

        return find_tool()

    def run_build(self, project: Path, options, *, log=None, verbose: bool = True) -> Path:
        from .oneapi_build import run_build

        return run_build(project, options, log=log, verbose=verbose)

    def read_report(self, folder: Path, top: str):
        """The oneAPI optimization report (``backends.oneapi_report``)."""
        from .oneapi_report import read_report

        return read_report(folder, top=top)

    # -- the top function ------------------------------------------------------------------
    def top_header(self, name: str, ctx: EmitContext, ins, outs) -> str:
        text = super().top_header(name, ctx, ins, outs)
        if not ctx.stream:
            return text
        largest = max(ctx.packets(p.node) for p in ins + outs)
        port = (
            "namespace nnet {\n"
            "// the top's ports outside the kernel (csim, testbench): FIFOs of the largest port\n"
            f"template <class T>\nusing port = fifo<T, {largest}>;\n"
            "}  // namespace nnet\n\n"
        )
        return text.replace('#include "defines.h"\n\n', f'#include "defines.h"\n\n{port}', 1)

    def signature(self, name: str, ctx: EmitContext, ins, outs) -> str:
        if not ctx.stream:
            return super().signature(name, ctx, ins, outs)
        args = [f"nnet::stream<{p.dtype}> &{p.var}" for p in ins + outs]
        return f"void {name}({', '.join(args)})"

    def parallel_top_pragmas(self, graph: Graph, ports: list[str], ctx: EmitContext) -> list[str]:
        return [
            "    // oneAPI: called by the task kernel (the _kernel.cpp beside this file), which",
            "    // holds the ports' arrays in registers; each layer's arrays are registers too",
        ]

    def declare(self, node: Node, var: str, ctx: EmitContext) -> list[str]:
        return [f"[[intel::fpga_register]] {ctx.type_name(node)} {var}[{node.size}];"]

    @staticmethod
    def stream_top_pragmas(ports: list[str]) -> list[str]:
        return [
            "    // oneAPI: the layers run in order inside one task kernel; each stream between",
            "    // them is a local FIFO holding one tensor (nnet::fifo, nnet/types.h)",
        ]

    @staticmethod
    def declare_stream(node: Node, var: str, ctx: EmitContext, depths: dict[str, int]):
        return [f"nnet::fifo<{ctx.packet_name(node)}, {ctx.packets(node)}> {var};"]


def device(part: str) -> str:
    """The -Xstarget value: the configured part, or the default family for an AMD part."""
    return DEFAULT_DEVICE if part.lower().startswith("xc") else part
