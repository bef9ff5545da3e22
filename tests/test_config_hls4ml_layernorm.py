"""An hls4ml generator config (built here as hls4ml's ``config_from_keras_model`` builds it at
'name' granularity; hls4ml is not a dependency) on a live Keras model with LayerNormalization
and an ELU of alpha 0.5: both compute as hls4ml computes them, with hls4ml's types and
settings, csim == interpreter in both io types."""

import numpy as np
import pytest

from fpga_export.layers.activation_hls4ml import Hls4mlActivation
from fpga_export.layers.layernorm_hls4ml import Hls4mlLayerNorm
from fpga_export.types import FixedType

keras = pytest.importorskip("keras")
import keras_plugin  # noqa: E402,F401

T = FixedType.parse
CONFIG = {
    "Model": {
        "Precision": {"default": "fixed<16,6>"},
        "ReuseFactor": 1,
        "Strategy": "Latency",
        "BramFactor": 1_000_000_000,
        "TraceOutput": False,
    },
    "LayerName": {
        "x": {"Trace": False, "Precision": {"result": "auto"}},
        "ln": {
            "Trace": False,
            "Precision": {
                "result": "auto",
                "scale": "auto",
                "bias": "auto",
                "accum": "fixed<14,4,RND_CONV,SAT>",
                "table": "ufixed<8,5,RND_CONV,SAT>",
            },
            "ReuseFactor": 1,
            "TableRangePower2": 0,
            "TableSize": 4096,
        },
        "elu": {
            "Trace": False,
            "Precision": {"result": "auto", "param": "auto", "table": "fixed<18,8>"},
            "ReuseFactor": 1,
            "TableSize": 1024,
        },
    },
}


def model():
    keras.utils.set_random_seed(3)
    inp = keras.Input((3, 8), name="x")
    x = keras.layers.LayerNormalization(name="ln")(inp)
    out = keras.layers.ELU(alpha=0.5, name="elu")(x)
    m = keras.Model(inp, out)
    rng = np.random.default_rng(0)
    m.get_layer("ln").set_weights([rng.uniform(0.5, 1.5, 8), rng.normal(0, 0.3, 8)])
    return m


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_generator_config(tmp_path, io_type):
    fw = model().export_fpga(tmp_path / "p", hls_config=CONFIG, io_type=io_type)
    g = fw.graph
    assert g["ln"].op == Hls4mlLayerNorm(epsilon_power_of_10=3, table_size=4096)
    assert g["elu"].op == Hls4mlActivation("elu", 1024, alpha=0.5)
    assert g["ln"].types["accum"] == T("ap_fixed<14,4,AP_RND_CONV,AP_SAT>")
    assert g["ln"].types["table"] == T("ap_ufixed<8,5,AP_RND_CONV,AP_SAT>")
    assert g["elu"].types["param"] == T("ap_fixed<16,6>")
    assert (
        "activation_tables: ln, elu computed as hls4ml computes them (its tables and truncated "
        "index, layers/activation_hls4ml.py; activation_tables='fpga-export' for fpga-export's "
        "nearest-centre tables)"
    ) in fw.summary().splitlines()
    assert not any("can differ from hls4ml" in line for line in fw.config.notes)
    x = np.random.default_rng(1).normal(0, 0.6, (100, 3, 8))
    fw.compile()
    y = fw.predict(x)
    np.testing.assert_array_equal(y, fw.reference(x))
    # close to Keras: hls4ml's 4096-entry table over [0, 1) and its 8-bit entries
    np.testing.assert_allclose(y, model()(x).numpy(), atol=0.15)
