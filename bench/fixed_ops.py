"""Micro-benchmark: multiply-accumulate with our compat ``ap_fixed`` vs plain integers.

A dense-layer-like kernel: ``N_OUT`` dot products of length ``N_IN`` (16-bit inputs and
weights read from arrays filled at run time, so nothing is constant-folded), repeated.
Each ap variant has a plain-integer twin doing exactly the same arithmetic with explicit
shifts/masks; the program checks that both give the same bits, so the comparison is fair.

Run: ``.venv/bin/python bench/fixed_ops.py`` (prints a table; ``--flags`` to change -O).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPAT_DIR = REPO_ROOT / "nnet_cpp" / "compat"

SOURCE = r"""
#include "ap_fixed.h"
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

enum { N_IN = 64, N_OUT = 32 };
static volatile uint64_t sink;

typedef ap_fixed<16, 6> data_t;
typedef ap_fixed<16, 6> weight_t;
typedef ap_fixed<32, 12> accum_t;  // exact product type: no shift needed
typedef ap_fixed<24, 12> accum24_t;  // narrower accumulator: product truncated by 8 bits
typedef ap_fixed<16, 6, AP_RND, AP_SAT> result_t;

static int16_t xi[N_IN], wi[N_OUT][N_IN];
static data_t xa[N_IN];
static weight_t wa[N_OUT][N_IN];

template <class F>
static double timeit(F f, long reps, uint64_t* check) {
  auto t0 = std::chrono::steady_clock::now();
  uint64_t h = 0;
  for (long r = 0; r < reps; ++r) {
    h = h * 31 + f(r);
  }
  auto t1 = std::chrono::steady_clock::now();
  *check = h;
  sink = h;
  return std::chrono::duration<double>(t1 - t0).count();
}

// --- variant 1: accumulate the exact product in ap_fixed<32,12> (int32 twin)
__attribute__((noinline)) static uint64_t ap_mac32(long r) {
  uint64_t h = 0;
  for (int j = 0; j < N_OUT; ++j) {
    accum_t acc = int(r & 1);
    for (int i = 0; i < N_IN; ++i) acc += xa[i] * wa[j][i];
    h += uint32_t(acc.V);
  }
  return h;
}
__attribute__((noinline)) static uint64_t int_mac32(long r) {
  uint64_t h = 0;
  for (int j = 0; j < N_OUT; ++j) {
    uint32_t acc = uint32_t(r & 1) << 20;
    for (int i = 0; i < N_IN; ++i) acc += uint32_t(int32_t(xi[i]) * int32_t(wi[j][i]));
    h += acc;
  }
  return h;
}
// --- variant 2: ap_fixed<24,12> accumulator (product >> 8, wrap to 24 bits)
__attribute__((noinline)) static uint64_t ap_mac24(long r) {
  uint64_t h = 0;
  for (int j = 0; j < N_OUT; ++j) {
    accum24_t acc = int(r & 1);
    for (int i = 0; i < N_IN; ++i) acc += xa[i] * wa[j][i];
    h += uint32_t(acc.V) & 0xffffff;
  }
  return h;
}
__attribute__((noinline)) static uint64_t int_mac24(long r) {
  uint64_t h = 0;
  for (int j = 0; j < N_OUT; ++j) {
    int32_t acc = int32_t(r & 1) << 12;
    for (int i = 0; i < N_IN; ++i) {
      int32_t p = (int32_t(xi[i]) * int32_t(wi[j][i])) >> 8;
      acc = int32_t(uint32_t(acc + p) << 8) >> 8;
    }
    h += uint32_t(acc) & 0xffffff;
  }
  return h;
}
// --- variant 3: layer-like: ap_fixed<32,12> accumulation, then result_t (AP_RND, AP_SAT)
__attribute__((noinline)) static uint64_t ap_dense(long r) {
  uint64_t h = 0;
  for (int j = 0; j < N_OUT; ++j) {
    accum_t acc = int(r & 1);
    for (int i = 0; i < N_IN; ++i) acc += xa[i] * wa[j][i];
    result_t y = acc;
    h += uint16_t(y.V);
  }
  return h;
}
__attribute__((noinline)) static uint64_t int_dense(long r) {
  uint64_t h = 0;
  for (int j = 0; j < N_OUT; ++j) {
    uint32_t acc = uint32_t(r & 1) << 20;
    for (int i = 0; i < N_IN; ++i) acc += uint32_t(int32_t(xi[i]) * int32_t(wi[j][i]));
    int64_t q = (int64_t(int32_t(acc)) + (1 << 9)) >> 10;  // round half up: F 20 -> 10
    if (q > 32767) q = 32767;
    if (q < -32768) q = -32768;
    h += uint16_t(q);
  }
  return h;
}

// --- variant 4: 64-bit accumulator ap_fixed<64,24> (product << 20; int64_t twin)
typedef ap_fixed<64, 24> accum64_t;
__attribute__((noinline)) static uint64_t ap_mac64(long r) {
  uint64_t h = 0;
  for (int j = 0; j < N_OUT; ++j) {
    accum64_t acc = int(r & 1);
    for (int i = 0; i < N_IN; ++i) acc += xa[i] * wa[j][i];
    h += uint64_t(acc.V);
  }
  return h;
}
__attribute__((noinline)) static uint64_t int_mac64(long r) {
  uint64_t h = 0;
  for (int j = 0; j < N_OUT; ++j) {
    uint64_t acc = uint64_t(r & 1) << 40;
    for (int i = 0; i < N_IN; ++i)
      acc += uint64_t(int64_t(int32_t(xi[i]) * int32_t(wi[j][i]))) << 20;
    h += acc;
  }
  return h;
}

int main(int argc, char** argv) {
  long reps = argc > 1 ? std::atol(argv[1]) : 20000;
  uint32_t s = 12345;
  auto rnd = [&]() { s = s * 1103515245u + 12345u; return int16_t(s >> 16); };
  for (int i = 0; i < N_IN; ++i) {
    xi[i] = rnd();
    xa[i].V = xi[i];
  }
  for (int j = 0; j < N_OUT; ++j)
    for (int i = 0; i < N_IN; ++i) {
      wi[j][i] = rnd();
      wa[j][i].V = wi[j][i];
    }
  struct V { const char* name; uint64_t (*f)(long); uint64_t (*twin)(long); };
  V vs[] = {{"mac ap_fixed<16,6>^2 -> ap_fixed<32,12>", ap_mac32, int_mac32},
            {"mac ap_fixed<16,6>^2 -> ap_fixed<24,12>", ap_mac24, int_mac24},
            {"mac ap_fixed<16,6>^2 -> ap_fixed<64,24>", ap_mac64, int_mac64},
            {"dense: acc<32,12> -> ap_fixed<16,6,RND,SAT>", ap_dense, int_dense}};
  const double macs = double(reps) * N_IN * N_OUT;
  for (const V& v : vs) {
    uint64_t ca = 0, ci = 0;
    // warm-up and check, then interleaved timing (best of 3)
    timeit(v.f, reps / 10 + 1, &ca);
    timeit(v.twin, reps / 10 + 1, &ci);
    if (ca != ci) {
      std::printf("MISMATCH %s\n", v.name);
      return 1;
    }
    double ta = 1e30, ti = 1e30;
    for (int k = 0; k < 3; ++k) {
      double t = timeit(v.twin, reps, &ci);
      if (t < ti) ti = t;
      t = timeit(v.f, reps, &ca);
      if (t < ta) ta = t;
    }
    std::printf("%s|%.6g|%.6g\n", v.name, macs / ta, macs / ti);
  }
  return 0;
}
"""


def run(flags: list[str], reps: int) -> list[tuple[str, float, float]]:
    cxx = shutil.which("g++")
    if cxx is None:
        raise SystemExit("g++ not found")
    with tempfile.TemporaryDirectory(prefix="fixed-ops-") as tmp:
        src = Path(tmp) / "bench.cpp"
        exe = Path(tmp) / "bench"
        src.write_text(SOURCE)
        subprocess.run(
            [cxx, "-std=c++17", *flags, "-I", str(COMPAT_DIR), str(src), "-o", str(exe)],
            check=True,
        )
        out = subprocess.run([str(exe), str(reps)], check=True, capture_output=True, text=True)
    rows = []
    for line in out.stdout.splitlines():
        name, ap_rate, int_rate = line.split("|")
        rows.append((name, float(ap_rate), float(int_rate)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flags", action="append", help="g++ flags (repeatable), e.g. '-O3'")
    parser.add_argument("--reps", type=int, default=20000)
    args = parser.parse_args(argv)
    flag_sets = [f.split() for f in args.flags] if args.flags else [["-O2"], ["-O3"]]
    fw = max(6, *(len(" ".join(f)) for f in flag_sets))
    header = (
        f"{'flags':<{fw}} | {'variant':<44} | {'ap MAC/s':>9} | {'int MAC/s':>9} | ratio vs int"
    )
    print(header)
    print("-" * len(header))
    for flags in flag_sets:
        label = " ".join(flags)
        for name, ap_rate, int_rate in run(flags, args.reps):
            ratio = int_rate / ap_rate  # ap time / int time: > 1 means ap_fixed is slower
            print(
                f"{label:<{fw}} | {name:<44} | {ap_rate:>9.3g} | {int_rate:>9.3g} | {ratio:>6.2f}"
            )
    print("ratio = time with ap_fixed / time of the plain-integer twin (same bits; < 1 is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
