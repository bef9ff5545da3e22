"""Merges (element-wise, concatenate on any axis, dot): csim == Interpreter bit for bit."""

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Graph, Node
from fpga_export.layers.activation import Activation
from fpga_export.layers.input import Input
from fpga_export.layers.merge import Concatenate, Dot, Merge

# inputs of different types on purpose: input 1 goes through a relu with its own result type
MIXED = {"result": "ap_fixed<10,4,AP_RND>"}
CASES = [
    # (op, shape 0, shape 1, precision of the merge node)
    (Merge("add"), (6,), (6,), {}),
    (Merge("subtract"), (3, 4), (3, 4), {"result": "ap_fixed<8,3,AP_RND,AP_SAT>"}),
    (Merge("multiply"), (2, 3, 2), (2, 3, 2), {}),
    (Merge("multiply"), (5,), (5,), {"result": "ap_fixed<6,2,AP_RND_CONV,AP_SAT_SYM>"}),
    (Merge("average"), (4, 3), (4, 3), {}),
    (Merge("average"), (5,), (5,), {"result": "ap_fixed<7,3,AP_RND>"}),
    (Merge("maximum"), (3, 3, 2), (3, 3, 2), {}),
    (Merge("minimum"), (7,), (7,), {"result": "ap_fixed<6,3,AP_TRN,AP_SAT>"}),
    (Concatenate(axis=-1), (3, 2, 2), (3, 2, 3), {}),
    (Concatenate(axis=0), (2, 2, 3), (3, 2, 3), {}),
    (Concatenate(axis=1), (2, 2, 3), (2, 1, 3), {"result": "ap_fixed<8,3>"}),
    (Concatenate(axis=0), (4,), (3,), {}),
    (Concatenate(axis=1), (3, 2), (3, 4), {}),
    (Dot(), (6,), (6,), {}),
    (Dot(), (5,), (5,), {"accum": "ap_fixed<10,4,AP_TRN,AP_SAT>", "result": "ap_fixed<8,3,AP_RND>"}),
]  # fmt: skip


def two_inputs(op, shape0, shape1, precision) -> Graph:
    g = Graph("merge")
    g.add(Node("in_a", Input(), shape=shape0))
    g.add(Node("in_b", Input(), shape=shape1))
    g.add(Node("relu_b", Activation("relu"), ["in_b"], precision=dict(MIXED)))
    g.add(Node("layer", op, ["in_a", "relu_b"], precision=dict(precision)))
    g.inputs, g.outputs = ["in_a", "in_b"], ["layer"]
    return g


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("case", range(len(CASES)), ids=lambda i: f"{CASES[i][0].kind}{i}")
def test_csim_equals_interpreter(tmp_path, io_type, case):
    op, s0, s1, precision = CASES[case]
    fw = Firmware(
        two_inputs(op, s0, s1, precision), ExportConfig(output_dir=tmp_path, io_type=io_type)
    )
    fw.compile()
    rng = np.random.default_rng(case)
    xs = [rng.normal(0, 4, (64, *s0)), rng.normal(0, 4, (64, *s1))]
    got, want = fw.predict(xs), fw.reference(xs)
    assert got.shape == want.shape == (64, *fw.graph["layer"].shape)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_same_input_twice(tmp_path, io_type):
    """x + x and concat(x, x): one node read twice by the same merge (in io_stream the
    backend gives each input slot its own copy of the stream)."""
    g = Graph("selfmerge")
    g.add(Node("x", Input(), shape=(2, 3)))
    g.add(Node("twice", Merge("add"), ["x", "x"]))
    g.add(Node("cat", Concatenate(axis=0), ["twice", "twice"]))
    g.inputs, g.outputs = ["x"], ["cat", "twice"]
    fw = Firmware(g, ExportConfig(output_dir=tmp_path / "p", io_type=io_type)).compile()
    x = np.random.default_rng(3).normal(0, 4, (50, 2, 3))
    for a, b in zip(fw.predict(x), fw.reference(x), strict=True):
        np.testing.assert_array_equal(a, b)
    if io_type == "io_stream":
        top = (fw.output_dir / "firmware" / "selfmerge.cpp").read_text()
        assert "nnet::clone_stream<x_packet_t, 2>(x_out, x_to_twice_0, x_to_twice_1));" in top
        # concatenate on axis 0 reads all of input 0 before input 1: input 1's FIFO holds it
        assert "hls::stream<twice_packet_t, 2> twice_to_cat_1(" in top


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_generated_configs_match_header_defaults(tmp_path, io_type):
    from test_meta import check_configs

    for case in (4, 9, 8, 13):  # average (recip_t), concatenate (both stream kinds), dot
        op, s0, s1, precision = CASES[case]
        cfg = ExportConfig(output_dir=tmp_path / str(case), io_type=io_type)
        out = Firmware(two_inputs(op, s0, s1, precision), cfg).write()
        params = (out / "firmware" / "parameters.h").read_text()
        assert check_configs(params) == 2  # relu_b and the merge


THREE = [
    ("add", {}),
    ("multiply", {"result": "ap_fixed<12,5,AP_RND,AP_SAT>"}),
    ("average", {}),
    ("average", {"recip": "ap_ufixed<6,0,AP_RND_CONV>", "result": "ap_fixed<10,4,AP_RND>"}),
    ("maximum", {}),
    ("minimum", {"result": "ap_fixed<6,2,AP_RND,AP_SAT>"}),
]


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("case", range(len(THREE)), ids=lambda i: f"{THREE[i][0]}{i}")
def test_three_inputs(tmp_path, io_type, case):
    """Three inputs of three types (one unsigned); input 1 also fans out to a relu."""
    op, precision = THREE[case]
    g = Graph("merge3")
    g.add(Node("in_a", Input(), shape=(2, 3)))
    g.add(Node("in_b", Input(), shape=(2, 3), precision={"result": "ap_fixed<9,3,AP_RND>"}))
    g.add(Node("in_c", Input(), shape=(2, 3), precision={"result": "ap_ufixed<7,2>"}))
    g.add(Node("layer", Merge(op), ["in_a", "in_b", "in_c"], precision=dict(precision)))
    g.add(Node("relu_b", Activation("relu"), ["in_b"]))
    g.inputs, g.outputs = ["in_a", "in_b", "in_c"], ["layer", "relu_b"]
    fw = Firmware(g, ExportConfig(output_dir=tmp_path, io_type=io_type)).compile()
    rng = np.random.default_rng(10 + case)
    xs = [rng.normal(0, 3, (64, 2, 3)) for _ in range(3)]
    for a, b in zip(fw.predict(xs), fw.reference(xs), strict=True):
        np.testing.assert_array_equal(a, b)
