"""Every record of ``shared/conformance/ac_fixed_cases.jsonl.gz`` through fpga_export.types.

The ac spellings parse to FixedTypes of family ``"ac"``, whose conversions follow the
Algorithmic C reference (README quirks 8 and 9, ``AC_RND_CONV_ODD``, flooring ``ac_int``).
The checkers are the ap ones (``test_types_conformance``) except ``to_int``/``to_int64``,
which floor into ``ac_int<32,true>``/``ac_int<64,true>``, and ``cmp``: ac compares exact
values (no ap quirk 4), checked here on the raw integers aligned to a common binary point (the
C++ operators: ``tests/compat/test_compat_ac_conformance.py``).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from test_types_conformance import (
    check_assign,
    check_binary,
    check_cast,
    check_neg,
    check_shift,
    check_to_double,
)

from conformance import AC_CASES, load_cases, op_kind, raw_of
from fpga_export.types import FixedType

README_COUNTS = {
    "cast double->fixed": 31565,
    "cast fixed->fixed": 7646,
    "cast int->fixed": 461,
    "cast double->int": 1392,
    "add": 4224,
    "sub": 4224,
    "mul": 4224,
    "add_assign": 1440,
    "sub_assign": 1440,
    "mul_assign": 1440,
    "neg": 2688,
    "shl": 2688,
    "shr": 2688,
    "to_int": 2688,
    "to_int64": 2688,
    "to_double": 2688,
    "cmp": 4224,
}


def check_to_int(recs):
    fails = []
    by_type = defaultdict(list)
    for rec in recs:
        by_type[(rec["op"], rec["a_type"])].append(rec)
    for (op, a_type), group in by_type.items():
        a = FixedType.parse(a_type)
        target = FixedType.parse("ac_int<32,true>" if op == "to_int" else "ac_int<64,true>")
        raw = np.array([raw_of(r["a_bits"], a) for r in group], dtype=object)
        got = target.cast_raw(raw, a)  # floor, then wrap
        fails += [
            (r, int(g)) for r, g in zip(group, got, strict=True) if int(g) != int(r["result"])
        ]
    return fails


def check_cmp(recs):
    fails = []
    for rec in recs:
        a, b = FixedType.parse(rec["a_type"]), FixedType.parse(rec["b_type"])
        frac = max(a.frac, b.frac)
        x = raw_of(rec["a_bits"], a) << (frac - a.frac)
        y = raw_of(rec["b_bits"], b) << (frac - b.frac)
        got = {"lt": x < y, "le": x <= y, "gt": x > y, "ge": x >= y, "eq": x == y, "ne": x != y}
        if any(got[k] != rec[k] for k in got):
            fails.append((rec, got))
    return fails


CHECKERS = {
    "cast double->fixed": check_cast,
    "cast fixed->fixed": check_cast,
    "cast int->fixed": check_cast,
    "cast double->int": check_cast,
    "add": check_binary,
    "sub": check_binary,
    "mul": check_binary,
    "add_assign": check_assign,
    "sub_assign": check_assign,
    "mul_assign": check_assign,
    "neg": check_neg,
    "shl": check_shift,
    "shr": check_shift,
    "to_int": check_to_int,
    "to_int64": check_to_int,
    "to_double": check_to_double,
    "cmp": check_cmp,
}

_GROUPS: dict[str, list[dict]] = {}


def groups() -> dict[str, list[dict]]:
    if not _GROUPS:
        for rec in load_cases(AC_CASES):
            _GROUPS.setdefault(op_kind(rec), []).append(rec)
    return _GROUPS


def test_record_counts_match_readme():
    counts = {kind: len(recs) for kind, recs in groups().items()}
    assert counts == README_COUNTS
    assert sum(counts.values()) == 78408
    assert sum(1 for r in load_cases(AC_CASES) if r.get("ref_assert")) == 0


def test_every_type_is_family_ac():
    for kind, recs in groups().items():
        for rec in recs[:50]:
            for key in ("from", "to", "a_type", "b_type", "result_type"):
                if key in rec and rec[key] != "double":
                    assert FixedType.parse(rec[key]).family == "ac", (kind, rec[key])


@pytest.mark.parametrize("kind", list(CHECKERS))
def test_ac_conformance(kind):
    recs = groups()[kind]
    fails = CHECKERS[kind](recs)
    shown = "\n".join(f"  {rec}\n    got {got}" for rec, got in fails[:8])
    assert not fails, f"{len(fails)}/{len(recs)} {kind} records differ, first ones:\n{shown}"
