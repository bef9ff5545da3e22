"""Conv1d/Conv2d (padding, stride, dilation, bias, depthwise and grouped), pooling (max,
average with count_include_pad, adaptive) and BatchNorm1d/2d, module and function forms, on
NCHW / NCL inputs: csim == Interpreter exactly in both io types, csim close to PyTorch.

One model per rank applies every layer to the same input (one compile per io type).
Tolerance (every type ``ap_fixed<24,10>``, LSB 2^-14, truncation, so each conversion loses
< 1 LSB): a convolution output sums n = KH*KW*C/G products, each off by < X*LSB (weight
quantization) + W*LSB (input quantization) + LSB (product to accum), plus bias and result:
``n * (X + W + 1) * LSB + 2 * LSB`` with X, W the largest |input|, |weight|. Max pooling is
exact on the quantized input (2 LSB); average pooling adds the reciprocal's 17 fraction bits
(``X * 2^-17``); batch norm ``(X + max|scale| + 3) * LSB``.
"""

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F
from torch_helpers import IO_TYPES, LSB, check_close, check_exact, compiled, torch_outputs

# torch's own note on the even-kernel 'same' Conv2d below
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")


class Branches(nn.Module):
    """Every layer applied to the same input; one output each."""

    def __init__(self, layers):
        super().__init__()
        self.layers = layers
        self.mods = nn.ModuleList([f for f in layers if isinstance(f, nn.Module)])

    def forward(self, x):
        return tuple(f(x) for f in self.layers)


def layers_2d():
    torch.manual_seed(0)
    bn = nn.BatchNorm2d(4)
    with torch.no_grad():
        bn.running_mean.normal_()
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.normal_()
        bn.bias.normal_()
    return [
        nn.Conv2d(4, 3, 3, padding=1),
        nn.Conv2d(4, 2, (2, 3), stride=(2, 1), bias=False),
        nn.Conv2d(4, 3, 3, padding="same", dilation=2),
        nn.Conv2d(4, 3, (2, 4), padding="same"),  # even kernel: the odd pad goes after
        nn.Conv2d(4, 8, 3, padding=(1, 0), groups=4),  # depthwise, multiplier 2
        nn.Conv2d(4, 6, (3, 1), stride=2, groups=2),  # grouped
        nn.Conv2d(4, 4, 1, groups=2),  # grouped pointwise
        nn.MaxPool2d(2),
        nn.MaxPool2d(3, stride=2, padding=1),
        nn.AvgPool2d(2, stride=1),
        nn.AvgPool2d(3, stride=2, padding=1),  # count_include_pad=True: divide by 9
        nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
        nn.AdaptiveAvgPool2d(1),
        nn.AdaptiveMaxPool2d((1, 1)),
        nn.AdaptiveAvgPool2d((7, 3)),  # divides (7, 6): a (1, 2) window
        bn,
        lambda x: F.max_pool2d(x, 2),
        lambda x: F.avg_pool2d(x, 3, 2, 1),
        lambda x: F.adaptive_avg_pool2d(x, 1),
        lambda x: F.adaptive_max_pool2d(x, (7, 2)),
    ]


def layers_1d():
    torch.manual_seed(1)
    bn = nn.BatchNorm1d(4)
    with torch.no_grad():
        bn.running_mean.normal_()
        bn.running_var.uniform_(0.5, 2.0)
    return [
        nn.Conv1d(4, 3, 3, padding=1),
        nn.Conv1d(4, 2, 4, stride=2, bias=False),
        nn.Conv1d(4, 3, 3, padding="same", dilation=2),
        nn.Conv1d(4, 8, 3, groups=4),  # depthwise
        nn.Conv1d(4, 6, 3, padding=2, groups=2),  # grouped
        nn.MaxPool1d(2),
        nn.MaxPool1d(3, stride=2, padding=1),
        nn.AvgPool1d(3, stride=2, padding=1),
        nn.AvgPool1d(2),
        nn.AdaptiveAvgPool1d(1),
        nn.AdaptiveMaxPool1d(1),
        nn.AdaptiveAvgPool1d(5),
        bn,
        lambda x: F.max_pool1d(x, 3, 1),
        lambda x: F.avg_pool1d(x, 3, 2, 1, count_include_pad=False),
    ]


def tolerance(layer, x_max):
    if isinstance(layer, (nn.Conv1d, nn.Conv2d)):
        n = int(np.prod(layer.kernel_size)) * layer.in_channels // layer.groups
        w_max = float(layer.weight.detach().abs().max())
        return n * (x_max + w_max + 1) * LSB + 2 * LSB
    if isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
        scale = layer.weight / torch.sqrt(layer.running_var + layer.eps)
        return (x_max + float(scale.detach().abs().max()) + 3) * LSB
    return x_max * 2.0**-17 + 2 * LSB  # pooling


CASES = {"2d": (layers_2d, (4, 7, 6)), "1d": (layers_1d, (4, 10))}


@pytest.fixture(scope="module", params=list(CASES))
def setup(request, tmp_path_factory):
    make, shape = CASES[request.param]
    layers = make()
    model = Branches(layers)
    out = tmp_path_factory.mktemp(f"conv{request.param}")
    fws = {io: compiled(model, out, io, input_shape=shape) for io in IO_TYPES}
    return layers, model, shape, fws


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_csim_equals_interpreter_and_is_close_to_torch(setup, io_type):
    layers, model, shape, fws = setup
    x = torch.randn(64, *shape, generator=torch.Generator().manual_seed(2)) * 2
    got = check_exact(fws[io_type], x.numpy())
    x_max = float(x.abs().max())
    tol = [tolerance(f, x_max) for f in layers]
    names = [type(f).__name__ if isinstance(f, nn.Module) else f"function {i}" for i, f in
             enumerate(layers)]  # fmt: skip
    check_close(got, torch_outputs(model, x), tol, names)


def test_input_arrives_channels_last_and_layers_map_to_the_expected_ops(setup):
    layers, _, shape, fws = setup
    g = fws["io_parallel"].graph
    x = g[g.inputs[0]]
    assert x.shape == (*shape[1:], shape[0])  # channels-last inside, no Permute node
    assert not any(n.op.kind == "permute" for n in g)
    kinds = [g[o].op.kind for o in g.outputs]
    if len(shape) == 3:
        assert kinds[:7] == ["conv2d"] * 4 + ["depthwise_conv2d", "conv2d", "conv2d"]
        assert g[g.outputs[5]].op.groups == 2 and g[g.outputs[4]].op.depth_multiplier == 2
        assert kinds[12:15] == ["global_pool2d", "global_pool2d", "pool2d"]
        assert g[g.outputs[10]].op.count_pad and not g[g.outputs[11]].op.count_pad
        assert fws["io_parallel"].output_shapes[12] == (4, 1, 1)  # torch's (N, C, 1, 1)
    else:
        assert kinds[:5] == ["conv1d"] * 3 + ["depthwise_conv1d", "conv1d"]


def test_generated_configs_match_header_defaults(setup):
    """Grouped convs, count_pad pooling ...: every emitted config field is in the header."""
    from test_meta import check_configs

    _, _, _, fws = setup
    for fw in fws.values():
        text = (fw.output_dir / "firmware" / "parameters.h").read_text()
        assert check_configs(text) >= 15
        assert "n_groups = 2;" in text and "count_pad = true;" in text
