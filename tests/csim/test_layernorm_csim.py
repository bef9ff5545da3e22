"""LayerNormalization: csim == Interpreter bit for bit, over precisions, shapes and io types.

io_stream: a 1-D input is one packet (one row); a (T, C) input is T packets of one row each.
"""

import numpy as np
import pytest

from fpga_export import passes
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Graph, Node
from fpga_export.layers.input import Input
from fpga_export.layers.norm import LayerNormalization

PRECISIONS = [
    # (input, result, accum, var, table, scale/bias): default, narrow wrapping, saturating
    # and rounding, RND modes with an unsigned var, wide
    ("ap_fixed<16,6>", None, None, None, None, None),
    ("ap_fixed<8,3>", "ap_fixed<8,3>", "ap_fixed<10,4>", "ap_fixed<8,3>", "ap_fixed<8,4>",
     "ap_fixed<6,2>"),
    ("ap_fixed<10,4,AP_RND>", "ap_fixed<10,3,AP_RND,AP_SAT>", "ap_fixed<14,5,AP_RND_CONV,AP_SAT>",
     "ap_ufixed<12,4,AP_RND,AP_SAT>", "ap_fixed<16,6,AP_RND,AP_SAT>", "ap_fixed<8,2,AP_RND>"),
    ("ap_ufixed<10,4>", "ap_fixed<12,4,AP_RND_ZERO,AP_SAT_ZERO>", "ap_fixed<16,6,AP_TRN,AP_SAT_SYM>",
     "ap_fixed<14,5,AP_RND_INF>", "ap_fixed<18,8,AP_RND,AP_SAT>", "ap_fixed<10,3>"),
    ("ap_fixed<24,8>", "ap_fixed<32,10,AP_RND_MIN_INF>", "ap_fixed<40,12,AP_RND>",
     "ap_fixed<32,8>", "ap_fixed<24,8,AP_RND,AP_SAT>", "ap_fixed<18,4>"),
]  # fmt: skip


def build(tmp_path, shape, types, io_type, op=None, seed=0):
    x_type, result, accum, var, table, weights = types
    prec = {"result": result, "accum": accum, "var": var, "table": table}
    prec = {k: v for k, v in prec.items() if v}
    if weights:
        prec.update(scale=weights, bias=weights)
    rng = np.random.default_rng(seed)
    w = {"gamma": rng.uniform(-2, 2, shape[-1]), "beta": rng.normal(0, 1, shape[-1])}
    g = Graph("ln")
    g.add(Node("x", Input(), shape=shape, precision={"result": x_type}))
    g.add(Node("ln", op or LayerNormalization(), ["x"], weights=w, precision=prec))
    g.inputs, g.outputs = ["x"], ["ln"]
    passes.infer_shapes(g)
    passes.infer_types(g)
    cfg = ExportConfig(output_dir=tmp_path / io_type, io_type=io_type)
    return Firmware(g, cfg).compile()


def inputs(shape, n=500, seed=1):
    rng = np.random.default_rng(seed)
    scale = rng.uniform(0.05, 4, (n,) + (1,) * len(shape))  # tiny to huge variances
    return rng.normal(0, 1, (n, *shape)) * scale + rng.normal(0, 2, (n, *shape[:-1], 1))


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("shape", [(12,), (4, 6)])
@pytest.mark.parametrize("types", PRECISIONS, ids=lambda t: t[0])
def test_csim_equals_interpreter(tmp_path, io_type, shape, types):
    fw = build(tmp_path, shape, types, io_type)
    x = inputs(shape)
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_table_settings_and_odd_row(tmp_path, io_type):
    op = LayerNormalization(epsilon=1e-5, table_size=256, table_range=0.5)
    fw = build(tmp_path, (3, 7), PRECISIONS[2], io_type, op=op, seed=3)
    x = inputs((3, 7), seed=4) * 0.3
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))


def test_set_weights_without_recompiling(tmp_path):
    fw = build(tmp_path, (8,), PRECISIONS[0], "io_parallel")
    x = inputs((8,), n=100)
    fw.set_weights({"ln": {"gamma": np.linspace(-1, 1, 8), "beta": np.ones(8)}})
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))
