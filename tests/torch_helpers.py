"""Shared by the PyTorch plugin tests: export in both io types, exactness and tolerance."""

from __future__ import annotations

import numpy as np
import torch

import torch_plugin  # noqa: F401  (installs Module.export_fpga)

WIDE = "ap_fixed<24,10>"  # generous types for the float comparisons: LSB 2^-14, |x| < 512
LSB = 2.0**-14
IO_TYPES = ("io_parallel", "io_stream")


def as_list(y) -> list[np.ndarray]:
    return [np.asarray(v) for v in (y if isinstance(y, (list, tuple)) else [y])]


def torch_outputs(model, x) -> list[np.ndarray]:
    """The float model's outputs (inference mode) as float64 arrays."""
    xs = x if isinstance(x, (list, tuple)) else [x]
    with torch.no_grad():
        y = model.eval()(*[torch.as_tensor(v) for v in xs])
    return [t.double().numpy() for t in (y if isinstance(y, (list, tuple)) else [y])]


def compiled(model, tmp_path, io_type, **kw):
    kw.setdefault("precision", WIDE)
    return model.export_fpga(tmp_path / io_type, io_type=io_type, **kw).compile()


def check_exact(fw, x) -> list[np.ndarray]:
    """csim == Interpreter bit for bit on every output; returns the csim outputs."""
    got, want = as_list(fw.predict(x)), as_list(fw.reference(x))
    assert len(got) == len(want)
    for i, (a, b) in enumerate(zip(got, want, strict=True)):
        assert a.shape == b.shape, f"output {i}"
        np.testing.assert_array_equal(a, b, err_msg=f"output {i}")
    return got


def check_close(got, want, tol, names=None) -> None:
    """Per output: same shape (the torch model's) and |csim - float| <= tol[i]."""
    assert len(got) == len(want)
    for i, (a, b) in enumerate(zip(got, want, strict=True)):
        name = names[i] if names else f"output {i}"
        assert a.shape == b.shape, f"{name}: {a.shape} vs torch {b.shape}"
        bound = tol[i] if isinstance(tol, (list, tuple)) else tol
        err = float(np.max(np.abs(a - b))) if a.size else 0.0
        assert err <= bound, f"{name}: max |csim - torch| = {err} > {bound}"


def _fan_in(layer) -> tuple[int, torch.Tensor]:
    """(products per output, kernel as (outputs, fan-in))."""
    w = layer.weight.detach().double()
    if isinstance(layer, torch.nn.Linear):
        return layer.in_features, w
    return int(np.prod(layer.kernel_size)) * layer.in_channels // layer.groups, w.flatten(1)


def error_bound(layers, x) -> float:
    """Upper bound of |csim - torch| at the end of a chain of layers, every type
    ``ap_fixed<24,10>`` (truncation: each conversion loses < 1 LSB). Per layer, an input error
    e becomes: Linear/Conv ``e * max_f sum|w_f| + n * (X + max|w| + 1) * LSB + 2 * LSB`` (n
    products of inputs |x| <= X, each with a quantized weight and input, converted to accum;
    bias; result); a BatchNorm after a Linear is fused into it (its weights scaled), else
    ``e * S + (X + S + 3) * LSB`` (S = max |scale|); relu-like, max pooling, layout ops
    ``e + LSB``; average pooling ``e + X * 2^-17 + LSB`` (17-bit reciprocal); softmax
    ``e + 0.004``."""
    nn = torch.nn
    e = LSB  # the input's quantization
    layers = list(layers)
    with torch.no_grad():
        i = 0
        while i < len(layers):
            layer = layers[i]
            x_max = float(x.abs().max()) + e
            if isinstance(layer, (nn.Linear, nn.Conv1d, nn.Conv2d)):
                n, w = _fan_in(layer)
                nxt = layers[i + 1] if i + 1 < len(layers) else None
                if isinstance(layer, nn.Linear) and isinstance(nxt, nn.BatchNorm1d):
                    scale = nxt.weight.double() / torch.sqrt(nxt.running_var.double() + nxt.eps)
                    w = w * scale[:, None]
                    x = layer(x)
                    layer, i = nxt, i + 1
                e = e * float(w.abs().sum(1).max()) + n * (x_max + float(w.abs().max()) + 1) * LSB
                e += 2 * LSB
            elif isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
                s = float((layer.weight / torch.sqrt(layer.running_var + layer.eps)).abs().max())
                e = e * s + (x_max + s + 3) * LSB
            elif isinstance(layer, (nn.AvgPool1d, nn.AvgPool2d, nn.AdaptiveAvgPool1d,
                                    nn.AdaptiveAvgPool2d)):  # fmt: skip
                e += x_max * 2.0**-17 + LSB
            elif isinstance(layer, nn.Softmax):
                e += 0.004
            else:  # relu-like, max pooling, flatten, dropout: values only move or clip
                e += LSB
            x = layer(x)
            i += 1
    return e
