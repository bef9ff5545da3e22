"""``Firmware.profile(x, model=None)``: is the precision right?

For every node of the firmware, the values it computes for the samples ``x``:

- **fixed-point values**: the csim trace (``Firmware.trace``) when the csim library is
  compiled (or ``csim=True``), else the bit-accurate numpy reference
  (``Interpreter.run(trace=True)``), which equals csim bit for bit; ``Profile.source`` says
  which;
- **float values**: the framework's own per-layer outputs when the live ``model`` is given
  (Keras: a model with every layer's output, ``keras_plugin.profile``; PyTorch: forward hooks
  by module name, ``torch_plugin.profile``). A framework layer's output is matched to the IR
  node whose output it is: among the nodes made from that layer (its main node, whose
  ``Node.layer`` is the layer's name, and the helper nodes with the same ``Node.source``,
  e.g. a Dense layer's fused activation), the last one in graph order. Its other nodes (the
  Dense before its activation) and functional ops without a module (``F.relu``) have no
  float values. Graph inputs always have them: the ``x`` given. Without a model the float
  values are unavailable (None): a numpy run with wider types would still be fixed point.

Per node, :class:`Stats` of both (min, max, percentiles, a histogram of ``floor(log2|x|)``),
the result type's range and LSB, the values that overflowed (saturated or wrapped:
``fpga_export.metrics``, which re-runs each node with wider types; for graph inputs, the
values of ``x`` outside the input type) and the nonzero float values below one LSB. Weights
the same way, per weight array, against the type of their role.

:meth:`Profile.suggest` turns the observations into ``layers=`` settings for ``export_fpga``
(see :func:`suggest_type` for the rule); :meth:`Profile.plot` draws them (matplotlib).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .metrics import overflow_extent, widen
from .types import FixedType, Overflow

__all__ = [
    "PERCENTILES",
    "FLOAT_TRACES",
    "NodeProfile",
    "Profile",
    "Stats",
    "WeightProfile",
    "profile",
    "register_float_trace",
    "suggest_type",
]

PERCENTILES = (1, 25, 50, 75, 99)

# model class -> float_trace(model, x) -> {framework layer name: float array}; filled by the
# plugins (keras_plugin, torch_plugin) on import, looked up along the model class's MRO
FLOAT_TRACES: dict[type, Callable] = {}


def register_float_trace(cls: type, trace: Callable) -> None:
    """``trace(model, x) -> {layer name: np.ndarray}`` serves models of class ``cls``."""
    FLOAT_TRACES[cls] = trace


def _float_trace(model) -> Callable:
    for cls in type(model).__mro__:
        if cls in FLOAT_TRACES:
            return FLOAT_TRACES[cls]
    raise TypeError(
        f"profile: no float trace for a model of class {type(model).__name__}: pass a Keras "
        "model (import keras_plugin) or a torch.nn.Module (import torch_plugin), or model=None"
    )


# ---------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Stats:
    """Statistics of an array of values: ``percentiles`` of the values, ``abs_percentiles``
    of the nonzero |values| (the box plots), ``histogram`` ``{e: n}``: n values with
    ``2**e <= |x| < 2**(e+1)``, and ``zeros`` values equal to 0."""

    count: int
    min: float
    max: float
    percentiles: dict[int, float]
    abs_percentiles: dict[int, float]
    histogram: dict[int, int]
    zeros: int

    @classmethod
    def of(cls, values) -> Stats:
        v = np.asarray(values, dtype=np.float64).reshape(-1)
        if not v.size:
            return cls(0, math.nan, math.nan, {}, {}, {}, 0)
        mag = np.abs(v[v != 0])
        exps, counts = np.unique(np.frexp(mag)[1] - 1, return_counts=True)
        return cls(
            count=int(v.size),
            min=float(v.min()),
            max=float(v.max()),
            percentiles=_percentiles(v),
            abs_percentiles=_percentiles(mag) if mag.size else {},
            histogram={int(e): int(n) for e, n in zip(exps, counts, strict=True)},
            zeros=int(v.size - mag.size),
        )

    @property
    def peak(self) -> float:
        """max |value| (0 for no values)."""
        return max(abs(self.min), abs(self.max)) if self.count else 0.0

    def to_dict(self) -> dict:
        return {
            "count": self.count,
            "min": _num(self.min),
            "max": _num(self.max),
            "percentiles": {f"p{p}": v for p, v in self.percentiles.items()},
            "abs_percentiles": {f"p{p}": v for p, v in self.abs_percentiles.items()},
            "histogram": [[e, n] for e, n in sorted(self.histogram.items())],
            "zeros": self.zeros,
        }


def _percentiles(v: np.ndarray) -> dict[int, float]:
    return {p: float(q) for p, q in zip(PERCENTILES, np.percentile(v, PERCENTILES), strict=True)}


def _num(v: float) -> float | None:
    return None if math.isnan(v) else v


def _type_dict(t: FixedType) -> dict:
    return {"type": str(t), "min": t.min, "max": t.max, "lsb": t.lsb}


def _overflowed(t: FixedType, values: np.ndarray) -> int:
    """Float values converted into ``t`` that overflow (as ``metrics``: a wider type differs)."""
    return int(np.count_nonzero(t.quantize(values) != widen(t).quantize(values)))


def _below_lsb(t: FixedType, values: np.ndarray) -> int:
    mag = np.abs(values)
    return int(np.count_nonzero((mag > 0) & (mag < t.lsb)))


@dataclass
class WeightProfile:
    """One weight array of a node against the type of its role."""

    name: str
    role: str
    type: FixedType
    stats: Stats
    overflow: int  # values outside the type (saturated or wrapped when converted)
    below_lsb: int  # nonzero values below one LSB (converted to 0 or one LSB)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "role": self.role,
            **_type_dict(self.type),
            "stats": self.stats.to_dict(),
            "overflow": self.overflow,
            "below_lsb": self.below_lsb,
        }


@dataclass
class NodeProfile:
    """What one node computed for the profiled samples (module docstring)."""

    name: str
    op: str
    layer: str
    type: FixedType  # the node's result type
    fixed: Stats  # csim (or its bit-identical numpy reference)
    float: Stats | None  # the framework's float values; None: unavailable
    overflow: int  # values that saturated or wrapped in this node
    below_lsb: int | None  # nonzero float values below one LSB; None without float values
    wide_min: float  # extent of the node re-run with wider types on its actual inputs
    wide_max: float
    weights: list[WeightProfile] = field(default_factory=list)

    @property
    def saturated(self) -> int:
        """Overflowed values clamped to the type's range (a saturating overflow mode)."""
        return 0 if self.type.overflow == Overflow.WRAP else self.overflow

    @property
    def wrapped(self) -> int:
        """Overflowed values that wrapped around (the default AP_WRAP mode)."""
        return self.overflow if self.type.overflow == Overflow.WRAP else 0

    def observed(self) -> tuple[float, float]:
        """(min, max) the type must hold: the float values, else the fixed-point values as
        they would be without overflow in this node (``wide_min``/``wide_max``)."""
        if self.float is not None and self.float.count:
            return self.float.min, self.float.max
        return self.wide_min, self.wide_max

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "op": self.op,
            "layer": self.layer,
            **_type_dict(self.type),
            "fixed": self.fixed.to_dict(),
            "float": self.float.to_dict() if self.float is not None else None,
            "overflow": self.overflow,
            "saturated": self.saturated,
            "wrapped": self.wrapped,
            "below_lsb": self.below_lsb,
            "weights": [w.to_dict() for w in self.weights],
        }


# ---------------------------------------------------------------------- suggestion


def suggest_type(
    current: FixedType, lo: float, hi: float, *, margin: int = 1, frac: int | None = None
) -> FixedType:
    """A type for values observed in ``[lo, hi]``: unsigned when ``lo >= 0``; integer bits
    that hold ``max(|lo|, |hi|)`` plus one LSB (rounding up may reach it) with ``margin``
    more bits; fraction bits ``frac`` (default: the current type's). Rounding and overflow
    modes are kept; the width is at least 1 (plus the sign bit)."""
    frac = current.frac if frac is None else int(frac)
    signed = bool(lo < 0)
    peak = max(abs(lo), abs(hi)) + math.ldexp(1.0, -frac)
    magnitude = math.floor(math.log2(peak)) + 1  # bits left of the binary point for peak
    integer = magnitude + int(signed) + margin
    integer = max(integer, 1 + int(signed) - frac)  # width >= 1 + sign bit
    if current.is_int:
        current = FixedType(current.width, current.integer, current.signed)
    return current.with_(width=integer + frac, integer=integer, signed=signed)


def _fraction_bits(fraction_bits, name: str) -> int | None:
    if isinstance(fraction_bits, dict):
        return fraction_bits.get(name)
    return fraction_bits


BUDGET_EXTRA_FRAC = 8  # the error budget adds at most this many fraction bits to a type


def budget_fraction_bits(stats: Stats, error: float, current: int) -> int | None:
    """Fraction bits whose LSB is at most ``error`` times the node's small values: the 25th
    percentile of its nonzero |values| (three values in four then round with a relative
    error of at most ``error``, half that with rounding to nearest), at least 0 and at most
    ``BUDGET_EXTRA_FRAC`` more than the ``current`` type's (values near zero, such as small
    softmax outputs, would ask for many more). None: no nonzero value observed."""
    small = stats.abs_percentiles.get(25)
    if not small or not error > 0:
        return None
    want = math.ceil(-math.log2(error * small))
    return max(0, min(want, current + BUDGET_EXTRA_FRAC))


# ---------------------------------------------------------------------- the profile


@dataclass
class Profile:
    """The per-node observations of :func:`profile`, with ``suggest``/``table``/``plot``."""

    nodes: list[NodeProfile]
    source: str  # "csim" or "reference" (the numpy interpreter, bit-identical)
    float_source: str | None  # the model class whose float values were read, or None
    samples: int
    given: dict[str, set[str]] = field(default_factory=dict, repr=False)  # quantizer roles
    accum: dict[str, FixedType] = field(default_factory=dict, repr=False)  # accum types

    def __getitem__(self, name: str) -> NodeProfile:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(f"no node named {name!r}; nodes: {', '.join(n.name for n in self.nodes)}")

    def suggest_types(
        self,
        *,
        margin: int = 1,
        fraction_bits=None,
        error: float | None = None,
        weights: bool = True,
    ) -> dict[str, dict[str, FixedType]]:
        """``{node: {role: type}}`` (see :meth:`suggest`)."""
        out: dict[str, dict[str, FixedType]] = {}
        for n in self.nodes:
            given = self.given.get(n.name, set())
            frac = _fraction_bits(fraction_bits, n.name)
            if frac is None and error is not None:
                seen = n.float if n.float is not None and n.float.count else n.fixed
                frac = budget_fraction_bits(seen, error, n.type.frac)
            types: dict[str, FixedType] = {}
            lo, hi = n.observed()
            if "result" not in given and not math.isnan(lo):
                types["result"] = suggest_type(n.type, lo, hi, margin=margin, frac=frac)
            accum = self.accum.get(n.name)
            if accum is not None and "accum" not in given and "result" in types:
                need = types["result"].integer
                if accum.integer < need:  # the sum is converted from accum into result
                    grow = need - accum.integer
                    types["accum"] = accum.with_(width=accum.width + grow, integer=need)
            if weights:
                for role, ws in _by_role(n.weights).items():
                    if role in given:
                        continue
                    lo = min(w.stats.min for w in ws)
                    hi = max(w.stats.max for w in ws)
                    types[role] = suggest_type(ws[0].type, lo, hi, margin=0)
            if types:
                out[n.name] = types
        return out

    def suggest(
        self,
        *,
        margin: int = 1,
        fraction_bits=None,
        error: float | None = None,
        weights: bool = True,
    ) -> dict:
        """``layers=`` settings for ``export_fpga``: ``{node name: {"precision": {role:
        "ap_fixed<W,I>"}}}`` (keys are node names, which ``layers=`` accepts).

        Rule, per node (:func:`suggest_type`): the ``result`` type holds the observed values
        (the float values when a model was given, else the fixed-point values re-run with
        wider types, so saturated values count at their real size) with ``margin`` more
        integer bits, unsigned when none is negative; fraction bits are kept unless
        ``fraction_bits`` (an int, or ``{node: int}``) says otherwise, or come from the error
        budget ``error`` (:func:`budget_fraction_bits`: the LSB is at most ``error`` times
        the node's 25th-percentile nonzero |value|, with at most 8 more fraction bits). An
        ``accum`` type narrower than that result gets its integer bits. With ``weights``,
        each weight role (``kernel``, ``bias`` ...) gets the integer bits its values need (no
        margin) at its fraction bits. Types the framework's quantizers give (``Node.given``)
        are kept. Merge it with your own ``layers=`` settings yourself (a layer named twice is
        an error).
        """
        suggested = self.suggest_types(
            margin=margin, fraction_bits=fraction_bits, error=error, weights=weights
        )
        return {
            name: {"precision": {r: str(t) for r, t in types.items()}}
            for name, types in suggested.items()
        }

    # -- display -------------------------------------------------------------------------
    def table(self) -> str:
        """One line per node: type and range, fixed/float extents, overflow, below one LSB,
        the suggested result type."""
        suggested = self.suggest_types(weights=False)
        rows = [
            ("node", "op", "type", "range", "fixed min..max", "float min..max", "sat/wrap", "<lsb")
            + ("suggest",)
        ]
        for n in self.nodes:
            flt = n.float
            rows.append(
                (
                    n.name,
                    n.op,
                    str(n.type),
                    f"{_g(n.type.min)}..{_g(n.type.max)}",
                    f"{_g(n.fixed.min)}..{_g(n.fixed.max)}",
                    f"{_g(flt.min)}..{_g(flt.max)}" if flt is not None else "-",
                    f"{n.saturated}/{n.wrapped}",
                    "-" if n.below_lsb is None else str(n.below_lsb),
                    str(suggested.get(n.name, {}).get("result", "-")),
                )
            )
            for w in n.weights:
                rows.append(
                    (
                        f"  .{w.name}",
                        w.role,
                        str(w.type),
                        f"{_g(w.type.min)}..{_g(w.type.max)}",
                        f"{_g(w.stats.min)}..{_g(w.stats.max)}",
                        "",
                        str(w.overflow),
                        str(w.below_lsb),
                        "",
                    )
                )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        where = self.source if self.source == "csim" else "numpy reference (== csim)"
        flt = (
            f"float values from the {self.float_source} model"
            if self.float_source
            else ("float values unavailable (no model given; graph inputs: the x given)")
        )
        head = f"profile of {self.samples} samples: fixed-point values from {where}; {flt}"
        return head + "\n" + "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def to_dict(self) -> dict:
        """Everything as JSON-able data (the HTML report reads it)."""
        suggested = self.suggest_types()
        return {
            "source": self.source,
            "float_source": self.float_source,
            "samples": self.samples,
            "percentiles": list(PERCENTILES),
            "nodes": [
                n.to_dict()
                | {"suggested": {r: str(t) for r, t in suggested.get(n.name, {}).items()}}
                for n in self.nodes
            ],
        }

    def plot(self):
        """A matplotlib Figure: per-node box plots of |values| and |weights| on a log2 scale
        over the shaded range of each type (``fpga_export.profile_plot``)."""
        from .profile_plot import plot

        return plot(self)

    def to_svg(self) -> str:
        """:meth:`plot` as an inline ``<svg>`` element (for a self-contained HTML page)."""
        from .profile_plot import to_svg

        return to_svg(self.plot())


def _g(v: float) -> str:
    return "nan" if v is None or math.isnan(v) else f"{v:.4g}"


def _by_role(weights: list[WeightProfile]) -> dict[str, list[WeightProfile]]:
    out: dict[str, list[WeightProfile]] = {}
    for w in weights:
        out.setdefault(w.role, []).append(w)
    return out


# ---------------------------------------------------------------------- the run


def profile(firmware, x, model=None, *, csim: bool | None = None) -> Profile:
    """Profile ``firmware`` on the samples ``x`` (as ``predict`` takes them); the float
    values of the live ``model`` when given. ``csim``: True runs the csim library (compiled
    when needed), False the numpy reference, None (default) csim when already compiled."""
    graph = firmware.graph
    xs = firmware._inputs(x)  # firmware layout; also checks x before anything runs
    use_csim = firmware.compiled if csim is None else csim
    if use_csim:
        fixed = firmware.trace(x)
    else:
        from .ir import Interpreter

        with firmware._lock.shared():
            fixed = Interpreter(graph).run(xs, trace=True)
    extent = overflow_extent(graph, xs)
    floats = _node_floats(graph, _float_trace(model)(model, x)) if model is not None else {}
    floats.update(zip(graph.inputs, xs, strict=True))
    nodes = []
    for n in graph:
        flt = floats.get(n.name)
        if flt is not None:
            flt = np.asarray(flt, dtype=np.float64)
        count, lo, hi = extent[n.name]
        if n.name in graph.inputs:
            count, lo, hi = _overflowed(n.result, flt), float(flt.min()), float(flt.max())
        nodes.append(
            NodeProfile(
                name=n.name,
                op=n.op.kind,
                layer=n.layer,
                type=n.result,
                fixed=Stats.of(fixed[n.name]),
                float=Stats.of(flt) if flt is not None else None,
                overflow=count,
                below_lsb=_below_lsb(n.result, flt) if flt is not None else None,
                wide_min=lo,
                wide_max=hi,
                weights=[
                    WeightProfile(
                        w,
                        role,
                        n.types[role],
                        Stats.of(n.weights[w]),
                        _overflowed(n.types[role], n.weights[w]),
                        _below_lsb(n.types[role], n.weights[w]),
                    )
                    for w, role in n.op.weight_roles.items()
                    if w in n.weights and role in n.types
                ],
            )
        )
    return Profile(
        nodes=nodes,
        source="csim" if use_csim else "reference",
        float_source=type(model).__name__ if model is not None else None,
        samples=len(xs[0]),
        given={n.name: {r for r, t in n.given.items() if t is not None} for n in graph},
        accum={n.name: n.types["accum"] for n in graph if "accum" in n.types},
    )


def _node_floats(graph, by_layer: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Framework layer outputs -> the IR nodes whose outputs they are (module docstring)."""
    mains: dict[str, list] = {}
    for n in graph:
        if n.layer:
            mains.setdefault(n.layer, []).append(n)
    out = {}
    for layer, values in by_layer.items():
        if len(mains.get(layer, [])) != 1:
            continue
        main = mains[layer][0]
        group = [n for n in graph if n is main or (main.source and n.source == main.source)]
        node = group[-1]
        values = np.asarray(values)
        if values.ndim and values.size == len(values) * node.size:
            out[node.name] = values
    return out
