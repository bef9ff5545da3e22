"""Generate, build (cached) and run a C++ harness that evaluates conformance records with the
compat headers in ``nnet_cpp/compat``.

Records are grouped by (op, types): one C++ function per group, compiled against our
``ap_fixed.h`` (or, for the ac vectors, ``ac_fixed.h``: ``headers``); the records themselves are passed at run time as a binary table (raw bits /
double bits / shift amount), and the harness writes raw result words back.  Nothing about a
record's expected value is compiled in, so any vectors file of the documented format works.

The executable is cached under ``<repo>/.pytest_cache/compat_harness/<key>/`` where the key
hashes the headers, this generator, the vectors file and the compiler flags.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPAT_DIR = REPO_ROOT / "nnet_cpp" / "compat"
CACHE_ROOT = REPO_ROOT / ".pytest_cache" / "compat_harness"
CXX = os.environ.get("CXX", "g++")
CXXFLAGS = ["-std=c++17", "-O0", "-w", "-fno-exceptions", "-fno-asynchronous-unwind-tables"]
N_TUS = 8  # translation units, compiled in parallel
KEEP_CACHED = 6  # harness builds kept (least recently used are removed)
MASK64 = (1 << 64) - 1

# Binary record layout shared with the C++ side (native little-endian, no padding).
REC_DTYPE = np.dtype(
    [("gid", "<u4"), ("k", "<i4"), ("a", "<u8"), ("a_hi", "<u8"), ("b", "<u8"), ("b_hi", "<u8")]
)
OUT_WORDS = 4

AP_HEADERS = ("ap_fixed.h", "ap_int.h")
AC_HEADERS = ("ac_fixed.h", "ac_int.h")

_PRELUDE = r"""
#include <cstdint>
#include <cstring>
#include <type_traits>
struct Rec { uint32_t gid; int32_t k; uint64_t a, a_hi, b, b_hi; };
typedef void (*group_fn)(const Rec*, uint64_t*);
// Raw bits in and out through the public storage member V (the bit/range API is tested
// separately); plain functions keep the number of template instantiations down.
static inline ap_detail::u128 sext(uint64_t lo, uint64_t hi, int w, bool s) {
  ap_detail::u128 v = (ap_detail::u128(hi) << 64) | lo;
  if (w < 128) {
    v &= (ap_detail::u128(1) << w) - 1;
    if (s && (v >> (w - 1) & 1)) v -= ap_detail::u128(1) << w;
  }
  return v;
}
#define FROM_RAW(T, var, word) \
  T var; var.V = (decltype(var.V))sext(r->word, r->word##_hi, T::width, T::sign_flag)
static inline void put_bits(ap_detail::u128 v, int w, uint64_t* o) {
  if (w < 128) v &= (ap_detail::u128(1) << w) - 1;
  o[0] = (uint64_t)v;
  o[1] = (uint64_t)(v >> 64);
}
#define PUT_RAW(x, o) put_bits((ap_detail::u128)(x).V, decltype(x)::width, o)
static inline double dbl(uint64_t bits) { double d; std::memcpy(&d, &bits, 8); return d; }
static inline uint64_t dbits(double d) { uint64_t b; std::memcpy(&b, &d, 8); return b; }
"""

_MAIN = r"""
#include <cstdio>
#include <cstdlib>
#include <vector>
%(decls)s
static const group_fn table[] = {%(table)s};
int main(int argc, char** argv) {
  if (argc != 3) { std::fprintf(stderr, "usage: harness in.bin out.bin\n"); return 2; }
  FILE* f = std::fopen(argv[1], "rb");
  if (!f) { std::perror(argv[1]); return 2; }
  std::fseek(f, 0, SEEK_END);
  long n = std::ftell(f) / (long)sizeof(Rec);
  std::fseek(f, 0, SEEK_SET);
  std::vector<Rec> recs(n);
  if (n && std::fread(recs.data(), sizeof(Rec), n, f) != (size_t)n) return 3;
  std::fclose(f);
  std::vector<uint64_t> out((size_t)n * %(words)d, 0);
  const uint32_t ng = sizeof(table) / sizeof(table[0]);
  for (long i = 0; i < n; ++i) {
    if (recs[i].gid >= ng) return 4;
    table[recs[i].gid](&recs[i], &out[(size_t)i * %(words)d]);
  }
  FILE* g = std::fopen(argv[2], "wb");
  if (!g) { std::perror(argv[2]); return 2; }
  std::fwrite(out.data(), sizeof(uint64_t), out.size(), g);
  std::fclose(g);
  return 0;
}
"""


def group_key(rec: dict) -> tuple:
    """The (op, types) a record's C++ code depends on."""
    op = rec["op"]
    if op == "cast":
        return (op, rec["from"], rec["to"])
    if op in _BINOP:
        return (op, rec["a_type"], rec["b_type"], rec["result_type"], rec["to"])
    if op in ("add_assign", "sub_assign", "mul_assign", "cmp"):
        return (op, rec["a_type"], rec["b_type"])
    if op in ("neg", "shl", "shr"):
        return (op, rec["a_type"], rec["result_type"])
    if op in ("to_int", "to_int64", "to_double"):
        return (op, rec["a_type"])
    raise ValueError(f"unknown conformance op {op!r}")


_BINOP = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
_ASSIGN = {"add_assign": "+=", "sub_assign": "-=", "mul_assign": "*="}


def emit_group(gid: int, key: tuple) -> str:
    """C++ source of the function evaluating one group's records."""
    op = key[0]
    lines = [f"void g{gid}(const Rec* r, uint64_t* o) {{"]
    if op == "cast":
        _, src, dst = key
        lines.append(f"  typedef {dst} TO;")
        if src == "double":
            lines.append("  TO y = dbl(r->a);")
        else:
            lines += [f"  typedef {src} TA;", "  FROM_RAW(TA, x, a);", "  TO y = x;"]
        lines.append("  PUT_RAW(y, o);")
    elif op in _BINOP:
        _, ta, tb, rt, to = key
        lines += [
            f"  typedef {ta} TA;",
            f"  typedef {tb} TB;",
            f"  typedef {to} TO;",
            "  FROM_RAW(TA, a, a);",
            "  FROM_RAW(TB, b, b);",
            f"  auto res = a {_BINOP[op]} b;",
            "  PUT_RAW(res, o);",
            "  TO y = res;",
            "  PUT_RAW(y, o + 2);",
            f"  o[3] = std::is_same<decltype(res), {rt}>::value;",
        ]
    elif op in _ASSIGN or op == "cmp":
        _, ta, tb = key
        lines += [
            f"  typedef {ta} TA;",
            f"  typedef {tb} TB;",
            "  FROM_RAW(TA, a, a);",
            "  FROM_RAW(TB, b, b);",
        ]
        if op == "cmp":
            lines.append(
                "  o[0] = (a < b) | (a <= b) << 1 | (a > b) << 2 | (a >= b) << 3"
                " | (a == b) << 4 | (a != b) << 5;"
            )
        else:
            lines += [f"  a {_ASSIGN[op]} b;", "  PUT_RAW(a, o);"]
    elif op in ("neg", "shl", "shr"):
        _, ta, rt = key
        expr = {"neg": "-a", "shl": "a << r->k", "shr": "a >> r->k"}[op]
        lines += [
            f"  typedef {ta} TA;",
            "  FROM_RAW(TA, a, a);",
            f"  auto res = {expr};",
            "  PUT_RAW(res, o);",
            f"  o[3] = std::is_same<decltype(res), {rt}>::value;",
        ]
    else:
        _, ta = key
        expr = {
            "to_int": "(uint64_t)(int64_t)a.to_int()",
            "to_int64": "(uint64_t)a.to_int64()",
            "to_double": "dbits(a.to_double())",
        }[op]
        lines += [f"  typedef {ta} TA;", "  FROM_RAW(TA, a, a);", f"  o[0] = {expr};"]
    lines.append("}\n")
    return "\n".join(lines)


# ------------------------------------------------------------------------- expected words
_CMP_KEYS = ("lt", "le", "gt", "ge", "eq", "ne")


def _bits(text: str) -> int:
    return int(text, 16)


def expected_words(rec: dict) -> list[int | None]:
    """The OUT_WORDS words the harness must write for ``rec`` (None: not compared)."""
    op = rec["op"]
    exp: list[int | None] = [None] * OUT_WORDS
    if op == "cast":
        y = _bits(rec["y_bits"])
        exp[0], exp[1] = y & MASK64, y >> 64
    elif op in _BINOP:
        res = _bits(rec["result_bits"])
        exp[0], exp[1] = res & MASK64, res >> 64
        exp[2], exp[3] = _bits(rec["y_bits"]), 1
    elif op in _ASSIGN:
        res = _bits(rec["result_bits"])
        exp[0], exp[1] = res & MASK64, res >> 64
    elif op == "cmp":
        exp[0] = sum(int(bool(rec[k])) << i for i, k in enumerate(_CMP_KEYS))
    elif op in ("neg", "shl", "shr"):
        res = _bits(rec["result_bits"])
        exp[0], exp[1], exp[3] = res & MASK64, res >> 64, 1
    elif op in ("to_int", "to_int64"):
        exp[0] = int(rec["result"]) & MASK64
    elif op == "to_double":
        exp[0] = _bits(rec["result_bits"])
    return exp


def describe_words(rec: dict, words: Sequence[int]) -> str:
    """Human-readable harness output for a failure report."""
    op = rec["op"]
    w = [int(x) for x in words]
    if op == "cmp":
        return ", ".join(f"{k}={bool(w[0] >> i & 1)}" for i, k in enumerate(_CMP_KEYS))
    if op in _BINOP:
        return f"result_bits=0x{w[1] << 64 | w[0]:x} y_bits=0x{w[2]:x} type_ok={bool(w[3])}"
    if op in ("neg", "shl", "shr"):
        return f"result_bits=0x{w[1] << 64 | w[0]:x} type_ok={bool(w[3])}"
    if op in ("to_int", "to_int64"):
        return f"result={w[0] - (1 << 64) if w[0] >> 63 else w[0]}"
    if op == "to_double":
        return f"result_bits=0x{w[0]:016x} ({struct.unpack('<d', struct.pack('<Q', w[0]))[0]!r})"
    return f"bits=0x{w[0]:x}"


def _input_words(rec: dict) -> tuple[int, int, int]:
    """(a, b, k) inputs of a record (a and b: raw bit patterns of up to 128 bits)."""
    op = rec["op"]
    if op == "cast":
        return _bits(rec["x_bits"]), 0, 0
    b = _bits(rec["b_bits"]) if "b_bits" in rec else 0
    return _bits(rec["a_bits"]), b, int(rec.get("k", 0))


# ------------------------------------------------------------------------- build and run
@dataclass
class Harness:
    exe: Path
    groups: dict[tuple, int]
    cached: bool
    build_seconds: float
    compile_log: list[str] = field(default_factory=list)


def _prelude(headers: Sequence[str]) -> str:
    return "".join(f'#include "{name}"\n' for name in headers) + _PRELUDE


def _cache_key(keys: Sequence[tuple], vectors_file: Path | None, headers: Sequence[str]) -> str:
    h = hashlib.sha256()
    h.update(repr(tuple(headers)).encode())
    for path in sorted(COMPAT_DIR.glob("*.h")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    h.update(Path(__file__).read_bytes())
    h.update(" ".join([CXX, *CXXFLAGS, str(N_TUS)]).encode())
    try:
        h.update(subprocess.run([CXX, "--version"], capture_output=True, text=True).stdout.encode())
    except OSError:
        pass
    if vectors_file is not None:
        h.update(vectors_file.read_bytes())
    else:
        h.update(repr(list(keys)).encode())
    return h.hexdigest()[:24]


def _compile(args: list[str], cwd: Path) -> str:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"harness compile failed: {' '.join(args)}\n{proc.stderr[:20000]}")
    return proc.stderr


def build(
    cases: Sequence[dict],
    vectors_file: Path | None = None,
    jobs: int | None = None,
    headers: Sequence[str] = AP_HEADERS,
) -> Harness:
    """Generate and compile (or reuse from the cache) the harness for ``cases``, whose types
    come from the compat ``headers`` (``AP_HEADERS`` or ``AC_HEADERS``)."""
    groups: dict[tuple, int] = {}
    for rec in cases:
        groups.setdefault(group_key(rec), len(groups))
    keys = list(groups)
    key = _cache_key(keys, vectors_file, headers)
    out_dir = CACHE_ROOT / key
    exe = out_dir / "harness"
    if exe.is_file():
        os.utime(out_dir)  # mark as recently used
        return Harness(exe, groups, True, 0.0)

    t0 = time.perf_counter()
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=CACHE_ROOT))
    try:
        n_tus = max(1, min(N_TUS, len(keys)))
        sources = []
        for t in range(n_tus):
            body = [_prelude(headers)]
            body += [emit_group(gid, k) for gid, k in enumerate(keys) if gid % n_tus == t]
            src = work / f"groups_{t}.cpp"
            src.write_text("".join(body))
            sources.append(src)
        decls = "".join(f"void g{gid}(const Rec*, uint64_t*);\n" for gid in range(len(keys)))
        table = ",".join(f"g{gid}" for gid in range(len(keys)))
        main = work / "main.cpp"
        main.write_text(
            _prelude(headers) + _MAIN % {"decls": decls, "table": table, "words": OUT_WORDS}
        )
        sources.append(main)

        inc = ["-I", str(COMPAT_DIR)]
        jobs = jobs or os.cpu_count() or 1
        logs = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            futs = [
                pool.submit(
                    _compile, [CXX, *CXXFLAGS, *inc, "-c", s.name, "-o", s.stem + ".o"], work
                )
                for s in sources
            ]
            logs = [f.result() for f in futs]
        objs = [s.stem + ".o" for s in sources]
        _compile([CXX, *objs, "-o", "harness"], work)
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp_exe = out_dir / f"harness.tmp{os.getpid()}"
        shutil.copy2(work / "harness", tmp_exe)
        os.replace(tmp_exe, exe)  # atomic: concurrent runs see a complete file or none
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _prune_cache(keep=out_dir)
    return Harness(exe, groups, False, time.perf_counter() - t0, logs)


def _prune_cache(keep: Path) -> None:
    """Remove all but the KEEP_CACHED most recently used harness builds."""
    entries = [p for p in CACHE_ROOT.iterdir() if p.is_dir() and not p.name.startswith("build-")]
    entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP_CACHED:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def run(harness: Harness, cases: Sequence[dict]) -> np.ndarray:
    """Evaluate ``cases``; returns an (n, OUT_WORDS) uint64 array."""
    recs = np.zeros(len(cases), dtype=REC_DTYPE)
    for i, rec in enumerate(cases):
        a, b, k = _input_words(rec)
        recs[i] = (harness.groups[group_key(rec)], k, a & MASK64, a >> 64, b & MASK64, b >> 64)
    with tempfile.TemporaryDirectory(prefix="compat-run-") as tmp:
        inp, outp = Path(tmp) / "in.bin", Path(tmp) / "out.bin"
        recs.tofile(inp)
        proc = subprocess.run(
            [str(harness.exe), str(inp), str(outp)], capture_output=True, text=True
        )
        if proc.returncode != 0:
            raise RuntimeError(f"harness failed (exit {proc.returncode}):\n{proc.stderr[-5000:]}")
        out = np.fromfile(outp, dtype="<u8")
    return out.reshape(len(cases), OUT_WORDS)


def compare(cases: Sequence[dict], out: np.ndarray) -> list[tuple[int, list[int | None]]]:
    """Indices (and expected words) of the records whose harness output differs."""
    bad = []
    for i, rec in enumerate(cases):
        exp = expected_words(rec)
        row = out[i]
        if any(e is not None and int(row[j]) != e for j, e in enumerate(exp)):
            bad.append((i, exp))
    return bad


def check_vectors(
    cases: Sequence[dict],
    vectors_file: Path,
    headers: Sequence[str],
    kind_of: Callable[[dict], str],
    max_shown: int = 8,
) -> tuple[str, str | None]:
    """Build (or reuse) the harness for ``cases``, run and compare every record.

    Returns a per-kind table (``kind_of(rec)`` groups the rows) and, if any record differs, a
    failure message showing the first ``max_shown`` of them (else None)."""
    t0 = time.perf_counter()
    harness = build(cases, vectors_file, headers=headers)
    t_build = time.perf_counter() - t0
    out = run(harness, cases)
    bad = compare(cases, out)

    total = Counter(kind_of(rec) for rec in cases)
    failed = Counter(kind_of(cases[i]) for i, _ in bad)
    width = max(len(k) for k in total)
    lines = [f"{'op':<{width}}  {'pass':>7} / {'total':<7}"]
    for kind in sorted(total):
        lines.append(f"{kind:<{width}}  {total[kind] - failed[kind]:>7} / {total[kind]:<7}")
    lines.append(f"{'all':<{width}}  {len(cases) - len(bad):>7} / {len(cases):<7}")
    origin = "cached" if harness.cached else f"built in {harness.build_seconds:.1f} s"
    lines.append(f"harness: {len(harness.groups)} groups, {origin} (total {t_build:.1f} s)")
    report = "\n".join(lines)
    if not bad:
        return report, None
    shown = []
    for i, exp in bad[:max_shown]:
        exp_words = [f"0x{e:x}" if e is not None else "-" for e in exp]
        shown.append(
            f"{cases[i]}\n    expected words {exp_words}\n"
            f"    got: {describe_words(cases[i], out[i])}"
        )
    failure = (
        f"{len(bad)} of {len(cases)} records differ from the reference\n{report}\n\n"
        "first failures:\n" + "\n".join(shown)
    )
    return report, failure
