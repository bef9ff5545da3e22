"""Bad input to the PyTorch exporter: every message tested exactly."""

import re
from collections import OrderedDict
from pathlib import Path

import pytest
import torch
from torch import nn

import fpga_export
from fpga_export.frontend import UnsupportedLayerError
from torch_plugin import (
    TORCH_FUNCTIONS,
    TORCH_METHODS,
    TORCH_MODULES,
    UnsupportedOperationError,
    UntraceableModelError,
)
from torch_plugin.export import MISSING_SHAPE

HERE = str(Path(__file__))


def line_of(marker: str) -> int:
    """Line number of the code line holding ``marker`` in this file (not a string quoting it)."""
    lines = Path(__file__).read_text().splitlines()
    found = [i + 1 for i, line in enumerate(lines) if marker in line and '"' not in line]
    assert len(found) == 1, marker
    return found[0]


def raises(exc, msg: str):
    return pytest.raises(exc, match="^" + re.escape(msg) + "$")


# ------------------------------------------------------------------ input shapes


def test_missing_input_shape():
    assert MISSING_SHAPE == (
        "export_fpga needs the shape of the model input, which a PyTorch module does not "
        "record: pass input_shape=(3, 32, 32) (per sample, batch excluded) or "
        "example_input=<a tensor the model accepts, batch included>; a list of them for a "
        "model with several inputs"
    )
    with raises(ValueError, MISSING_SHAPE):
        nn.Linear(3, 2).export_fpga()
    with raises(ValueError, MISSING_SHAPE):
        fpga_export.export(nn.Linear(3, 2))


def test_bad_input_shapes():
    with raises(
        ValueError, "input_shape must be a shape of integers >= 1 such as (3, 32, 32), got (3, 0)"
    ):
        nn.Linear(3, 2).export_fpga(input_shape=(3, 0))
    with raises(
        ValueError,
        "input_shape[1] must be a shape of integers >= 1 such as (3, 32, 32), got (2.5,)",
    ):
        nn.Linear(3, 2).export_fpga(input_shape=[(3,), (2.5,)])
    with raises(
        ValueError,
        "example_input has shape (3,): it must be a batch, (batch, ...) with at least one value per sample",
    ):
        nn.Linear(3, 2).export_fpga(example_input=torch.zeros(3))
    with raises(
        ValueError,
        "input_shape (4,) does not match the per-sample shape(s) of example_input [(3,)]",
    ):
        nn.Linear(3, 2).export_fpga(input_shape=(4,), example_input=torch.zeros(1, 3))


class TwoInputs(nn.Module):
    def forward(self, a, b):
        return a + b


def test_wrong_number_of_inputs():
    with raises(
        ValueError, "TwoInputs takes 2 tensor input(s) (a, b), but 1 input shape(s) were given"
    ):
        TwoInputs().export_fpga(input_shape=(3,))


def test_input_shape_that_does_not_fit_the_model():
    model = nn.Sequential(nn.Linear(4, 2))
    with raises(
        ValueError,
        "running Sequential on zero input(s) of shape (2, 5) (batch 2) to find every tensor's "
        "shape failed in '0': RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x5 and "
        "4x2); check input_shape / example_input",
    ):
        model.export_fpga(input_shape=(5,))


# ------------------------------------------------------------------ tracing


class Gate(nn.Module):
    def forward(self, x):
        if x.sum() > 0:  # data-dependent: fx cannot trace this
            return torch.relu(x)
        return torch.sigmoid(x)


class Gated(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.gate = Gate()

    def forward(self, x):
        return self.gate(self.fc(x))


def test_untraceable_module_is_named_with_its_source_line_and_the_fixes():
    line = line_of("if x.sum() > 0:")
    with raises(
        UntraceableModelError,
        f"cannot trace Gated with torch.fx: in module 'gate' (Gate), {HERE}:{line}: "
        "`if x.sum() > 0:  # data-dependent: fx cannot trace this`: TraceError: symbolically "
        "traced variables cannot be used as inputs to control flow. Python control flow that "
        "depends on tensor values cannot be exported. Either register a handler for Gate "
        "(torch_plugin.TORCH_MODULES.register(Gate)) so the tracer keeps it as a leaf and "
        "converts it as a whole, or fix the arguments the code depends on with "
        "export_fpga(..., concrete_args={'name': value})",
    ):
        Gated().export_fpga(input_shape=(3,))


@pytest.fixture
def gate_handler():
    """Gate registered as a leaf converted to a relu (removed again afterwards)."""
    from fpga_export.layers.activation import Activation

    @TORCH_MODULES.register(Gate)
    def gate(call):
        x = call.input()
        return call.value(call.add(Activation("relu"), [x]), layout=x.layout)

    yield
    del TORCH_MODULES._handlers[Gate]


def test_registering_a_handler_makes_the_module_a_leaf(gate_handler):
    fw = Gated().export_fpga(input_shape=(3,))
    assert [n.op.kind for n in fw.graph] == ["input", "dense", "activation"]
    assert fw.graph["gate"].source == "'gate' (Gate)"


class Flagged(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x, use_relu=False):
        y = self.fc(x)
        if use_relu:
            y = torch.relu(y)
        return y


def test_concrete_args_fix_python_control_flow():
    line = line_of("        if use_relu:")
    with raises(
        UntraceableModelError,
        f"cannot trace Flagged with torch.fx: in Flagged.forward, {HERE}:{line}: `if use_relu:`"
        ": TraceError: symbolically traced variables cannot be used as inputs to control flow. "
        "Python control flow that depends on tensor values cannot be exported. Either move "
        "that code into a submodule and register a handler for its class "
        "(torch_plugin.TORCH_MODULES.register(...)) so the tracer keeps it as a leaf, or fix "
        "the arguments the code depends on with export_fpga(..., concrete_args={'name': value})",
    ):
        Flagged().export_fpga(input_shape=(3,))
    fw = Flagged().export_fpga(input_shape=(3,), concrete_args={"use_relu": True})
    assert [n.op.kind for n in fw.graph] == ["input", "dense", "activation"]
    assert fw.input_shapes == [(3,)]


# ------------------------------------------------------------------ unsupported operations


class Block(nn.Module):
    def forward(self, x):
        return torch.exp(x)  # no handler


class Method(nn.Module):
    def forward(self, x):
        return x.exp()  # no handler either


def test_unsupported_module_names_its_qualified_name_and_the_supported_classes():
    model = nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.ReLU(), nn.GELU()))
    with raises(
        UnsupportedLayerError,
        "layer '1.1' of class GELU (torch.nn.modules.activation) is not supported; supported "
        f"classes: {', '.join(TORCH_MODULES.supported_names())}",
    ):
        model.export_fpga(input_shape=(3,))
    assert "Conv2d, Dropout" in ", ".join(TORCH_MODULES.supported_names())


def test_unsupported_function_and_method():
    supported = (
        f"supported functions: {', '.join(TORCH_FUNCTIONS.supported_names())}; supported "
        f"Tensor methods: {', '.join(TORCH_METHODS.supported_names())}"
    )
    model = nn.Sequential(nn.Linear(3, 3), Block())
    line = line_of("return torch.exp(x)")
    with raises(
        UnsupportedOperationError,
        f"function torch.exp (node 'exp' in '1', {HERE}:{line}) is not supported; {supported}",
    ):
        model.export_fpga(input_shape=(3,))
    line = line_of("return x.exp()")
    with raises(
        UnsupportedOperationError,
        f"Tensor method .exp() (node 'exp', {HERE}:{line}) is not supported; {supported}",
    ):
        Method().export_fpga(input_shape=(3,))
    assert "F.relu" in supported and ".view()" in supported and "operator.add" in supported


class MyLinear(nn.Linear):
    def forward(self, x):
        return super().forward(x) * 2


def test_subclass_redefining_forward_is_refused():
    model = nn.Sequential(OrderedDict(fc=MyLinear(3, 2)))
    with pytest.raises(UnsupportedLayerError, match=re.escape(
        "layer 'fc' of class MyLinear (test_torch_errors) is not supported: it subclasses "
        "Linear but MyLinear redefines forward(), so its computation may differ; supported "
        "classes: "
    )):  # fmt: skip
        model.export_fpga(input_shape=(3,))


# ------------------------------------------------------------------ refused settings


def _where(marker):
    return f"{HERE}:{line_of(marker)}"


class AddConstant(nn.Module):
    def forward(self, x):
        return x + 1.0  # a constant operand


class Broadcast(nn.Module):
    def forward(self, x):
        return x * x[:, :1]  # broadcasting (and a slice)


class NonTensorOutput(nn.Module):
    def forward(self, x):
        return torch.relu(x), x.shape[1]


class BatchMix(nn.Module):
    def forward(self, x):
        return torch.relu(x.view(-1))


class AttrUser(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(3))

    def forward(self, x):
        return x * self.scale


@pytest.mark.parametrize(
    "model, shape, exc, msg",
    [
        (nn.Sequential(nn.Conv2d(2, 2, 3, padding=1, padding_mode="reflect")), (2, 4, 4), ValueError,
         "'0' (Conv2d): padding_mode='reflect' is not supported (only 'zeros')"),
        (nn.Sequential(nn.MaxPool2d(2, ceil_mode=True)), (2, 5, 5), ValueError,
         "'0' (MaxPool2d): ceil_mode=True is not supported"),
        (nn.Sequential(nn.MaxPool1d(2, dilation=2)), (2, 8), ValueError,
         "'0' (MaxPool1d): pooling with dilation=2 is not supported"),
        (nn.Sequential(nn.AvgPool2d(2, divisor_override=3)), (2, 4, 4), ValueError,
         "'0' (AvgPool2d): divisor_override is not supported"),
        (nn.Sequential(nn.AdaptiveAvgPool2d((3, 2))), (2, 4, 4), ValueError,
         "'0' (AdaptiveAvgPool2d): adaptive pooling from (4, 4) to (3, 2) is not supported: "
         "only output sizes that divide the input size (or 1)"),
        (nn.Sequential(nn.Softplus(beta=2)), (3,), ValueError,
         "'0' (Softplus): Softplus with beta=2 is not supported (only beta=1)"),
        (nn.Sequential(nn.Softplus(threshold=4)), (3,), ValueError,
         "'0' (Softplus): Softplus with threshold=4 is not supported: the firmware is linear "
         "from x >= 8 only (threshold >= 8)"),
        (nn.Sequential(nn.Softmax(dim=0)), (3,), ValueError,
         "'0' (Softmax): softmax over dim=0 is not supported for inputs of shape (batch, 3): "
         "only a non-batch axis"),
        (nn.Sequential(nn.Softmax(dim=None)), (3,), ValueError,
         "'0' (Softmax): softmax without dim= is not supported: give the axis explicitly"),
        (nn.Sequential(nn.Linear(4, 2)), (3, 4), ValueError,
         "'0' (Linear): Linear on an input of shape (3, 4) per sample is not supported: only "
         "1-D inputs (flatten first)"),
        (nn.Sequential(nn.BatchNorm1d(3, track_running_stats=False)), (3,), ValueError,
         "'0' (BatchNorm1d): track_running_stats=False normalizes with batch statistics at "
         "inference, which the firmware cannot do; train with track_running_stats=True"),
        (nn.Sequential(nn.LayerNorm((2, 3))), (2, 3), ValueError,
         "'0' (LayerNorm): LayerNorm over normalized_shape=(2, 3) is not supported: only the "
         "last axis (normalized_shape=(n,))"),
        (nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear")), (2, 3, 3), ValueError,
         "'0' (Upsample): upsampling mode 'bilinear' is not supported (only 'nearest')"),
        (nn.Sequential(nn.ReflectionPad2d(1)), (2, 3, 3), UnsupportedLayerError,
         "layer '0' of class ReflectionPad2d (torch.nn.modules.padding) is not supported; "
         "supported classes: {supported}"),
        (nn.Sequential(nn.ConstantPad1d(1, 0.5)), (2, 3), ValueError,
         "'0' (ConstantPad1d): padding with the value 0.5 is not supported (only 0)"),
        (nn.Sequential(nn.Conv1d(2, 2, 3)), (8,), ValueError,  # torch: one unbatched (2, 8)
         "'0' (Conv1d): Conv1d takes a (channels, length) input per sample (unbatched inputs "
         "are not supported), got (8,)"),
        (AddConstant(), (3,), ValueError,
         "function operator.add (node 'add', {AddConstant}): addition with a constant is not "
         "supported: only two tensors computed from the inputs (fold constants into a layer's "
         "weights or bias)"),
        (NonTensorOutput(), (3,), ValueError,
         "output 1 of the model (getitem) is not a tensor computed from the inputs: only "
         "tensors can be firmware outputs"),
        (BatchMix(), (3,), ValueError,
         "Tensor method .view() (node 'view', {BatchMix}): output of shape (6,) for a batch "
         "of 2: the batch dimension must stay the first axis (a reshape or reduction over the "
         "batch is not supported)"),
        (AttrUser(), (3,), ValueError,
         "node 'scale', {AttrUser} reads the attribute 'scale' of the model directly: only "
         "layers with a "
         "handler carry weights (wrap the computation in a module, or fold the tensor into a "
         "layer's weights)"),
    ],
    ids=lambda v: "" if not isinstance(v, nn.Module) else type(v).__name__ + (
        f"-{type(v[0]).__name__}" if isinstance(v, nn.Sequential) else ""),
)  # fmt: skip
@pytest.mark.filterwarnings("ignore:Implicit dimension choice for softmax")
def test_refusals(model, shape, exc, msg):
    wheres = {
        "AddConstant": _where("return x + 1.0"),
        "BatchMix": _where("return torch.relu(x.view(-1))"),
        "AttrUser": _where("return x * self.scale"),
        "supported": ", ".join(TORCH_MODULES.supported_names()),
    }
    with raises(exc, msg.format(**wheres)):
        model.export_fpga(input_shape=shape)


def test_broadcasting_is_refused():
    with pytest.raises(UnsupportedOperationError, match=re.escape("function operator.getitem")):
        Broadcast().export_fpga(input_shape=(3,))

    class Bcast(nn.Module):
        def forward(self, x, y):
            return x * y

    with raises(
        ValueError,
        f"function operator.mul (node 'mul', {_where('return x * y')}): multiplication of "
        "tensors of shapes (3,) and (1,) (per sample) is not supported: broadcasting is not "
        "supported, the shapes must be equal",
    ):
        Bcast().export_fpga(input_shape=[(3,), (1,)])
