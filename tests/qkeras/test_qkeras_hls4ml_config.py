"""An hls4ml config_from_keras_model(granularity='name') dict for a QKeras model, built here as
hls4ml 1.x builds it: quantizer types for weight/bias (its QKerasQuantizer: ``fixed<6,1>``)
and activations (``_get_precision_from_quantizer``: ``fixed<10,5,RND_CONV,SAT>``,
``ufixed<6,0,RND_CONV,SAT>``), "auto" for accumulators and Dense results, a table type and
TableSize for every Activation-class layer, '<layer>_linear' after each QDense. The firmware
has those types. Its input is hls4ml's: "auto" = the model default ap_fixed<16,6>, so csim ==
QKeras bit for bit on inputs on that grid (hls4ml's csim truncates other inputs to it too).

Not run where the venv's ``qkeras`` is HGQ2's compatibility layer (hgq2 0.2.0 installs a
top-level ``qkeras`` package over QKeras 0.9's)."""

import numpy as np
import tf_keras
from qkeras import QActivation, QDense

from fpga_export import hls4ml_keys as hk
from fpga_export.types import FixedType
from qmodels import INPUT_Q, W6, randomize

T = FixedType.parse


def qmlp():
    x_in = tf_keras.Input((16,), name="x")
    h = QActivation(INPUT_Q, name="qin")(x_in)
    h = QDense(32, kernel_quantizer=W6, bias_quantizer=W6, name="fc1")(h)
    h = QActivation("quantized_relu(6)", name="relu1")(h)
    h = QDense(5, kernel_quantizer=W6, bias_quantizer=W6, name="out")(h)
    return tf_keras.Model(x_in, h, name="qmlp")


def activation(result):
    return {
        "Trace": False,
        "Precision": {"result": result, "table": "fixed<18,8>"},
        "ReuseFactor": 1,
        "TableSize": 1024,
    }


def qdense():
    weights = {"weight": "fixed<6,1>", "bias": "fixed<6,1>"}
    precision = {"result": "auto", "accum": "auto", **weights}
    return {"Trace": False, "Precision": precision, "ReuseFactor": 1}


def test_generator_config_of_a_qkeras_model_keeps_it_exact(tmp_path):
    tf_keras.utils.set_random_seed(0)
    model = randomize(qmlp())
    config = {
        "Model": {
            "Precision": {"default": "fixed<16,6>"},
            "ReuseFactor": 1,
            "Strategy": "Latency",
            "BramFactor": 1_000_000_000,
            "TraceOutput": False,
        },
        "LayerName": {
            "x": {"Trace": False, "Precision": {"result": "auto"}},
            "qin": activation("fixed<10,5,RND_CONV,SAT>"),
            "fc1": qdense(),
            "fc1_linear": activation("auto"),
            "relu1": activation("ufixed<6,0,RND_CONV,SAT>"),
            "out": qdense(),
            "out_linear": activation("auto"),
        },
    }
    fw = model.export_fpga(tmp_path / "q", hls_config=config).compile()
    g = fw.graph
    assert g["qin"].types["result"] == T("ap_fixed<10,5,AP_RND_CONV,AP_SAT>")
    assert g["relu1"].types["result"] == T("ap_ufixed<6,0,AP_RND_CONV,AP_SAT>")
    for name in ("fc1", "out"):
        assert (g[name].types["kernel"], g[name].types["bias"]) == (T("ap_fixed<6,1>"),) * 2
    assert g["x"].types["result"] == T("ap_fixed<16,6>")
    k = np.random.default_rng(1).integers(-24 * 1024, 24 * 1024, (2048, 16))
    x = k / 1024  # on the ap_fixed<16,6> grid, beyond the input quantizer's range too
    np.testing.assert_array_equal(fw.predict(x), model.predict(x, verbose=0))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))
    lines = fw.summary().splitlines()
    assert hk.note("BramFactor") in lines
    assert (
        "hls_config: Precision 'table' accepted, no effect on qin, relu1: computed without a "
        "lookup table" in lines
    )
    assert (
        "hls_config: LayerName 'fc1_linear', 'out_linear' accepted, no effect: a linear "
        "activation (hls4ml's '<layer>_linear') is no node here" in lines
    )
