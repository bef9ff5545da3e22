"""Reshapes, axis permutations, padding/cropping, upsampling, concatenation and element-wise
merges on channels-first tensors: csim == Interpreter exactly in both io types and equal to
PyTorch up to the input quantization (these ops only move values; add/sub 3 LSB, mul
``(|a| + |b| + 1) * LSB``), the torch shapes at the firmware boundary.

The first input arrives channels-last (a Conv2d reads it), the second in the torch order (only
merges read it): merging them puts the second into the first one's layout with a Permute.
"""

import pytest
import torch
from torch import nn
from torch.nn import functional as F
from torch_helpers import IO_TYPES, LSB, check_close, check_exact, compiled, torch_outputs

MOVE = 2 * LSB  # quantized input, result conversion


class Movers(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(3)
        self.conv = nn.Conv2d(4, 3, 1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(4 * 5 * 6, 3)
        self.pad = nn.ZeroPad2d((1, 2, 0, 1))
        self.up = nn.Upsample(scale_factor=2)
        self.conv1d = nn.Conv1d(3, 2, 1)
        self.pad1d = nn.ConstantPad1d((2, 1), 0.0)
        self.up1d = nn.Upsample(scale_factor=3, mode="nearest")
        self.zeropad1d = nn.ZeroPad1d((1, 0))
        self.constpad2d = nn.ConstantPad2d(1, 0.0)
        self.nearest = nn.UpsamplingNearest2d(scale_factor=2)
        self.unflatten = nn.Unflatten(1, (4, 5, 6))
        self.identity = nn.Identity()

    def forward(self, x, b, s):
        y = F.relu(x)  # channels-last (x is read by a conv)
        z = self.conv(x)
        c = self.conv1d(s)
        outs = {
            "flatten": torch.flatten(y, 1).relu(),
            "view": y.view(y.size(0), 4, 30).relu(),
            "reshape": y.reshape(-1, 20, 6).relu(),
            "permute": y.permute(0, 2, 3, 1).relu(),  # torch NHWC: the firmware's own order
            "transpose": y.transpose(1, 3).relu(),
            "squeeze": y.unsqueeze(1).squeeze(1).relu(),
            "linear_after_flatten": self.fc(self.flatten(y)),
            "zeropad": self.pad(y),
            "pad": F.pad(y, (1, 1)),  # the width only
            "crop": F.pad(y, (-1, 0, -1, -2)),
            "upsample": self.up(y),
            "interpolate": F.interpolate(y, scale_factor=(1, 3)),
            "cat_channels": torch.cat([y, z], dim=1),
            "cat3_height": torch.cat((y, y, y), 2),
            "cat_flat": torch.cat([torch.flatten(y, 1), self.flatten(b)], dim=1),
            "add_permuted": y + b,  # b in the torch order: a Permute into y's layout
            "sub": torch.sub(y, b.relu()),
            "mul": y.mul(y),
            "iadd": y.relu().add_(y),
            "pad1d": self.pad1d(c),
            "up1d": self.up1d(c),
            "f_pad1d": F.pad(c, (0, 2)),
            "zeropad1d": self.zeropad1d(c),
            "constpad2d": self.constpad2d(y),
            "upsampling_nearest": self.nearest(y),
            "unflatten": self.unflatten(torch.flatten(y, 1)).relu(),  # back to (4, 5, 6)
            "flatten_method": y.flatten(1).relu(),
            "torch_permute": torch.permute(y, (0, 3, 1, 2)).relu(),
            "torch_transpose": torch.transpose(y, 2, 3).relu(),
            "concat": torch.concat([y, y], dim=-1),
            "identity_dropout": F.dropout(self.identity(y).contiguous(), 0.5, self.training).relu(),
        }
        self.names = list(outs)
        return tuple(outs.values())


def tolerances(model, x, b):
    conv_w = float(model.conv.weight.detach().abs().max())
    fc_w = float(model.fc.weight.detach().abs().max())
    big = float(max(x.abs().max(), b.abs().max()))
    tol = dict.fromkeys(model.names, MOVE)
    tol["linear_after_flatten"] = 120 * (big + fc_w + 1) * LSB + 2 * LSB
    tol["cat_channels"] = 4 * (big + conv_w + 1) * LSB + 2 * LSB
    tol["add_permuted"] = tol["sub"] = 3 * LSB
    tol["mul"] = (2 * big + 1) * LSB
    tol["iadd"] = 3 * LSB
    for k in ("pad1d", "up1d", "f_pad1d", "zeropad1d"):  # a 1x1 Conv1d of 3 channels first
        tol[k] = 3 * (big + float(model.conv1d.weight.detach().abs().max()) + 1) * LSB + 2 * LSB
    return [tol[k] for k in model.names]


SHAPES = [(4, 5, 6), (4, 5, 6), (3, 8)]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    model = Movers()
    out = tmp_path_factory.mktemp("movers")
    fws = {io: compiled(model, out, io, input_shape=SHAPES) for io in IO_TYPES}
    return model, fws


def inputs(n=32):
    g = torch.Generator().manual_seed(4)
    return [torch.randn(n, *s, generator=g) * 2 for s in SHAPES]


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_csim_equals_interpreter_and_torch(setup, io_type):
    model, fws = setup
    xs = inputs()
    got = check_exact(fws[io_type], [x.numpy() for x in xs])
    want = torch_outputs(model, xs)
    check_close(got, want, tolerances(model, *xs[:2]), model.names)


def test_layout_nodes_only_where_needed(setup):
    """Reshapes and permutations of a channels-last map cost no node; merging the torch-order
    input with it costs one Permute per use; the Linear after the flatten reads the
    channels-last order directly (its rows permuted)."""
    model, fws = setup
    g = fws["io_parallel"].graph
    permutes = sorted(n.name for n in g if n.op.kind == "permute")
    assert permutes == ["add_permute", "cat_2_permute", "sub_permute"], permutes
    assert g["fc"].inputs == ["flatten_1"] and g["flatten_1"].op.kind == "flatten"
    assert g["x"].shape == (5, 6, 4) and g["b"].shape == (4, 5, 6)
    # NHWC in torch is the firmware's order: no layout at the boundary
    assert "relu_4" not in g.layouts and g.layouts["relu_2"].shape == (4, 30)
