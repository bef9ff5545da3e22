"""The PyTorch frontend without a compiler: functional and module forms give the same graph,
settings by torch names, the training flag, fpga_export.export dispatch."""

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

import fpga_export
from fpga_export.ir import Layout
from torch_plugin import input_specs, to_graph


class Modules(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(4 * 3 * 3, 5)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        h = self.pool(self.relu(self.conv(x)))
        return self.softmax(self.fc(self.flatten(h))), self.flatten(self.gap(h))


class Functions(Modules):
    def forward(self, x):
        h = F.max_pool2d(torch.relu(self.conv(x)), 2)
        return F.softmax(self.fc(h.view(h.size(0), -1)), dim=-1), torch.flatten(
            F.adaptive_avg_pool2d(h, 1), 1
        )


def structure(graph):
    """Ops, wiring (by position), shapes, weights and layouts, without the names."""
    index = {n.name: i for i, n in enumerate(graph)}
    return [
        (
            n.op,
            [index[i] for i in n.inputs],
            n.shape,
            {k: v.tolist() for k, v in n.weights.items()},
            graph.layouts.get(n.name),
        )
        for n in graph
    ], [index[o] for o in graph.outputs]


def test_function_and_module_forms_give_the_same_graph():
    modules = Modules()
    functions = Functions()
    functions.load_state_dict(modules.state_dict())
    spec = input_specs((3, 6, 6))
    a, b = to_graph(modules, inputs=spec), to_graph(functions, inputs=spec)
    assert structure(a) == structure(b)
    assert [n.name for n in a] == [
        "x",
        "conv",
        "relu",
        "pool",
        "flatten",
        "fc",
        "softmax",
        "gap",
    ]  # fmt: skip (the flatten of the global pool's (4, 1, 1) needs no node: it is (4,))
    assert [n.name for n in b][:4] == ["x", "conv", "relu", "max_pool2d"]


def test_linear_rows_follow_the_channels_last_flatten():
    model = Modules()
    g = to_graph(model, inputs=input_specs((3, 6, 6)))
    layout = g.layouts["flatten"]
    assert layout == Layout((36,), (4, 9), (1, 0))
    w = model.fc.weight.detach().double().numpy()
    np.testing.assert_array_equal(g["fc"].weights["kernel"], w.T[layout.index()])
    # the global pool's (4, 1, 1) is the IR's (4,): nothing to convert
    assert g["gap"].shape == (4,) and g.outputs == ["softmax", "gap"] and "gap" not in g.layouts


def test_settings_by_torch_names_and_class_names():
    model = nn.Sequential(nn.Sequential(nn.Linear(4, 3), nn.ReLU()), nn.Linear(3, 2))
    fw = fpga_export.export(
        model,
        input_shape=(4,),
        precision="ap_fixed<12,4>",
        layers={"0.0": {"accum": "ap_fixed<20,8>"}},
        hls_config={"LayerType": {"ReLU": {"Precision": "ap_ufixed<8,3>"}},
                    "LayerName": {"l_1": {"ReuseFactor": 2}}},
    )  # fmt: skip
    g = fw.graph
    assert [n.name for n in g] == ["input_1", "l_0_0", "l_0_1", "l_1"]
    assert str(g["l_0_0"].types["accum"]) == "ap_fixed<20,8>"
    assert str(g["l_0_1"].result) == "ap_ufixed<8,3>"
    assert g["l_1"].reuse_factor == 2 and str(g["l_1"].types["kernel"]) == "ap_fixed<12,4>"
    assert isinstance(fw, fpga_export.Firmware)


def test_export_keeps_the_training_flags_and_uses_running_statistics():
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3), nn.Dropout(0.5))
    model.train()
    model[1].eval()  # a frozen BatchNorm stays frozen
    with torch.no_grad():
        model[1].running_mean.fill_(1.0)
    before = model[1].running_mean.clone()
    fw = model.export_fpga(input_shape=(3,))
    assert [m.training for m in model.modules()] == [True, True, False, True]
    assert torch.equal(model[1].running_mean, before)  # shape propagation ran in eval mode
    assert [n.op.kind for n in fw.graph] == ["input", "dense"]  # BN fused, dropout gone


def test_example_input_dtype_and_several_inputs():
    specs = input_specs(example_input=[torch.zeros(2, 3, dtype=torch.int64), torch.zeros(1, 4)])
    assert [(s.shape, s.dtype) for s in specs] == [((3,), torch.int64), ((4,), torch.float32)]
    assert [s.shape for s in input_specs([(3, 8, 8), [4]])] == [(3, 8, 8), (4,)]
    assert [s.shape for s in input_specs(5)] == [(5,)]


def test_one_value_per_sample_output():
    """A regression head squeezed to (batch,): the firmware's (1,) output is shown as ()."""
    torch.manual_seed(2)

    class Regression(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 1)

        def forward(self, x):
            return self.fc(x).squeeze(-1)

    model = Regression().eval()
    fw = model.export_fpga(input_shape=(3,), precision="ap_fixed<24,10>")
    assert fw.output_shapes == [()] and fw.graph["fc"].shape == (1,)
    x = torch.randn(5, 3)
    y = fw.reference(x.numpy())
    with torch.no_grad():
        want = model(x).double().numpy()
    assert y.shape == (5,)
    np.testing.assert_allclose(y, want, atol=3 * (3 + 1 + 1) * 2.0**-14 + 2 * 2.0**-14)
