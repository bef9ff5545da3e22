"""API parity: one C++ program compiled against our ac headers and against the Algorithmic C
reference headers (``shared/vendor/ac_types/include``: third-party, Apache-2.0, used here and
never copied) prints the same lines.

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

import pytest

from conformance import find_shared

HERE = Path(__file__).resolve().parent
COMPAT_DIR = HERE.parents[1] / "nnet_cpp" / "compat"
CACHE = HERE.parents[1] / ".pytest_cache" / "ac_parity"
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
