"""The quartus backend's project: every op family written with ac types, ihc streams and i++
pragmas; the generated component and testbench compile (g++ -fsyntax-only) against a strict
stand-in of Intel's HLS/hls.h (tests/backends/quartus_shim); the testbench, compiled with g++
and our compat headers as ``i++ -march=x86-64`` would compile it, passes on its tb_data; the
pragma respelling; parts; the names it is known by."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_golden import small_cnn

from every_op import NAME, every_op_graph
from fpga_export.backends import BACKENDS, QuartusBackend, get_backend
from fpga_export.backends.quartus_pragmas import QuartusPragmaError, respell
from fpga_export.backends.vitis_report import ReportNotFoundError
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir.cost import Resources
from graphs import mlp, residual_cnn

IO_TYPES = ("io_parallel", "io_stream")
SHIM = Path(__file__).parent / "quartus_shim"
COMPAT = Path(__file__).parents[2] / "nnet_cpp" / "compat"
needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    """io type -> written every_op quartus project folder."""
    out = {}
    for io_type in IO_TYPES:
        folder = tmp_path_factory.mktemp(f"quartus_{io_type}") / NAME
        cfg = ExportConfig(output_dir=folder, io_type=io_type, backend="quartus")
        out[io_type] = Firmware(every_op_graph(), cfg).write()
    return out


def _firmware_text(folder) -> dict[str, str]:
    return {
        str(f.relative_to(folder)): f.read_text()
        for f in sorted((folder / "firmware").rglob("*"))
        if f.suffix in (".h", ".cpp")
    }


def test_registry_and_names():
    assert BACKENDS["quartus"] is QuartusBackend
    assert isinstance(get_backend("quartus"), QuartusBackend)
    assert ExportConfig(backend="Quartus").backend == "quartus"


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_every_op_family_is_written_with_ac_types_and_intel_pragmas(projects, io_type):
    folder = projects[io_type]
    files = _firmware_text(folder)
    top = files[f"firmware/{NAME}.cpp"]
    for rel, text in files.items():
        code = "\n".join(line.split("//")[0] for line in text.splitlines())
        assert not re.search(r"#\s*pragma\s+HLS|_Pragma\(\"HLS", code), rel
        if rel != "firmware/nnet/types.h":  # the one file that names every family
            assert not re.search(r"hls::stream|ac_channel|\bap_u?(fixed|int)\b", code), rel
    defines = files["firmware/defines.h"]
    head = defines[: defines.index('#include "nnet/common.h"')]
    assert head.endswith(
        '#include "HLS/hls.h"\n#include "HLS/ac_int.h"\n#include "HLS/ac_fixed.h"\n'
    )
    assert "#define NNET_AC_TYPES" in head and "#define NNET_QUARTUS" in head
    typedefs = re.findall(r"^typedef (\w+)<", defines, re.MULTILINE)
    assert set(typedefs) <= {"ac_fixed", "ac_int", "nnet::array"} and "ac_fixed" in typedefs
    dense = files["firmware/nnet/dense.h"]
    assert "#pragma unroll\nProduct:\n    for (unsigned i = 0;" in dense
    assert "    hls_register typename CONFIG_T::accum_t acc[CONFIG_T::n_out];" in dense
    conv = files["firmware/nnet/conv.h"]
    assert "    #pragma ii CONFIG_T::reuse_factor\n" in conv
    if io_type == "io_stream":
        assert re.search(
            r"\ncomponent void every_op\(ihc::stream_in<s0_in_packet_t> &s0_in_out_port", top
        )
        assert "ihc::stream_out<" in top
        streams = re.findall(
            r"\nFE_CSIM_THREAD_LOCAL ihc::stream<\w+_packet_t, ihc::buffer<(\d+)> > (\w+);", top
        )
        assert len(streams) > 100
        buffer = {var: int(n) for n, var in streams}
        buffers = re.findall(
            r"\ntemplate <> struct stream_buffer<(\w+)> \{ static const unsigned value = (\d+); \};",
            defines,
        )
        assert len(buffers) > 20 and all(int(n) >= 2 for _, n in buffers)
        # a system of tasks (tests/backends/test_quartus_tasks.py): one per layer and fan-out,
        # none with arguments, each launched and collected; the component copies the ports
        # one after the other, so every input's stream but the last and every output's holds
        # a whole tensor
        own = top[top.index("}  // namespace nnet") :]
        tasks = re.findall(r"^void (\w+)\((.*)\) \{$", own, re.MULTILINE)
        graph = every_op_graph()
        reads = {n.name: sum(u.inputs.count(n.name) for u in graph.users(n.name)) for n in graph}
        fan_outs = [n for n in graph if reads[n.name] + (n.name in graph.outputs) > 1]
        assert len(tasks) == len(list(graph)) - len(graph.inputs) + len(fan_outs)
        assert {args for _, args in tasks} == {""}
        for verb in ("launch", "collect"):
            launched = re.findall(rf"^    ihc::{verb}<(\w+)>\(\);$", top, re.MULTILINE)
            assert launched == [t for t, _ in tasks]
        ins = re.findall(r"nnet::port_to_stream<\w+, (\d+)>\(\w+, (\w+)\);", top)
        outs = re.findall(r"nnet::stream_to_port<\w+, (\d+)>\((\w+), \w+\);", top)
        assert (len(ins), len(outs)) == (len(graph.inputs), len(graph.outputs))
        assert [v for n, v in ins[:-1] + outs if buffer[v] < int(n)] == []
    else:
        assert "component hls_avalon_streaming_component every_op_output " \
            "every_op_component(every_op_input in) {" in top  # fmt: skip
        assert re.search(r"\n    hls_register \w+_result_t \w+\[\d+\];", top)
        assert "stream_buffer" not in defines


@needs_gxx
@pytest.mark.parametrize("io_type", IO_TYPES)
def test_component_and_testbench_are_well_formed_for_ipp(projects, io_type):
    """g++ -fsyntax-only with the strict HLS/hls.h shim (distinct stream_in / stream_out /
    stream classes) first on the include path, as i++ finds Intel's headers."""
    folder = projects[io_type]
    inc = ["-I", str(SHIM), "-I", str(folder / "firmware"), "-I", str(COMPAT)]
    cmd = ["g++", "-std=c++17", "-fsyntax-only", *inc]  # C++17: our compat ac types
    for src in (f"firmware/{NAME}.cpp", f"{NAME}_test.cpp"):
        proc = subprocess.run([*cmd, src], cwd=folder, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[:3000]


@needs_gxx
def test_the_shim_catches_a_port_passed_as_a_layer_stream(tmp_path):
    """The syntax check means something: with i++'s distinct classes a stream_in port is not
    a layer's ihc::stream (the backend copies it with nnet::port_to_stream)."""
    src = tmp_path / "bad.cpp"
    src.write_text(
        '#include "HLS/hls.h"\nvoid layer(ihc::stream<int> &s);\n'
        "component void top(ihc::stream_in<int> &in) { layer(in); }\n"
    )
    proc = subprocess.run(["g++", "-fsyntax-only", "-I", str(SHIM), str(src)], capture_output=True)
    assert proc.returncode != 0


@needs_gxx
@pytest.mark.parametrize("io_type", IO_TYPES)
def test_testbench_passes_as_an_emulation_build(tmp_path, io_type):
    """The component and its testbench compiled together with g++ and our compat headers (what
    ``i++ -march=x86-64`` does with Intel's): the testbench finds every output equal to the
    csim's, written in tb_data by write()."""
    cfg = ExportConfig(output_dir=tmp_path / "p", io_type=io_type, backend="quartus")
    out = Firmware(small_cnn(), cfg).write()
    exe = tmp_path / "small_cnn-emu"
    cmd = ["g++", "-std=c++17", "-O1", "-Ifirmware", "-Icompat", "firmware/small_cnn.cpp"]
    proc = subprocess.run(
        [*cmd, "small_cnn_test.cpp", "-o", str(exe)], cwd=out, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[:3000]
    run = subprocess.run([str(exe)], cwd=out, capture_output=True, text=True)
    assert run.stdout.strip() == (
        "fpga-export testbench: 8 samples, 0 output values differ from the expected csim output"
    )
    assert run.returncode == 0


def test_makefile(tmp_path):
    fw = Firmware(mlp((4, 3)), ExportConfig(output_dir=tmp_path / "p", backend="quartus"))
    out = fw.write()
    make = (out / "Makefile").read_text()
    assert not (out / "build_prj.tcl").exists()
    for line in (
        "PART ?= Arria10",
        "CLOCK ?= 5.0ns",
        "SOURCES = firmware/mlp.cpp mlp_test.cpp",
        'FPGA = -march="$(PART)" --clock $(CLOCK)',
        "\t$(HLS_CXX) -march=x86-64 $(INCLUDES) $(SOURCES) -o $@ || $(call fail,emulation build)",
        "\t$(HLS_CXX) $(FPGA) --simulator none $(INCLUDES) $(SOURCES) -o mlp-fpga || $(call "
        "fail,synthesis)",
        "# PART: the config's part is the (AMD) default; Arria 10 here, set part= for another "
        "family",
    ):
        assert line in make.split("\n"), line
    agilex = ExportConfig(
        output_dir=tmp_path / "a", backend="quartus", part="Agilex7", io_type="io_stream"
    )
    make = (Firmware(mlp((4, 3)), agilex).write() / "Makefile").read_text()
    assert json.loads((out / "project.json").read_text())["part"] == "Arria10"
    assert "PART ?= Agilex7" in make and "--component $" not in make and "(AMD)" not in make


def test_amd_parts_are_refused(tmp_path):
    cfg = ExportConfig(output_dir=tmp_path / "p", backend="quartus", part="xc7z020clg400-1")
    with pytest.raises(ValueError) as err:
        Firmware(mlp((4, 3)), cfg).write()
    assert str(err.value) == (
        "part 'xc7z020clg400-1' is an AMD part; the quartus backend targets Intel FPGAs: give an "
        "i++ -march family (Arria10, Stratix10, Agilex7) or an Intel part number"
    )


def test_respell_loop_pragmas_and_registers():
    text = "\n".join([
        "void f() {",
        "#pragma HLS INLINE off",
        "#pragma HLS PIPELINE II=4",
        "    acc_t acc[N];",
        "#pragma HLS ARRAY_PARTITION variable=acc type=complete",
        "    acc_t zx[G], zh[G];",
        "#pragma HLS ARRAY_PARTITION variable=zx type=complete",
        "    in_t lines[2][W][C];",
        "#pragma HLS ARRAY_PARTITION variable=lines type=complete dim=1",
        "#pragma HLS ALLOCATION operation instances=mul limit=4",
        "Outer:",
        "    for (int i = 0; i < 4; i++) {",
        "#pragma HLS PIPELINE II=CONFIG_T::reuse_factor",
        "        for (int j = 0;",
        "             j < 2; j++) {",
        "            // the body",
        "#pragma HLS UNROLL factor=2",
        "            x[j] = 0;",
        "        }",
        "    }",
        "}",
    ])  # fmt: skip
    assert respell(text, "firmware/nnet/x.h").split("\n") == [
        "void f() {",
        "    hls_register acc_t acc[N];",
        "    acc_t zx[G], zh[G];",
        "    in_t lines[2][W][C];",
        "#pragma ii CONFIG_T::reuse_factor",
        "Outer:",
        "    for (int i = 0; i < 4; i++) {",
        "        #pragma unroll 2",
        "        for (int j = 0;",
        "             j < 2; j++) {",
        "            // the body",
        "            x[j] = 0;",
        "        }",
        "    }",
        "}",
    ]
    macro = '#define M \\\n    for (int i = 0; i < 2; i++) {  \\\n        _Pragma("HLS UNROLL")      \\\n    }'
    assert respell(macro, "m.h") == (
        '#define M \\\n    _Pragma("unroll")              \\\n'
        "    for (int i = 0; i < 2; i++) {  \\\n    }"
    )


def test_respell_refuses_unknown_pragmas_by_name():
    with pytest.raises(QuartusPragmaError) as err:
        respell(
            "void f() {\n#pragma HLS BIND_OP variable=x op=mul impl=dsp\n}", "firmware/nnet/foo.h"
        )
    assert str(err.value) == (
        "firmware/nnet/foo.h line 2: '#pragma HLS BIND_OP variable=x op=mul impl=dsp' has no "
        "Intel HLS Compiler (i++) spelling; the quartus backend cannot write layer family 'foo' "
        "(use backend='vitis')"
    )
    with pytest.raises(QuartusPragmaError) as err:
        respell("#pragma  hls  pipeline", "a.h")
    assert str(err.value) == "a.h line 1: unreadable pragma '#pragma  hls  pipeline'"


def test_report_before_synthesis_and_dataflow_check_is_vitis_only(tmp_path):
    cfg = ExportConfig(output_dir=tmp_path / "p", backend="quartus", io_type="io_stream")
    fw = Firmware(mlp((4, 3)), cfg)
    fw.write()
    with pytest.raises(ReportNotFoundError) as err:  # the reader: test_vendor_reports.py
        fw.report()
    assert str(err.value) == (
        f"no synthesis report for 'mlp' in {fw.output_dir} yet: run firmware.build(synth=True) "
        f"first (no i++ report in {fw.output_dir}: expected mlp-fpga.prj/reports/lib/json/"
        "summary.json (written by build(synth=True): i++ -march=<part>))"
    )
    with pytest.raises(ValueError) as err:
        fw.check_dataflow([[0.0] * 4])
    assert str(err.value) == (
        "check_dataflow simulates hls::stream FIFOs; the quartus backend's streams are "
        "ihc::stream (check the design with backend='vitis')"
    )


def test_a_latency_component_takes_an_input_every_reuse_factor_cycles(tmp_path):
    cfg = ExportConfig(output_dir=tmp_path / "p", backend="quartus")
    header = (Firmware(mlp((4, 6, 3), reuse_factor=3), cfg).write() / "firmware/mlp.h").read_text()
    assert (
        "component hls_avalon_streaming_component hls_component_ii(3) mlp_output "
        "mlp_component(mlp_input in);" in header
    )


def test_estimate_prices_every_stream_the_component_declares(tmp_path):
    """io_stream: one FIFO per ihc::stream of the component, at its ihc::buffer capacity (the
    largest of its packet type), the fan-out copies' and the ports' streams included."""
    cfg = ExportConfig(output_dir=tmp_path / "q", backend="quartus", io_type="io_stream")
    fw = Firmware(residual_cnn(8, 8, 4), cfg)
    source = (fw.write(check_limits=False) / "firmware" / "residual_cnn.cpp").read_text()
    declared = re.findall(r"ihc::stream<(\w+), ihc::buffer<(\d+)> > (\w+);", source)
    ctx = fw.backend.context(fw.graph, fw.config)
    priced = fw.backend.streams(fw.graph, ctx)
    assert sorted((var, depth) for var, _, depth in priced) == sorted(
        (var, int(depth)) for _, depth, var in declared
    )
    assert len(declared) == 9 and {int(d) for _, d, _ in declared} != {2}  # ports: whole tensors
    hw = fw.backend.cost_model(fw.config)
    bits = {var: ctx.packet(node) * node.result.width for var, node, _ in priced}
    expected = sum((hw.fifo(bits[var], int(d)) for _, d, var in declared), Resources())
    assert fw.estimate().fifos == expected.rounded()
