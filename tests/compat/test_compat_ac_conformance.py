"""Every ap record of the conformance vectors through our C++ ``nnet_cpp/compat`` headers.

The harness (``compat_harness.py``) is generated from the vectors file at test time: one C++
function per (op, types) group, compiled with g++ against ``ap_fixed.h`` and cached under
``.pytest_cache/compat_harness/``.  Raw result bits are compared exactly, and for ``+ - *``,
unary minus and shifts the C++ result type (``decltype``) must be the reference's.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import compat_harness  # noqa: E402

from conformance import AC_CASES, conformance_dir, load_cases, op_kind  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which(compat_harness.CXX) is None, reason="needs g++")

MAX_SHOWN = 8


def test_every_ac_record_bit_exact(capsys):
    cases = list(load_cases(AC_CASES))
    assert cases, "no conformance records loaded"
    t0 = time.perf_counter()
    harness = compat_harness.build(
        cases, conformance_dir() / AC_CASES, headers=compat_harness.AC_HEADERS
    )
    t_build = time.perf_counter() - t0
    out = compat_harness.run(harness, cases)
    bad = compat_harness.compare(cases, out)

    total = Counter(op_kind(rec) for rec in cases)
    failed = Counter(op_kind(cases[i]) for i, _ in bad)
    width = max(len(k) for k in total)
    lines = [f"{'op':<{width}}  {'pass':>7} / {'total':<7}"]
    for kind in sorted(total):
        lines.append(f"{kind:<{width}}  {total[kind] - failed[kind]:>7} / {total[kind]:<7}")
    n_pass = len(cases) - len(bad)
    lines.append(f"{'all':<{width}}  {n_pass:>7} / {len(cases):<7}")
    origin = "cached" if harness.cached else f"built in {harness.build_seconds:.1f} s"
    lines.append(f"harness: {len(harness.groups)} groups, {origin} (total {t_build:.1f} s)")
    report = "\n".join(lines)
    with capsys.disabled():
        print("\n" + report)

    if bad:
        shown = []
        for i, exp in bad[:MAX_SHOWN]:
            rec = cases[i]
            exp_words = [f"0x{e:x}" if e is not None else "-" for e in exp]
            shown.append(
                f"{rec}\n    expected words {exp_words}\n"
                f"    got: {compat_harness.describe_words(rec, out[i])}"
            )
        pytest.fail(
            f"{len(bad)} of {len(cases)} records differ from the reference\n{report}\n\n"
            "first failures:\n" + "\n".join(shown)
        )
