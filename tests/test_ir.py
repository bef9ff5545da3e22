"""IR graph structure, lint, table, op registry, dense checks and the interpreter."""

import re

import numpy as np
import pytest

from fpga_export.ir import OP_REGISTRY, Graph, GraphError, Interpreter, Node
from fpga_export.layers.dense import Dense
from fpga_export.layers.input import Input
from fpga_export.passes import infer_shapes, infer_types
from fpga_export.types import FixedType
from graphs import mlp


def typed(g):
    return infer_types(infer_shapes(g))


def test_registry_holds_ops_by_kind():
    assert OP_REGISTRY["dense"] is Dense
    assert OP_REGISTRY["input"] is Input


def test_duplicate_kind_is_refused():
    with pytest.raises(TypeError, match="op kind 'dense' registered twice"):

        class Other(Dense):
            kind = "dense"


def test_add_remove_replace_users():
    g = mlp((4, 3, 2))
    assert [n.name for n in g.users("dense_1")] == ["dense_2"]
    with pytest.raises(GraphError, match="node name 'dense_1' already used"):
        g.add(Node("dense_1", Dense(units=1), ["input_1"]))
    with pytest.raises(GraphError, match="node 'x' reads 'nope', which is not in the graph"):
        g.add(Node("x", Dense(units=1), ["nope"]))
    g.replace("dense_2", Node("head", Dense(units=2), ["dense_1"]))
    assert g.outputs == ["head"] and [n.name for n in g] == ["input_1", "dense_1", "head"]
    g.remove("dense_1")
    assert g["head"].inputs == ["input_1"]
    assert g.lint() == []
    assert g.unique_name("head") == "head_2"
    with pytest.raises(KeyError, match=re.escape("no node named 'zz'; nodes: input_1, head")):
        g["zz"]


def test_lint_reports_problems():
    g = Graph("bad")
    g.add(Node("input_1", Input(), shape=(3,)))
    g.add(Node("d", Dense(units=2), ["input_1"]))
    g["d"].inputs.append("input_1")
    assert g.lint() == ["d: takes 1 input(s), has 2", "graph has no outputs"]
    with pytest.raises(GraphError, match="invalid graph:\n  d: takes 1 input"):
        g.check()


def test_table_is_readable():
    g = typed(mlp((4, 3)))
    g["dense_1"].source = "dense_1 (Dense)"
    text = str(g)
    assert text.splitlines()[0] == "Graph 'mlp'"
    assert re.search(
        r"dense_1\s+dense\s+input_1\s+\(3\)\s+ap_fixed<16,6>\s+dense_1 \(Dense\)", text
    )


def test_reuse_factor_must_divide_work():
    g = mlp((4, 6), reuse_factor=5)
    msg = (
        "dense_1: reuse_factor 5 does not divide n_in * n_out = 24; "
        "valid reuse factors: 1, 2, 3, 4, 6, 8, 12, 24"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        infer_shapes(g)


def test_unknown_strategy():
    with pytest.raises(
        ValueError, match="dense_1: strategy 'fast' is not one of latency, resource"
    ):
        infer_shapes(mlp((4, 6), strategy="fast"))


def test_dense_reference_matches_float_math_exactly_when_wide():
    """With types wide enough, the raw-domain dense equals exact rational math."""
    g = mlp((5, 3), seed=2)
    for role in ("result", "accum"):
        g["dense_1"].precision[role] = "ap_fixed<48,16>"
    g["dense_1"].precision.update(kernel="ap_fixed<12,4>", bias="ap_fixed<12,4>")
    typed(g)
    x = FixedType.parse("ap_fixed<16,6>").quantize(np.random.default_rng(0).normal(0, 2, (50, 5)))
    k = FixedType.parse("ap_fixed<12,4>").quantize(g["dense_1"].weights["kernel"])
    b = FixedType.parse("ap_fixed<12,4>").quantize(g["dense_1"].weights["bias"])
    np.testing.assert_array_equal(Interpreter(g).run(x), x @ k + b)  # all exact in float64


def test_saturating_accumulator_is_sequential():
    """acc = bias, then += in input order, saturating at every step (C++ order)."""
    g = Graph("sat")
    g.add(Node("input_1", Input(), shape=(3,)))
    w = {"kernel": np.array([[1.0], [1.0], [-1.0]]), "bias": np.array([0.0])}
    g.add(Node("d", Dense(units=1), ["input_1"], weights=w))
    g.inputs, g.outputs = ["input_1"], ["d"]
    g["d"].precision.update(accum="ap_fixed<4,3,AP_TRN,AP_SAT>", result="ap_fixed<8,6>")
    typed(g)
    # 3 + 3 saturates at 3.5, then - 3 -> 0.5 (a single wide sum would give 3)
    assert Interpreter(g).run(np.array([[3.0, 3.0, 3.0]]))[0, 0] == 0.5


def test_auto_types_never_lose_bits():
    g = mlp((6, 4), seed=1)
    g["dense_1"].precision.update(accum="auto", result="auto")
    typed(g)
    t = g["dense_1"].types
    assert t["result"] == t["accum"]
    # interval arithmetic over the actual (quantized) weights: the extreme sums are reached
    # with each input at the type's min or max, whichever the weight's sign prefers
    x = FixedType.parse("ap_fixed<16,6>")
    k = t["kernel"].quantize(g["dense_1"].weights["kernel"])
    b = t["bias"].quantize(g["dense_1"].weights["bias"])
    hi = b + np.where(k > 0, k * x.max, k * x.min).sum(axis=0)
    lo = b + np.where(k > 0, k * x.min, k * x.max).sum(axis=0)
    acc = t["accum"]
    assert acc.frac == x.frac + t["kernel"].frac and str(acc.overflow) == "AP_WRAP"
    assert acc.min <= lo.min() and hi.max() <= acc.max  # holds every sum
    assert not (acc.min / 2 <= lo.min() and hi.max() <= acc.max / 2)  # one bit less would not
    assert acc.width < ((x * t["kernel"]).sum_type(6) + t["bias"]).width  # tighter than types


def test_interpreter_validates_shape():
    g = typed(mlp((4, 3)))
    with pytest.raises(
        ValueError, match=re.escape("input 'input_1' expects shape (batch, 4), got (2, 5)")
    ):
        Interpreter(g).run(np.zeros((2, 5)))


def test_interpreter_frees_a_value_read_twice_by_one_node_only_after_its_last_reader():
    from fpga_export.layers.merge import Merge

    g = Graph("twice")
    g.add(Node("x", Input(), shape=(3,)))
    g.add(Node("twice", Merge("add"), ["x", "x"]))
    g.add(Node("later", Merge("add"), ["x", "twice"]))
    g.inputs, g.outputs = ["x"], ["later"]
    typed(g)
    x = np.array([[0.5, -1.0, 2.0]])
    np.testing.assert_array_equal(Interpreter(g).run(x), 3 * x)


def test_product_into_a_reused_array_is_the_same_product():
    from fpga_export.ir import arith
    from fpga_export.ir.op import Tensor

    rng = np.random.default_rng(3)
    a = Tensor(rng.integers(-(2**15), 2**15, (4, 6, 1)), FixedType.parse("ap_fixed<16,6>"))
    b = Tensor(rng.integers(-(2**15), 2**15, (6, 5)), FixedType.parse("ap_fixed<16,2>"))
    out = np.full((4, 6, 5), 7, np.int64)
    into = arith.mul(a, b, out)
    assert into.raw is out and into.type == arith.mul(a, b).type
    np.testing.assert_array_equal(out, arith.mul(a, b).raw)
    wide = Tensor(np.array([[[2**40 + 1]]] * 4), FixedType.parse("ap_fixed<48,8>"))
    product = arith.mul(wide, Tensor(np.full((6, 5), 2**40 + 3), FixedType.parse("ap_fixed<48,8>")))
    kept = np.zeros((4, 6, 5), np.int64)
    again = arith.mul(
        wide, Tensor(np.full((6, 5), 2**40 + 3), FixedType.parse("ap_fixed<48,8>")), kept
    )
    assert again.raw.dtype == object and not kept.any()  # 96-bit products: not into int64
    assert (again.raw == product.raw).all() and again.raw[0, 0, 0] == (2**40 + 1) * (2**40 + 3)
