"""Pooling (window and global, max and average): csim == Interpreter bit for bit."""

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.layers.pool import GlobalPooling1D, GlobalPooling2D, Pooling1D, Pooling2D
from graphs import single

CASES = [
    # (op, input shape, precision of the pooling node)
    (Pooling2D("max", (2, 2), (2, 2), "valid"), (5, 4, 2), {}),
    (Pooling2D("max", (3, 2), (2, 1), "same"), (5, 4, 2), {"result": "ap_fixed<6,2,AP_RND,AP_SAT>"}),
    (Pooling2D("average", (2, 2), (2, 2), "valid"), (4, 5, 3), {}),
    (Pooling2D("average", (3, 3), (2, 2), "same"), (5, 4, 2), {}),
    # saturating narrow accum (overflows on purpose), rounding result and reciprocal
    (
        Pooling2D("average", (2, 3), (1, 2), "same"),
        (4, 5, 2),
        {"accum": "ap_fixed<8,3,AP_TRN,AP_SAT>", "result": "ap_fixed<8,3,AP_RND>",
         "recip": "ap_ufixed<8,1,AP_RND_CONV>"},
    ),
    (Pooling1D("max", (3,), (2,), "same"), (7, 2), {}),
    (Pooling1D("average", (2,), (3,), "same"), (8, 3), {}),
    (GlobalPooling2D("max"), (3, 4, 2), {}),
    (GlobalPooling2D("average"), (3, 3, 2), {}),
    (GlobalPooling1D("average"), (6, 3), {"result": "ap_fixed<10,4,AP_RND_INF>"}),
    (GlobalPooling1D("max"), (5, 2), {}),
    # explicit (PyTorch) padding; count_pad: the window size divides (count_include_pad)
    (Pooling2D("max", (3, 3), (2, 2), (1, 1)), (5, 4, 2), {}),
    (Pooling2D("average", (3, 2), (2, 1), ((1, 0), (1, 1)), True), (5, 4, 2), {}),
    (Pooling1D("average", (3,), (2,), (1,), True), (7, 2), {"result": "ap_fixed<9,3,AP_RND>"}),
]  # fmt: skip


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("case", range(len(CASES)), ids=lambda i: f"{CASES[i][0].kind}{i}")
def test_csim_equals_interpreter(tmp_path, io_type, case):
    op, shape, precision = CASES[case]
    g = single(op, shape, name="pool", precision=dict(precision))
    cfg = ExportConfig(output_dir=tmp_path / io_type, io_type=io_type)
    fw = Firmware(g, cfg).compile()
    x = np.random.default_rng(case).normal(0, 4, (64, *shape))
    got, want = fw.predict(x), fw.reference(x)
    assert got.shape == want.shape == (64, *fw.graph["layer"].shape)
    np.testing.assert_array_equal(got, want)
