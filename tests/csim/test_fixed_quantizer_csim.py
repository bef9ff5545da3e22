"""FixedQuantizer (per-element types) and Lookup (a table over the input type) without any
framework: the Interpreter follows the documented semantics (oracle: one FixedType per element,
the table read at every input value), and csim == Interpreter in both io types."""

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.layers.fixed_quantizer import FixedQuantizer, element_types, kif_weights
from fpga_export.layers.lookup import Lookup, table_inputs
from fpga_export.types import FixedType, Rounding
from graphs import single

SHAPE = (3, 4)
X_TYPE = "ap_fixed<14,6>"


def quantizer_graph(rounding, overflow, seed=0):
    rng = np.random.default_rng(seed)
    k, i, f = (rng.integers(lo, hi, SHAPE) for lo, hi in ((0, 2), (-2, 4), (-1, 5)))
    g = single(FixedQuantizer(rounding, overflow), SHAPE, kif_weights(k, i, f, overflow))
    g["input_1"].precision["result"] = X_TYPE
    return g, (k, i, f)


def oracle(x, kif, rounding, overflow):
    """Per element: 0 when k + i + f <= 0, else the conversion into ap_(u)fixed<k+i+f, k+i>
    with i raised to -f (SAT_SYM: the lowest value is -(2^i - 2^-f), as HGQ2)."""
    out = np.zeros_like(x)
    for idx in np.ndindex(*SHAPE):
        k, i, f = (int(a[idx]) for a in kif)
        if k + i + f <= 0:
            continue
        i = max(i, -f)
        v = x[(slice(None), *idx)]
        t = FixedType(k + i + f, k + i, bool(k), rounding, "SAT" if overflow != "WRAP" else "WRAP")
        y = t.quantize(v)
        if overflow == "SAT_SYM" and k:
            y = np.maximum(y, -(2.0**i - 2.0**-f))
        out[(slice(None), *idx)] = y
    return out


@pytest.mark.parametrize("overflow", ["WRAP", "SAT", "SAT_SYM"])
@pytest.mark.parametrize("rounding", [m.value for m in Rounding.members("ap")])  # HGQ2 modes
def test_interpreter_follows_the_per_element_types(tmp_path, rounding, overflow):
    g, kif = quantizer_graph(rounding, overflow)
    fw = Firmware(g, ExportConfig(output_dir=tmp_path))
    x = FixedType.parse(X_TYPE).quantize(np.random.default_rng(1).normal(0, 6, (300, *SHAPE)))
    np.testing.assert_array_equal(fw.reference(x), oracle(x, kif, rounding, overflow))
    types = element_types(g["layer"].weights, rounding, overflow)
    assert all(t is None or fw.graph["layer"].result.quantize(t.max) == t.max for t in types)


@pytest.mark.parametrize(
    "rounding,overflow,io_type",
    [("RND", "WRAP", "io_parallel"), ("RND_INF", "SAT_SYM", "io_stream"),
     ("TRN_ZERO", "SAT", "io_parallel")],
)  # fmt: skip
def test_quantizer_csim_equals_interpreter(tmp_path, io_type, rounding, overflow):
    g, _ = quantizer_graph(rounding, overflow, seed=2)
    fw = Firmware(g, ExportConfig(output_dir=tmp_path, io_type=io_type)).compile()
    x = np.random.default_rng(3).normal(0, 6, (200, *SHAPE))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))


@pytest.mark.parametrize(
    "x_type,io_type", [("ap_fixed<6,2>", "io_parallel"), ("ap_ufixed<5,3>", "io_stream")]
)
def test_lookup_reads_the_table_at_every_input_value(tmp_path, io_type, x_type):
    t = FixedType.parse(x_type)
    values = table_inputs(t)
    table = np.round(np.tanh(values) * 64) / 64
    g = single(Lookup(), SHAPE, {"table": table})
    g["input_1"].precision["result"] = x_type
    fw = Firmware(g, ExportConfig(output_dir=tmp_path, io_type=io_type)).compile()
    x = np.random.default_rng(0).choice(values, (100, *SHAPE))
    x[0].flat[: len(values[:12])] = values[:12]
    want = table[np.searchsorted(values, x)]
    np.testing.assert_array_equal(fw.reference(x), want)
    np.testing.assert_array_equal(fw.predict(x), want)


def test_lookup_table_must_match_the_input_type(tmp_path):
    g = single(Lookup(), (3,), {"table": np.zeros(32)})
    g["input_1"].precision["result"] = "ap_fixed<6,2>"
    with pytest.raises(ValueError, match=r"the lookup table has 32 entries, its input type "
                       r"ap_fixed<6,2> has 64 values"):  # fmt: skip
        Firmware(g, ExportConfig(output_dir=tmp_path))
