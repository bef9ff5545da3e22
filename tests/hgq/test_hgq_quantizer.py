"""HGQ2 quantizers: the numpy reference == HGQ2 for every rounding and overflow mode with
per-element widths, csim == HGQ2 in both io types, uniform quantizers are plain conversions,
and the summary names the container type."""

import numpy as np
import pytest

pytest.importorskip("hgq")

import keras  # noqa: E402
from hgq.quantizer import Quantizer  # noqa: E402
from hmodels import data, kif_config, randomize  # noqa: E402

import keras_plugin  # noqa: E402,F401
from fpga_export.layers.activation import Activation  # noqa: E402
from fpga_export.layers.fixed_quantizer import FixedQuantizer  # noqa: E402

ROUNDINGS = ["TRN", "RND", "RND_CONV", "TRN_ZERO", "RND_ZERO", "RND_MIN_INF", "RND_INF", "S_RND"]
OVERFLOWS = ["WRAP", "SAT", "SAT_SYM"]


def quantizer_model(overflow, rounding, shape=(3, 4), seed=1, **kw):
    inp = keras.Input(shape, name="x")
    q = Quantizer(kif_config(overflow, rounding, **kw), name="q")
    model = keras.Model(inp, q(inp), name="quant")
    randomize(model, seed, i_range=(-3, 3), f_range=(-2, 5))
    return model


def inputs(model, fw, n=256, seed=0):
    """Floats on the grid of the input type (the container: the finest element's LSB) and
    within its range, plus ties at every rounding step."""
    t = fw.graph[fw.graph.inputs[0]].types["result"]
    x = data(model, n, seed, scale=4.0)
    x[0].flat[:8] = [0.5, -0.5, 1.5, -2.5, 0.25, -0.75, 0.125, -0.125]
    x = np.clip(np.floor(x / t.lsb) * t.lsb, t.min, t.max)
    return x.astype("float32")


@pytest.mark.parametrize("overflow", OVERFLOWS)
@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_reference_equals_hgq(tmp_path, rounding, overflow):
    model = quantizer_model(overflow, rounding)
    fw = model.export_fpga(tmp_path / "p")
    node = fw.graph["q"]
    assert isinstance(node.op, FixedQuantizer) and node.exact
    x = inputs(model, fw)
    want = np.asarray(model(x, training=False))
    np.testing.assert_array_equal(fw.reference(x), want)


@pytest.mark.parametrize(
    "overflow,rounding,io_type",
    [("WRAP", "RND", "io_parallel"), ("SAT_SYM", "RND_CONV", "io_stream")],
)  # every mode in C++: tests/csim/test_fixed_quantizer_csim.py
def test_csim_equals_hgq(tmp_path, io_type, overflow, rounding):
    model = quantizer_model(overflow, rounding, seed=2)
    fw = model.export_fpga(tmp_path / "p", io_type=io_type).compile()
    x = inputs(model, fw)
    want = np.asarray(model(x, training=False))
    np.testing.assert_array_equal(fw.predict(x), want)
    assert fw.exact is True


def test_summary_names_the_container_type(tmp_path):
    model = quantizer_model("WRAP", "RND", seed=3)
    fw = model.export_fpga(tmp_path / "p")
    container = fw.graph["q"].result
    line = next(s for s in fw.summary().splitlines() if s.startswith("  q: "))
    assert f"the firmware holds them in the container type {container}" in line
    assert "per-element types: 12 values" in line


def test_uniform_quantizer_is_a_conversion_exact_for_any_input(tmp_path):
    """One type for the tensor (heterogeneous_axis=()): a conversion into that type, which
    is also the input type, so any float input is exact."""
    inp = keras.Input((5,), name="x")
    cfg = kif_config("SAT", "RND", i0=1, f0=3, homogeneous_axis=None, heterogeneous_axis=())
    model = keras.Model(inp, Quantizer(cfg, name="q")(inp))
    fw = model.export_fpga(tmp_path / "p")
    assert isinstance(fw.graph["q"].op, Activation)
    assert str(fw.graph["q"].result) == "ap_fixed<5,2,AP_RND,AP_SAT>"
    assert str(fw.graph[fw.graph.inputs[0]].result) == "ap_fixed<5,2,AP_RND,AP_SAT>"
    x = np.random.default_rng(0).normal(0, 2, (300, 5)).astype("float32")
    np.testing.assert_array_equal(fw.reference(x), np.asarray(model(x, training=False)))


def test_zero_width_elements_output_zero(tmp_path):
    inp = keras.Input((4,), name="x")
    q = Quantizer(kif_config("WRAP", "RND"), name="q")
    model = keras.Model(inp, q(inp))
    inner = q.quantizer
    inner._k.assign(np.array([[1, 1, 0, 0]], "uint8"))
    inner._i.assign(np.array([[-3, 2, -2, 1]], "float32"))  # k + i + f: 0, 5, 0, 3
    inner._f.assign(np.array([[2, 2, 2, 2]], "float32"))
    fw = model.export_fpga(tmp_path / "p")
    assert "1 always 0" not in fw.summary() and "2 always 0" in fw.summary()
    x = np.array([[1.25, -1.25, 0.5, 3.75], [-0.25, 3.5, 0.75, -1.0]], "float32")
    want = np.asarray(model(x, training=False))
    assert want[:, 0].tolist() == [0, 0] and want[:, 2].tolist() == [0, 0]
    np.testing.assert_array_equal(fw.reference(x), want)


def test_scaled_quantizer_is_refused(tmp_path):
    """(hgq2 0.2.0 cannot build its float quantizers, so that refusal is not tested here.)"""
    inp = keras.Input((4,), name="x")
    q = Quantizer(kif_config("WRAP", "RND", scaler=2.0), name="sq")
    with pytest.raises(ValueError) as e:
        keras.Model(inp, q(inp)).export_fpga(tmp_path / "b")
    assert str(e.value) == (
        "layer 'sq' (Quantizer): quantizer 'sq' has scaler=2.0, affine=None: a scaled "
        "quantizer is not supported"
    )
