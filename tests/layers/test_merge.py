"""Merges: Interpreter vs exact float arithmetic on the quantized inputs, types, errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fpga_export import passes
from fpga_export.codegen.context import EmitContext
from fpga_export.ir import Graph, Interpreter, Node
from fpga_export.layers.input import Input
from fpga_export.layers.merge import Concatenate, Dot, Merge
from fpga_export.types import FixedType

T = FixedType.parse
A, B = T("ap_fixed<12,5>"), T("ap_fixed<9,2,AP_RND>")
WIDE = "ap_fixed<40,16>"  # holds every exact result of A op B below


def typed(op, s0, s1, **precision) -> Graph:
    g = Graph("m")
    g.add(Node("a", Input(), shape=s0, precision={"result": str(A)}))
    g.add(Node("b", Input(), shape=s1, precision={"result": str(B)}))
    g.add(Node("layer", op, ["a", "b"], precision=precision))
    g.inputs, g.outputs = ["a", "b"], ["layer"]
    return passes.run_pipeline(g)


def data(s0, s1, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 3, (40, *s0)), rng.normal(0, 1.5, (40, *s1))


FLOAT = {
    "add": np.add,
    "subtract": np.subtract,
    "multiply": np.multiply,
    "average": lambda a, b: (a + b) / 2,
    "maximum": np.maximum,
    "minimum": np.minimum,
}


@pytest.mark.parametrize("op", sorted(FLOAT))
def test_elementwise_is_exact_then_one_conversion(op):
    g = typed(Merge(op), (3, 4), (3, 4), result=WIDE)
    x0, x1 = data((3, 4), (3, 4))
    want = FLOAT[op](A.quantize(x0), B.quantize(x1))  # exact in float64 for these widths
    np.testing.assert_array_equal(Interpreter(g).run([x0, x1]), want)


@pytest.mark.parametrize("op", sorted(FLOAT))
def test_narrow_result_converts_the_exact_value(op):
    r = T("ap_fixed<6,3,AP_RND_CONV,AP_SAT>")
    g = typed(Merge(op), (7,), (7,), result=str(r))
    x0, x1 = data((7,), (7,), seed=1)
    want = r.quantize(FLOAT[op](A.quantize(x0), B.quantize(x1)))
    np.testing.assert_array_equal(Interpreter(g).run([x0, x1]), want)


def test_average_recip_type_and_default_types():
    g = typed(Merge("average"), (4,), (4,))
    assert g["layer"].types == {"result": T("ap_fixed<16,6>"), "recip": T("ap_ufixed<18,1,AP_RND>")}
    assert typed(Merge("maximum"), (4,), (4,))["layer"].types == {"result": T("ap_fixed<16,6>")}
    g = typed(Dot(), (4,), (4,))
    assert g["layer"].types == {"result": T("ap_fixed<16,6>"), "accum": T("ap_fixed<16,6>")}
    # 1/3 is not exact: the reciprocal type decides (here 1 fraction bit: 1/2)
    g = typed(Merge("average"), (4,), (4,), recip="ap_ufixed<2,1>", result=WIDE)
    x0, x1 = data((4,), (4,))
    want = (A.quantize(x0) + B.quantize(x1)) * 0.5
    np.testing.assert_array_equal(Interpreter(g).run([x0, x1]), want)


def test_maximum_compares_mixed_types_exactly():
    # A = ap_fixed<12,5>, B = ap_fixed<9,2,AP_RND>: 0.5 vs 0.5 + 2**-7, compared exactly
    x0, x1 = np.array([[0.5]]), np.array([[0.5 + 2.0**-7]])
    g = typed(Merge("maximum"), (1,), (1,), result=WIDE)
    assert Interpreter(g).run([x0, x1]).tolist() == [[0.5 + 2.0**-7]]
    g = typed(Merge("maximum"), (1,), (1,), result="ap_fixed<8,4>")  # chosen, then rounded
    assert Interpreter(g).run([x0, x1]).tolist() == [[0.5]]
    g = typed(Merge("minimum"), (1,), (1,), result=WIDE)
    assert Interpreter(g).run([x1, x0]).tolist() == [[0.5]]


@pytest.mark.parametrize(
    ("axis", "s0", "s1"),
    [
        (-1, (2, 3, 2), (2, 3, 1)),
        (0, (1, 3, 2), (2, 3, 2)),
        (1, (2, 3, 2), (2, 1, 2)),
        (0, (3,), (5,)),
    ],
)
def test_concatenate_any_axis(axis, s0, s1):
    g = typed(Concatenate(axis=axis), s0, s1, result=WIDE)
    x0, x1 = data(s0, s1)
    want = np.concatenate([A.quantize(x0), B.quantize(x1)], axis=axis % len(s0) + 1)
    assert g["layer"].shape == want.shape[1:]
    np.testing.assert_array_equal(Interpreter(g).run([x0, x1]), want)


def test_concatenate_blocks():
    g = typed(Concatenate(axis=1), (2, 3, 2), (2, 1, 2))
    ctx = EmitContext(g, None)
    assert g["layer"].op.config_fields(g["layer"], ctx) == {
        "n_outer": 2,
        "n_inner_0": 6,
        "n_inner_1": 2,
    }


def test_dot_accumulates_in_order_in_accum():
    g = typed(Dot(), (5,), (5,), accum=WIDE, result=WIDE)
    x0, x1 = data((5,), (5,))
    want = (A.quantize(x0) * B.quantize(x1)).sum(axis=1, keepdims=True)
    np.testing.assert_array_equal(Interpreter(g).run([x0, x1]), want)
    # saturating accum: step by step, in order
    acc_t = T("ap_fixed<6,3,AP_TRN,AP_SAT>")
    g = typed(Dot(), (3,), (3,), accum=str(acc_t), result=WIDE)
    x0, x1 = np.array([[3.0, 3.0, -3.0]]), np.array([[1.0, 1.0, 1.0]])
    # 3 -> 3.875 (6) saturates -> 3.875 - 3 = 0.875; the exact sum would be 3
    assert Interpreter(g).run([x0, x1]).tolist() == [[0.875]]


@pytest.mark.parametrize(
    ("op", "s0", "s1", "message"),
    [
        (Merge("add"), (3,), (4,), "layer: add needs inputs of the same shape, got (3,) and (4,) (broadcasting is not supported)"),
        (Concatenate(axis=0), (2, 3), (2, 4), "layer: concatenate on axis 0 needs equal sizes on the other axes, got (2, 3) and (2, 4)"),
        (Concatenate(axis=2), (2, 3), (2, 3), "layer: concatenation axis 2 is out of range for inputs of rank 2 (per sample)"),
        (Concatenate(axis=0), (2, 3), (2,), "layer: concatenate needs inputs of the same rank, got (2, 3) and (2,)"),
        (Dot(), (2, 3), (2, 3), "layer: dot takes two 1-D inputs of the same length, got (2, 3) and (2, 3)"),
        (Dot(), (3,), (4,), "layer: dot takes two 1-D inputs of the same length, got (3,) and (4,)"),
    ],
)  # fmt: skip
def test_shape_errors(op, s0, s1, message):
    with pytest.raises(ValueError, match=re.escape(message) + "$"):
        typed(op, s0, s1)


def test_bad_op_and_input_count():
    with pytest.raises(ValueError, match=re.escape("merge op 'mean' is not one of add, subtract")):
        Merge("mean")
    g = Graph("m")
    g.add(Node("a", Input(), shape=(2,)))
    g.add(Node("layer", Merge("add"), ["a"]))
    g.inputs, g.outputs = ["a"], ["layer"]
    with pytest.raises(ValueError, match=re.escape("layer: add takes 2 or more inputs, got 1")):
        passes.run_pipeline(g)


def three(op, shape, **precision) -> Graph:
    g = Graph("m3")
    for name, t in (("a", A), ("b", B), ("c", T("ap_ufixed<8,3>"))):
        g.add(Node(name, Input(), shape=shape, precision={"result": str(t)}))
    g.add(Node("layer", op, ["a", "b", "c"], precision=precision))
    g.inputs, g.outputs = ["a", "b", "c"], ["layer"]
    return passes.run_pipeline(g)


FLOAT3 = {
    "add": lambda a, b, c: a + b + c,
    "multiply": lambda a, b, c: a * b * c,
    "maximum": lambda a, b, c: np.maximum(np.maximum(a, b), c),
    "minimum": lambda a, b, c: np.minimum(np.minimum(a, b), c),
}


@pytest.mark.parametrize("op", sorted(FLOAT3))
def test_three_inputs_exact(op):
    g = three(Merge(op), (5,), result="ap_fixed<48,20>")
    rng = np.random.default_rng(4)
    xs = [rng.normal(0, 3, (30, 5)) for _ in range(3)]
    q = [A.quantize(xs[0]), B.quantize(xs[1]), T("ap_ufixed<8,3>").quantize(xs[2])]
    np.testing.assert_array_equal(Interpreter(g).run(xs), FLOAT3[op](*q))


def test_average_of_three_uses_the_rounded_reciprocal():
    g = three(Merge("average"), (5,), result="ap_fixed<60,20>")
    rng = np.random.default_rng(5)
    xs = [rng.normal(0, 3, (30, 5)) for _ in range(3)]
    q = [A.quantize(xs[0]), B.quantize(xs[1]), T("ap_ufixed<8,3>").quantize(xs[2])]
    third = T("ap_ufixed<18,1,AP_RND>").quantize(1 / 3)
    assert third != 1 / 3
    np.testing.assert_array_equal(Interpreter(g).run(xs), (q[0] + q[1] + q[2]) * third)


def test_subtract_takes_two_and_wide_intermediates_are_refused(tmp_path):
    with pytest.raises(
        ValueError,
        match=re.escape(
            "layer: subtract takes exactly 2 inputs, got 3 (shapes (2,) and (2,) and (2,))"
        ),
    ):
        three(Merge("subtract"), (2,))
    from fpga_export.config import ExportConfig
    from fpga_export.firmware import Firmware

    g = Graph("wide")
    for name in "abc":
        g.add(Node(name, Input(), shape=(2,), precision={"result": "ap_fixed<48,20>"}))
    g.add(Node("layer", Merge("multiply"), ["a", "b", "c"]))
    g.inputs, g.outputs = ["a", "b", "c"], ["layer"]
    with pytest.raises(ValueError) as err:
        Firmware(g, ExportConfig(output_dir=tmp_path)).write()
    assert str(err.value) == (
        "layer: the exact multiply of 3 inputs does not fit the fixed-point types "
        "(ap_fixed<96,40> * ap_fixed<48,20> needs a width of 144 bits, more than the supported "
        "maximum of 128); narrow the input types"
    )
