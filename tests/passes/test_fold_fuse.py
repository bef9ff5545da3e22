"""passes.fold_identity and passes.fuse_batchnorm.

Fused vs unfused tolerance (both against the float64 result y* = (x K + b) * s + t, per
output; every conversion truncates, so it costs at most one LSB of its type):

* unfused: the Dense is off by ``e_d = sum|x| K.lsb + B.lsb + n A.lsb + R.lsb``; the BN
  scales that by |s| and adds ``|d| S.lsb + T.lsb + 2 A.lsb + R.lsb``;
* fused: ``sum|x| K.lsb + B.lsb + n A.lsb + R.lsb`` with the fused weights;
* |fused - unfused| <= the sum of both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest

from fpga_export import passes
from fpga_export.config import ExportConfig
from fpga_export.ir import Graph, Interpreter, Node
from fpga_export.layers.activation import Activation
from fpga_export.layers.dense import Dense
from fpga_export.layers.input import Input
from fpga_export.layers.norm import BatchNormalization
from fpga_export.layers.reshape import Identity
from fpga_export.types import FixedType

T = FixedType.parse
WIDE = "ap_fixed<24,8>"


def dense_bn_graph(n_in=6, units=4, seed=0, bn_output=False, precision=WIDE) -> Graph:
    rng = np.random.default_rng(seed)
    g = Graph("fuse")
    g.add(Node("input_1", Input(), shape=(n_in,), precision={"result": precision}))
    w = {"kernel": rng.normal(0, 0.5, (n_in, units)), "bias": rng.normal(0, 0.5, units)}
    g.add(Node("dense_1", Dense(units), ["input_1"], weights=w, source="dense_1 (Dense)"))
    gamma, beta = rng.uniform(0.5, 2, units), rng.normal(0, 1, units)
    mean, var = rng.normal(0, 1, units), rng.uniform(0.5, 2, units)
    op, bw = BatchNormalization.from_moments(gamma, beta, mean, var)
    g.add(Node("bn_1", op, ["dense_1"], weights=bw, source="bn_1 (BatchNormalization)"))
    last = "bn_1"
    if not bn_output:
        last = g.add(Node("relu_1", Activation("relu"), ["bn_1"])).name
    g.inputs, g.outputs = ["input_1"], [last]
    for node in g:
        if node.name != "input_1":
            node.precision = dict.fromkeys(node.op.roles, precision)
    return g


def typed(g):
    return passes.infer_types(passes.infer_shapes(g))


def test_fuse_weights_exact_and_rewired():
    g = dense_bn_graph()
    kernel, bias = g["dense_1"].weights["kernel"].copy(), g["dense_1"].weights["bias"].copy()
    scale, shift = g["bn_1"].weights["scale"], g["bn_1"].weights["shift"]
    passes.fuse_batchnorm(g)
    assert [n.name for n in g] == ["input_1", "dense_1", "relu_1"]
    assert g["relu_1"].inputs == ["dense_1"]
    d = g["dense_1"]
    np.testing.assert_array_equal(d.weights["kernel"], kernel * scale[None, :])
    np.testing.assert_array_equal(d.weights["bias"], bias * scale + shift)
    assert d.source == "dense_1 (Dense), fused bn_1"
    assert d.types == {}  # stale types dropped: infer_types runs next


def test_fuse_bn_output_moves_result_precision():
    g = dense_bn_graph(bn_output=True)
    g["dense_1"].precision["result"] = "ap_fixed<30,10>"
    g["bn_1"].precision["result"] = "ap_fixed<12,4>"
    passes.fuse_batchnorm(g)
    assert g.outputs == ["dense_1"]
    assert g["dense_1"].precision["result"] == "ap_fixed<12,4>"
    typed(g)
    assert g["dense_1"].result == T("ap_fixed<12,4>")


def test_not_fused_when_dense_has_other_users_or_is_an_output():
    g = dense_bn_graph()
    g.add(Node("relu_2", Activation("relu"), ["dense_1"]))
    g.outputs.append("relu_2")
    passes.fuse_batchnorm(g)
    assert "bn_1" in g
    g = dense_bn_graph()
    g.outputs.append("dense_1")
    passes.fuse_batchnorm(g)
    assert "bn_1" in g


def test_not_fused_after_other_ops():
    g = Graph()
    g.add(Node("x", Input(), shape=(3,)))
    op, w = BatchNormalization.from_moments(None, None, np.zeros(3), np.ones(3))
    g.add(Node("bn", op, ["x"], weights=w))
    g.add(Node("relu", Activation("relu"), ["bn"]))
    op2, w2 = BatchNormalization.from_moments(None, None, np.ones(3), np.ones(3))
    g.add(Node("bn2", op2, ["relu"], weights=w2))
    g.inputs, g.outputs = ["x"], ["bn2"]
    passes.fuse_batchnorm(g)
    assert [n.name for n in g] == ["x", "bn", "relu", "bn2"]


@dataclass
class _Declining(Dense):
    kind = ""  # not registered

    def absorb_scale_shift(self, node, scale, shift):
        node.source = "asked"
        return False


def test_absorb_hook_may_decline():
    g = dense_bn_graph()
    g["dense_1"].op = _Declining(4)
    passes.fuse_batchnorm(g)
    assert "bn_1" in g and g["dense_1"].source == "asked"


def _bound(g, fused, x):
    """Per-output bound of |Interpreter - float| (module docstring)."""
    xq = g["input_1"].result.quantize(x)
    d = g["dense_1"]
    k, b, a, r = (d.types[role] for role in ("kernel", "bias", "accum", "result"))
    n = xq.shape[1]
    ax = np.abs(xq).sum(axis=1, keepdims=True)
    e_d = ax * k.lsb + b.lsb + n * a.lsb + r.lsb
    if fused:
        return e_d
    bn = g["bn_1"]
    s, t, a2, r2 = (bn.types[role] for role in ("scale", "bias", "accum", "result"))
    dense_out = xq @ d.weights["kernel"] + d.weights["bias"]
    return (
        np.abs(bn.weights["scale"]) * e_d + np.abs(dense_out) * s.lsb + t.lsb + 2 * a2.lsb + r2.lsb
    )


def test_fused_matches_unfused_within_tolerance():
    g = dense_bn_graph(bn_output=True)
    x = np.random.default_rng(3).normal(0, 2, (500, 6))
    unfused = typed(g)
    y_unfused = Interpreter(unfused).run(x)
    b_unfused = _bound(unfused, False, x)
    fused = typed(passes.fuse_batchnorm(dense_bn_graph(bn_output=True)))
    y_fused = Interpreter(fused).run(x)
    b_fused = _bound(fused, True, x)
    xq = T(WIDE).quantize(x)  # y* (module docstring), with the fused weights
    ref = xq @ fused["dense_1"].weights["kernel"] + fused["dense_1"].weights["bias"]
    assert np.all(np.abs(y_fused - ref) <= b_fused)
    assert np.all(np.abs(y_unfused - ref) <= b_unfused)
    assert np.all(np.abs(y_fused - y_unfused) <= b_fused + b_unfused)
    assert np.max(np.abs(y_fused - y_unfused)) < 1e-3  # and small in absolute terms


# ------------------------------------------------------------------ fold_identity


def identity_graph(cast=None) -> Graph:
    rng = np.random.default_rng(1)
    g = Graph("ids")
    g.add(Node("x", Input(), shape=(5,)))
    g.add(Node("dropout_1", Identity(), ["x"], source="dropout_1 (Dropout)"))
    w = {"kernel": rng.normal(0, 1, (5, 3)), "bias": rng.normal(0, 1, 3)}
    g.add(Node("dense_1", Dense(3), ["dropout_1"], weights=w))
    g.add(Node("noise_1", Identity(), ["dense_1"]))
    g.add(Node("noise_2", Identity(), ["noise_1"], precision={"result": cast} if cast else {}))
    g.inputs, g.outputs = ["x"], ["noise_2"]
    return g


def test_fold_identity_removes_and_rewires():
    x = np.random.default_rng(0).normal(0, 2, (100, 5))
    before = Interpreter(typed(identity_graph())).run(x)
    g = passes.fold_identity(identity_graph())
    assert [n.name for n in g] == ["x", "dense_1"]
    assert g["dense_1"].inputs == ["x"] and g.outputs == ["dense_1"]
    np.testing.assert_array_equal(Interpreter(typed(g)).run(x), before)


def test_identity_with_precision_becomes_linear_activation():
    x = np.random.default_rng(0).normal(0, 2, (100, 5))
    before = Interpreter(typed(identity_graph("ap_fixed<8,3,AP_RND,AP_SAT>"))).run(x)
    g = passes.fold_identity(identity_graph("ap_fixed<8,3,AP_RND,AP_SAT>"))
    assert [n.name for n in g] == ["x", "dense_1", "noise_2"]
    cast = g["noise_2"]
    assert isinstance(cast.op, Activation) and cast.op.function == "linear"
    assert cast.inputs == ["dense_1"] and g.outputs == ["noise_2"]
    np.testing.assert_array_equal(Interpreter(typed(g)).run(x), before)
    assert typed(g)["noise_2"].result == T("ap_fixed<8,3,AP_RND,AP_SAT>")


def test_identity_result_type_is_its_input_type():
    g = typed(identity_graph())
    assert g["noise_1"].result == g["dense_1"].result


def test_identity_cannot_be_emitted():
    from fpga_export.codegen.context import EmitContext

    g = typed(identity_graph())
    msg = "identity node 'noise_1' reached code generation; run passes.fold_identity first"
    with pytest.raises(NotImplementedError, match=re.escape(msg)):
        g["noise_1"].op.emit(g["noise_1"], EmitContext(g, None))


# ------------------------------------------------------------------ through the pipeline


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_default_pipeline_csim(tmp_path, io_type):
    from fpga_export.firmware import Firmware

    rng = np.random.default_rng(2)
    g = dense_bn_graph(precision="ap_fixed<16,6>")
    g.add(Node("dropout_1", Identity(), ["relu_1"]))
    w = {"kernel": rng.normal(0, 0.5, (4, 5)), "bias": rng.normal(0, 0.5, 5)}
    g.add(Node("dense_2", Dense(5), ["dropout_1"], weights=w))
    g.add(Node("softmax", Activation("softmax"), ["dense_2"]))
    g.outputs = ["softmax"]
    fw = Firmware(g, ExportConfig(output_dir=tmp_path / io_type, io_type=io_type))
    assert [n.name for n in fw.graph] == ["input_1", "dense_1", "relu_1", "dense_2", "softmax"]
    fw.compile()
    x = rng.normal(0, 2, (400, 6))
    y = fw.predict(x)
    np.testing.assert_array_equal(y, fw.reference(x))
    assert np.all(np.abs(y.sum(axis=1) - 1) < 0.02)
