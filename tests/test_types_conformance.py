"""Every ap record of ``shared/conformance/ap_fixed_cases.jsonl.gz`` through fpga_export.types.

Raw bits are compared exactly.  Records are grouped by type so the vectorized quantizer paths
run on real arrays.  ``cmp`` is a C++ API behaviour (README quirk 4) covered by the C++
harness; ``shl``/``shr``/``to_int``/``to_int64`` are checked here with plain integer
arithmetic plus :meth:`FixedType.cast_raw` into ``ap_int<32>``/``ap_int<64>``.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest

from conformance import (
    AP_CASES,
    ap_spelling,
    double_from_bits,
    double_to_bits,
    load_cases,
    op_kind,
    raw_of,
)
from fpga_export.types import FixedType

README_COUNTS = {
    "cast double->fixed": 45577,
    "cast fixed->fixed": 11132,
    "cast int->fixed": 738,
    "cast double->int": 2304,
    "cast fixed->int": 964,
    "add": 7040,
    "sub": 7040,
    "mul": 7040,
    "add_assign": 2400,
    "sub_assign": 2400,
    "mul_assign": 2400,
    "neg": 4480,
    "shl": 4480,
    "shr": 4480,
    "to_int": 3682,
    "to_int64": 3682,
    "to_double": 4480,
}
NOT_CHECKED_HERE = {"cmp": 7040}  # C++ comparison operator behaviour (quirk 4)


def T(text: str) -> FixedType:
    return FixedType.parse(ap_spelling(text))


def _by_kind() -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for rec in load_cases(AP_CASES):
        groups[op_kind(rec)].append(rec)
    return groups


_GROUPS: dict[str, list[dict]] | None = None
_RESULTS: dict[str, tuple[int, int, int, int]] = {}  # kind -> pass, total, ref pass, ref total


def groups() -> dict[str, list[dict]]:
    global _GROUPS
    if _GROUPS is None:
        _GROUPS = _by_kind()
    return _GROUPS


# -------------------------------------------------------------------------- checkers
# Each returns a list of (record, got) for the failures.


def _compare(recs, got_raws, target_of, key="y_bits"):
    fails = []
    for rec, got in zip(recs, got_raws, strict=True):
        want = raw_of(rec[key], target_of(rec))
        if int(got) != want:
            fails.append((rec, int(got)))
    return fails


def _grouped(recs, key):
    out = defaultdict(list)
    for rec in recs:
        out[key(rec)].append(rec)
    return out.values()


def check_cast(recs):
    fails = []
    for group in _grouped(recs, lambda r: (r["from"], r["to"])):
        to = T(group[0]["to"])
        if group[0]["from"] == "double":
            x = np.array([double_from_bits(r["x_bits"]) for r in group], dtype=np.float64)
            got = to.quantize_raw(x)
            exact = to.quantize_raw(x.astype(object))  # the Python-int path agrees
            assert [int(v) for v in got] == [int(v) for v in exact], group[0]
            # the float view agrees with the raw one
            np.testing.assert_array_equal(to.quantize(x), to.from_raw(got))
        else:
            src = T(group[0]["from"])
            raw = [raw_of(r["x_bits"], src) for r in group]
            got = to.cast_raw(np.array(raw, dtype=np.int64 if src.width <= 63 else object), src)
            got_obj = to.cast_raw(np.array(raw, dtype=object), src)  # exact path agrees
            assert [int(v) for v in got] == [int(v) for v in got_obj], group[0]
        fails += _compare(group, got, lambda r: T(r["to"]))
    return fails


def _exact_binary(rec):
    """(result type by our growth rule, exact raw result in it) for add/sub/mul records."""
    a, b = T(rec["a_type"]), T(rec["b_type"])
    ra, rb = raw_of(rec["a_bits"], a), raw_of(rec["b_bits"], b)
    op = rec["op"].removesuffix("_assign")
    if op == "mul":
        return a * b, ra * rb
    rt = a + b if op == "add" else a - b
    ra <<= rt.frac - a.frac
    rb <<= rt.frac - b.frac
    return rt, ra + rb if op == "add" else ra - rb


def check_binary(recs):
    fails = []
    exact = []
    for rec in recs:
        rt, r = _exact_binary(rec)
        want_type = T(rec["result_type"])
        if rt != want_type or r != raw_of(rec["result_bits"], want_type):
            fails.append((rec, f"{rt} raw {r}"))
        exact.append(r)
    pairs = zip(recs, exact, strict=True)
    for group in _grouped(pairs, lambda p: (p[0]["result_type"], p[0]["to"])):
        rt, to = T(group[0][0]["result_type"]), T(group[0][0]["to"])
        got = to.cast_raw(np.array([r for _, r in group], dtype=object), rt)
        fails += _compare([rec for rec, _ in group], got, lambda r: T(r["to"]))
    return fails


def check_assign(recs):
    fails = []
    for group in _grouped(recs, lambda r: (r["a_type"], r["b_type"])):
        a = T(group[0]["a_type"])
        assert all(T(r["result_type"]) == a for r in group)
        rt = _exact_binary(group[0])[0]
        exact = np.array([_exact_binary(r)[1] for r in group], dtype=object)
        got = a.cast_raw(exact, rt)
        fails += _compare(group, got, lambda r: T(r["a_type"]), key="result_bits")
    return fails


def check_neg(recs):
    fails = []
    for rec in recs:
        a, rt = T(rec["a_type"]), T(rec["result_type"])
        got_type = -a
        raw = -raw_of(rec["a_bits"], a)  # same frac: W+1, I+1
        if got_type != rt or raw != raw_of(rec["result_bits"], rt):
            fails.append((rec, f"{got_type} raw {raw}"))
    return fails


def check_shift(recs):
    fails = []
    for rec in recs:
        a, rt = T(rec["a_type"]), T(rec["result_type"])
        assert rt == a.with_(), rec  # shifts keep the operand's type (quirk 3)
        ra, k = raw_of(rec["a_bits"], a), rec["k"]
        if rec["op"] == "shl":
            raw = ((ra << k) - a.raw_min) % (1 << a.width) + a.raw_min  # bits shifted out drop
        else:
            raw = ra >> k  # arithmetic for signed, logical for unsigned (raw >= 0)
        if raw != raw_of(rec["result_bits"], rt):
            fails.append((rec, raw))
    return fails


def check_to_int(recs):
    fails = []
    for group in _grouped(recs, lambda r: (r["op"], r["a_type"])):
        a = T(group[0]["a_type"])
        target = FixedType.parse("ap_int<32>" if group[0]["op"] == "to_int" else "ap_int<64>")
        raw = np.array([raw_of(r["a_bits"], a) for r in group], dtype=object)
        got = target.cast_raw(raw, a)  # truncate toward zero, I == 0 quirk 6, wrap
        for rec, g in zip(group, got, strict=True):
            if int(g) != int(rec["result"]):
                fails.append((rec, int(g)))
    return fails


def check_to_double(recs):
    fails = []
    for group in _grouped(recs, lambda r: r["a_type"]):
        a = T(group[0]["a_type"])
        raw = [raw_of(r["a_bits"], a) for r in group]
        got = a.from_raw(np.array(raw, dtype=np.int64 if a.raw_fits_int64 else object))
        got_obj = a.from_raw(np.array(raw, dtype=object))
        for rec, g, g2 in zip(group, got, got_obj, strict=True):
            if (
                double_to_bits(float(g)) != rec["result_bits"]
                or double_to_bits(g2) != rec["result_bits"]
            ):
                fails.append((rec, repr(float(g))))
    return fails


CHECKERS = {
    "cast double->fixed": check_cast,
    "cast fixed->fixed": check_cast,
    "cast int->fixed": check_cast,
    "cast double->int": check_cast,
    "cast fixed->int": check_cast,
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
}


def test_record_counts_match_readme():
    counts = {kind: len(recs) for kind, recs in groups().items()}
    assert counts == README_COUNTS | NOT_CHECKED_HERE
    assert sum(1 for r in load_cases(AP_CASES) if r.get("ref_assert")) == 402


@pytest.mark.parametrize("kind", list(CHECKERS))
def test_conformance(kind):
    recs = groups()[kind]
    assert recs, f"no {kind!r} records"
    fails = CHECKERS[kind](recs)
    failed_ids = {id(rec) for rec, _ in fails}
    ref_total = sum(1 for r in recs if r.get("ref_assert"))
    ref_ok = sum(1 for r in recs if r.get("ref_assert") and id(r) not in failed_ids)
    _RESULTS[kind] = (len(recs) - len(failed_ids), len(recs), ref_ok, ref_total)
    shown = "\n".join(f"  {rec}\n    got {got}" for rec, got in fails[:8])
    assert not fails, f"{len(failed_ids)}/{len(recs)} {kind} records differ, first ones:\n{shown}"


def test_zz_summary_table(capsys):
    """Prints the per-op table (run with -s to see it); runs last in this module."""
    lines = [f"{'op':<22}{'pass':>8}{'total':>8}{'ref_assert':>12}"]
    for kind in CHECKERS:
        if kind in _RESULTS:
            ok, total, ref_ok, ref_total = _RESULTS[kind]
            lines.append(f"{kind:<22}{ok:>8}{total:>8}{f'{ref_ok}/{ref_total}':>12}")
    totals = Counter()
    for ok, total, *_ in _RESULTS.values():
        totals["ok"] += ok
        totals["total"] += total
    lines.append(f"{'total':<22}{totals['ok']:>8}{totals['total']:>8}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
