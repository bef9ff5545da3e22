"""HGQ2 test models and helpers: heterogeneous bit widths set at random (as training would
learn them), inputs on the first input quantizer's grid."""

from __future__ import annotations

import keras
import numpy as np
from hgq.layers import QDense
from hgq.quantizer import Quantizer, QuantizerConfig
from hgq.quantizer.internal import FixedPointQuantizerKBI


def quantizers(model) -> list[Quantizer]:
    """Every HGQ2 quantizer layer of the model (built)."""
    out = []
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, Quantizer) and layer.built:
            out.append(layer)
    return out


def randomize(model, seed: int = 0, i_range=(-1, 4), f_range=(0, 6)) -> None:
    """Random per-element k, i, f (b) in every fixed-point quantizer: what training learns."""
    rng = np.random.default_rng(seed)
    for q in quantizers(model):
        inner = q.quantizer
        if not hasattr(inner, "_i"):
            continue
        shape = tuple(inner._i.shape)
        i = rng.integers(*i_range, shape, endpoint=True).astype("float32")
        inner._i.assign(i)
        if isinstance(inner, FixedPointQuantizerKBI):
            inner._b.assign(rng.integers(2, 8, shape, endpoint=True).astype("float32"))
        else:
            inner._f.assign(rng.integers(*f_range, shape, endpoint=True).astype("float32"))
            if not inner._is_weight:
                inner._k.assign(rng.integers(0, 1, shape, endpoint=True).astype("uint8"))


def data(model, n: int = 128, seed: int = 0, scale: float = 2.0) -> np.ndarray:
    """Float inputs for the model's single input."""
    shape = tuple(model.inputs[0].shape[1:])
    return np.random.default_rng(seed).normal(0, scale, (n, *shape)).astype("float32")


def on_grid(layer, x: np.ndarray) -> np.ndarray:
    """x quantized by ``layer``'s input quantizer (the inputs csim takes exactly)."""
    return np.asarray(layer.iq(x, training=False))


def kif_config(overflow: str = "WRAP", rounding: str = "RND", **kw) -> QuantizerConfig:
    return QuantizerConfig("kif", "datalane", overflow_mode=overflow, round_mode=rounding, **kw)


def mlp(n_in: int = 6, name: str = "mlp", **kw) -> keras.Model:
    inp = keras.Input((n_in,), name="x")
    x = QDense(8, activation="relu", name="d1", **kw)(inp)
    out = QDense(3, name="d2")(x)
    return keras.Model(inp, out, name=name)
