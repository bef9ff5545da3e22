"""The compat ac headers' C++ API beyond the conformance vectors: result types, conversions,
compound assignment, comparisons, shifts, slices and bit access, ``ac_channel``
(``cpp/ac_api_checks.cpp``, strict warnings, ap headers in the same program), every mode
combination compiled with conversion warnings on, and the static_assert messages of
unsupported widths."""

from __future__ import annotations

import subprocess

import pytest
from test_compat_api import CPP, CXX, STRICT, build, compile_cpp

pytestmark = pytest.mark.skipif(CXX is None, reason="needs g++")

Q_MODES = ["AC_TRN", "AC_RND", "AC_TRN_ZERO", "AC_RND_ZERO", "AC_RND_INF", "AC_RND_MIN_INF"]
Q_MODES += ["AC_RND_CONV", "AC_RND_CONV_ODD"]
O_MODES = ["AC_WRAP", "AC_SAT", "AC_SAT_ZERO", "AC_SAT_SYM"]


@pytest.mark.parametrize("std", ["c++17", "c++20"])
def test_ac_api_checks(tmp_path, std):
    exe = build(CPP / "ac_api_checks.cpp", tmp_path / "api", [f"-std={std}", "-O1", *STRICT])
    proc = subprocess.run([str(exe)], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "OK", proc.stdout + proc.stderr


def test_empty_channel_read_fails_loudly(tmp_path):
    src = (
        '#include "ac_channel.h"\n#include "ac_int.h"\n'
        "int main() {\n  ac_channel<ac_int<8> > ch;\n  return ch.read().to_int();\n}\n"
    )
    exe = tmp_path / "empty"
    proc = compile_cpp(src, exe, ["-std=c++17", *STRICT])
    assert proc.returncode == 0, proc.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True)
    assert run.returncode != 0
    assert "ERROR: ac_channel: read from empty channel" in run.stderr


def _all_modes_source() -> str:
    blocks = []
    sizes = ((10, 3, 12, 4), (40, 10, 8, 2), (64, 50, 60, -3))
    for s1 in ("true", "false"):
        for q in Q_MODES:
            for o in O_MODES:
                w1, i1, w2, i2 = sizes[len(blocks) % 3]  # the sizes in turn
                s2 = "false" if s1 == "true" else "true"
                blocks.append(
                    f"""  {{
typedef ac_fixed<{w1}, {i1}, {s1}, {q}, {o}> A;
typedef ac_fixed<{w2}, {i2}, {s2}, {q}, {o}> B;
A x = 1.5; B y = x; y = 2.25; y = 3; y = 3u; y = -2L; y = x * ac_int<4>(2);
y += x; y -= x; y *= 2; y += 1; y -= ac_int<3, false>(1);
ac_int<{w2}> i = x.to_ac_int(); ac_int<{w2}, false> u = 7; i += u; u -= i; i = u / 3;
u = i % 5; i = i & u; u = u | 3; i ^= 1;
bool c = (x < y) || (x >= y) || (x == 1) || (y != 2.0) || (i > u) || (u <= 0) || (x < i);
sink += y.to_double() + x.to_int() + double(y.to_int64()) + y.to_uint() + c
     + (x >> 1).to_double() + (-y).to_double() + i.to_double() + double(u.to_int64())
     + double((i << 2).to_int64()) + x.slc<3>(1).to_int();
  }}"""
                )
    return (
        '#include "ac_fixed.h"\n#include <cstdio>\n'
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


WIDTH_MSG = "width W must be in 1..128 in fpga-export's compat headers"


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("ac_fixed<0, 0> x;", f"ac_fixed: {WIDTH_MSG}"),
        ("ac_fixed<129, 5, false> x;", f"ac_fixed: {WIDTH_MSG}"),
        ("ac_int<0> x;", f"ac_int: {WIDTH_MSG}"),
        ("ac_int<200, false> x;", f"ac_int: {WIDTH_MSG}"),
        ("auto x = ac_fixed<100, 50>() * ac_fixed<40, 20>();", f"ac_fixed: {WIDTH_MSG}"),
    ],
)
def test_unsupported_widths_fail_with_readable_static_assert(tmp_path, snippet, message):
    src = f'#include "ac_fixed.h"\nint main() {{\n  {snippet}\n  (void)x;\n  return 0;\n}}\n'
    proc = compile_cpp(src, tmp_path / "a.out", ["-std=c++17", "-fsyntax-only"])
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, proc.stderr  # the static_assert, and nothing cascading
    assert f"static assertion failed: {message}" in errors[0]
