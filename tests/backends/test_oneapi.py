"""The oneapi backend's project (no compiler run here): every op family written with ac types,
nnet::fifo streams and oneAPI attributes; the CMake project and the SYCL kernel; the pragma
respelling; the target device; the names it is known by."""

from __future__ import annotations

import re

import pytest

from every_op import NAME, every_op_graph
from fpga_export.backends import BACKENDS, OneAPIBackend, get_backend
from fpga_export.backends.oneapi import device
from fpga_export.backends.oneapi_pragmas import OneAPIPragmaError, respell
from fpga_export.backends.vitis_report import ReportNotFoundError
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.types import FixedType
from graphs import mlp

IO_TYPES = ("io_parallel", "io_stream")


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    """io type -> written every_op oneapi project folder."""
    out = {}
    for io_type in IO_TYPES:
        folder = tmp_path_factory.mktemp(f"oneapi_{io_type}") / NAME
        cfg = ExportConfig(output_dir=folder, io_type=io_type, backend="oneapi")
        out[io_type] = Firmware(every_op_graph(), cfg).write()
    return out


def _firmware_text(folder) -> dict[str, str]:
    return {
        str(f.relative_to(folder)): f.read_text()
        for f in sorted((folder / "firmware").rglob("*"))
        if f.suffix in (".h", ".cpp")
    }


def test_registry_and_names():
    assert BACKENDS["oneapi"] is OneAPIBackend
    assert isinstance(get_backend("oneapi"), OneAPIBackend)
    assert ExportConfig(backend="oneAPI").backend == "oneapi"


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_every_op_family_is_written_with_ac_types_and_oneapi_attributes(projects, io_type):
    folder = projects[io_type]
    files = _firmware_text(folder)
    top = files[f"firmware/{NAME}.cpp"]
    for rel, text in files.items():
        code = "\n".join(line.split("//")[0] for line in text.splitlines())
        assert not re.search(r"#\s*pragma\s+HLS|_Pragma\(\"HLS", code), rel
        if rel != "firmware/nnet/types.h":  # the one file that names every family
            assert not re.search(r"hls::stream|ac_channel", code), rel
            assert not re.search(r"\bap_u?(fixed|int)\b", code), rel
    defines = files["firmware/defines.h"]
    assert defines.index("#define NNET_ONEAPI") < defines.index('#include "nnet/common.h"')
    assert "#include <sycl/ext/intel/ac_types/ac_fixed.hpp>" in defines
    typedefs = re.findall(r"^typedef (\w+)<", defines, re.MULTILINE)
    assert set(typedefs) <= {"ac_fixed", "ac_int", "nnet::array"} and "ac_fixed" in typedefs
    dense = files["firmware/nnet/dense.h"]
    assert "Product:\n    #pragma unroll\n    for (unsigned i = 0;" in dense
    assert "    [[intel::fpga_register]] typename CONFIG_T::accum_t acc[CONFIG_T::n_out];" in dense
    conv = files["firmware/nnet/conv.h"]
    assert (
        "    Columns:\n        [[intel::initiation_interval(CONFIG_T::reuse_factor)]]\n"
        "        for (unsigned j = 0; j < S::col_steps; j++) {"
    ) in conv
    kernel = files[f"firmware/{NAME}_kernel.cpp"]
    assert f'#include "{NAME}.cpp"' in kernel
    assert f"q.single_task<{NAME}_kernel_id>([=]()" in kernel
    if io_type == "io_stream":
        assert "nnet::stream<s0_in_packet_t> &s0_in_out" in top
        fifos = re.findall(r"\n    nnet::fifo<(\w+)_packet_t, (\d+)> \w+;\n", top)
        assert fifos and all(int(n) >= 1 for _, n in fifos)
        pipes = re.findall(r"using (\w+) = sycl::ext::intel::pipe<\w+_id, (\w+), (\d+)>;", kernel)
        assert len(pipes) == len(every_op_graph().inputs) + len(every_op_graph().outputs)
        assert f"q.single_task<{NAME}_producer_id>" in kernel
        assert f"return q.single_task<{NAME}_consumer_id>" in kernel
    else:
        assert "[[intel::fpga_register]] s0_in_result_t s0_in_out[" in kernel
        assert "pipe<" not in kernel


def test_cmake_project_and_testbench(tmp_path):
    cfg = ExportConfig(output_dir=tmp_path / "p", backend="oneapi", clock_period=4.0)
    out = Firmware(mlp((4, 3)), cfg).write()
    cmake = (out / "CMakeLists.txt").read_text()
    for line in (
        "set(CMAKE_CXX_COMPILER icpx)",
        "project(mlp CXX)",
        '    set(FPGA_DEVICE "Agilex7")',
        "set(SOURCES mlp_test.cpp firmware/mlp_kernel.cpp)",
        'set(COMPILE_FLAGS "-fsycl -fintelfpga -qactypes -Wall -fconstexpr-steps=2147483647")',
        'set(HARDWARE_FLAGS "-Xshardware -Xstarget=${FPGA_DEVICE} -Xsclock=250MHz '
        '${USER_HARDWARE_FLAGS}")',
        "add_custom_target(fpga_emu DEPENDS mlp.fpga_emu)",
        "add_custom_target(report DEPENDS mlp_report.a)",
        "add_custom_target(fpga DEPENDS mlp.fpga)",
    ):
        assert line in cmake.splitlines(), line
    assert "-fsycl-link=early" in cmake
    assert not (out / "build_prj.tcl").exists()
    tb = (out / "mlp_test.cpp").read_text()
    assert "sycl::ext::intel::fpga_emulator_selector_v" in tb
    assert "mlp_kernel(q, in0, out0, n).wait();" in tb
    assert "ac_fixed<16,6,true>" in (out / "firmware/defines.h").read_text()


def test_target_device_from_the_part(tmp_path):
    assert device("xcvu13p-flga2577-2-e") == "Agilex7"  # an AMD part: Intel's default family
    assert device("AGFB014R24B2E2V") == "AGFB014R24B2E2V"
    cfg = ExportConfig(output_dir=tmp_path / "p", backend="oneapi", part="Stratix10")
    cmake = (Firmware(mlp((4, 3)), cfg).write() / "CMakeLists.txt").read_text()
    assert '    set(FPGA_DEVICE "Stratix10")' in cmake.splitlines()


def test_ap_precisions_become_ac_types(tmp_path):
    prec = {"precision": "ap_fixed<12,4,AP_RND_CONV,AP_SAT>", "input_precision": "ap_int<6>"}
    fw = Firmware(mlp((4, 3)), ExportConfig(output_dir=tmp_path / "c", backend="oneapi", **prec))
    assert {t.family for n in fw.graph for t in n.types.values()} == {"ac"}
    assert fw.graph["dense_1"].result == FixedType.parse("ac_fixed<12,4,true,AC_RND_CONV,AC_SAT>")


def test_respell_places_attributes_before_loops_and_declarations():
    text = "\n".join([
        "void f() {",
        "#pragma HLS INLINE off",
        "#pragma HLS PIPELINE II=4",
        "    int acc[4];",
        "#pragma HLS ARRAY_PARTITION variable=acc type=complete",
        "    int mem[8];",
        "#pragma HLS ARRAY_PARTITION variable=mem type=cyclic factor=3",
        "Outer:",
        "    for (int i = 0; i < 4; i++) {",
        "#pragma HLS PIPELINE II=2",
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
        "    [[intel::fpga_register]] int acc[4];",
        "    int mem[8];",
        "Outer:",
        "    [[intel::initiation_interval(2)]]",
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
    param = "void g(int w[4]) {\n#pragma HLS ARRAY_PARTITION variable=w type=complete\n}"
    assert respell(param, "g.h") == "void g(int w[4]) {\n}"  # a parameter: the caller's array
    odd = "void h() {\n    int a[4];\n#pragma HLS ARRAY_PARTITION variable=a( type=complete\n}"
    assert respell(odd, "h.h") == "void h() {\n    int a[4];\n}"  # a name, not a regex: no match


def test_respell_refuses_unknown_pragmas_by_name():
    with pytest.raises(OneAPIPragmaError) as err:
        respell(
            "void f() {\n#pragma HLS BIND_OP variable=x op=mul impl=dsp\n}", "firmware/nnet/foo.h"
        )
    assert str(err.value) == (
        "firmware/nnet/foo.h line 2: '#pragma HLS BIND_OP variable=x op=mul impl=dsp' has no "
        "oneAPI spelling; the oneapi backend cannot write layer family 'foo' "
        "(use backend='vitis')"
    )
    with pytest.raises(OneAPIPragmaError) as err:
        respell("#pragma  hls  pipeline", "a.h")
    assert str(err.value) == "a.h line 1: unreadable pragma '#pragma  hls  pipeline'"


def test_report_before_synthesis_and_no_dataflow_sim(tmp_path):
    fw = Firmware(mlp((4, 3)), ExportConfig(output_dir=tmp_path / "p", backend="oneapi"))
    fw.write()
    with pytest.raises(ReportNotFoundError) as err:  # the reader: test_vendor_reports.py
        fw.report()
    assert str(err.value) == (
        f"no synthesis report for 'mlp' in {fw.output_dir} yet: run firmware.build(synth=True) "
        f"first (no oneAPI optimization report in {fw.output_dir}: expected build/"
        "mlp_report.prj/reports/resources/json/summary.ndjson (or reports/lib/json/summary.json, "
        "before oneAPI 2025), written by build(synth=True): make report)"
    )
    stream = Firmware(
        mlp((4, 3)), ExportConfig(output_dir=tmp_path / "s", backend="oneapi", io_type="io_stream")
    )
    with pytest.raises(ValueError) as err:
        stream.check_dataflow(stream._random_inputs(2))
    assert str(err.value) == (
        "check_dataflow simulates hls::stream FIFOs; the oneapi backend's streams are "
        "nnet::port (check the design with backend='vitis')"
    )
