"""Normalization layers. C++: nnet_cpp/nnet/norm.h.

``BatchNormalization`` at inference time is a per-channel scale and shift on the last axis:
``y = x * scale + shift`` with ``scale = gamma / sqrt(var + eps)`` and
``shift = beta - mean * scale`` (see :meth:`BatchNormalization.from_moments`).

Arithmetic (same conventions as Dense): the product ``x * scale[c]`` is formed at full
precision and converted to ``accum``; ``acc = accum(shift[c])``; ``acc += accum(product)``
(the exact sum converted with accum's modes); ``y = result(acc)``.
Weights: ``scale`` (role ``scale``) and ``shift`` (role ``bias``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import arith
from ..ir.op import Emission, Op
from ..types import FixedType


def _fit(values: np.ndarray, width: int) -> FixedType:
    """A signed ``width``-bit type whose integer part just holds max |values|."""
    peak = float(np.max(np.abs(values))) if np.size(values) else 0.0
    i = int(np.floor(np.log2(peak))) + 2 if peak > 0 else 1
    return FixedType(width, i, True)


@dataclass
class BatchNormalization(Op):
    kind = "batchnorm"
    family = "norm"
    roles = ("result", "accum", "scale", "bias")
    weight_roles = {"scale": "scale", "shift": "bias"}

    @classmethod
    def from_moments(cls, gamma, beta, mean, var, eps=1e-3):
        """``(op, weights)`` from the layer's moments; gamma/beta None mean 1/0 (Keras
        ``scale=False``/``center=False``). ``eps`` defaults to Keras' 1e-3 (PyTorch: 1e-5)."""
        mean = np.asarray(mean, dtype=np.float64)
        var = np.asarray(var, dtype=np.float64)
        gamma = np.ones_like(mean) if gamma is None else np.asarray(gamma, dtype=np.float64)
        beta = np.zeros_like(mean) if beta is None else np.asarray(beta, dtype=np.float64)
        shapes = {a.shape for a in (gamma, beta, mean, var)}
        if len(shapes) != 1 or mean.ndim != 1:
            raise ValueError(
                "BatchNormalization.from_moments: gamma, beta, mean and var must be 1-D "
                f"arrays of one length, got shapes {[a.shape for a in (gamma, beta, mean, var)]}"
            )
        scale = gamma / np.sqrt(var + eps)
        return cls(), {"scale": scale, "shift": beta - mean * scale}

    def check(self, node, graph):
        n_chan = node.shape[-1] if node.shape else 0
        for w in ("scale", "shift"):
            if w not in node.weights:
                raise ValueError(f"{node.name}: BatchNormalization needs a {w!r} weight")
            if np.shape(node.weights[w]) != (n_chan,):
                raise ValueError(
                    f"{node.name}: {w} has shape {np.shape(node.weights[w])}, expected "
                    f"({n_chan},) for the last axis of the input {node.shape}"
                )
        rf = node.reuse_factor
        if not isinstance(rf, (int, np.integer)) or rf < 1:
            raise ValueError(f"{node.name}: reuse_factor must be an int >= 1, got {rf!r}")

    def default_types(self, node, graph, ctx):
        return {role: ctx.default_for(node, role) for role in self.roles}

    def auto_types(self, node, graph, ctx, types):
        """'auto': weights fit their values, accum/result never lose a bit (capped)."""
        x = graph[node.inputs[0]].result
        out = {"scale": _fit(node.weights["scale"], ctx.default.width)}
        out["bias"] = _fit(node.weights["shift"], ctx.default.width)
        s, b = types.get("scale") or out["scale"], types.get("bias") or out["bias"]
        out["accum"] = ctx.cap(x * s + b)
        out["result"] = types.get("accum") or out["accum"]
        return out

    def run(self, node, inputs):
        (x,) = inputs
        accum = node.types["accum"]
        scale = arith.const(node.weights["scale"], node.types["scale"])
        shift = arith.const(node.weights["shift"], node.types["bias"])
        prod = arith.convert(arith.mul(x, scale), accum)  # broadcast on the last axis
        acc = arith.convert(arith.add(arith.convert(shift, accum), prod), accum)
        return arith.convert(acc, node.result)

    def config_fields(self, node, ctx):
        return {
            "n_in": node.size,
            "n_chan": node.shape[-1],
            "reuse_factor": node.reuse_factor,
        }

    def emit(self, node, ctx) -> Emission:
        config = ctx.config(
            node,
            "nnet::batchnorm_config",
            self.config_fields(node, ctx),
            {"accum_t": "accum", "scale_t": "scale", "bias_t": "bias"},
        )
        fn = "batchnorm_stream" if ctx.stream else "batchnorm"
        call = ctx.call(fn, node, ("scale", "shift"))
        return Emission(config=config, call=call, includes=("nnet/norm.h",))
