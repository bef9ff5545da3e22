"""Every ac record of the conformance vectors through our C++ ``nnet_cpp/compat`` headers.

The harness (``compat_harness.py``) is generated from the vectors file at test time: one C++
function per (op, types) group, compiled with g++ against ``ac_fixed.h`` and cached under
``.pytest_cache/compat_harness/``.  Raw result bits are compared exactly, and for ``+ - *``,
unary minus and shifts the C++ result type (``decltype``) must be the reference's.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import compat_harness  # noqa: E402

from conformance import AC_CASES, conformance_dir, load_cases, op_kind  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which(compat_harness.CXX) is None, reason="needs g++")


def test_every_ac_record_bit_exact(capsys):
    cases = list(load_cases(AC_CASES))
    assert cases, "no conformance records loaded"
    report, failure = compat_harness.check_vectors(
        cases, conformance_dir() / AC_CASES, compat_harness.AC_HEADERS, op_kind
    )
    with capsys.disabled():
        print("\n" + report)
    if failure:
        pytest.fail(failure)
