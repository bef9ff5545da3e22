"""Our compat ac types construct in constant expressions with exactly the run-time bits.

The oneapi backend declares weights and tables ``static constexpr`` (device code needs them
constant-initialized), so a value converted at compile time must equal the csim's run-time
conversion. Every ``cast`` record of the ac conformance vectors (double, ac_int and ac_fixed
sources; every quantization and overflow mode) is converted twice in one C++ program: into a
``static constexpr`` array (which fails to compile if a conversion is not a constant
expression) and at run time from a ``volatile`` input. Both raw patterns must equal the
reference's."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compat_harness  # noqa: E402

from conformance import AC_CASES, load_cases  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which(compat_harness.CXX) is None, reason="needs g++")

MASK64 = (1 << 64) - 1

PRELUDE = r"""
#include <cstdint>
#include <cstdio>
#include <cstring>
#include "ac_fixed.h"
#include "ac_int.h"
typedef ap_detail::u128 u128;
// a type's value from its raw bit pattern (lo, hi words), usable in constant expressions
template <class T>
constexpr T from_bits(uint64_t lo, uint64_t hi) {
  u128 v = (u128(hi) << 64) | lo;
  if (T::width < 128) {
    v &= (u128(1) << T::width) - 1;
    if (T::sign_flag && (v >> (T::width - 1) & 1)) v -= u128(1) << T::width;
  }
  T x;
  x.V = (decltype(x.V))v;
  return x;
}
template <class T>
void put(const T& x) {
  u128 v = (u128)x.V;
  if (T::width < 128) v &= (u128(1) << T::width) - 1;
  std::printf(" %llx %llx", (unsigned long long)v, (unsigned long long)(v >> 64));
}
static double dbl(uint64_t bits) { double d; std::memcpy(&d, &bits, 8); return d; }
"""


def _input(rec: dict) -> tuple[int, int]:
    x = int(rec["x_bits"], 16)
    return x & MASK64, x >> 64


def _group(gid: int, src: str, dst: str, recs: list[dict]) -> str:
    """One (source, target) type pair: constexpr and run-time conversions of its records."""
    words = [_input(r) for r in recs]
    if src == "double":
        convert = [f"TO(__builtin_bit_cast(double, 0x{lo:x}ull))" for lo, _ in words]
        at_run_time = "TO y = dbl(lo);"
    else:
        convert = [f"TO(from_bits<TA>(0x{lo:x}ull, 0x{hi:x}ull))" for lo, hi in words]
        at_run_time = "TO y = from_bits<TA>(lo, hi);"
    ins = ", ".join(f"0x{lo:x}ull, 0x{hi:x}ull" for lo, hi in words)
    return "\n".join(
        [
            f"void g{gid}() {{",
            f"  typedef {dst} TO;",
            f"  typedef {'double' if src == 'double' else src} TA;",
            f"  static constexpr TO fixed_at_compile_time[] = {{{', '.join(convert)}}};",
            f"  static const uint64_t in[] = {{{ins}}};",
            f"  for (unsigned i = 0; i < {len(recs)}; ++i) {{",
            "    volatile uint64_t lo_v = in[2 * i], hi_v = in[2 * i + 1];",
            "    const uint64_t lo = lo_v, hi = hi_v;",
            "    (void)hi;",
            f"    {at_run_time}",
            "    put(fixed_at_compile_time[i]);",
            "    put(y);",
            '    std::printf("\\n");',
            "  }",
            "}",
            "",
        ]
    )


def test_constexpr_conversions_equal_run_time_and_reference(tmp_path):
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for rec in load_cases(AC_CASES, "cast"):
        if rec["to"].startswith("ac_fixed") or rec["to"].startswith("ac_int"):
            groups[(rec["from"], rec["to"])].append(rec)
    assert sum(map(len, groups.values())) > 40000, "the ac cast records were not loaded"
    order = [rec for recs in groups.values() for rec in recs]
    n_tus = 2  # compiled in parallel (about 14 s of g++ in all)
    sources = []
    for t in range(n_tus):
        body = [PRELUDE]
        body += [_group(i, s, d, recs) for i, ((s, d), recs) in enumerate(groups.items())
                 if i % n_tus == t]  # fmt: skip
        sources.append(tmp_path / f"casts_{t}.cpp")
        sources[-1].write_text("\n".join(body))
    calls = "".join(f"void g{i}();\n" for i in range(len(groups)))
    calls += "int main() {\n" + "".join(f"  g{i}();\n" for i in range(len(groups))) + "}\n"
    sources.append(tmp_path / "main.cpp")
    sources[-1].write_text(calls)
    flags = ["-std=c++17", "-O0", "-w", "-I", str(compat_harness.COMPAT_DIR)]
    builds = [
        subprocess.Popen([compat_harness.CXX, *flags, "-c", str(src), "-o", f"{src}.o"],
                         stderr=subprocess.PIPE, text=True)
        for src in sources
    ]  # fmt: skip
    for proc in builds:
        _, err = proc.communicate()
        assert proc.returncode == 0, err[:5000]
    exe = tmp_path / "constexpr_casts"
    objs = [f"{src}.o" for src in sources]
    link = subprocess.run(
        [compat_harness.CXX, *objs, "-o", str(exe)], capture_output=True, text=True
    )
    assert link.returncode == 0, link.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    rows = run.stdout.splitlines()
    assert len(rows) == len(order)
    bad = []
    for rec, row in zip(order, rows, strict=True):
        c_lo, c_hi, r_lo, r_hi = (int(w, 16) for w in row.split())
        want = int(rec["y_bits"], 16)
        if (c_hi << 64 | c_lo) != want or (r_hi << 64 | r_lo) != want:
            bad.append(
                f"{rec}: constexpr 0x{c_hi << 64 | c_lo:x}, run time 0x{r_hi << 64 | r_lo:x}"
            )
    assert not bad, f"{len(bad)} of {len(order)} conversions differ:\n" + "\n".join(bad[:8])
