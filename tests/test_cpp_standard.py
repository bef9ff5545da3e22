"""The firmware is C++11: Vivado HLS's front end accepts C++11, Vitis HLS compiles it with
``-std=c++14`` (build_prj.tcl).

Our csim headers (nnet_cpp/compat/) need C++17, so the csim tests cannot see a newer feature
slipping into nnet_cpp/nnet/*.h or the generated code (it once did: an ``if constexpr``;
merge.h once had deduced return types and std::index_sequence). Here one project per io type
holding every op family (tests/every_op.py) is written and its top function and testbench
(both compiled by build_prj.tcl) are checked with ``g++ -std=c++11 -pedantic-errors
-fsyntax-only`` and the same with ``-std=c++14``, against tests/cpp_standard/include/, a
small C++11 stand-in for the vendor type headers. The csim bridge (with fe_trace.h) is
checked against the same stand-in, whose hls::stream, like the vendor's, has no value_type.
The compiles run in parallel, started by a module fixture. The catapult projects (ac types,
ac_channel; Catapult reads C++11: ``options set Input/CppStandard c++11``) are checked the
same way against the reference Algorithmic C headers (shared/vendor/ac_types, when present).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conformance import find_shared
from every_op import MERGE_OPS, NAME, QUANTIZER_FUNCTIONS, SUPPORTED, every_op_graph
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.layers.activation import Activation
from fpga_export.layers.merge import Merge
from fpga_export.layers.quantizer import Quantizer

CXX = shutil.which("g++")
pytestmark = pytest.mark.skipif(
    CXX is None, reason="needs g++ (the C++ standard check compiles C++)"
)

STANDIN = Path(__file__).parent / "cpp_standard" / "include"
STANDARDS = ("c++11", "c++14")
CHECK = ["-pedantic-errors", "-fsyntax-only", f"-I{STANDIN}"]
FLAGS = ["-std=c++11", *CHECK]
IO_TYPES = ("io_parallel", "io_stream")
CSIM_DEFINES = ["-DFPGA_EXPORT_RUNTIME_WEIGHTS", "-DFPGA_EXPORT_TRACE"]
AC_TYPES = find_shared("shared/vendor/ac_types/include")


@pytest.fixture(scope="module")
def compiles(tmp_path_factory):
    """(io type, what) -> (g++ command, running process); all started at once. ``what`` is
    a standard (firmware and testbench) or "bridge" (the csim bridge, C++11)."""
    out = {}
    for io_type in IO_TYPES:
        project = tmp_path_factory.mktemp(io_type) / NAME
        cfg = ExportConfig(output_dir=project, io_type=io_type)
        Firmware(every_op_graph(), cfg).write()
        # the sources and include path build_prj.tcl gives Vitis (add_files ... -I firmware)
        sources = [project / "firmware" / f"{NAME}.cpp", project / f"{NAME}_test.cpp"]
        bridge = project / "csim" / f"{NAME}_bridge.cpp"
        jobs = {std: [f"-std={std}", *CHECK, *map(str, sources)] for std in STANDARDS}
        jobs["bridge"] = [*FLAGS, *CSIM_DEFINES, f"-I{project / 'csim'}", str(bridge)]
        for what, args in jobs.items():
            cmd = [CXX, *args, f"-I{project / 'firmware'}"]
            proc = subprocess.Popen(
                cmd, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            out[io_type, what] = (cmd, proc)
        if AC_TYPES is not None:
            project = tmp_path_factory.mktemp(f"catapult_{io_type}") / NAME
            cfg = ExportConfig(output_dir=project, io_type=io_type, backend="catapult")
            Firmware(every_op_graph(), cfg).write()
            sources = [project / "firmware" / f"{NAME}.cpp", project / f"{NAME}_test.cpp"]
            cmd = [CXX, "-std=c++11", "-pedantic-errors", "-fsyntax-only", f"-I{AC_TYPES}"]
            cmd += [*map(str, sources), f"-I{project / 'firmware'}"]
            proc = subprocess.Popen(
                cmd, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            out[io_type, "catapult"] = (cmd, proc)
    yield out
    for _, proc in out.values():
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _result(compiles, key) -> tuple[str, int]:
    cmd, proc = compiles[key]
    output = proc.communicate(timeout=300)[0].decode(errors="replace")
    return " ".join(cmd) + "\n" + output, proc.returncode if not output else -1


@pytest.mark.parametrize("std", STANDARDS)
@pytest.mark.parametrize("io_type", IO_TYPES)
def test_firmware_is_standard_cpp(compiles, io_type, std):
    log, code = _result(compiles, (io_type, std))
    assert code == 0, f"the {io_type} firmware is not {std}:\n{log}"


@pytest.mark.skipif(AC_TYPES is None, reason="reference ac headers not found (shared/vendor)")
@pytest.mark.parametrize("io_type", IO_TYPES)
def test_catapult_firmware_is_cpp11_with_the_reference_ac_headers(compiles, io_type):
    log, code = _result(compiles, (io_type, "catapult"))
    assert code == 0, f"the catapult {io_type} firmware is not C++11:\n{log}"


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_csim_bridge_with_vendor_style_stream(compiles, io_type):
    """The csim bridge and fe_trace.h compile against an hls::stream without value_type
    (the vendor's; FPGA_EXPORT_VENDOR_INCLUDE pointing at a Vitis install uses it)."""
    log, code = _result(compiles, (io_type, "bridge"))
    assert code == 0, f"the {io_type} csim bridge needs more than the vendor's stream API:\n{log}"


def test_project_covers_every_op_and_function(tmp_path):
    """The project above keeps up with the op registry and the activation/merge lists."""
    from fpga_export.extend import CustomOp
    from fpga_export.ir import OP_REGISTRY

    g = Firmware(every_op_graph(), ExportConfig(output_dir=tmp_path)).graph
    kinds = {n.op.kind for n in g}
    built_in = {k for k, cls in OP_REGISTRY.items() if not issubclass(cls, CustomOp)}
    assert kinds == built_in - {"identity"}  # identity is folded before codegen
    funcs = {n.op.function for n in g if isinstance(n.op, Activation)}
    assert funcs == set(SUPPORTED)
    merges = {n.op.op for n in g if isinstance(n.op, Merge)}
    assert merges == set(MERGE_OPS)
    quantizers = {n.op.function for n in g if isinstance(n.op, Quantizer)}
    assert quantizers == set(QUANTIZER_FUNCTIONS)


def test_check_rejects_cpp17():
    """The flags really reject C++14 (a deduced return type) and C++17 (a fold expression,
    if constexpr) in our headers."""
    source = """
        #include "ap_fixed.h"
        template <class... T> bool all(T... t) { return (t && ...); }
        template <class T> int f(T) { if constexpr (T::width > 1) return 1; else return 0; }
        template <class T> auto g(T t) { return t + 1; }
        int main() { return all(true) + f(ap_fixed<8, 3>(0)) + g(1); }
    """
    proc = subprocess.run(
        [CXX, *FLAGS, "-x", "c++", "-"], input=source, capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "fold-expressions only available with" in proc.stderr
    assert "uses 'auto' type specifier without trailing return type" in proc.stderr.replace(
        "‘", "'"
    ).replace("’", "'")
    assert "'if constexpr' only available with" in proc.stderr.replace("‘", "'").replace("’", "'")


def test_standin_is_clean_cpp14():
    """The stand-in itself: C++11, pedantic, no warnings."""
    source = """
        #include "ap_fixed.h"
        #include "ap_int.h"
        #include "hls_stream.h"
        int main() {
            ap_fixed<16, 6, AP_RND, AP_SAT> a = 1.5;
            ap_ufixed<8, 3> b = a;
            ap_int<8> c = 3;
            ap_uint<4> d = c.range(3, 0);
            a += 1; a -= b; a *= c; a <<= 2; a >>= 1;
            const auto e = a * b + c - d * 2u;
            ap_fixed<2, 0> f = 0;
            f.range(0, 0) = 1;
            const float g = a;
            const double h = 0.5 * (float)b;
            hls::stream<ap_fixed<8, 2> > s("s");
            s.write(-b);
            return (a > 0 && b <= 3u && 1 < c && e != h && d[0] && !s.empty()) +
                   s.read().to_int() + int(f.to_uint() + s.size() + g);
        }
    """
    strict = ["-std=c++11", "-pedantic-errors", "-Wall", "-Wextra", "-Werror", f"-I{STANDIN}"]
    proc = subprocess.run(
        [CXX, *strict, "-fsyntax-only", "-x", "c++", "-"],
        input=source,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
