"""Custom layers end to end: a Keras 3 and a PyTorch model using two layers fpga-export does
not know, exported through the public extension API (``fpga_export.extend``).

- ``Passthrough``: an identity-like layer (``y = x``);
- ``ClipScale``: ``y = clip(a * x, lo, hi)`` with a trainable scalar ``a``.

Their IR ops (exact numpy semantics, type and span rules) are in ``custom_layer_ops.py``, their
C++ in ``custom_cpp/*.h``. This script registers the framework classes, exports each model
in io_parallel and io_stream, and checks csim == the numpy reference bit for bit (and csim
against the framework within the types' resolution); then it loads a saved project again.

    python examples/custom_layer.py [OUTPUT_DIR]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import keras
import numpy as np
import torch
from custom_layer_ops import ClipScale as ClipScaleOp
from custom_layer_ops import Passthrough as PassthroughOp

import keras_plugin  # noqa: F401  (adds Model.export_fpga)
import torch_plugin  # noqa: F401  (adds Module.export_fpga)
from fpga_export import Firmware, extend

LO, HI = -1.0, 1.5
PRECISION = "ap_fixed<16,6>"
LSB = 2.0**-10  # of PRECISION


# -- the framework layers ---------------------------------------------------------------
class Passthrough(keras.layers.Layer):
    def call(self, x):
        return x


class ClipScale(keras.layers.Layer):
    def __init__(self, lo=LO, hi=HI, **kwargs):
        super().__init__(**kwargs)
        self.lo, self.hi = lo, hi

    def build(self, input_shape):
        self.a = self.add_weight(shape=(), initializer=keras.initializers.Constant(0.75), name="a")

    def call(self, x):
        return keras.ops.clip(self.a * x, self.lo, self.hi)


class TorchPassthrough(torch.nn.Module):
    def forward(self, x):
        return x


class TorchClipScale(torch.nn.Module):
    def __init__(self, lo=LO, hi=HI):
        super().__init__()
        self.a, self.lo, self.hi = torch.nn.Parameter(torch.tensor(0.75)), lo, hi

    def forward(self, x):
        return torch.clamp(self.a * x, self.lo, self.hi)


# -- registration: one convert function per op serves Keras and PyTorch --------------------
@extend.register_keras_layer(Passthrough)
@extend.register_torch_module(TorchPassthrough)
def passthrough(layer):
    return PassthroughOp()


@extend.register_keras_layer(ClipScale)
@extend.register_torch_module(TorchClipScale)
def clip_scale(layer):
    if not layer.lo < layer.hi:
        raise ValueError(f"ClipScale needs lo < hi, got {layer.lo} and {layer.hi}")
    a = layer.a.detach() if isinstance(layer, torch.nn.Module) else layer.a
    return ClipScaleOp(), {"param": [float(a), layer.lo, layer.hi]}


# -- the models ----------------------------------------------------------------------------
def keras_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, name="dense"),
            ClipScale(name="clip"),
            Passthrough(name="through"),
            keras.layers.Dense(4, name="out"),
        ]
    )


def torch_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(8, 16),
        TorchClipScale(),
        TorchPassthrough(),
        torch.nn.Linear(16, 4),
    )


def check(fw, x, framework_y) -> tuple[bool, float]:
    """(csim == reference bit for bit, max |csim - framework|)."""
    y = fw.compile().predict(x)
    return bool((y == fw.reference(x)).all()), float(np.abs(y - framework_y).max())


def main(out: Path) -> None:
    x = np.random.default_rng(1).uniform(-2, 2, (256, 8))
    kmodel, tmodel = keras_model(), torch_model()
    with torch.no_grad():
        ty = tmodel(torch.tensor(x, dtype=torch.float32)).numpy()
    ky = kmodel.predict(x, verbose=0)
    firmwares = {}
    for framework, model, y in (("keras", kmodel, ky), ("torch", tmodel, ty)):
        for io_type in ("io_parallel", "io_stream"):
            kw = {"input_shape": (8,)} if framework == "torch" else {}
            fw = model.export_fpga(
                out / f"{framework}_{io_type}", precision=PRECISION, io_type=io_type, **kw
            )
            exact, diff = check(fw, x, y)
            print(
                f"{framework:5} {io_type:11}  csim == numpy reference: {exact}   "
                f"max |csim - {framework}|: {diff:.4f}"
            )
            assert exact and diff < 64 * LSB, (framework, io_type, diff)
            firmwares[framework, io_type] = fw
    fw = firmwares["keras", "io_stream"]
    headers = sorted(p.name for p in (fw.output_dir / "firmware" / "custom").glob("*.h"))
    print(f"custom headers in the project: {', '.join(headers)}")
    notes = [line for line in fw.estimate().table().splitlines() if line.startswith("note:")]
    print("\n".join(notes))  # note: clip: no cost model for clip_scale ...
    loaded = Firmware.load(fw.output_dir)  # imports custom_layer_ops again by name
    same = bool((loaded.compile().predict(x) == fw.predict(x)).all())
    print(f"loaded project predicts the same: {same}")
    assert same


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="custom-")))
