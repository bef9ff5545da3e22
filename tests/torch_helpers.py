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
