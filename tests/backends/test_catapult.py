"""The catapult backend's project (no compiler run here): every op family written with ac
types, ac_channel streams and Catapult pragmas; the pragma respelling; type families (ap
precisions become ac types; the Vitis backend refuses ac types); the names it is known by."""

from __future__ import annotations

import re

import numpy as np
import pytest

from every_op import NAME, every_op_graph
from fpga_export.backends import BACKENDS, CatapultBackend, get_backend
from fpga_export.backends.catapult_pragmas import CatapultPragmaError, respell
from fpga_export.backends.vitis_report import ReportNotFoundError
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.hls4ml_yaml import backend_name
from fpga_export.types import FixedType
from graphs import mlp

IO_TYPES = ("io_parallel", "io_stream")


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    """io type -> written every_op catapult project folder."""
    out = {}
    for io_type in IO_TYPES:
        folder = tmp_path_factory.mktemp(f"catapult_{io_type}") / NAME
        cfg = ExportConfig(output_dir=folder, io_type=io_type, backend="catapult")
        out[io_type] = Firmware(every_op_graph(), cfg).write()
    return out


def _firmware_text(folder) -> dict[str, str]:
    return {
        str(f.relative_to(folder)): f.read_text()
        for f in sorted((folder / "firmware").rglob("*"))
        if f.suffix in (".h", ".cpp")
    }


def test_registry_and_names():
    assert BACKENDS["catapult"] is CatapultBackend
    assert isinstance(get_backend("catapult"), CatapultBackend)
    assert ExportConfig(backend="Catapult").backend == "catapult"
    assert backend_name(" Catapult", [], "Backend") == "catapult"


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_every_op_family_is_written_with_ac_types_and_catapult_pragmas(projects, io_type):
    folder = projects[io_type]
    files = _firmware_text(folder)
    top = files[f"firmware/{NAME}.cpp"]
    assert "// Catapult: the design's top\n#pragma hls_design top\nvoid every_op(" in top
    for rel, text in files.items():
        code = "\n".join(line.split("//")[0] for line in text.splitlines())
        assert not re.search(r"#\s*pragma\s+HLS|_Pragma\(\"HLS", code), rel
        if rel != "firmware/nnet/types.h":  # the one file that names both families
            assert "hls::stream" not in code, rel
            assert not re.search(r"\bap_u?(fixed|int)\b", code), rel
    defines = files["firmware/defines.h"]
    assert defines.index("#define NNET_AC_TYPES") < defines.index('#include "nnet/common.h"')
    typedefs = re.findall(r"^typedef (\w+)<", defines, re.MULTILINE)
    assert set(typedefs) <= {"ac_fixed", "ac_int", "nnet::array"} and "ac_fixed" in typedefs
    dense = files["firmware/nnet/dense.h"]
    assert "#pragma hls_unroll yes\nProduct:\n    for (unsigned i = 0;" in dense
    if io_type == "io_stream":
        assert "ac_channel<s0_in_packet_t> &s0_in_out" in top
        assert re.search(r"\n    ac_channel<\w+_packet_t> \w+;\n", top)
        tcl = (folder / "build_prj.tcl").read_text()
        depths = re.findall(r"directive set /every_op/(\w+):cns -FIFO_DEPTH (\d+)", tcl)
        assert len(depths) == top.count("    ac_channel<") and all(int(d) >= 1 for _, d in depths)
        assert "-PIPELINE_INIT_INTERVAL" not in tcl


def test_build_script_and_testbench(tmp_path):
    fw = Firmware(mlp((4, 3)), ExportConfig(output_dir=tmp_path / "p", backend="catapult"))
    out = fw.write()
    tcl = (out / "build_prj.tcl").read_text()
    for line in (
        "solution file add $root/firmware/mlp.cpp -type C++",
        "solution file add $root/mlp_test.cpp -type C++ -exclude true",
        "directive set -DESIGN_HIERARCHY mlp",
        "directive set -CLOCKS {clk {-CLOCK_PERIOD 5.0}}",
        "directive set /mlp/core/main -PIPELINE_INIT_INTERVAL 1",
    ):
        assert line in tcl
    stages = re.findall(r"go (\w+)", tcl)
    assert stages == ["compile", "libraries", "assembly", "architect", "allocate", "schedule",
                      "extract"]  # fmt: skip
    assert "ac_fixed<16,6,true>" in (out / "firmware/defines.h").read_text()


def test_ap_precisions_become_ac_types_and_vitis_refuses_ac(tmp_path):
    prec = {"precision": "ap_fixed<12,4,AP_RND_CONV,AP_SAT>", "input_precision": "ap_int<6>"}
    fw = Firmware(mlp((4, 3)), ExportConfig(output_dir=tmp_path / "c", backend="catapult", **prec))
    assert {t.family for n in fw.graph for t in n.types.values()} == {"ac"}
    assert fw.graph["input_1"].result == FixedType.parse("ac_int<6,true>")
    assert fw.graph["dense_1"].result == FixedType.parse("ac_fixed<12,4,true,AC_RND_CONV,AC_SAT>")
    ac = Firmware(mlp((4, 3)), ExportConfig(output_dir=tmp_path / "v", precision="ac_fixed<8,3>"))
    with pytest.raises(ValueError) as err:
        ac.write()
    assert str(err.value) == (
        "input_1 (result type): the vitis backend writes ap types; ac_fixed<8,3,true> is an "
        "Algorithmic C type (give ap_fixed precisions, or use backend='catapult' for ac types)"
    )
    x = np.random.default_rng(0).normal(0, 2, (5, 4))
    with pytest.raises(ValueError) as err:
        Firmware(mlp((4, 3)), ExportConfig(output_dir=tmp_path / "o", backend="catapult",
                                          io_type="io_stream")).check_dataflow(x)  # fmt: skip
    assert str(err.value) == (
        "check_dataflow simulates hls::stream FIFOs; the catapult backend's streams are "
        "ac_channel (check the design with backend='vitis')"
    )


def test_respell_moves_loop_pragmas_before_the_loop():
    text = "\n".join([
        "void f() {",
        "#pragma HLS INLINE off",
        "#pragma HLS PIPELINE II=4",
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
        "#pragma hls_pipeline_init_interval 2",
        "Outer:",
        "    for (int i = 0; i < 4; i++) {",
        "        #pragma hls_unroll 2",
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
        '#define M \\\n    _Pragma("hls_unroll yes")      \\\n'
        "    for (int i = 0; i < 2; i++) {  \\\n    }"
    )


def test_respell_refuses_unknown_pragmas_by_name():
    with pytest.raises(CatapultPragmaError) as err:
        respell(
            "void f() {\n#pragma HLS BIND_OP variable=x op=mul impl=dsp\n}", "firmware/nnet/foo.h"
        )
    assert str(err.value) == (
        "firmware/nnet/foo.h line 2: '#pragma HLS BIND_OP variable=x op=mul impl=dsp' has no "
        "Catapult spelling; the catapult backend cannot write layer family 'foo' "
        "(use backend='vitis')"
    )
    with pytest.raises(CatapultPragmaError) as err:
        respell("#pragma  hls  pipeline", "a.h")
    assert str(err.value) == "a.h line 1: unreadable pragma '#pragma  hls  pipeline'"


def test_report_before_synthesis(tmp_path):
    fw = Firmware(mlp((4, 3)), ExportConfig(output_dir=tmp_path / "p", backend="catapult"))
    fw.write()
    with pytest.raises(ReportNotFoundError) as err:  # the reader: test_vendor_reports.py
        fw.report()
    assert str(err.value) == (
        f"no synthesis report for 'mlp' in {fw.output_dir} yet: run firmware.build(synth=True) "
        f"first (no Catapult report in {fw.output_dir}: expected rtl.rpt in mlp_prj/mlp.v1/ "
        "(written by go extract: build(synth=True)))"
    )
