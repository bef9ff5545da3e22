"""Small QKeras models and inputs for the QKeras tests."""

from __future__ import annotations

import numpy as np
import tf_keras
from qkeras import QActivation, QDense

L = tf_keras.layers
INPUT_Q = "quantized_bits(10,4)"  # ap_fixed<10,5,AP_RND_CONV,AP_SAT>: LSB 1/32, range +-16
W6 = "quantized_bits(6,0,alpha=1)"


def randomize(model, seed=0, scale=0.7):
    """Random weights (QKeras quantizes them in call()); positive moving variances."""
    rng = np.random.default_rng(seed)
    weights = []
    for v in model.weights:
        w = rng.normal(0, scale, v.shape)
        if "variance" in v.name:
            w = rng.uniform(0.5, 2.0, v.shape)
        weights.append(w)
    model.set_weights(weights)
    return model


def inputs(shape, n=512, seed=1, lsb=1 / 32, top=16.0):
    """Inputs covering the input quantizer's range and beyond (saturation), including values
    exactly halfway between two grid points (rounding ties) and exact grid points."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5 * top, 1.5 * top, (n, *shape))
    k = rng.integers(-int(top / lsb), int(top / lsb), (n // 4, *shape))
    x[: n // 4] = (k + 0.5) * lsb  # ties
    x[n // 4 : n // 2] = rng.integers(-int(top / lsb), int(top / lsb), (n // 4, *shape)) * lsb
    return x.astype(np.float32)


def dense_then(act, *, kernel=W6, bias=W6, units=8, n_in=8, name="m"):
    """x -> input quantizer -> QDense -> QActivation(act)."""
    x_in = tf_keras.Input((n_in,), name="x")
    h = QActivation(INPUT_Q, name="qin")(x_in)
    h = QDense(units, kernel_quantizer=kernel, bias_quantizer=bias, name="d")(h)
    h = QActivation(act, name="act")(h)
    return randomize(tf_keras.Model(x_in, h, name=name))


def exact_fraction(a, b) -> float:
    """Fraction of samples whose outputs are all bit-identical."""
    a, b = np.asarray(a), np.asarray(b)
    return float(np.mean(np.all((a == b).reshape(len(a), -1), axis=1)))
