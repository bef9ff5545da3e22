"""Every Brevitas layer with fixed-point (power-of-two scale) quantizers: csim == Brevitas bit
for bit and == the numpy reference, in both io types, on inputs spanning the input
quantizer's range (rounding ties, saturation)."""

import numpy as np
import pytest
import torch
from brevitas import nn as qnn
from brevitas.quant import (
    Int8ActPerTensorFixedPoint,
    Int8BiasPerTensorFixedPointInternalScaling,
    Int8WeightPerTensorFixedPoint,
    Int16Bias,
    Int32Bias,
    RoundTo8bit,
    SignedBinaryActPerTensorConst,
    SignedBinaryWeightPerTensorConst,
    TruncTo8bit,
    Uint8ActPerTensorFixedPoint,
)
from brevitas.quant.fixed_point import Int8WeightPerChannelFixedPoint
from brevitas_models import (
    IO_TYPES,
    check_exact,
    export,
    inputs,
    quant_input,
    quant_linear,
    quant_relu,
    settle,
)
from torch import nn

from fpga_export.types import FixedType

ACTIVATIONS = {
    "identity_signed": lambda: qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint, bit_width=5),
    "identity_narrow": lambda: qnn.QuantIdentity(
        act_quant=Int8ActPerTensorFixedPoint, bit_width=5, narrow_range=True
    ),
    "identity_floor": lambda: qnn.QuantIdentity(
        act_quant=Int8ActPerTensorFixedPoint, bit_width=5, float_to_int_impl_type="FLOOR"
    ),
    "identity_to_zero": lambda: qnn.QuantIdentity(
        act_quant=Int8ActPerTensorFixedPoint, bit_width=5, float_to_int_impl_type="ROUND_TO_ZERO"
    ),
    "relu": lambda: qnn.QuantReLU(act_quant=Uint8ActPerTensorFixedPoint, bit_width=5),
    "relu_signed": lambda: qnn.QuantReLU(act_quant=Int8ActPerTensorFixedPoint, bit_width=5),
    "hardtanh": lambda: qnn.QuantHardTanh(
        act_quant=Int8ActPerTensorFixedPoint, bit_width=5, min_val=-1.0, max_val=1.0
    ),
}
MODES = {
    "identity_signed": "ap_fixed<5,{i},AP_RND_CONV,AP_SAT>",
    "identity_narrow": "ap_fixed<5,{i},AP_RND_CONV,AP_SAT_SYM>",
    "identity_floor": "ap_fixed<5,{i},AP_TRN,AP_SAT>",
    "identity_to_zero": "ap_fixed<5,{i},AP_TRN_ZERO,AP_SAT>",
    "relu": "ap_ufixed<5,{i},AP_RND_CONV,AP_SAT>",
    "relu_signed": "ap_fixed<5,{i},AP_RND_CONV,AP_SAT>",
    "hardtanh": "ap_fixed<5,{i},AP_RND_CONV,AP_SAT>",
}


@pytest.mark.parametrize("io_type", IO_TYPES)
@pytest.mark.parametrize("kind", ACTIVATIONS)
def test_activation_quantizers_are_exact(kind, io_type, tmp_path):
    """The input quantizer alone and behind another quantizer (a coarser grid: the second
    conversion rounds values of the first one's grid, ties included)."""
    model = settle(nn.Sequential(quant_input(bits=8), ACTIVATIONS[kind]()), (6,), scale=4.0)
    fw = export(model, (6,), tmp_path, io_type)
    act = fw.graph["l_1"]
    scale = float(model[1].act_quant.scale())
    integer = 5 + int(np.log2(scale))
    assert str(act.result) == MODES[kind].format(i=integer)
    assert act.given["result"] == act.result  # Brevitas' own conversion
    x = inputs(fw, n=2048)
    check_exact(fw, model, x)
    first = settle(nn.Sequential(ACTIVATIONS[kind]()), (6,), scale=4.0)
    fw = export(first, (6,), tmp_path / "first", io_type)
    assert fw.graph[fw.graph.inputs[0]].result == fw.graph["l_0"].result  # quantized input
    check_exact(fw, first, inputs(fw, n=2048))


@pytest.mark.parametrize("bits", range(2, 17))
def test_weight_and_activation_bit_widths_2_to_16(bits, tmp_path):
    """Weights of ``bits`` bits with activations of ``18 - bits`` bits, per tensor and per
    channel: every width from 2 to 16 on both sides."""
    act_bits = 18 - bits
    model = settle(nn.Sequential(
        quant_input(bits=4),
        quant_linear(4, 6, bits=bits),
        quant_relu(bits=act_bits),
        quant_linear(6, 3, bits=bits, weight_quant=Int8WeightPerChannelFixedPoint,
                     return_quant_tensor=False),
    ), (4,), seed=bits)  # fmt: skip
    fw = export(model, (4,), tmp_path)
    assert fw.graph["l_1"].types["kernel"].width == bits
    assert fw.graph["l_2"].result.width == act_bits
    check_exact(fw, model, inputs(fw, n=2048))


def conv_models():
    w = {"weight_quant": Int8WeightPerTensorFixedPoint, "weight_bit_width": 5,
         "bias_quant": Int16Bias, "return_quant_tensor": True}  # fmt: skip
    wc = {**w, "weight_quant": Int8WeightPerChannelFixedPoint}
    return {
        "conv2d": (lambda: [qnn.QuantConv2d(2, 4, 3, padding=1, **w)], (2, 6, 5)),
        "conv2d_per_channel_stride": (
            lambda: [qnn.QuantConv2d(2, 3, (3, 2), stride=2, **wc)],
            (2, 7, 6),
        ),
        "depthwise": (
            lambda: [qnn.QuantConv2d(3, 6, 3, groups=3, padding="same", **wc)],
            (3, 5, 5),
        ),  # fmt: skip
        "grouped": (lambda: [qnn.QuantConv2d(4, 6, 3, groups=2, **w)], (4, 5, 5)),
        "conv1d_maxpool1d": (
            lambda: [qnn.QuantConv1d(3, 4, 3, dilation=2, **wc), nn.MaxPool1d(2)],
            (3, 12),
        ),
        "conv1d_2bit_per_channel": (
            lambda: [qnn.QuantConv1d(3, 4, 3, **{**wc, "weight_bit_width": 2})],
            (3, 8),
        ),
        "linear_internal_bias": (
            lambda: [quant_linear(6, 4, bias_quant=Int8BiasPerTensorFixedPointInternalScaling)],
            (6,),
        ),
        "linear_int32_bias_no_qt": (
            lambda: [quant_linear(6, 4, bias_quant=Int32Bias, return_quant_tensor=False)],
            (6,),
        ),
        "linear_no_bias": (lambda: [quant_linear(6, 4, bias=False)], (6,)),
        "linear_in_out_quant": (
            lambda: [
                quant_linear(
                    6,
                    4,
                    input_quant=Int8ActPerTensorFixedPoint,
                    output_quant=Int8ActPerTensorFixedPoint,
                    bias_quant=None,
                    bias=False,
                    return_quant_tensor=False,
                )
            ],
            (6,),
        ),  # fmt: skip
    }


@pytest.mark.parametrize("io_type", IO_TYPES)
@pytest.mark.parametrize("kind", list(conv_models()))
def test_weight_layers_are_exact(kind, io_type, tmp_path):
    make, shape = conv_models()[kind]
    layers = make()
    model = settle(nn.Sequential(quant_input(bits=6), *layers, quant_relu(bits=4)), shape)
    fw = export(model, shape, tmp_path, io_type)
    if kind == "linear_in_out_quant":  # the layer's own input and output quantizers
        assert {"l_1_input_quant", "l_1_output_quant"} <= {n.name for n in fw.graph}
    if kind == "conv1d_2bit_per_channel":  # 2-bit codes (multiplier-free), then the scales
        assert fw.graph["l_1"].types["kernel"] == FixedType(2, 2)
        assert fw.graph["l_1_scale"].op.kind == "batchnorm"
    check_exact(fw, model, inputs(fw, n=1024))


class Residual(nn.Module):
    """Conv -> relu, a second conv branch, QuantEltwiseAdd, max pool, truncated average pool,
    flatten (a method on a QuantTensor), linear; ``.value`` at the end."""

    def __init__(self, trunc=TruncTo8bit):
        super().__init__()
        w = {"weight_quant": Int8WeightPerTensorFixedPoint, "weight_bit_width": 4,
             "bias_quant": Int16Bias, "return_quant_tensor": True}  # fmt: skip
        self.inp = quant_input(bits=6)
        self.c1 = qnn.QuantConv2d(2, 4, 3, padding=1, **w)
        self.r1 = quant_relu(bits=4)
        self.c2 = qnn.QuantConv2d(4, 4, 3, padding=1, groups=4, **w)
        self.r2 = quant_relu(bits=4)
        self.add = qnn.QuantEltwiseAdd(
            input_quant=Uint8ActPerTensorFixedPoint, output_quant=Uint8ActPerTensorFixedPoint,
            return_quant_tensor=True,
        )  # fmt: skip
        self.pool = nn.MaxPool2d(2)
        self.tpool = qnn.TruncAvgPool2d(2, trunc_quant=trunc)
        self.fc = quant_linear(4 * 2 * 2, 3, bits=4)

    def forward(self, x):
        a = self.r1(self.c1(self.inp(x)))
        y = self.add(a, self.r2(self.c2(a)))
        y = self.tpool(self.pool(y))
        return self.fc(y.flatten(1)).value


class GlobalPool(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = quant_input(bits=6)
        self.conv = qnn.QuantConv2d(2, 3, 3, weight_quant=Int8WeightPerTensorFixedPoint,
                                    bias_quant=Int16Bias, return_quant_tensor=True)  # fmt: skip
        self.relu = quant_relu(bits=5)
        self.avg = nn.AvgPool2d(2)  # on a QuantTensor: Brevitas' exact average (area 4)
        self.pool = qnn.TruncAdaptiveAvgPool2d((1, 1))

    def forward(self, x):
        return self.pool(self.avg(self.relu(self.conv(self.inp(x)))))  # a QuantTensor out


@pytest.mark.parametrize("io_type", IO_TYPES)
@pytest.mark.parametrize("make", [Residual, lambda: Residual(RoundTo8bit), GlobalPool],
                         ids=["residual_floor", "residual_round", "global_pool"])  # fmt: skip
def test_merges_pooling_and_quant_tensors_are_exact(make, io_type, tmp_path):
    model = make()
    shape = (2, 8, 8) if isinstance(model, Residual) else (2, 10, 10)
    model = settle(model, shape)
    fw = export(model, shape, tmp_path, io_type)
    x = inputs(fw, n=1024)
    print(f"{type(model).__name__} {io_type}: exact match {check_exact(fw, model, x):.2%}")
    if isinstance(model, Residual):
        pool = fw.graph["tpool"]
        floor = model.tpool.trunc_quant.quant_injector.__name__ == "TruncTo8bit"
        mode = "AP_TRN" if floor else "AP_RND_CONV"
        assert str(pool.result).startswith("ap_ufixed<8,") and f",{mode},AP_SAT>" in str(
            pool.result
        )
        names = [n.name for n in fw.graph]
        assert {"add_input_quant", "add_other_quant", "add_sum", "add"} <= set(names)


def test_input_quantizer_rounds_ties_to_even_and_saturates(tmp_path):
    """A QuantIdentity at the input: the firmware input itself is Brevitas' quantizer, so any
    float32 input (ties, beyond the range, huge) comes out as Brevitas quantizes it."""
    model = settle(nn.Sequential(quant_input(bits=4)), (3,))
    fw = export(model, (3,), tmp_path)
    t = fw.graph[fw.graph.inputs[0]].result
    lsb = t.lsb
    ties = (np.arange(-12, 12) + 0.5) * lsb
    x = np.concatenate([ties, [t.max + lsb / 2, t.min - lsb / 2, 1e38, -1e38, t.max, t.min]])
    x = np.repeat(x[:, None], 3, axis=1).astype(np.float32)
    got = fw.predict(x)
    np.testing.assert_array_equal(got, np.asarray(model(torch.from_numpy(x)).value))
    assert got[np.argmax(x[:, 0] == np.float32(0.5 * lsb)), 0] == 0.0  # half to even
    assert got[np.argmax(x[:, 0] == np.float32(1.5 * lsb)), 0] == 2 * lsb
    assert got[:, 0].max() == t.max and got[:, 0].min() == t.min


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_binary_weights_and_activations_are_exact(io_type, tmp_path):
    """A binarized layer: sign(x) * scale activations (sign(0) = +1) are the binary quantizer
    function; +-scale weights a 2-bit type (multiplier-free)."""
    binary = {"weight_quant": SignedBinaryWeightPerTensorConst, "weight_scaling_const": 0.25,
              "bias": False}  # fmt: skip
    model = settle(nn.Sequential(
        quant_input(bits=6),
        quant_linear(6, 8, **binary),
        qnn.QuantIdentity(act_quant=SignedBinaryActPerTensorConst, return_quant_tensor=True),
        quant_linear(8, 3, **binary, return_quant_tensor=False),
    ), (6,))  # fmt: skip
    fw = export(model, (6,), tmp_path, io_type)
    assert fw.graph["l_2"].op.kind == "quantizer" and fw.graph["l_2"].op.function == "binary"
    assert fw.graph["l_3"].types["kernel"].width == 2
    x = inputs(fw, n=2048)
    x[:64] = 0.0  # sums of exactly 0: sign(0) = +1
    check_exact(fw, model, x)
