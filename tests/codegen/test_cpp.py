"""codegen.cpp.array_values: each value's exact repr, formatted once per distinct value."""

import numpy as np
import pytest

from fpga_export.codegen.cpp import array_values, coded_values
from fpga_export.types import FixedType


def one_by_one(values, per_line=8):
    """The text the fast path must give: repr of every float64, per_line to a line."""
    flat = [repr(float(v)) for v in np.asarray(values, dtype=np.float64).ravel()]
    rows = [", ".join(flat[i : i + per_line]) for i in range(0, len(flat), per_line)]
    return ",\n    ".join(rows)


def test_layout_of_the_text():
    assert array_values(np.array([0.5, -0.25, 1.0]), per_line=2) == "0.5, -0.25,\n    1.0"
    assert array_values(np.array([[3.0]])) == "3.0"
    assert array_values(np.array([])) == ""


@pytest.mark.parametrize("n", [1, 7, 8, 9, 16, 17, 1000])
@pytest.mark.parametrize("per_line", [1, 3, 8])
def test_equals_repr_of_every_value(n, per_line):
    rng = np.random.default_rng(n)
    special = np.array([-0.0, 0.0, 5e-324, -1e-300, 1e300, 2.0**-60, 0.1])
    for values in (rng.normal(size=n), np.zeros(n), np.resize(special, n)):
        assert array_values(values, per_line) == one_by_one(values, per_line)


@pytest.mark.parametrize("spelling", ["ap_fixed<16,6>", "ap_ufixed<4,0>", "ap_fixed<40,12>"])
def test_fixed_point_raw_codes_give_the_same_text(spelling):
    t = FixedType.parse(spelling)
    w = np.random.default_rng(0).normal(0, 2.0, (50, 70))
    raw = t.quantize_raw(w)
    values = t.from_raw(raw)
    assert array_values(values, codes=raw) == one_by_one(t.quantize(w))


def test_codes_far_apart_are_sorted_instead():
    codes = np.array([0, 1 << 40, 0, -(1 << 40), 1 << 40])
    values = codes * 2.0**-8
    assert array_values(values, codes=codes) == one_by_one(values)


def test_codes_must_match_the_values():
    with pytest.raises(ValueError, match="^codes must be integers, one per value$"):
        array_values(np.ones(3), codes=np.arange(2))
    with pytest.raises(ValueError, match="^codes must be integers, one per value$"):
        array_values(np.ones(3), codes=np.ones(3))


@pytest.mark.parametrize("spelling", ["ap_fixed<16,6>", "ap_ufixed<4,0>", "ap_fixed<40,12>"])
def test_coded_values_make_only_the_distinct_values(spelling):
    t = FixedType.parse(spelling)
    raw = t.quantize_raw(np.random.default_rng(1).normal(0, 2.0, (40, 9)))
    made = []

    def value_of(codes):
        made.append(len(codes))
        return t.from_raw(codes)

    text = coded_values(raw, value_of, 5, head="{\n", tail="};")
    assert text == "{\n" + one_by_one(t.from_raw(raw), 5) + "};"
    assert made == [len(np.unique(raw))]


def test_head_and_tail_around_one_value_and_none():
    assert array_values(np.array([2.0]), head="a ", tail=" b") == "a 2.0 b"
    assert array_values(np.array([]), head="a", tail="b") == "ab"
    assert coded_values(np.array([], dtype=np.int64), None, head="a", tail="b") == "ab"
