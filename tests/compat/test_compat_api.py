"""The compat headers' C++ API beyond the conformance vectors: result types, conversions,
compound assignment, comparisons, shifts, bit/range access (``cpp/api_checks.cpp``), typical
layer code compiled with ``-Wall -Wextra`` (``cpp/layer_like.cpp``), ``hls::stream``
(``cpp/stream_checks.cpp``) and the static_assert messages of unsupported types.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CPP = HERE / "cpp"
COMPAT_DIR = HERE.parents[1] / "nnet_cpp" / "compat"
CXX = shutil.which("g++")

pytestmark = pytest.mark.skipif(CXX is None, reason="needs g++")

STRICT = ["-Wall", "-Wextra", "-pedantic", "-Werror"]


def compile_cpp(source: Path | str, out: Path, flags: list[str]) -> subprocess.CompletedProcess:
    args = [CXX, *flags, "-I", str(COMPAT_DIR), "-o", str(out)]
    if isinstance(source, Path):
        args.append(str(source))
        return subprocess.run(args, capture_output=True, text=True)
    return subprocess.run([*args, "-x", "c++", "-"], input=source, capture_output=True, text=True)


def build(source: Path, out: Path, flags: list[str]) -> Path:
    proc = compile_cpp(source, out, flags)
    assert proc.returncode == 0, f"compile failed:\n{proc.stderr}"
    assert proc.stderr == "", f"compiler warnings:\n{proc.stderr}"
    return out


@pytest.mark.parametrize("std", ["c++17", "c++20"])
def test_api_checks(tmp_path, std):
    exe = build(CPP / "api_checks.cpp", tmp_path / "api", [f"-std={std}", "-O1", *STRICT])
    proc = subprocess.run([str(exe)], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "OK", proc.stdout + proc.stderr


def test_layer_like_code_compiles_cleanly_and_runs(tmp_path):
    # -Wno-unknown-pragmas: the layer code carries '#pragma HLS', which g++ does not know.
    flags = ["-std=c++17", "-O2", *STRICT, "-Wno-unknown-pragmas"]
    exe = build(CPP / "layer_like.cpp", tmp_path / "layer", flags)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [
        "h0=1.1875 r0=1.1875 y0=0.765625",
        "h1=1.28125 r1=1.28125 y1=0.78125",
        "h2=1.3125 r2=1.3125 y2=0.789062",
        "idx=1004",
        "first=1 size=3 empty=1",
        "cnt=10 u=200 flag=1 d=-1.25 f=-1.25 neg=1.25 half=1 sum=0.25 sign=1 raw=0",
    ]


Q_MODES = ["AP_RND", "AP_RND_ZERO", "AP_RND_MIN_INF", "AP_RND_INF", "AP_RND_CONV", "AP_TRN"]
Q_MODES += ["AP_TRN_ZERO"]
O_MODES = ["AP_SAT", "AP_SAT_ZERO", "AP_SAT_SYM", "AP_WRAP"]


def _all_modes_source() -> str:
    """Every (signedness, Q, O) pair through the conversion and operator paths."""
    blocks = []
    for s1 in ("true", "false"):
        for s2 in ("true", "false"):
            for q in Q_MODES:
                for o in O_MODES:
                    for w1, i1, w2, i2 in ((10, 3, 12, 4), (40, 10, 8, 2), (100, 50, 70, -3)):
                        blocks.append(
                            f"""  {{
    typedef ap_fixed_base<{w1}, {i1}, {s1}, {q}, {o}> A;
    typedef ap_fixed_base<{w2}, {i2}, {s2}, {q}, {o}> B;
    A x = 1.5; B y = x; y = 2.25; y = 3; y = 3u; y = -2L; y = x * ap_int<4>(2);
    y += x; y -= x; y *= 2; y /= 3; y += 1; y -= 0.5;
    ap_int<{w2}> i = x; ap_uint<{w2}> u = y; i += u; u -= i; i = u / 3; u = i % 5;
    i = i & u; u = u | 3; i ^= 1;
    bool c = (x < y) || (x >= y) || (x == 1) || (y != 2.0) || (i > u) || (u <= 0) || (x < i);
    sink += y.to_double() + x.to_float() + y.to_int() + double(y.to_int64()) + y.to_uint()
         + c + (x >> 1).to_double() + (-y).to_double() + i.to_double() + double(u)
         + double((i << 2).to_int64());
  }}"""
                        )
    return (
        '#include "ap_fixed.h"\n#include "ap_int.h"\n#include <cstdio>\n'
        "static double sink = 0;\nint main() {\n"
        + "\n".join(blocks)
        + '\n  std::printf("%g\\n", sink);\n  return 0;\n}\n'
    )


def test_all_modes_compile_without_warnings(tmp_path):
    """Also with -Wconversion -Wsign-conversion -Wshadow: the headers must not warn."""
    src = tmp_path / "all_modes.cpp"
    src.write_text(_all_modes_source())
    flags = ["-std=c++17", "-fsyntax-only", *STRICT, "-Wconversion", "-Wsign-conversion"]
    build(src, tmp_path / "all_modes", [*flags, "-Wshadow"])


@pytest.fixture(scope="module")
def stream_exe(tmp_path_factory):
    out = tmp_path_factory.mktemp("stream") / "stream"
    return build(CPP / "stream_checks.cpp", out, ["-std=c++17", "-O1", *STRICT])


def test_stream_behaviour(stream_exe):
    proc = subprocess.run([str(stream_exe)], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "OK", proc.stdout + proc.stderr


def test_stream_empty_read_fails_loudly(stream_exe):
    proc = subprocess.run([str(stream_exe), "empty-read"], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "read returned" not in proc.stdout
    assert "hls::stream 'layer2_in': read while empty" in proc.stderr


def test_stream_empty_read_throws(stream_exe):
    proc = subprocess.run([str(stream_exe), "catch"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stdout.strip() == "caught: hls::stream 'caught_stream': read while empty"


WIDTH_MSG = "width W must be in 1..128 in fpga-export's compat headers"


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("ap_fixed<0, 0> x;", f"ap_fixed: {WIDTH_MSG}"),
        ("ap_fixed<129, 5> x;", f"ap_fixed: {WIDTH_MSG}"),
        ("ap_ufixed<200, 5> x;", f"ap_fixed: {WIDTH_MSG}"),
        ("ap_int<0> x;", f"ap_int: {WIDTH_MSG}"),
        ("ap_uint<129> x;", f"ap_int: {WIDTH_MSG}"),
        ("auto x = ap_fixed<100, 50>() * ap_fixed<40, 20>();", f"ap_fixed: {WIDTH_MSG}"),
        (
            "ap_fixed<8, 3, AP_TRN, AP_SAT, 2> x;",
            "ap_fixed: saturation bits N != 0 are not supported by fpga-export's compat headers",
        ),
        (
            "ap_fixed<8, 3, AP_TRN, AP_WRAP_SM> x;",
            "ap_fixed: overflow mode AP_WRAP_SM is not supported by fpga-export's compat headers",
        ),
    ],
)
def test_unsupported_types_fail_with_readable_static_assert(tmp_path, snippet, message):
    src = f'#include "ap_fixed.h"\nint main() {{\n  {snippet}\n  (void)x;\n  return 0;\n}}\n'
    proc = compile_cpp(src, tmp_path / "a.out", ["-std=c++17", "-fsyntax-only"])
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, proc.stderr  # the static_assert, and nothing cascading
    assert f"static assertion failed: {message}" in errors[0]
