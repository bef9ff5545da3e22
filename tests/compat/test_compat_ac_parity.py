"""API parity: one C++ program compiled against our ac headers and against the Algorithmic C
reference headers (``shared/vendor/ac_types/include``: third-party, Apache-2.0, used here and
never copied) prints the same lines.  A second program converts every raw value of small
ac_fixed types into other ac_fixed types (all modes, I and F near each other, where the
reference's shortcuts live); ours, the reference and fpga_export.types must agree.

The program (``cpp/ac_parity.h`` plus a generated ``main``) runs every operator, conversion,
slice and bit access a layer library uses on a seeded sample of ``ac_fixed``/``ac_int`` types
(all rounding and overflow modes, I < 0 and I > W) and values, and ``ac_channel``; values are
printed as bit strings and types by ``type_name()``, so result types are compared too.

Each side's output is cached under ``<repo>/.pytest_cache/ac_parity/`` by a hash of the
program, the headers it includes and the compiler: the slow reference build runs once, ours
again whenever our headers change.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from conformance import bits_to_raw, find_shared
from fpga_export.types import FixedType

HERE = Path(__file__).resolve().parent
COMPAT_DIR = HERE.parents[1] / "nnet_cpp" / "compat"
CACHE = HERE.parents[1] / ".pytest_cache" / "ac_parity"
KEEP_CACHED = 8  # outputs kept (most recently written)
REFERENCE = find_shared("shared/vendor/ac_types/include")
CXX = shutil.which("g++")

pytestmark = [
    pytest.mark.vendor,
    pytest.mark.skipif(CXX is None, reason="needs g++"),
    pytest.mark.skipif(
        REFERENCE is None,
        reason="reference headers not found: no ancestor of the repository (or of the one it "
        "was cloned from) holds shared/vendor/ac_types/include",
    ),
]

Q_MODES = ["AC_TRN", "AC_RND", "AC_TRN_ZERO", "AC_RND_ZERO", "AC_RND_INF", "AC_RND_MIN_INF"]
Q_MODES += ["AC_RND_CONV", "AC_RND_CONV_ODD"]
O_MODES = ["AC_WRAP", "AC_SAT", "AC_SAT_ZERO", "AC_SAT_SYM"]
N_FIXED = 48
N_INT = 16


def _fixed_type(rng: random.Random) -> tuple[str, float, float]:
    """A random ac_fixed spelling, its LSB and its largest magnitude."""
    w = rng.randint(1, 36)
    i = rng.randint(-4, w + 4)
    s = rng.choice(["true", "false"])
    lsb = 2.0 ** (i - w)
    return f"ac_fixed<{w},{i},{s},{rng.choice(Q_MODES)},{rng.choice(O_MODES)}>", lsb, 2.0**i


def _value(rng: random.Random, lsb: float, top: float) -> float:
    kind = rng.randrange(3)
    if kind == 0:  # an exact tie of the type's grid, maybe just out of range
        return (rng.randint(-(2**20), 2**20) + 0.5) * lsb
    if kind == 1:
        return rng.uniform(-1.3, 1.3) * top
    return rng.choice([0.0, top, -top, top - lsb / 2, -top - lsb / 2, lsb / 2, -lsb / 2])


def parity_source(seed: int = 16) -> str:
    rng = random.Random(seed)
    calls = []
    for _ in range(N_FIXED):
        (a, lsb, top), (b, lsb_b, top_b), (to, _, _) = (_fixed_type(rng) for _ in range(3))
        for _ in range(2):
            x, y = _value(rng, lsb, top), _value(rng, lsb_b, top_b)
            calls.append(f"  fixed_case<{a}, {b}, {to} >({x!r}, {y!r});")
    for _ in range(N_INT):
        w1, w2 = rng.randint(2, 40), rng.randint(2, 40)
        s1, s2 = rng.choice(["true", "false"]), rng.choice(["true", "false"])
        for _ in range(2):
            x, y = rng.randint(-(2**w1), 2**w1), rng.randint(-(2**w2), 2**w2)
            calls.append(f"  int_case<{w1}, {s1}, {w2}, {s2}>({x}LL, {y}LL);")
    body = "\n".join(calls)
    return f'#include "ac_parity.h"\nint main() {{\n{body}\n  channel_case();\n  return 0;\n}}\n'


def _output(source: str, include: Path, work: Path) -> list[str]:
    """The program's output lines when compiled against ``include`` (cached)."""
    args = [CXX, "-std=c++17", "-O0", "-w", "-I", str(HERE / "cpp"), "-I", str(include)]
    h = hashlib.sha256(source.encode() + " ".join(args[:4]).encode())
    h.update(subprocess.run([CXX, "--version"], capture_output=True, text=True).stdout.encode())
    for path in sorted([*include.glob("*.h"), *(HERE / "cpp").glob("ac_parity*.h")]):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    cached = CACHE / f"{h.hexdigest()[:24]}.txt"
    if cached.is_file():
        os.utime(cached)  # recently used
        return cached.read_text().splitlines()
    src, exe = work / "parity.cpp", work / "parity"
    src.write_text(source)
    proc = subprocess.run([*args, str(src), "-o", str(exe)], capture_output=True, text=True)
    assert proc.returncode == 0, f"compile against {include} failed:\n{proc.stderr[:5000]}"
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(run.stdout)
    os.replace(tmp, cached)  # atomic: a concurrent run sees a complete file or none
    outputs = sorted(CACHE.glob("*.txt"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in outputs[KEEP_CACHED:]:  # older header versions
        old.unlink(missing_ok=True)
    return run.stdout.splitlines()


def test_same_output_as_reference(tmp_path):
    source = parity_source()
    jobs = [(COMPAT_DIR, tmp_path / "ours"), (REFERENCE, tmp_path / "reference")]
    for _, work in jobs:
        work.mkdir()
    with ThreadPoolExecutor(max_workers=2) as pool:
        ours, ref = pool.map(lambda job: _output(source, *job), jobs)
    assert len(ref) > 3000
    diffs = [(k, o, r) for k, (o, r) in enumerate(zip(ours, ref, strict=True)) if o != r]
    shown = "\n".join(f"line {k}: ours {o!r}\n        ref  {r!r}" for k, o, r in diffs[:10])
    assert not diffs, f"{len(diffs)} of {len(ref)} lines differ:\n{shown}"


N_CAST_PAIRS = 160
CAST_PROGRAM = """#include <cstdio>
#include "ac_fixed.h"
template <class A, class B>
void run(const char* a_name, const char* b_name) {
  for (long long r = 0; r < (1LL << A::width); ++r) {
    A a;
    a.set_slc(0, ac_int<A::width, false>(r));
    B b = a;
    std::printf("%s %s %lld ", a_name, b_name, r);
    for (int i = B::width - 1; i >= 0; --i) std::putchar(b[i] ? '1' : '0');
    std::putchar('\\n');
  }
}
int main() {
"""


def cast_pairs(seed: int = 7) -> list[tuple[str, str]]:
    """(source, target) ac_fixed spellings: small widths; half of them with the same I and
    signedness and at least the source's fraction bits, often both AC_SAT_SYM."""
    rng = random.Random(seed)
    pairs = []
    for k in range(N_CAST_PAIRS):
        w, i = rng.randint(1, 8), rng.randint(-3, 11)
        s = rng.choice(["true", "false"])
        a = f"ac_fixed<{w},{i},{s},{rng.choice(Q_MODES)},{rng.choice(O_MODES)}>"
        if k % 2:
            o = "AC_SAT_SYM" if k % 4 == 1 else rng.choice(O_MODES)
            o_a = "AC_SAT_SYM" if k % 4 == 1 else rng.choice(O_MODES)
            a = f"ac_fixed<{w},{i},{s},{rng.choice(Q_MODES)},{o_a}>"
            b = f"ac_fixed<{w + rng.randint(0, 2)},{i},{s},{rng.choice(Q_MODES)},{o}>"
        else:
            w2 = rng.randint(1, 10)
            b = f"ac_fixed<{w2},{rng.randint(-3, w2 + 3)},{rng.choice(['true', 'false'])},"
            b += f"{rng.choice(Q_MODES)},{rng.choice(O_MODES)}>"
        pairs.append((a, b))
    return pairs


def test_small_casts_exhaustively_as_reference(tmp_path):
    calls = "".join(f'  run<{a}, {b} >("{a}", "{b}");\n' for a, b in cast_pairs())
    source = CAST_PROGRAM + calls + "  return 0;\n}\n"
    jobs = [(COMPAT_DIR, tmp_path / "ours"), (REFERENCE, tmp_path / "reference")]
    for _, work in jobs:
        work.mkdir()
    with ThreadPoolExecutor(max_workers=2) as pool:
        ours, ref = pool.map(lambda job: _output(source, *job), jobs)
    assert len(ref) > 10000
    assert ours == ref
    rows: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for line in ref:
        a, b, r, bits = line.split()
        src, dst = FixedType.parse(a), FixedType.parse(b)
        raw = bits_to_raw(hex(int(r)), src.width, src.signed)
        rows.setdefault((a, b), []).append(
            (raw, bits_to_raw(hex(int(bits, 2)), dst.width, dst.signed))
        )
    bad = []
    for (a, b), pairs in rows.items():
        raws = np.array([r for r, _ in pairs], dtype=np.int64)
        got = FixedType.parse(b).cast_raw(raws, a)
        bad += [(a, b, r, w, int(g)) for (r, w), g in zip(pairs, got, strict=True) if g != w]
    assert not bad, f"{len(bad)} casts differ from the reference, first: {bad[:5]}"
