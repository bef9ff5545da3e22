"""Layout layers (padding, cropping, upsampling, reshape, permute): csim == Interpreter
bit for bit, in io_parallel and io_stream."""

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.layers.reshape import (
    Cropping1D,
    Cropping2D,
    Permute,
    Reshape,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)
from graphs import single

NARROW = {"result": "ap_fixed<6,2,AP_RND,AP_SAT>"}  # a converting result type

CASES = [
    # (op, input shape, precision of the node)
    (ZeroPadding2D(((1, 2), (0, 1))), (3, 4, 2), {}),
    (ZeroPadding2D(((0, 0), (2, 0))), (2, 3, 3), NARROW),
    (ZeroPadding1D((2, 1)), (5, 3), {}),
    (ZeroPadding1D((0, 3)), (4, 1), NARROW),
    (Cropping2D(((1, 0), (1, 2))), (4, 5, 2), {}),
    (Cropping2D(((0, 2), (0, 0))), (4, 3, 3), NARROW),
    (Cropping1D((1, 2)), (6, 2), {}),
    (UpSampling2D((2, 3)), (2, 3, 2), {}),
    (UpSampling2D((1, 2)), (3, 2, 1), NARROW),
    (UpSampling1D((3,)), (4, 2), {}),
    (Reshape((3, -1)), (4, 3, 2), {}),
    (Reshape((6, 2, 2)), (4, 6), NARROW),
    (Reshape((12,)), (3, 4), {}),
    (Permute((2, 1, 3)), (3, 4, 2), {}),
    (Permute((3, 1, 2)), (3, 4, 2), NARROW),
    (Permute((2, 3, 1)), (2, 3, 4), {}),
    (Permute((2, 1)), (5, 3), {}),
]


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("case", range(len(CASES)), ids=lambda i: f"{CASES[i][0].kind}{i}")
def test_csim_equals_interpreter(tmp_path, io_type, case):
    op, shape, precision = CASES[case]
    g = single(op, shape, name="reshape", precision=dict(precision))
    cfg = ExportConfig(output_dir=tmp_path / io_type, io_type=io_type)
    fw = Firmware(g, cfg).compile()
    x = np.random.default_rng(case).normal(0, 4, (32, *shape))
    got, want = fw.predict(x), fw.reference(x)
    assert got.shape == want.shape == (32, *fw.graph["layer"].shape)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_chain_through_conv_shapes(tmp_path, io_type):
    """Layout ops feeding each other (packet sizes change along the way)."""
    from fpga_export.ir import Graph, Node
    from fpga_export.layers.input import Input

    g = Graph("chain")
    g.add(Node("x", Input(), shape=(4, 6, 2)))
    g.add(Node("pad", ZeroPadding2D(((1, 1), (1, 0))), ["x"]))
    g.add(Node("up", UpSampling2D((1, 2)), ["pad"]))
    g.add(Node("crop", Cropping2D(((1, 2), (3, 1))), ["up"]))
    g.add(Node("perm", Permute((3, 2, 1)), ["crop"]))
    g.add(Node("resh", Reshape((-1, 3)), ["perm"]))
    g.inputs, g.outputs = ["x"], ["resh"]
    fw = Firmware(g, ExportConfig(output_dir=tmp_path / io_type, io_type=io_type)).compile()
    x = np.random.default_rng(0).normal(0, 4, (16, 4, 6, 2))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))
