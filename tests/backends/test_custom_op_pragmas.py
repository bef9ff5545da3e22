"""Custom ops' headers on the non-Vitis backends: their Vitis pragmas respelled by the
backend's rules like the nnet headers', refused naming the header and what to do, left as
they are inside a block the backend's macro excludes; data that is not C++ passes unchanged.
The respeller's conditional blocks (``pragma_respell.unread_lines``)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fpga_export import extend
from fpga_export.backends import catapult_pragmas, oneapi_pragmas, quartus_pragmas, vivado_pragmas
from fpga_export.backends.pragma_respell import unread_lines
from fpga_export.backends.respelled import RespelledFiles
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Graph, Node
from fpga_export.layers.input import Input
from fpga_export.project import ProjectFiles

RULES = {
    "catapult": catapult_pragmas.RULES,
    "quartus": quartus_pragmas.RULES,
    "oneapi": oneapi_pragmas.RULES,
    "vivado": vivado_pragmas.RULES,
}
BACKENDS = tuple(RULES)


class PragmaCopy(extend.CustomOp):
    """A copy through a partitioned buffer (PIPELINE, ARRAY_PARTITION and UNROLL pragmas)."""

    kind = "pragma_copy"
    header = "../custom_cpp/pragma_copy.h"

    def run(self, node, inputs):
        return extend.convert(inputs[0], node.result)

    def exact_spans(self, node, graph):
        return {"result": extend.input_span(graph, node)}


class PragmaBind(PragmaCopy):
    """x * x with a BIND_OP pragma (no form on any non-Vitis backend)."""

    kind = "pragma_bind"
    header = "../custom_cpp/pragma_bind.h"


def copy_graph(op=None) -> Graph:
    g = Graph("custom_pragmas")
    g.add(Node("x", Input(), shape=(6,)))
    g.add(Node("n0", op or PragmaCopy(), ["x"]))
    g.inputs, g.outputs = ["x"], ["n0"]
    return g


# -- custom ops' headers in a project ------------------------------------------------------
COPY_BODY = {  # the body of pragma_copy.h's function as each backend writes it
    "catapult": [
        "    data_T buf[CONFIG_T::n_in];",
        "#pragma hls_pipeline_init_interval 1",
        "Fill:",
        "    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {",
        "        buf[i] = in[i];",
        "    }",
        "    #pragma hls_unroll yes",
        "    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {",
    ],
    "quartus": [
        "    hls_register data_T buf[CONFIG_T::n_in];",
        "#pragma ii 1",
        "Fill:",
        "    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {",
        "        buf[i] = in[i];",
        "    }",
        "    #pragma unroll",
        "    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {",
    ],
    "oneapi": [
        "    [[intel::fpga_register]] data_T buf[CONFIG_T::n_in];",
        "Fill:",
        "    [[intel::initiation_interval(1)]]",
        "    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {",
        "        buf[i] = in[i];",
        "    }",
        "    #pragma unroll",
        "    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {",
    ],
    "vivado": [
        "    data_T buf[CONFIG_T::n_in];",
        "#pragma HLS ARRAY_PARTITION variable=buf complete",
        "Fill:",
        "    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {",
        "#pragma HLS PIPELINE II=1",
        "        buf[i] = in[i];",
        "    }",
        "    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {",
        "#pragma HLS UNROLL",
    ],
}

COPY_END = ["        out[i] = (res_T)buf[i];", "    }", "}", "", "#endif", ""]


@pytest.mark.parametrize("backend", BACKENDS)
def test_custom_header_is_respelled_like_the_nnet_headers(tmp_path, backend):
    out = Firmware(copy_graph(), ExportConfig(output_dir=tmp_path, backend=backend)).write()
    lines = (out / "firmware" / "custom" / "pragma_copy.h").read_text().split("\n")
    start = lines.index(
        "void pragma_copy(const data_T in[CONFIG_T::n_in], res_T out[CONFIG_T::n_out]) {"
    )
    assert lines[start + 1 :] == [*COPY_BODY[backend], *COPY_END]
    original = PragmaCopy.header_path.read_text().split("\n")
    assert lines[: start + 1] == original[: start + 1]  # as the user wrote it


def test_csim_of_a_respelled_custom_header(tmp_path):
    cfg = ExportConfig(output_dir=tmp_path, backend="quartus", precision="ac_fixed<12,4>")
    fw = Firmware(copy_graph(), cfg)
    x = np.random.default_rng(7).integers(-512, 512, (20, 6)) / 64.0
    y = fw.compile().predict(x)
    assert (y == fw.reference(x)).all() and (y == x).all()


GUARD = "remove the pragma, or keep it from the {} backend inside #ifndef {} ... #endif"
TOOL = {  # the error's "has no ..." and what to do
    "catapult": ("Catapult spelling", GUARD.format("catapult", "NNET_AC_TYPES")),
    "quartus": ("Intel HLS Compiler (i++) spelling", GUARD.format("quartus", "NNET_QUARTUS")),
    "oneapi": ("oneAPI spelling", GUARD.format("oneapi", "NNET_ONEAPI")),
    "vivado": (
        "Vivado HLS 2019.2-2020.1 spelling (#pragma HLS BIND_OP: no Vivado HLS spelling)",
        "remove the pragma",
    ),
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_pragma_without_a_form_is_refused_naming_the_custom_header(tmp_path, backend):
    tool, remedy = TOOL[backend]
    cfg = ExportConfig(output_dir=tmp_path, backend=backend)
    with pytest.raises(RULES[backend].error) as err:
        Firmware(copy_graph(PragmaBind()), cfg).write()
    assert str(err.value) == (
        "firmware/custom/pragma_bind.h line 12: '#pragma HLS BIND_OP variable=p op=mul "
        f"impl=dsp' has no {tool}; the {backend} backend cannot write the custom op "
        f"header 'pragma_bind.h' ({remedy})"
    )
    assert not (tmp_path / "firmware").exists()  # nothing written


GUARDED = "\n".join([
    "void f(int x[4]) {",
    "#ifndef NNET_AC_TYPES",
    "#pragma HLS BIND_OP variable=x op=mul impl=dsp",
    "#else",
    "#pragma HLS PIPELINE",
    "#endif",
    "    for (int i = 0; i < 4; i++) {",
    "#pragma HLS UNROLL",
    "    }",
    "}",
])  # fmt: skip


@pytest.mark.parametrize("backend", ["catapult", "quartus", "oneapi"])
def test_a_pragma_the_backend_macro_excludes_is_left_as_it_is(backend):
    files = ProjectFiles()
    RespelledFiles(files, RULES[backend]).add("firmware/custom/g.h", GUARDED.encode())
    unroll = {"catapult": "hls_unroll yes", "quartus": "unroll", "oneapi": "unroll"}[backend]
    lines = GUARDED.split("\n")
    assert files.files["firmware/custom/g.h"].decode().split("\n") == [
        *lines[:4], *lines[5:6], f"    #pragma {unroll}", *lines[6:7], *lines[8:]
    ]  # fmt: skip


def test_what_passes_unchanged():
    files = ProjectFiles()
    respelled = RespelledFiles(files, RULES["catapult"])
    pragma = b"#pragma HLS BIND_OP variable=x op=mul impl=dsp\n"
    respelled.add("firmware/weights/w.txt", pragma)  # data that is not C++
    respelled.add("csim/x.h", pragma)  # outside firmware/
    respelled.text("firmware/notes.md", pragma.decode())
    latin1 = b"// caf\xe9\n#pragma HLS INLINE\nint x;\n"  # a Latin-1 byte: kept as it was
    respelled.add("firmware/custom/l.h", latin1)
    assert files.files == {
        "firmware/weights/w.txt": pragma,
        "csim/x.h": pragma,
        "firmware/notes.md": pragma,
        "firmware/custom/l.h": b"// caf\xe9\nint x;\n",
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_rules_know_the_macros_of_the_backends_defines_h(tmp_path, backend):
    out = Firmware(copy_graph(), ExportConfig(output_dir=tmp_path, backend=backend)).write()
    defines = (out / "firmware" / "defines.h").read_text()
    flags = re.findall(r"^#define (NNET_\w+)[ \t]*(?://.*)?$", defines, re.MULTILINE)
    assert set(flags) == set(RULES[backend].defines)  # (NNET_CONST_TABLE has a value: no flag)


@pytest.mark.parametrize(
    ("text", "defines", "unread"),
    [
        ("#ifdef NNET_ONEAPI\na\n#elif defined(NNET_QUARTUS)\nb\n#else\nc\n#endif", ("NNET_QUARTUS",), {1, 5}),
        ("#ifdef NNET_ONEAPI\na\n#elif defined(NNET_QUARTUS)\nb\n#else\nc\n#endif", (), {1, 3}),
        ("#if !defined(NNET_AC_TYPES)\na\n#else\nb\n#endif", ("NNET_AC_TYPES",), {1}),
        ("#ifndef NNET_AC_TYPES\n#ifdef OTHER\na\n#endif\n#endif", ("NNET_AC_TYPES",), {2}),
        # a condition on another macro, or an expression: read as the compiler may read it
        ("#ifdef OTHER\na\n#else\nb\n#endif", ("NNET_AC_TYPES",), set()),
        ("#if defined(NNET_ONEAPI) && X\na\n#elif defined(NNET_ONEAPI)\nb\n#endif", (), set()),
        ("#ifdef NNET_ONEAPI // oneAPI\na\n#endif", (), {1}),
    ],
)  # fmt: skip
def test_unread_lines(text, defines, unread):
    assert unread_lines(text.split("\n"), defines) == unread
