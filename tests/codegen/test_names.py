"""fpga_export.codegen.names: user strings made safe for C++, tcl and file names."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fpga_export.codegen.names import CPP_KEYWORDS, comment, identifier, tcl_word, top_name

AWKWARD = [
    'x\n#include <cstdlib>\nstatic int p=std::system("touch pwned");\n',
    "a\rb",
    "ends with a backslash\\",
    "trigraph ??/",
    "??=??(??)??'??<??!??>??-",
    "*/ /* // #",
    "$(touch pwned) `touch pwned`; rm -rf ~",
    "'\"",
    "\u2028\u2029\v\f\x85\x00\x1b",
    "caf\u00e9 \u202eRTL\u202c \U0001f600 \ud800",
]
LINE_BREAKS = re.compile("[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def test_comment_keeps_printable_ascii_and_escapes_the_rest():
    assert comment("dense_1 (Dense)") == "dense_1 (Dense)"
    assert comment("a\nb") == "a\\x0ab"
    assert comment("end\\") == "end\\x5c"
    assert comment("??/") == "?\\x3f/"
    assert comment("what?") == "what?"
    assert comment("caf\u00e9 \u202e \U0001f600") == "caf\\xe9 \\u202e \\U0001f600"


@settings(max_examples=500, derandomize=True)
@given(st.text() | st.sampled_from(AWKWARD))
def test_comment_text_cannot_end_or_extend_the_comment(text):
    out = comment(text)
    assert out.isascii() and out.isprintable()
    assert not LINE_BREAKS.search(out)
    assert not out.endswith("\\") and "??" not in out


@settings(max_examples=500, derandomize=True)
@given(st.text() | st.sampled_from(AWKWARD))
def test_identifier_is_a_plain_cpp_identifier(text):
    name = identifier(text)
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name)
    assert "__" not in name and name not in CPP_KEYWORDS


def test_top_name_avoids_our_files_c_macros_devices_and_taken_names():
    assert top_name("my model") == "my_model"
    assert top_name("defines") == "defines_top"  # would overwrite firmware/defines.h
    assert top_name("ap_fixed") == "ap_fixed_top"  # would shadow the type header
    assert top_name("stdout") == "stdout_top"
    assert top_name("CON") == "CON_top"
    assert top_name("dense_kernel", taken={"dense_kernel"}) == "dense_kernel_top"


@pytest.mark.skipif(shutil.which("tclsh") is None, reason="needs tclsh")
def test_tcl_word_reads_back_as_the_same_string():
    rng = random.Random(0)
    alphabet = "ab \t\n\r\\{}[]$\";#'`()?*/%&<>|=~^,.:+-_\u00e9\u202e\u2028\x00\x7f"
    texts = AWKWARD[:-1] + ["", "{", "}", "\\", "-part", "a b"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(300)]
    script = "".join(
        f"set v {tcl_word(t)}\nputs [binary encode hex [encoding convertto utf-8 $v]]\n"
        for t in texts
    )
    out = subprocess.run(["tclsh"], input=script, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[: len(texts)] == [t.encode().hex() for t in texts]


def test_tcl_word_refuses_what_tcl_cannot_hold():
    with pytest.raises(ValueError, match="Tcl 8.6 holds characters up to U\\+FFFF only"):
        tcl_word("\U0001f600")


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_awkward_sources_leave_the_firmware_clean_cpp14(tmp_path):
    """Every awkward string as a node's source (what the comments print), C++14 as Vitis HLS
    compiles it (trigraphs on), a trigraph or a comment continued by a backslash an error."""
    from fpga_export.config import ExportConfig
    from fpga_export.firmware import Firmware
    from graphs import mlp

    g = mlp((3,) * (len(AWKWARD) + 1), name="\n".join(AWKWARD))
    for node, text in zip(list(g)[1:], AWKWARD, strict=True):
        node.source = text
    fw = Firmware(g, ExportConfig(output_dir=tmp_path / "prj"))
    project = fw.write()
    standin = Path(__file__).parents[1] / "cpp_standard" / "include"
    sources = [project / "firmware" / f"{fw.name}.cpp", project / f"{fw.name}_test.cpp"]
    flags = ["-std=c++14", "-pedantic-errors", "-Werror=comment", "-Werror=trigraphs"]
    flags += ["-fsyntax-only", f"-I{standin}"]
    cmd = ["g++", *flags, f"-I{project / 'firmware'}", *map(str, sources)]
    proc = subprocess.run(cmd, cwd=project, capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prj"]
