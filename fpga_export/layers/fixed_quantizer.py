"""Per-element fixed-point quantization: every value of a tensor converted into a type of its
own (HGQ's learned per-element / per-channel bit widths). C++: nnet_cpp/nnet/fixed_quantizer.h.

``FixedQuantizer(rounding, overflow)`` quantizes element j of x into the signed-or-not type of
``k_j`` sign bits (0 or 1), ``i_j`` integer bits (without the sign) and ``f_j`` fraction bits
(HGQ's ``kif``), with one rounding mode (``AP_`` names without the prefix: TRN, TRN_ZERO, RND,
RND_ZERO, RND_MIN_INF, RND_INF, RND_CONV) and one overflow mode (WRAP, SAT, SAT_SYM) for the
tensor. :func:`kif_weights` turns (k, i, f) into the op's per-element constants, which are also
its C++ tables (shape = the node's shape per sample):

=========== ====================================================================================
scale       ``2^f``
unscale     ``2^-f``
lo, hi      the integer range of ``round(x * 2^f)`` (role ``bound``): ``[-k 2^(i+f),
            2^(i+f) - 1]``; SAT_SYM: ``lo = -k (2^(i+f) - 1)``
inv_period  (WRAP only) ``2^-(k+i+f)``, the period being ``hi - lo + 1 = 2^(k+i+f)``
=========== ====================================================================================

Per element, exactly (Python :meth:`FixedQuantizer.run` and C++):
``r = INT(x * scale)`` with ``INT`` = the ``int`` type ``ap_fixed<W, W, rounding, AP_WRAP>``
(W wide enough that this only rounds); WRAP: ``r = r - floor((r - lo) * inv_period) *
(hi - lo + 1)``; SAT/SAT_SYM: ``r = clip(r, lo, hi)``; ``y = R(r * unscale)`` (``R``: the
``result`` type, by default the *container*: the smallest type holding every element's type).

HGQ (``quantizers.fixed_point``, inference) computes ``x * 2^f`` in float32, rounds it (TRN
``floor``, RND ``floor(v + 0.5)``, RND_CONV ``round`` (half to even), ...), saturates
(SAT: ``clip(x, -k 2^i, 2^i - 2^-f)``, before rounding, which gives the same values since the
bounds are on the grid) or wraps (``(x + k 2^i) mod 2^(k+i) - k 2^i``, after rounding), with
``i`` raised to ``-f`` and elements with ``k + i + f <= 0`` (the original i) set to 0:
:func:`kif_weights` encodes all of that (a zero element gets ``lo = hi = 0``). That is
exactly the conversion into ``ap_(u)fixed<k+i+f, k+i, rounding, overflow>``, so the node is
exact when float32 holds HGQ's intermediate values (the ``"float32"`` span: the scaled input
plus a half and the saturation bounds need at most 24 significant bits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..ir import arith
from ..ir.op import Emission, Op, Tensor
from ..ir.span import Span
from ..types import FixedType, Rounding
from .quantizer import exact_type

OVERFLOWS = ("WRAP", "SAT", "SAT_SYM")


def kif_weights(k, i, f, overflow: str) -> dict[str, np.ndarray]:
    """The op's per-element constants from HGQ's (k, i, f) arrays (same shape), with HGQ's
    rules: ``i`` raised to ``-f``; ``k + i + f <= 0`` (the given i) quantizes to 0."""
    k, i, f = (np.asarray(a, dtype=np.float64) for a in (k, i, f))
    k, i, f = np.broadcast_arrays(k, i, f)
    if not all(np.array_equal(a, np.round(a)) for a in (k, i, f)):
        raise ValueError("k, i and f must be integers")
    zero = k + i + f <= 0
    k = np.where(zero, 0.0, k)
    i = np.where(zero, -f, np.maximum(i, -f))
    top = np.ldexp(1.0, (i + f).astype(np.int64))  # 2^(i+f)
    hi = top - 1
    lo = -k * (hi if overflow == "SAT_SYM" else top)
    out = {
        "scale": np.ldexp(1.0, f.astype(np.int64)),
        "unscale": np.ldexp(1.0, (-f).astype(np.int64)),
        "lo": lo + 0.0,
        "hi": hi,
    }
    if overflow == "WRAP":
        out["inv_period"] = np.ldexp(1.0, -(k + i + f).astype(np.int64))
    return out


def element_types(weights: dict, rounding: str, overflow: str) -> list[FixedType | None]:
    """Each element's own type (None: always 0), flat, from the op's constants."""
    f = -np.log2(weights["unscale"]).ravel().astype(np.int64)
    lo, hi = weights["lo"].ravel(), weights["hi"].ravel()
    out = []
    for fj, lj, hj in zip(f, lo, hi, strict=True):
        if hj == 0 and lj == 0:
            out.append(None)
            continue
        signed = lj < 0
        width = int(hj).bit_length() + signed
        out.append(FixedType(width, width - int(fj), signed, rounding, overflow))
    return out


@dataclass
class FixedQuantizer(Op):
    """Per-element conversion into per-element types (see the module docstring)."""

    kind = "fixed_quantizer"
    family = "fixed_quantizer"
    roles: ClassVar[tuple[str, ...]] = (
        "result",
        "int",
        "scale",
        "unscale",
        "bound",
        "inv_period",
    )
    weight_roles: ClassVar[dict[str, str]] = {
        "scale": "scale",
        "unscale": "unscale",
        "lo": "bound",
        "hi": "bound",
        "inv_period": "inv_period",
    }
    rounding: str = "TRN"
    overflow: str = "WRAP"

    def __post_init__(self):
        self.rounding = Rounding.coerce(self.rounding, "FixedQuantizer rounding").value
        if self.overflow not in OVERFLOWS:
            raise ValueError(
                f"FixedQuantizer overflow must be one of {', '.join(OVERFLOWS)}, got "
                f"{self.overflow!r}"
            )
        wrap = self.overflow == "WRAP"
        self.roles = ("result", "int", "scale", "unscale", "bound") + (("inv_period",) * wrap)
        names = ("scale", "unscale", "lo", "hi") + (("inv_period",) * wrap)
        self.weight_roles = {w: FixedQuantizer.weight_roles[w] for w in names}

    # -- structure / types --------------------------------------------------------------
    def check(self, node, graph):
        for w in self.weight_roles:
            value = node.weights.get(w)
            if value is None or np.shape(value) != tuple(node.shape):
                raise ValueError(
                    f"{node.name}: fixed_quantizer weight {w!r} must have the node's shape "
                    f"{tuple(node.shape)}, got {None if value is None else np.shape(value)}"
                )

    def _f(self, node) -> np.ndarray:
        return -np.log2(np.asarray(node.weights["unscale"], np.float64)).astype(np.int64)

    def container(self, node) -> FixedType:
        """The smallest type holding every element's type (the default ``result``)."""
        return container_type(node.weights, self.rounding, self.overflow)

    def describe(self, node) -> str:
        types = element_types(node.weights, self.rounding, self.overflow)
        distinct = sorted({str(t) for t in types if t is not None})
        zeros = sum(t is None for t in types)
        shown = ", ".join(distinct[:4]) + (", ..." if len(distinct) > 4 else "")
        zero = f", {zeros} always 0" if zeros else ""
        return (
            f"per-element types: {len(types)} values, {len(distinct)} distinct types ({shown})"
            f"{zero}; the firmware holds them in the container type {node.result}"
        )

    def default_types(self, node, graph, ctx):
        f = self._f(node)
        x = graph[node.inputs[0]].result
        int_span = _int_span(x, int(f.max()), node)
        types = {
            "result": self.container(node),
            "int": int_span.type().with_(rounding=self.rounding),
            "scale": exact_type(node.weights["scale"]),
            "unscale": exact_type(node.weights["unscale"]),
            "bound": exact_type(np.concatenate([np.ravel(node.weights["lo"]),
                                                np.ravel(node.weights["hi"])])),
        }  # fmt: skip
        if "inv_period" in self.roles:
            types["inv_period"] = exact_type(node.weights["inv_period"])
        return types

    def exact_spans(self, node, graph):
        f = self._f(node)
        x = graph[node.inputs[0]].result
        fmax = int(f.max())
        spans = {
            "result": Span.of_values(_bounds(node.weights, f), fmax),
            "int": _int_span(x, fmax, node),
        }
        # float32 (HGQ): x * 2^f plus a half, and the saturation bounds 2^i - 2^-f
        m = max(-x.raw_min, x.raw_max)
        scaled = (m << max(fmax - x.frac, 0)) >> max(x.frac - fmax, 0)
        f32 = Span(-2 * scaled - 2, 2 * scaled + 2, fmax + 1)
        if self.overflow != "WRAP":
            span = np.asarray(node.weights["hi"]) - np.asarray(node.weights["lo"])
            j = int(np.argmax(span))
            lo, hi = np.ravel(node.weights["lo"])[j], np.ravel(node.weights["hi"])[j]
            f32 = f32 | Span(int(lo), int(hi), int(np.ravel(f)[j]))
        spans["float32"] = f32
        return spans

    # -- numpy reference ----------------------------------------------------------------
    def run(self, node, inputs):
        (x,) = inputs
        f = self._f(node)
        lo = np.asarray(node.weights["lo"]).astype(np.int64)
        hi = np.asarray(node.weights["hi"]).astype(np.int64)
        wi = node.types["int"].width
        out = np.zeros(x.raw.shape, dtype=object)
        for fv in np.unique(f):
            mask = np.broadcast_to(f == fv, x.raw.shape)
            rt = FixedType(
                wi, wi - int(fv), True, self.rounding, "WRAP", family=node.types["int"].family
            )
            r = np.asarray(rt.cast_raw(x.raw, x.type)).astype(object)
            low = np.broadcast_to(lo, r.shape).astype(object)
            high = np.broadcast_to(hi, r.shape).astype(object)
            if self.overflow == "WRAP":
                r = low + (r - low) % (high - low + 1)
            else:
                r = np.minimum(np.maximum(r, low), high)
            y = node.result.cast_raw(r, rt)
            out[mask] = np.asarray(y, dtype=object)[mask]
        return Tensor(arith.as_wide(out, node.result.width + 1), node.result)

    # -- C++ --------------------------------------------------------------------------
    def config_fields(self, node, ctx):
        return {"n_in": node.size, "wrap": int(self.overflow == "WRAP")}

    def cost(self, node, ctx, hw):
        """Per value: a rounding adder and the saturation (or wrap) compare-and-select. In
        io_parallel the per-element shifts are constants (wiring); io_stream reads them from
        ROMs: a shifter (a mux per distinct shift) per value of a packet."""
        w = ctx.input_node(node).result.width
        wr = node.result.width
        res = hw.adders(1, node.types["int"].width) + hw.adders(1, w) + hw.muxes(1, 2, wr)
        if ctx.stream:
            shifts = len(np.unique(self._f(node)))
            res += hw.muxes(1, max(shifts, 1), w) + hw.muxes(1, max(shifts, 1), wr)
        return hw.elementwise(node, ctx, res, hw.T_ADD + hw.T_CMP)

    def emit(self, node, ctx) -> Emission:
        roles = {f"{r}_t": r for r in self.roles if r != "result"}
        config = ctx.config(node, "nnet::fixed_quantizer_config", self.config_fields(node, ctx),
                            roles)  # fmt: skip
        fn = "fixed_quantize" + ("_stream" if ctx.stream else "")
        weights = ("scale", "unscale", "lo", "hi", "inv_period")
        call = ctx.call(fn, node, [w for w in weights if w in self.weight_roles])
        if "inv_period" not in self.weight_roles:  # SAT: the C++ signature takes it anyway
            call = call.replace(");", ", nnet::no_inv_period);")
        return Emission(config=config, call=call, includes=("nnet/fixed_quantizer.h",))


def _bounds(weights, f) -> np.ndarray:
    """Every element's lowest and highest output value (floats)."""
    scale = np.ldexp(1.0, -np.asarray(f))
    return np.concatenate([np.ravel(weights["lo"] * scale), np.ravel(weights["hi"] * scale)])


def container_type(weights: dict, rounding: str, overflow: str) -> FixedType:
    """The smallest type holding every element's type (with the quantizer's modes)."""
    f = -np.log2(np.asarray(weights["unscale"], np.float64)).astype(np.int64)
    return Span.of_values(_bounds(weights, f), int(f.max())).type(rounding, overflow)


def _int_span(x: FixedType, fmax: int, node) -> Span:
    """round(x * 2^f) for every element and input value, and the bounds (integers)."""
    m = max(-x.raw_min, x.raw_max)
    top = ((m << max(fmax - x.frac, 0)) >> max(x.frac - fmax, 0)) + 1
    lo = min(int(np.min(node.weights["lo"])), -top)
    hi = max(int(np.max(node.weights["hi"])), top)
    return Span(lo, hi, 0)


def is_uniform(weights: dict) -> bool:
    """Every element has the same type (a plain conversion does)."""
    return all(np.all(v == np.ravel(v)[0]) for v in weights.values())


def uniform_type(weights: dict, rounding: str, overflow: str) -> FixedType | None:
    """The one type of a uniform quantizer (None when it is always 0)."""
    return element_types({k: np.ravel(v)[:1] for k, v in weights.items()}, rounding, overflow)[0]
