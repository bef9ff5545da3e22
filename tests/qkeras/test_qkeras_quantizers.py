"""Every QKeras quantizer kind, as an activation and as a weight quantizer: csim output equals
QKeras' own output bit for bit (and the numpy reference), with no precision given."""

import re
import warnings

import numpy as np
import pytest
from qkeras import quantized_bits, quantized_relu

from fpga_export.passes import ExactnessWarning
from qmodels import dense_then, exact_fraction, inputs

ACTIVATIONS = [
    # (quantizer, the result type it maps to)
    ("quantized_bits(4,1)", "ap_fixed<4,2,AP_RND_CONV,AP_SAT>"),
    ("quantized_bits(8,2,1)", "ap_fixed<8,3,AP_RND_CONV,AP_SAT_SYM>"),
    ("quantized_bits(6,2,keep_negative=False)", "ap_ufixed<6,2,AP_RND_CONV,AP_SAT>"),
    ("quantized_bits(2,0)", "ap_fixed<2,1,AP_RND_CONV,AP_SAT>"),
    ("quantized_bits(1,0)", "ap_fixed<2,2>"),  # QKeras: sign(x), sign(0) = +1
    ("quantized_bits(16,6)", "ap_fixed<16,7,AP_RND_CONV,AP_SAT>"),
    ("quantized_relu(6)", "ap_ufixed<6,0,AP_RND_CONV,AP_SAT>"),
    ("quantized_relu(4,2)", "ap_ufixed<4,2,AP_RND_CONV,AP_SAT>"),
    ("quantized_relu(2,1)", "ap_ufixed<2,1,AP_RND_CONV,AP_SAT>"),
    ("quantized_relu(8,3,negative_slope=0.25)", "ap_fixed<8,4,AP_RND_CONV,AP_SAT>"),
    ("quantized_relu(6,1,negative_slope=0.5)", "ap_fixed<6,2,AP_RND_CONV,AP_SAT>"),
    (
        quantized_relu(6, 2, relu_upper_bound=3.0, is_quantized_clip=False),
        "ap_ufixed<6,2,AP_RND_CONV,AP_SAT>",
    ),
    ("quantized_tanh(6)", "ap_fixed<6,1,AP_RND_CONV,AP_SAT>"),
    ("quantized_tanh(4,symmetric=True)", "ap_fixed<4,1,AP_RND_CONV,AP_SAT_SYM>"),
    ("quantized_sigmoid(6)", "ap_ufixed<6,0,AP_RND_CONV,AP_SAT>"),
    ("binary()", "ap_fixed<2,2>"),
    ("binary(use_01=True)", "ap_ufixed<1,1>"),
    ("binary(alpha=0.5)", "ap_fixed<2,1>"),
    ("ternary()", "ap_fixed<2,2>"),
    ("ternary(threshold=0.5,alpha=0.25)", "ap_fixed<2,0>"),
    ("stochastic_binary()", "ap_fixed<2,2>"),
    ("stochastic_ternary()", "ap_fixed<2,2>"),
    ("quantized_po2(4)", "ap_fixed<9,5>"),  # +-2^-4 .. +-2^3
    ("quantized_po2(4,2)", "ap_fixed<7,3>"),  # max_value 2: exponents -4 .. 1
    ("quantized_relu_po2(4)", "ap_ufixed<16,8>"),  # 2^-8 .. 2^7
    ("quantized_relu_po2(5,1,log2_rounding='floor')", "ap_ufixed<33,1>"),  # 2^-32 .. 2^0
]


@pytest.mark.parametrize("act, result", ACTIVATIONS, ids=[str(a) for a, _ in ACTIVATIONS])
def test_activation_quantizer_is_exact(act, result, tmp_path):
    model = dense_then(act)
    fw = model.export_fpga(tmp_path / "p").compile()
    assert str(fw.graph["act"].result) == result
    assert fw.exact is True, fw.summary()
    x = inputs((8,))
    got = fw.predict(x)
    np.testing.assert_array_equal(got, model.predict(x, verbose=0))
    np.testing.assert_array_equal(got, fw.reference(x))


WEIGHTS = [
    # (kernel quantizer, kernel type)
    ("quantized_bits(6,0,alpha=1)", "ap_fixed<6,1>"),
    ("quantized_bits(2,0,alpha=1)", "ap_fixed<2,1>"),
    ("quantized_bits(16,4,alpha=1)", "ap_fixed<16,5>"),
    ("quantized_bits(4,1,keep_negative=False,alpha=1)", "ap_ufixed<4,1>"),
    ("quantized_bits(6,0)", None),  # QDense makes alpha "auto_po2": per-channel po2 scales
    ("quantized_bits(4,1,alpha='auto_po2')", None),
    ("binary(alpha=1)", "ap_fixed<2,2>"),
    ("ternary(alpha=1)", "ap_fixed<2,2>"),
    ("binary()", None),  # auto_po2 scales
    ("ternary()", None),
    ("stochastic_ternary(alpha='auto_po2')", None),
    ("quantized_po2(4)", None),
    ("quantized_po2(5,1)", None),
    (quantized_bits(6, 0, alpha=np.array([0.25, 0.5, 1, 2, 4, 1, 0.5, 0.125])), None),  # po2
]


@pytest.mark.parametrize(
    "kernel, kernel_type",
    WEIGHTS,
    ids=[k if isinstance(k, str) else "alpha_array" for k, _ in WEIGHTS],
)
def test_weight_quantizer_is_exact(kernel, kernel_type, tmp_path):
    model = dense_then("quantized_relu(8,4)", kernel=kernel)
    fw = model.export_fpga(tmp_path / "p").compile()
    node = fw.graph["d"]
    if kernel_type is not None:
        assert str(node.types["kernel"]) == kernel_type
    q = model.get_layer("d").kernel_quantizer_internal
    values = q(model.get_layer("d").kernel).numpy()
    if "d_scale" in fw.graph:  # binary/ternary with per-channel po2 scales: signs, then scales
        assert str(node.types["kernel"]) == "ap_fixed<2,2>"  # multiplier-free
        scale = fw.graph["d_scale"].weights["scale"]
        assert not np.all(scale == 1.0)
        np.testing.assert_array_equal(node.weights["kernel"] * scale, values)
    else:
        np.testing.assert_array_equal(node.weights["kernel"], values)
    assert fw.exact is True, fw.summary()
    x = inputs((8,))
    got = fw.predict(x)
    np.testing.assert_array_equal(got, model.predict(x, verbose=0))
    np.testing.assert_array_equal(got, fw.reference(x))


@pytest.mark.parametrize("bits", [2, 3, 4, 6, 8, 12, 16])
def test_bit_widths_from_2_to_16(bits, tmp_path):
    q = f"quantized_bits({bits},0,alpha=1)"
    model = dense_then(f"quantized_bits({bits},2)", kernel=q, bias=q)
    fw = model.export_fpga(tmp_path / "p").compile()
    assert str(fw.graph["d"].types["kernel"]) == f"ap_fixed<{bits},1>"
    x = inputs((8,))
    got, want = fw.predict(x), model.predict(x, verbose=0)
    if bits < 16:
        assert fw.exact is True
        np.testing.assert_array_equal(got, want)
        return
    # 16-bit inputs times 16-bit weights need 28 significant bits: QKeras' float32 sums
    # round (in an order that depends on the CPU's kernels), so the export says NOT EXACT
    # and the output may differ by one LSB of the activation where a rounded sum crosses
    # a quantization step
    assert fw.exact is False
    assert "which rounds values of more than 24 significant bits" in fw.summary()
    lsb = 2.0 ** (2 - 15)
    assert np.abs(got - want).max() <= lsb
    assert np.mean(got != want) < 0.01


def test_non_power_of_two_alpha_is_exported_with_a_warning(tmp_path):
    model = dense_then("quantized_relu(8,4)", kernel="quantized_bits(6,0,alpha='auto')")
    with pytest.warns(ExactnessWarning) as record:
        fw = model.export_fpga(tmp_path / "p").compile()
    (w,) = record
    message = str(w.message)
    assert re.fullmatch(
        r"node 'd' \(d \(QDense\)\) is not exact: kernel values are not all values of "
        r"ap_fixed<14,\d+,AP_RND_CONV> \(quantized_bits\(6,0,1,alpha='auto'\) scales them by "
        r"factors that are not powers of two \(alpha='auto'\); use alpha=1 or "
        r"alpha='auto_po2' for an exact export\) \(worst-case output error [0-9.e-]+\)",
        message,
    ), message
    bound = float(message.rsplit("error ", 1)[1].rstrip(")"))
    assert fw.exact is False
    summary = fw.summary()
    assert "d: NOT EXACT: kernel values are not all values of" in summary
    assert "act: NOT EXACT: input d is not exact" in summary
    # the stated bound holds for the pre-activation values (dense output) ...
    x = inputs((8,))
    d_csim = fw.trace(x)["d"]
    layer = model.get_layer("d")
    xq = fw.trace(x)["qin"]
    d_float = xq @ layer.kernel_quantizer_internal(layer.kernel).numpy().astype(np.float64)
    d_float += layer.bias_quantizer_internal(layer.bias).numpy()
    assert np.abs(d_csim - d_float).max() <= bound
    # ... and most outputs still agree
    assert exact_fraction(fw.predict(x), model.predict(x, verbose=0)) > 0.5


def test_explicit_non_power_of_two_alpha_array_is_reported(tmp_path):
    alpha = np.linspace(0.3, 1.7, 8)
    model = dense_then("quantized_relu(8,4)", kernel=quantized_bits(6, 0, alpha=alpha))
    with pytest.warns(ExactnessWarning, match="scales them by factors that are not powers of two"):
        fw = model.export_fpga(tmp_path / "p")
    assert fw.exact is False


def test_unquantized_layer_keeps_the_default_and_is_reported(tmp_path):
    model = dense_then("quantized_relu(6)", kernel=None, bias=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a float layer is not a quantized one gone wrong
        fw = model.export_fpga(tmp_path / "p", precision="ap_fixed<18,8>")
    t = fw.graph["d"].types
    assert str(t["kernel"]) == str(t["bias"]) == "ap_fixed<18,8>"
    assert fw.exact is False
    assert "d: NOT EXACT: kernel values are not all values of ap_fixed<18,8>" in fw.summary()


def test_user_precision_wins_over_quantizer_types(tmp_path):
    model = dense_then("quantized_relu(6)")
    layers = {"act": {"result": "ap_ufixed<4,0,AP_RND,AP_SAT>"}, "d": {"accum": "ap_fixed<12,4>"}}
    fw = model.export_fpga(tmp_path / "p", layers=layers)
    assert str(fw.graph["act"].result) == "ap_ufixed<4,0,AP_RND,AP_SAT>"
    assert str(fw.graph["d"].types["accum"]) == "ap_fixed<12,4>"
    assert str(fw.graph["d"].types["kernel"]) == "ap_fixed<6,1>"  # still the quantizer's
    assert fw.exact is False


REFUSED = [
    (
        "quantized_bits(6,0,alpha='auto')",
        "layer 'act' (QActivation): quantized_bits(6,0,1,alpha='auto') as an activation: "
        "alpha='auto' scales each batch by a factor computed from the data (or per channel), "
        "which firmware cannot reproduce; use alpha=1 for activations",
    ),
    (
        "binary(alpha='auto_po2')",
        "layer 'act' (QActivation): binary(alpha='auto_po2') as an activation: "
        "alpha='auto_po2' scales each batch by a factor computed from the data (or per "
        "channel), which firmware cannot reproduce; use alpha=1 for activations",
    ),
    (
        "quantized_relu(6,0,1)",
        "layer 'act' (QActivation): quantized_relu(6,0,1): use_sigmoid=1 is not supported (a "
        "sigmoid-shaped relu)",
    ),
    (
        "quantized_po2(4,quadratic_approximation=True)",
        "layer 'act' (QActivation): quantized_po2(4,quadratic_approximation=1): "
        "quadratic_approximation=True is not supported",
    ),
    (
        "quantized_ulaw(8)",
        "layer 'act' (QActivation): quantized_ulaw(8,0) as an activation is not supported: "
        "u-law companding is not implemented",
    ),
    (
        "quantized_sigmoid(6,symmetric=True)",
        "layer 'act' (QActivation): quantized_sigmoid(6,1): symmetric=True (an output floor of "
        "2^-6) is not supported",
    ),
]


@pytest.mark.parametrize("act, message", REFUSED, ids=[a for a, _ in REFUSED])
def test_refused_quantizers_say_why(act, message):
    model = dense_then(act)
    with pytest.raises(ValueError) as info:
        model.export_fpga()
    assert str(info.value) == message
