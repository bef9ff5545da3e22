"""The vivado backend's project (no compiler run here except g++ -fsyntax-only): every op
family written in Vivado HLS form, the pragma spellings, the C++11 check, the backend
registry's messages."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from every_op import NAME, every_op_graph
from fpga_export.backends import BACKENDS, VivadoBackend, get_backend
from fpga_export.backends.vivado_pragmas import VivadoPragmaError, respell
from fpga_export.config import ExportConfig
from fpga_export.extend import CustomOp
from fpga_export.firmware import Firmware
from fpga_export.ir import OP_REGISTRY

IO_TYPES = ("io_parallel", "io_stream")
# an internal stream: the depth in the type (Vitis); in the STREAM pragma only (Vivado HLS
# 2019.x has no depth parameter), in the type for the csim dataflow simulation alone
STREAM_VITIS = re.compile(
    r'    hls::stream<(\w+), (\d+)> (\w+)\("\3"\);\n#pragma HLS STREAM variable=\3 depth=\2\n'
)
STREAM_VIVADO = re.compile(
    r"#ifdef FPGA_EXPORT_DATAFLOW_SIM\n"
    r'    hls::stream<(\w+), (\d+)> (\w+)\("\3"\);\n'
    r"#else\n"
    r'    hls::stream<\1> \3\("\3"\);\n'
    r"#endif\n"
    r"#pragma HLS STREAM variable=\3 depth=\2\n"
)
STANDIN = Path(__file__).parents[1] / "cpp_standard" / "include"
PRAGMA = re.compile(r'^\s*(?:#pragma HLS (\w+)(.*)|_Pragma\("HLS (\w+)(.*?)"\)\s*\\?)$')
# Vivado HLS forms (UG902 "HLS Pragmas"): the options each pragma of ours may carry
VIVADO_FORMS = {
    "ARRAY_PARTITION": r" variable=\w+ (complete|cyclic|block)( factor=\S+)?( dim=\d+)?",
    "ARRAY_RESHAPE": r" variable=\w+ (complete|cyclic|block)( factor=\S+)?( dim=\d+)?",
    "ALLOCATION": r" instances=\w+ limit=\w+ operation",
    "INTERFACE": r" (ap_vld|axis) port=\w+",
    "STREAM": r" variable=\w+ depth=\d+",
    "PIPELINE": r"( II=\S+)?",
    "UNROLL": r"",
    "INLINE": r"( off)?",
    "DATAFLOW": r"",
    "FUNCTION_INSTANTIATE": r" variable=\w+",
}


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    """(backend, io type) -> written every_op project folder."""
    out = {}
    for backend in ("vitis", "vivado"):
        for io_type in IO_TYPES:
            folder = tmp_path_factory.mktemp(f"{backend}_{io_type}") / NAME
            cfg = ExportConfig(output_dir=folder, io_type=io_type, backend=backend)
            out[backend, io_type] = Firmware(every_op_graph(), cfg).write()
    return out


def _cpp_files(folder: Path) -> dict[str, str]:
    return {
        str(f.relative_to(folder)): f.read_text()
        for f in sorted((folder / "firmware").rglob("*"))
        if f.suffix in (".h", ".cpp")
    }


def test_registry_and_unknown_backend_message():
    assert list(BACKENDS) == ["vitis", "vivado", "catapult", "oneapi", "quartus"]
    assert isinstance(get_backend("vivado"), VivadoBackend)
    assert ExportConfig(backend=" Vivado").backend == "vivado"
    with pytest.raises(ValueError) as err:
        get_backend("nope")
    assert (
        str(err.value)
        == "unknown backend 'nope'; available backends: vitis, vivado, catapult, oneapi, quartus"
    )
    with pytest.raises(ValueError) as err:
        ExportConfig(backend="nope")
    assert (
        str(err.value)
        == "unknown backend 'nope'; available backends: vitis, vivado, catapult, oneapi, quartus "
        "(any case)"
    )


def test_every_op_family_is_available(projects):
    """The every_op graph holds every built-in op kind (tests/test_cpp_standard.py checks it
    keeps up with the registry); both io types write with backend="vivado"."""
    g = Firmware(every_op_graph(), ExportConfig(backend="vivado")).graph
    built_in = {k for k, cls in OP_REGISTRY.items() if not issubclass(cls, CustomOp)}
    assert {n.op.kind for n in g} == built_in - {"identity"}
    for io_type in IO_TYPES:
        described = json.loads((projects["vivado", io_type] / "project.json").read_text())
        assert described["backend"] == "vivado"


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_every_pragma_in_vivado_form(projects, io_type):
    seen = set()
    for rel, text in _cpp_files(projects["vivado", io_type]).items():
        for line in text.splitlines():
            if m := PRAGMA.match(line):
                name, args = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
                assert name in VIVADO_FORMS, f"{rel}: {line.strip()}"
                assert re.fullmatch(VIVADO_FORMS[name], args), f"{rel}: {line.strip()}"
                seen.add(name)
    stream_only = {"STREAM"} if io_type == "io_stream" else set()
    assert {"ARRAY_PARTITION", "ALLOCATION", "INTERFACE", "PIPELINE"} | stream_only <= seen


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_same_cpp_as_vitis_but_pragmas_comments_and_stream_declarations(projects, io_type):
    """Line for line, the vivado firmware is the Vitis one except pragma spellings, comments
    citing UG902 and the internal stream declarations (depth in the pragma only)."""
    vitis, vivado = (_cpp_files(projects[b, io_type]) for b in ("vitis", "vivado"))
    assert vitis.keys() == vivado.keys()
    for rel in vitis:
        if rel == f"firmware/{NAME}.cpp" and io_type == "io_stream":
            continue  # the stream declarations: below
        a, b = vitis[rel].splitlines(), vivado[rel].splitlines()
        assert len(a) == len(b), rel
        for x, y in zip(a, b, strict=True):
            if x != y:
                assert PRAGMA.match(x) and PRAGMA.match(y) or x.lstrip().startswith("//"), rel
    top = vivado[f"firmware/{NAME}.cpp"]
    assert "UG1399" not in top and "UG902" in top
    if io_type == "io_stream":
        vitis_streams = STREAM_VITIS.findall(vitis[f"firmware/{NAME}.cpp"])
        n_streams = len(re.findall(r"hls::stream<\w+, \d+>", vitis[f"firmware/{NAME}.cpp"]))
        assert len(vitis_streams) == n_streams > 40
        assert STREAM_VIVADO.findall(top) == vitis_streams

        def code(text):
            lines = text.splitlines()
            return [s for s in lines if not (PRAGMA.match(s) or s.strip()[:2] == "//")]

        vitis_top = vitis[f"firmware/{NAME}.cpp"]
        assert code(STREAM_VIVADO.sub("", top)) == code(STREAM_VITIS.sub("", vitis_top))


@pytest.fixture(scope="module")
def syntax_checks(projects):
    """g++ -std=c++11 -pedantic-errors -fsyntax-only of each vivado project's top function
    and testbench (what build_prj.tcl compiles), against the C++11 vendor stand-in; started
    at once."""
    cxx = shutil.which("g++")
    if cxx is None:
        pytest.skip("needs g++")
    procs = {}
    for io_type in IO_TYPES:
        folder = projects["vivado", io_type]
        cmd = [cxx, "-std=c++11", "-pedantic-errors", "-fsyntax-only", f"-I{STANDIN}"]
        cmd += [f"-I{folder / 'firmware'}", f"firmware/{NAME}.cpp", f"{NAME}_test.cpp"]
        procs[io_type] = subprocess.Popen(
            cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
    yield procs
    for p in procs.values():
        if p.poll() is None:
            p.kill()
            p.wait()


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_firmware_is_cpp11(syntax_checks, io_type):
    proc = syntax_checks[io_type]
    out = proc.communicate(timeout=300)[0].decode(errors="replace")
    assert proc.returncode == 0 and not out, out


@pytest.mark.parametrize(
    ("vitis", "vivado"),
    [
        ("ARRAY_PARTITION variable=x type=complete", "ARRAY_PARTITION variable=x complete"),
        (
            "ARRAY_PARTITION variable=w type=complete dim=0",
            "ARRAY_PARTITION variable=w complete dim=0",
        ),
        (
            "ARRAY_PARTITION variable=s type=cyclic factor=F",
            "ARRAY_PARTITION variable=s cyclic factor=F",
        ),
        (
            "ARRAY_RESHAPE variable=k type=cyclic factor=block",
            "ARRAY_RESHAPE variable=k cyclic factor=block",
        ),
        (
            "ALLOCATION operation instances=mul limit=multiplier_limit",
            "ALLOCATION instances=mul limit=multiplier_limit operation",
        ),
        ("INTERFACE mode=ap_vld port=x", "INTERFACE ap_vld port=x"),
        ("INTERFACE mode=axis port=x", "INTERFACE axis port=x"),
        ("STREAM variable=s depth=4", "STREAM variable=s depth=4"),
        ("PIPELINE II=sizes<a, b>::ii", "PIPELINE II=sizes<a,b>::ii"),
        ("INLINE off", "INLINE off"),
        ("UNROLL", "UNROLL"),
        # the Vivado form stays as it is
        ("ARRAY_PARTITION variable=x complete", "ARRAY_PARTITION variable=x complete"),
        ("INTERFACE ap_vld port=x", "INTERFACE ap_vld port=x"),
    ],
)
def test_pragma_spellings(vitis, vivado):
    text = f"void f() {{\n    #pragma HLS {vitis}\n}}\n"
    assert respell(text, "firmware/x.cpp") == f"void f() {{\n    #pragma HLS {vivado}\n}}\n"


def test_pragma_without_vivado_form_is_refused_by_family():
    text = "// dense\n#pragma HLS BIND_OP variable=p op=mul impl=dsp\n"
    with pytest.raises(VivadoPragmaError) as err:
        respell(text, "firmware/nnet/dense.h")
    assert str(err.value) == (
        "firmware/nnet/dense.h line 2: '#pragma HLS BIND_OP variable=p op=mul impl=dsp' has no "
        "Vivado HLS 2019.2-2020.1 spelling (#pragma HLS BIND_OP: no Vivado HLS spelling); the "
        "vivado backend cannot write layer family 'dense' (use backend='vitis')"
    )
    with pytest.raises(VivadoPragmaError, match=r"options 'off=true' not known here"):
        respell("#pragma HLS ARRAY_PARTITION variable=x type=complete off=true\n", "firmware/a.h")


def test_cost_model_schedules_with_vivado_uncertainty():
    """Vivado HLS schedules into the period minus 12.5 % (Vitis: 27 %): a 4 ns chain fits one
    5 ns cycle in Vivado HLS, two in Vitis HLS; resources are priced alike."""
    cfg = ExportConfig(backend="vivado", part="xc7z020-clg400-1", clock_period=5)
    vivado, vitis = get_backend("vivado").cost_model(cfg), get_backend("vitis").cost_model(cfg)
    assert (vivado.t_eff, vitis.t_eff) == (4.375, 5 * (1 - 0.27))
    assert (vivado.cycles(4.0), vitis.cycles(4.0)) == (1, 2)
    assert vivado.dsp_tiles(25, 18) == vitis.dsp_tiles(25, 18) == 1  # a 7-series DSP48E1
    assert vivado.dsp_tiles(27, 18) == 2
    est = Firmware(every_op_graph(), cfg).estimate()
    assert est.capacity.device == "xc7z020" and est.capacity.dsp == 220


def test_pragmas_inside_macros_are_in_vivado_form(projects):
    """The recurrent layers partition their arrays in a macro (_Pragma): Vivado HLS reads the
    positional form there too; the backslashes of the macro's lines stay in their column."""
    text = _cpp_files(projects["vivado", "io_parallel"])["firmware/nnet/recurrent.h"]
    lines = [s for s in text.splitlines() if "_Pragma(" in s and "ARRAY_PARTITION" in s]
    assert lines and all("type=" not in s for s in lines)
    assert '    _Pragma("HLS ARRAY_PARTITION variable=kernel complete")' in text
    vitis = _cpp_files(projects["vitis", "io_parallel"])["firmware/nnet/recurrent.h"]
    widths = {len(s) for s in vitis.splitlines() if "_Pragma(" in s and s.endswith("\\")}
    assert {len(s) for s in lines if s.endswith("\\")} <= widths
