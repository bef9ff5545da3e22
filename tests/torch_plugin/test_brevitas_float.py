"""Brevitas quantizers that are not fixed-point: float scales are exported with scale nodes,
a warning stating the worst-case error (which holds on real data) and "NOT EXACT" in the
summary; what no fixed-point type computes is refused with the reason."""

import re

import numpy as np
import pytest
import torch
from brevitas import nn as qnn
from brevitas.quant import (
    Int8ActPerTensorFixedPoint,
    Int8WeightPerTensorFixedPoint,
    Int8WeightPerTensorFloat,
    ShiftedUint8ActPerTensorFixedPoint,
    Uint8ActPerTensorFixedPoint,
)
from brevitas.quant.float import (
    Fp8e4m3ActPerTensorFloat,
    Fp8e4m3WeightPerTensorFloat,
)
from brevitas_models import brevitas_out, export, inputs, quant_input, quant_linear, settle
from torch import nn

from fpga_export.passes.mark_exact import ExactnessWarning

NUMBER = r"([0-9.]+(?:e[-+][0-9]+)?)"
SCALE_T = r"ap_fixed<18,-?\d+,AP_RND_CONV,AP_SAT>"


def _messages(record) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, ExactnessWarning)]


def _float32_slack(x, w, b) -> float:
    """A bound on float32's own rounding in Brevitas' ``x @ w.T + b`` (n products and sums,
    each rounded relative 2^-24 of at most the sum of magnitudes)."""
    n = x.shape[1]
    return (n + 2) * 2.0**-24 * float((np.abs(x) @ np.abs(w).T + np.abs(b)).max())


@pytest.mark.parametrize("bias", ["none", "float", "int16"])
def test_float_weight_scale_warns_and_the_bound_holds(bias, tmp_path):
    kw = {"bias": bias != "none", "bias_quant": None}
    if bias == "int16":
        kw.pop("bias_quant")  # quant_linear's default: Int16Bias (float scale here)
    model = settle(nn.Sequential(quant_input(bits=6), quant_linear(
        8, 5, weight_quant=Int8WeightPerTensorFloat, return_quant_tensor=False, **kw)), (8,))  # fmt: skip
    with pytest.warns(ExactnessWarning) as record:
        fw = export(model, (8,), tmp_path)
    (message,) = _messages(record)
    scale = (
        rf"scale values are not all values of {SCALE_T} \(Int8WeightPerTensorFloat scales the "
        r"integer weights by float factors \(not powers of two\); a \*FixedPoint weight "
        r"quantizer is exact\)"
    )
    shift = {
        "none": "",
        "float": r"; shift values are not all values of ap_fixed<24,-?\d+,AP_RND_CONV,AP_SAT> "
        r"\(bias_quant=None: Brevitas adds its float bias; a bias quantizer such as Int16Bias "
        r"or Int8BiasPerTensorFixedPointInternalScaling is exact\)",
        "int16": r"; shift values are not all values of ap_fixed<24,-?\d+,AP_RND_CONV,AP_SAT> "
        r"\(Int16Bias scales it by float factors \(not powers of two\)\)",
    }[bias]
    match = re.fullmatch(
        rf"node 'l_1_scale' \('1' \(QuantLinear\)\) is not exact: {scale}{shift} "
        rf"\(worst-case output error {NUMBER}\)",
        message,
    )
    assert match, message
    bound = float(match.group(1))
    assert fw.exact is False and fw.graph["l_1"].exact  # the integer part is exact
    assert "l_1_scale: NOT EXACT: scale values are not all values of" in fw.summary()
    x = inputs(fw, n=4096)
    got, want = fw.predict(x), brevitas_out(model, x)
    np.testing.assert_array_equal(got, fw.reference(x))
    err = float(np.abs(got - want).max())
    layer = model[1]
    xq = fw.trace(x)["l_0"]
    wq = layer.quant_weight().value.detach().double().numpy()
    b = fw.graph["l_1_scale"].weights["shift"]  # Brevitas' (quantized) bias
    print(f"float weight scale, bias {bias}: max |csim - Brevitas| {err:.3g}, bound {bound:.3g}")
    assert 0 < err <= bound + _float32_slack(xq, wq, b)


def test_float_activation_scale_warns_and_the_bounds_hold(tmp_path):
    """Brevitas' default QuantReLU (Uint8ActPerTensorFloat): x / s rounded into 4-bit codes,
    times s. The prescale's bound holds on its output; the codes are off by at most one (the
    prescale error is far below half a code), so the output by at most s + the scale bound."""
    model = settle(nn.Sequential(quant_input(bits=6), quant_linear(8, 5),
                                 qnn.QuantReLU(bit_width=4)), (8,))  # fmt: skip
    with pytest.warns(ExactnessWarning) as record:
        fw = export(model, (8,), tmp_path)
    s = float(model[2].act_quant.scale())
    bounds = []
    for node, message in zip(("l_2_prescale", "l_2_scale"), _messages(record), strict=True):
        match = re.fullmatch(
            rf"node '{node}' \('2' \(QuantReLU\)\) is not exact: scale values are not all "
            rf"values of {SCALE_T} \(Uint8ActPerTensorFloat divides by the float scale "
            rf"{s:.6g} \(not a power of two\) before rounding; a \*FixedPoint quantizer is "
            rf"exact\) \(worst-case output error {NUMBER}\)",
            message,
        )
        assert match, message
        bounds.append(float(match.group(1)))
    assert [n.name for n in fw.graph if not n.exact] == ["l_2_prescale", "l_2", "l_2_scale"]
    assert str(fw.graph["l_2"].result) == "ap_ufixed<4,4,AP_RND_CONV,AP_SAT>"  # the codes
    x = inputs(fw, n=4096)
    trace = fw.trace(x)
    assert np.abs(trace["l_2_prescale"] - trace["l_1"] / s).max() <= bounds[0]
    got, want = fw.predict(x), brevitas_out(model, x)
    err = float(np.abs(got - want).max())
    print(f"float activation scale: max |csim - Brevitas| {err:.3g} (scale {s:.3g})")
    assert err <= s + bounds[1] + 2.0**-20
    assert np.mean(got == want) > 0.3  # most outputs are 0 or close: many agree exactly


def _refused(model, shape, message, tmp_path):
    model = settle(model, shape)
    with pytest.raises(ValueError) as info:
        model.export_fpga(tmp_path, input_shape=shape)
    assert re.fullmatch(message, str(info.value)), str(info.value)


def test_zero_point_is_refused(tmp_path):
    model = nn.Sequential(qnn.QuantIdentity(act_quant=ShiftedUint8ActPerTensorFixedPoint))
    _refused(model, (4,), (
        r"'0' \(QuantIdentity\): act_quant \(ShiftedUint8ActPerTensorFixedPoint\) has the zero "
        rf"point {NUMBER}: asymmetric quantizers \(zero point != 0, e\.g\. "
        r"ShiftedUint8ActPerTensorFloat\) are not supported; use one with a zero point of 0"
    ), tmp_path)  # fmt: skip


@pytest.mark.parametrize("mode, why", [
    ("CEIL", "CEIL rounding (up, towards +inf)"),
    ("DPU", "DPU rounding (half to even, but negative halves up)"),
])  # fmt: skip
def test_rounding_modes_without_an_ap_mode_are_refused(mode, why, tmp_path):
    model = nn.Sequential(qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint,
                                            float_to_int_impl_type=mode))  # fmt: skip
    _refused(model, (4,), re.escape(
        f"'0' (QuantIdentity): act_quant (Int8ActPerTensorFixedPoint) uses {why}, which no "
        "ap_fixed rounding mode computes; supported: ROUND (AP_RND_CONV), FLOOR (AP_TRN), "
        "ROUND_TO_ZERO (AP_TRN_ZERO)"
    ), tmp_path)  # fmt: skip


REFUSED = {
    "unsigned_narrow": (
        lambda: qnn.QuantReLU(act_quant=Uint8ActPerTensorFixedPoint, narrow_range=True), (4,),
        "'0' (QuantReLU): act_quant (Uint8ActPerTensorFixedPoint) is unsigned with a narrow "
        "range ([0, 2^b - 2]), which no saturation mode of an unsigned type computes; use "
        "narrow_range=False",
    ),
    "minifloat_act": (
        lambda: qnn.QuantIdentity(act_quant=Fp8e4m3ActPerTensorFloat), (4,),
        "'0' (QuantIdentity): act_quant (Fp8e4m3ActPerTensorFloat) returns FloatQuantTensor: "
        "only integer quantizers (IntQuantTensor) are supported (minifloat quantization is not)",
    ),
    "minifloat_weight": (
        lambda: qnn.QuantLinear(4, 2, weight_quant=Fp8e4m3WeightPerTensorFloat), (4,),
        "'0' (QuantLinear): the weight quantizer (Fp8e4m3WeightPerTensorFloat) returns "
        "FloatQuantTensor: only integer quantizers (IntQuantTensor) are supported (minifloat "
        "quantization is not)",
    ),
    "delay": (
        lambda: qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint, quant_delay_steps=1000),
        (4,),
        "'0' (QuantIdentity): act_quant (Int8ActPerTensorFixedPoint) still delays quantization "
        "(quant_delay_steps has not run out: it returns its float input until then); export "
        "after the delay",
    ),
    "conv_transpose": (
        lambda: qnn.QuantConvTranspose2d(2, 2, 3), (2, 5, 5),
        "'0' (QuantConvTranspose2d): not supported: transposed convolutions",
    ),
    "hard_swish": (
        lambda: qnn.QuantHardSwish(), (4,),
        "'0' (QuantHardSwish): not supported: hard swish has no firmware function",
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", REFUSED)
def test_unsupported_quantizers_and_layers_are_refused(kind, tmp_path):
    make, shape, message = REFUSED[kind]
    _refused(nn.Sequential(make()), shape, re.escape(message), tmp_path)


def test_per_channel_activation_scales_are_refused(tmp_path):
    relu = qnn.QuantReLU(act_quant=Uint8ActPerTensorFixedPoint, scaling_per_output_channel=True,
                         per_channel_broadcastable_shape=(1, 3, 1, 1),
                         scaling_stats_permute_dims=(1, 0, 2, 3))  # fmt: skip
    model = nn.Sequential(relu)
    settle(model, (3, 4, 4))
    with torch.no_grad():  # make the channels' scales differ
        relu.act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl.buffer.copy_(
            torch.tensor([1.0, 2.0, 4.0])
            .view(3, 1, 1, 1)
            .reshape_as(
                relu.act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl.buffer
            )
        )
    with pytest.raises(ValueError) as info:
        model.export_fpga(tmp_path, input_shape=(3, 4, 4))
    assert str(info.value) == (
        "'0' (QuantReLU): act_quant (Uint8ActPerTensorFixedPoint) has a scale per channel (3 "
        "values); only per-tensor scales are supported for activations"
    )


def test_trunc_avg_pool_over_an_area_that_is_not_a_power_of_two_is_refused(tmp_path):
    model = nn.Sequential(quant_input(bits=6), qnn.TruncAvgPool2d(3))
    _refused(model, (2, 6, 6), (
        rf"'1' \(TruncAvgPool2d\): the truncation \(RoundTo8bit\) outputs the scale {NUMBER}, "
        r"not a power of two: the window area is not a power of two, so the average is not a "
        r"fixed-point value; use a window of 2, 4, 8 \.\.\. values"
    ), tmp_path)  # fmt: skip


def test_a_subclass_redefining_forward_is_refused(tmp_path):
    class MyLinear(qnn.QuantLinear):
        def forward(self, x):
            return super().forward(x) * 2

    model = nn.Sequential(MyLinear(4, 2, weight_quant=Int8WeightPerTensorFixedPoint))
    with pytest.raises(ValueError, match=re.escape(
        "layer '0' of class MyLinear (test_brevitas_float) is not supported: it subclasses "
        "QuantLinear but MyLinear redefines forward(), so its computation may differ"
    )):  # fmt: skip
        model.export_fpga(tmp_path, input_shape=(4,))


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_sigmoid_and_tanh_are_approximated_and_said_so(io_type, tmp_path):
    """The function is a lookup table; its quantizer's type is the result (fixed point)."""
    q = {"act_quant": Int8ActPerTensorFixedPoint, "bit_width": 6, "return_quant_tensor": True}
    model = settle(nn.Sequential(quant_input(bits=6), qnn.QuantTanh(**q),
                                 qnn.QuantSigmoid(**{**q, "act_quant": Uint8ActPerTensorFixedPoint})),
                   (5,))  # fmt: skip
    with pytest.warns(ExactnessWarning) as record:
        fw = export(model, (5,), tmp_path, io_type)
    assert _messages(record) == [
        "node 'l_1' ('1' (QuantTanh)) is not exact: activation tanh is approximated (lookup "
        "tables or a rounded constant)",
        "node 'l_2' ('2' (QuantSigmoid)) is not exact: activation sigmoid is approximated "
        "(lookup tables or a rounded constant)",
    ]
    assert str(fw.graph["l_2"].result).startswith("ap_ufixed<6,")
    x = inputs(fw, n=2048)
    got, want = fw.predict(x), brevitas_out(model, x)
    np.testing.assert_array_equal(got, fw.reference(x))
    step = float(model[2].act_quant.scale())
    assert np.abs(got - want).max() <= 2 * step  # a table entry off by at most one code or so
