"""Brevitas models, inputs and checks shared by the tests/torch_plugin/test_brevitas_* files."""

from __future__ import annotations

import numpy as np
import torch
from brevitas import nn as qnn
from brevitas.quant import (
    Int8ActPerTensorFixedPoint,
    Int8WeightPerTensorFixedPoint,
    Int16Bias,
    Uint8ActPerTensorFixedPoint,
)
from brevitas.quant_tensor import QuantTensor
from torch import nn

import torch_plugin  # noqa: F401  (Module.export_fpga)

IO_TYPES = ("io_parallel", "io_stream")


def quant_input(bits=8, **kw):
    """The usual first layer: a fixed-point input quantizer returning a QuantTensor."""
    return qnn.QuantIdentity(
        act_quant=Int8ActPerTensorFixedPoint, bit_width=bits, return_quant_tensor=True, **kw
    )


def quant_linear(n_in, n_out, bits=6, **kw):
    kw = {"weight_quant": Int8WeightPerTensorFixedPoint, "bias_quant": Int16Bias,
          "return_quant_tensor": True, **kw}  # fmt: skip
    return qnn.QuantLinear(n_in, n_out, weight_bit_width=bits, **kw)


def quant_relu(bits=6, **kw):
    kw = {"act_quant": Uint8ActPerTensorFixedPoint, "return_quant_tensor": True, **kw}
    return qnn.QuantReLU(bit_width=bits, **kw)


def settle(model, shape, seed=0, steps=4, scale=3.0, lr=0.0):
    """Random weights, then a few training-mode batches so the activation quantizers collect
    statistics (realistic scales; ``lr`` > 0 also trains); returns the model in eval mode."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d)):
                m.weight.normal_(0, 0.5)
                if m.bias is not None:
                    m.bias.normal_(0, 0.3)
    opt = torch.optim.Adam(model.parameters(), lr) if lr else None
    model.train()
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        out = brevitas_tensor(model(torch.randn(64, *shape, generator=g) * scale))
        if opt is not None:
            opt.zero_grad()
            out.pow(2).mean().backward()
            opt.step()
    return model.eval()


def brevitas_tensor(y):
    return y.value if isinstance(y, QuantTensor) else y


def brevitas_out(model, x) -> np.ndarray:
    """Brevitas' own (quantized) output at inference, float64."""
    with torch.no_grad():
        y = brevitas_tensor(model.eval()(torch.as_tensor(x)))
    return y.double().numpy()


def inputs(fw, n=1024, seed=1) -> np.ndarray:
    """float32 inputs covering the firmware input type's range and beyond (saturation), with
    exact rounding ties (half a step between two grid points), exact grid points and huge
    values."""
    name = fw.graph.inputs[0]
    t = fw.graph[name].result
    shape = fw.input_shapes[0]
    rng = np.random.default_rng(seed)
    top = max(abs(t.min), abs(t.max))
    x = rng.uniform(-1.5 * top, 1.5 * top, (n, *shape))
    k = rng.integers(int(t.min / t.lsb) - 2, int(t.max / t.lsb) + 2, (n // 4, *shape))
    x[: n // 4] = (k + 0.5) * t.lsb  # ties
    k = rng.integers(int(t.min / t.lsb), int(t.max / t.lsb) + 1, (n // 4, *shape))
    x[n // 4 : n // 2] = k * t.lsb  # on the grid
    x[n // 2 : n // 2 + 8] = rng.choice([-1e30, 1e30, -1e6, 1e6], (8, *shape))  # saturation
    return x.astype(np.float32)


def exact_fraction(a, b) -> float:
    """Fraction of samples whose outputs are all bit-identical."""
    a, b = np.asarray(a), np.asarray(b)
    return float(np.mean(np.all((a == b).reshape(len(a), -1), axis=1)))


def check_exact(fw, model, x) -> float:
    """The firmware claims exactness, csim == Brevitas bit for bit and csim == the numpy
    reference; returns the exact-match fraction (1.0)."""
    assert fw.exact is True, fw.summary()
    got = fw.predict(x)
    want = brevitas_out(model, x)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, fw.reference(x))
    return exact_fraction(got, want)


def export(model, shape, tmp_path, io_type="io_parallel", **kw):
    """Exported (input ``shape`` per sample) into ``tmp_path / io_type`` and compiled."""
    return model.export_fpga(tmp_path / io_type, input_shape=shape, io_type=io_type, **kw).compile()
