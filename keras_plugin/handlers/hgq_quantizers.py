"""HGQ2 quantizers (``hgq.quantizer.Quantizer`` layers) -> IR nodes with exact types.

HGQ2's fixed-point quantizers (``FixedPointQuantizerKBI`` / ``KIF``, package ``hgq``, built on
``quantizers.fixed_point``) hold learned ``k`` (sign, 0/1), ``i`` (integer bits without the
sign) and ``f`` (fraction bits; KBI: ``b - i``) arrays, rounded half to even, broadcast from
their ``bw_shape`` (1 on the homogeneous axes) to the tensor. At inference
(``training=False``) a data-lane quantizer computes, per element and in float32::

    i = max(i, -f)
    SAT/SAT_SYM: x = clip(x, -k 2^i [SAT_SYM: + k 2^-f], 2^i - 2^-f)
    x = ROUND(x * 2^f) / 2^f     (TRN floor, RND floor(v + 1/2), RND_CONV half to even, ...;
                                  S_* stochastic modes round like their plain mode here)
    WRAP: x = (x + k 2^i) mod 2^(k+i) - k 2^i
    y = x if k + i + f > 0 (the given i) else 0

which is the conversion into ``ap_(u)fixed<k+i+f, k+i, ROUND, overflow>`` per element
(``fpga_export.layers.fixed_quantizer``). A quantizer whose elements share one type becomes a
plain conversion (``Activation("linear")`` with that given result type); otherwise a
``FixedQuantizer`` node (per-element constants, result = the container type holding every
element's type). Weights are quantized by calling the layer's own quantizer on the live
weight (``layer.qkernel``, ``layer.qbias``): exact values, held by their smallest exact type.

Refused, with the reason: minifloat quantizers (``q_type="float"``), ``scaler``/``affine``
settings, ``WRAP_SM`` overflow, custom bit-width mappers.
"""

from __future__ import annotations

import numpy as np
from hgq.quantizer import Quantizer as HQuantizer
from hgq.quantizer.internal import DummyQuantizer
from hgq.quantizer.internal.base import DefaultBitwidthMapper
from hgq.quantizer.internal.fixed_point_quantizer import FixedPointQuantizerBase

from fpga_export.ir.span import Span
from fpga_export.layers.activation import Activation
from fpga_export.layers.fixed_quantizer import (
    FixedQuantizer,
    container_type,
    is_uniform,
    kif_weights,
    uniform_type,
)
from fpga_export.layers.quantizer import exact_type

from ..convert import LayerCall, array

AUTO = "auto"


class HGQError(ValueError):
    """An HGQ2 quantizer that cannot be exported exactly (the message says why)."""


def kif(q: HQuantizer, shape: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(k, i, f) of a built HGQ quantizer broadcast to ``shape`` (per sample), or None for a
    quantizer that does nothing (a disabled one)."""
    inner = q.quantizer
    if isinstance(inner, DummyQuantizer):
        return None
    _check(q)
    k, i, f = (np.asarray(array(v)) for v in inner.kif)
    full = (1, *shape)
    k, i, f = (np.broadcast_to(v, full)[0] for v in (k, i, f))
    return k, i, f


def modes(q: HQuantizer) -> tuple[str, str]:
    """(rounding, overflow) in ``AP_`` names without the prefix."""
    inner = q.quantizer
    rounding = inner.round_mode.removeprefix("S_")  # stochastic only while training
    return rounding, inner.overflow_mode


def _check(q: HQuantizer) -> None:
    inner = q.quantizer
    if not isinstance(inner, FixedPointQuantizerBase):
        raise HGQError(
            f"quantizer {q.name!r} is a {type(inner).__name__} (q_type={q.q_type!r}); only "
            "fixed-point quantizers (q_type 'kif' or 'kbi') can be exported exactly"
        )
    if q.scaler is not None or q.affine is not None:
        raise HGQError(
            f"quantizer {q.name!r} has scaler={q.scaler!r}, affine={q.affine!r}: a scaled "
            "quantizer is not supported"
        )
    if inner.overflow_mode not in ("WRAP", "SAT", "SAT_SYM"):
        raise HGQError(
            f"quantizer {q.name!r}: overflow_mode={inner.overflow_mode!r} is not supported "
            "(WRAP, SAT, SAT_SYM)"
        )
    if type(inner.bw_mapper) is not DefaultBitwidthMapper:
        raise HGQError(
            f"quantizer {q.name!r}: bit-width mapper {type(inner.bw_mapper).__name__} is not "
            "supported (only the default one)"
        )
    if not q.built:
        raise HGQError(f"quantizer {q.name!r} is not built: call the model once first")
    if inner._is_weight and inner.overflow_mode == "WRAP" and inner.trainable:
        raise HGQError(
            f"quantizer {q.name!r} is a weight quantizer with overflow_mode='WRAP' used on "
            "data: HGQ2 then only rounds (it never wraps); use a 'datalane' quantizer config"
        )


def quantize_node(call: LayerCall, q: HQuantizer, node: str, shape: tuple, suffix: str) -> str:
    """A node after ``node`` (shape per sample) doing what the quantizer does at inference."""
    try:
        kif_ = kif(q, tuple(shape))
    except HGQError as e:
        raise call.refuse(str(e)) from None
    if kif_ is None:
        return node
    rounding, overflow = modes(q)
    weights = kif_weights(*kif_, overflow)
    t = uniform_type(weights, rounding, overflow) if is_uniform(weights) else None
    if t is not None:
        return call.add(Activation("linear"), suffix=suffix, inputs=[node], shape=shape,
                        given={"result": t}, layer_type="Quantizer")  # fmt: skip
    op = FixedQuantizer(rounding, overflow)
    out = call.add(op, suffix=suffix, inputs=[node], shape=shape, weights=weights,
                   given={"result": AUTO}, layer_type="Quantizer")  # fmt: skip
    _type_graph_input(call, node, op, weights)
    return out


def _type_graph_input(call: LayerCall, name: str, op: FixedQuantizer, weights) -> None:
    """A graph input read by a per-element quantizer takes its container type: inputs on the
    quantizer's grid then reach it unchanged (other inputs are rounded twice)."""
    graph = call.converter.graph
    node = graph[name]
    if name not in graph.inputs:
        return
    t = container_type(weights, op.rounding, op.overflow)
    old = node.given.get("result")  # another per-element quantizer reads it too: both fit
    if old is not None:
        t = (Span.of_type(old) | Span.of_type(t)).type(t.rounding, t.overflow)
    node.given["result"] = t


def weight_types(call: LayerCall, weights: dict) -> dict:
    """Exact types of quantized weight values (refused when they need more than 64 bits)."""
    out = {}
    for name, value in weights.items():
        t = exact_type(value, max_width=64)
        if t is None:
            raise call.refuse(f"its quantized {name} values need more than 64 bits")
        out[name] = t
    return out
