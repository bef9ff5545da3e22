"""Activation functions. C++: nnet_cpp/nnet/activation.h.

``Activation(function, ...)`` is one op for every element-wise activation plus softmax (last
axis). ``x`` below is the input in its own type X (raw integers, LSB ``2^-F``), ``R`` the
result type, ``P`` the ``param`` role, ``T`` a table role; ``R(v)`` is the conversion
``res_T y = v;`` with R's own quantization/overflow modes; products and sums are exact
(full precision). Python (:meth:`Activation.run`) and C++ implement exactly this:

=============  ==============================================================================
linear         ``R(x)``
relu           ``x > 0 ? R(x) : 0``
clipped_relu   ``x <= 0 ? 0 : x >= m ? R(m) : R(x)`` with ``m = P(max_value)``; ``relu`` with a
               ``max_value`` and ``relu6`` (``max_value = 6``) are this function
hardtanh       ``x <= lo ? R(lo) : x >= hi ? R(hi) : R(x)`` with ``lo = P(min_value)``,
               ``hi = P(max_value)`` (PyTorch Hardtanh; defaults -1 and 1)
leaky_relu     ``x >= 0 ? R(x) : R(x * P(alpha))``
elu            ``x >= 0 ? R(x) : R(T[one_sided(-x)])``, ``T = alpha * (exp(x) - 1)``
selu           ``x >= 0 ? R(x * P(scale)) : R(T[one_sided(-x)])``, ``T = scale*alpha*(exp(x)-1)``
sigmoid, tanh  ``R(T[two_sided(x)])``, ``T = f(x)``
softplus       ``x >= r ? R(x) : R(T[two_sided(x)])``, ``T = log(1 + exp(x))``
silu           ``x >= r ? R(x) : R(T[two_sided(x)])``, ``T = x * sigmoid(x)`` (PyTorch SiLU,
               swish); below ``-r`` the first entry ``T[0] ~ silu(-r)`` (|error| < r e^-r)
softsign       ``x >= 0 ? R(1 - inv(1 + |x|)) : R(inv(1 + |x|) - 1)``   (reciprocal below)
hard_sigmoid   ``t = x * P(slope) + P(offset)``; ``t <= 0 ? 0 : t >= 1 ? R(1) : R(t)``
softmax        see below
=============  ==============================================================================

The negative branches of elu/selu are entirely in the table (alpha and scale folded in: one
rounding, no multiplier). ``hard_sigmoid`` is ``clip(slope * x + offset, 0, 1)``: the default
``slope = 1/6`` is Keras 3 / PyTorch (``relu6(x + 3) / 6``); legacy tf_keras and QKeras use
``slope = 0.2`` (frontends pass it). ``offset`` is 0.5 in both.

Lookup tables (``table_size = N = 2^n`` entries, ``table_range = r = 2^k``): entry i is f at
the bin center ``c_i = lo + i * bw`` and an input goes to the nearest center, ties upward:

* two-sided tables: ``lo = -r``, ``bw = 2r / N`` (centers -r ... r - bw);
  ``two_sided(x) = clamp(floor(x / bw + 1/2) + N/2, 0, N-1)``; in raw integers
  ``floor(x / bw + 1/2) = (x_raw + 2^(s-1)) >> s`` with ``s = F + k + 1 - n`` (a left shift if
  s < 0, the raw value if s = 0). C++: ``ap_fixed<n, k+1, AP_RND, AP_SAT> q = x`` and
  ``index = q.range() ^ N/2``.
* one-sided tables, on u = -x (elu/selu) or u = max - x (softmax), u >= 0: ``lo = 0``,
  ``bw = r / N`` (centers 0 ... r - bw); ``one_sided(u) = min(floor(u / bw + 1/2), N-1)``
  (``s = F + k - n``). C++: ``ap_ufixed<n, k, AP_RND, AP_SAT> q = u`` and ``index = q.range()``.

So f(0) is exact at 0 (tanh(0) = 0, the largest softmax input gets exp(0) = 1), an input at
most bw/2 from a center is off by at most max|f'| * bw/2, and inputs whose LSB is a multiple
of bw hit their center exactly. The tables do not depend on types: :meth:`Activation.prepare`
puts them (and the ``param`` constants) into ``node.weights``; ``infer_types`` calls it (from
``default_types``), and :meth:`run` does if they are missing. Tables are stored as float64
and quantized to their role's type in both Python (``arith.const``) and C++ (the backend
initializes ``const table_t name[N]`` from the same quantized values), so both see the same
entries.

Reciprocal (softsign, softmax) of ``d > 0`` of a type D (F_D fraction bits), normalized like
a float so its relative error does not depend on the range of d: ``p`` = position of the
leading one of ``d_raw``, ``j = floor(d_raw * 2^(n-p)) - N`` (the n bits after the leading
one), ``1/d ~ inv_table[j] * 2^(F_D - p)`` with ``inv_table[j] = 1 / (1 + (j + 0.5) / N)``
(role ``inv_table``; the power-of-two scaling is exact). Softsign uses
``d = 1 + |x|`` with F_D = max(F, 0).

Softmax over the last axis (C values; one stream packet), per vector:
``m = max_c x_c``; ``e_c = exp_table[one_sided(m - x_c)]`` with ``exp_table = exp(-u)``;
``s = accum(0); s += accum(e_c)`` for c = 0..C-1 in order (``accum`` modes on each step);
if ``s <= 0`` every output is 0, else ``y_c = R(e_c * inv(s))`` (exact product, one
conversion).

Type roles: ``result``; ``param`` (constants; default ``ap_fixed<18,I,AP_RND>`` with I fitted
to the constants); ``table``, ``exp_table``, ``inv_table`` (default
``ap_fixed<18,8,AP_RND,AP_SAT>``); ``accum`` (softmax sum; default: exp_table's type grown to
hold C values). A model-wide ``role_defaults[role]`` overrides these defaults. Each instance
only has the roles and weights its function uses (``op.roles``/``op.weight_roles`` are set
per instance; the class attributes list them all).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..ir import arith
from ..ir.cost import Cost, Resources
from ..ir.op import Emission, Op, Tensor
from ..ir.rawmath import (
    ceil_pow2,
    convert_scaled,
    pow2,
    reciprocal,
    round_shift,
    where,
    wide,
)
from ..ir.span import Span, const_span, input_span
from ..types import FixedType
from .dense import fit_integer_bits

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

TABLE_DEFAULT = FixedType.parse("ap_fixed<18,8,AP_RND,AP_SAT>")
PARAM_WIDTH = 18

# function -> (C++ function, weights passed to it in order; each weight's role is its name)
_SPECS: dict[str, tuple[str, tuple[str, ...]]] = {
    "linear": ("linear", ()),
    "relu": ("relu", ()),
    "relu6": ("clipped_relu", ("param",)),
    "clipped_relu": ("clipped_relu", ("param",)),
    "leaky_relu": ("leaky_relu", ("param",)),
    "elu": ("elu", ("table",)),
    "selu": ("selu", ("param", "table")),
    "sigmoid": ("sigmoid", ("table",)),
    "hard_sigmoid": ("hard_sigmoid", ("param",)),
    "tanh": ("tanh", ("table",)),
    "softplus": ("softplus", ("table",)),
    "softsign": ("softsign", ("inv_table",)),
    "softmax": ("softmax", ("exp_table", "inv_table")),
    "silu": ("silu", ("table",)),
    "hardtanh": ("hardtanh", ("param",)),
}
SUPPORTED = tuple(_SPECS)


MAX_TABLE_SIZE = 2**20  # entries of one lookup table (a ROM): far beyond any FPGA's memory


def _check_pow2(what: str, value, integer: bool) -> int:
    """log2 of ``value``, which must be a power of two (an int in [2, MAX_TABLE_SIZE] if
    ``integer``)."""
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, kinds) and not isinstance(value, bool) and 0 < value < math.inf:
        m, e = math.frexp(float(value))
        if m == 0.5 and (not integer or 2 <= value <= MAX_TABLE_SIZE):
            return e - 1
    need = (
        f"an integer power of two from 2 to 2**{MAX_TABLE_SIZE.bit_length() - 1}"
        if integer
        else "a power of two (0.5, 1, 2, 4 ...)"
    )
    raise ValueError(f"{what} must be {need}, got {value!r}")


@dataclass
class Activation(Op):
    """One element-wise activation function, or softmax over the last axis (module doc)."""

    kind = "activation"
    family = "activation"
    roles: ClassVar[tuple[str, ...]] = (
        "result",
        "param",
        "table",
        "exp_table",
        "inv_table",
        "accum",
    )
    weight_roles: ClassVar[dict[str, str]] = {
        "param": "param",
        "table": "table",
        "exp_table": "exp_table",
        "inv_table": "inv_table",
    }

    function: str = "linear"
    alpha: float | None = None  # leaky_relu (default 0.3, as Keras), elu (default 1.0)
    max_value: float | None = None  # relu / clipped_relu upper clip (relu6: 6)
    slope: float | None = None  # hard_sigmoid: 1/6 (Keras 3, PyTorch) or 0.2 (tf_keras)
    table_size: int = 1024
    table_range: float = 8.0
    min_value: float | None = None  # hardtanh lower clip (default -1.0)

    def __post_init__(self):
        if self.function not in _SPECS:
            raise ValueError(
                f"unknown activation function {self.function!r}; supported: {', '.join(SUPPORTED)}"
            )
        self.table_bits = _check_pow2("Activation table_size", self.table_size, True)
        self.range_log2 = _check_pow2("Activation table_range", self.table_range, False)
        if self.function == "relu6" and self.max_value is None:
            self.max_value = 6.0
        if self.function == "clipped_relu" and self.max_value is None:
            raise ValueError("Activation 'clipped_relu' needs a max_value")
        if self.function == "hardtanh":
            lo = -1.0 if self.min_value is None else float(self.min_value)
            hi = 1.0 if self.max_value is None else float(self.max_value)
            if not lo < hi:
                raise ValueError(
                    f"Activation 'hardtanh' needs min_value < max_value, got {lo} and {hi}"
                )
        if self.function == "relu" and self.max_value is not None:
            cpp, weights = _SPECS["clipped_relu"]
        else:
            cpp, weights = _SPECS[self.function]
        self.cpp_function = cpp
        self.weight_names = weights
        # per-instance roles / weight roles: only what this function uses
        self.roles = ("result", *weights) + (("accum",) if self.function == "softmax" else ())
        self.weight_roles = {w: w for w in weights}

    def hls4ml_compatible(self):
        """This activation as hls4ml computes it (``activation_tables="hls4ml"``): its
        lookup-table functions become ``Hls4mlActivation`` (layers/activation_hls4ml.py), an
        elu with its alpha (hls4ml's ``param``); the others stay as they are."""
        from .activation_hls4ml import FUNCTIONS, Hls4mlActivation

        if self.function not in FUNCTIONS:
            return self
        if self.function == "elu":
            alpha = 1.0 if self.alpha is None else float(self.alpha)
            return Hls4mlActivation("elu", self.table_size, alpha=alpha)
        return Hls4mlActivation(self.function, self.table_size)

    # -- constants ----------------------------------------------------------------------
    def params(self) -> np.ndarray:
        """The ``param`` weight (float64): the constants the function multiplies/compares by."""
        f = self.function
        if self.cpp_function == "clipped_relu":
            return np.array([self.max_value], dtype=np.float64)
        if f == "leaky_relu":
            return np.array([0.3 if self.alpha is None else self.alpha], dtype=np.float64)
        if f == "selu":
            return np.array([SELU_SCALE], dtype=np.float64)
        if f == "hard_sigmoid":
            return np.array([1 / 6 if self.slope is None else self.slope, 0.5], dtype=np.float64)
        if f == "hardtanh":
            lo = -1.0 if self.min_value is None else self.min_value
            return np.array([lo, 1.0 if self.max_value is None else self.max_value], np.float64)
        raise AssertionError(f)

    def table_inputs(self, one_sided: bool) -> np.ndarray:
        """The bin centers: x (two-sided) or u (one-sided) at which entries are evaluated."""
        n, r = self.table_size, float(self.table_range)
        width, lo = (r, 0.0) if one_sided else (2 * r, -r)
        return lo + (width / n) * np.arange(n, dtype=np.float64)

    def tables(self) -> dict[str, np.ndarray]:
        """Float64 contents of every table weight of this function."""
        f = self.function
        out: dict[str, np.ndarray] = {}
        if f in ("elu", "selu", "softmax"):
            u = self.table_inputs(one_sided=True)
            if f == "softmax":
                out["exp_table"] = np.exp(-u)
            else:
                alpha = (1.0 if self.alpha is None else self.alpha) if f == "elu" else SELU_ALPHA
                gain = alpha * (SELU_SCALE if f == "selu" else 1.0)
                out["table"] = gain * np.expm1(-u)
        elif f in ("sigmoid", "tanh", "softplus", "silu"):
            x = self.table_inputs(one_sided=False)
            if f == "sigmoid":
                out["table"] = 0.5 * (1.0 + np.tanh(0.5 * x))
            elif f == "tanh":
                out["table"] = np.tanh(x)
            elif f == "silu":
                out["table"] = x * 0.5 * (1.0 + np.tanh(0.5 * x))
            else:
                out["table"] = np.logaddexp(0.0, x)
        if f in ("softsign", "softmax"):
            j = np.arange(self.table_size, dtype=np.float64)
            out["inv_table"] = 1.0 / (1.0 + (j + 0.5) / self.table_size)
        return out

    def prepare(self, node) -> None:
        """Fill ``node.weights`` with this function's constants and tables."""
        if "param" in self.weight_names:
            node.weights["param"] = self.params()
        node.weights.update(self.tables())

    # -- structure / types --------------------------------------------------------------
    def check(self, node, graph):
        rf = node.reuse_factor
        if not isinstance(rf, (int, np.integer)) or rf < 1:
            raise ValueError(f"{node.name}: reuse_factor must be an int >= 1, got {rf!r}")
        if not node.shape:
            raise ValueError(f"{node.name}: activation of a scalar (shape ()) is not supported")

    def default_types(self, node, graph, ctx):
        self.prepare(node)
        out = {"result": FixedType.parse(ctx.default_for(node, "result"))}
        for role in self.weight_names:
            if _model_default(ctx, role):
                out[role] = _model_default(ctx, role)
            elif role == "param":
                out[role] = ctx.own(_fit_param(node.weights["param"]))
            else:
                out[role] = ctx.own(TABLE_DEFAULT)
        if "accum" in self.roles:
            if _model_default(ctx, "accum"):
                out["accum"] = _model_default(ctx, "accum")
            else:  # never overflows: C values of the exp_table type
                e = _user_type(node, "exp_table") or out["exp_table"]
                out["accum"] = ctx.cap(e.sum_type(node.shape[-1]))
        return out

    def auto_types(self, node, graph, ctx, types):
        """'auto' result: a type holding every value the function can produce from its
        input and tables without a conversion loss (capped); other roles: their defaults."""
        x = graph[node.inputs[0]].result
        if self.function in ("softsign", "softmax", "hard_sigmoid"):
            return {}  # outputs in [-1, 1]: the default type is the sensible choice
        defaults = self.default_types(node, graph, ctx)

        def role(r):
            return types.get(r) or defaults[r]

        f = self.cpp_function
        if f in ("linear", "relu", "clipped_relu"):
            out = x if f != "clipped_relu" else _union(x, role("param"))
        elif f == "hardtanh":
            out = _union(x, role("param"))
        elif f == "leaky_relu":
            out = _union(x, x * role("param"))
        elif f in ("sigmoid", "tanh"):
            out = role("table")
        elif f in ("elu", "softplus", "silu"):
            out = _union(x, role("table"))
        else:  # selu
            out = _union(x * role("param"), role("table"))
        return {"result": ctx.cap(out)}

    def exact_spans(self, node, graph):
        """Exact for the piecewise-linear functions; table-based ones approximate."""
        f = self.cpp_function
        x = input_span(graph, node)
        if f == "linear":
            return {"result": x}
        if f == "relu":
            return {"result": x.clip(lo=Span.point(0, 0))}
        p = node.weights.get("param")
        if f == "clipped_relu":
            top = const_span(p[0], node.types["param"])
            return {"result": x.clip(lo=Span.point(0, 0), hi=top)}
        if f == "hardtanh":
            t = node.types["param"]
            return {"result": x.clip(lo=const_span(p[0], t), hi=const_span(p[1], t))}
        if f == "leaky_relu":
            neg = x.clip(hi=Span.point(0, 0)) * const_span(p[0], node.types["param"])
            return {"result": x.clip(lo=Span.point(0, 0)) | neg, "float32": neg}
        if f == "hard_sigmoid":
            t = node.types["param"]
            y = x * const_span(p[0], t) + const_span(p[1], t)
            return {"result": y.clip(lo=Span.point(0, 0), hi=Span.point(1, 0)), "float32": y}
        return None

    # -- numpy reference ----------------------------------------------------------------
    def run(self, node, inputs):
        (x,) = inputs
        if any(w not in node.weights for w in self.weight_names):
            self.prepare(node)
        consts = {w: arith.const(node.weights[w], node.types[w]) for w in self.weight_names}
        return getattr(self, "_run_" + self.cpp_function)(node, x, consts)

    def _run_linear(self, node, x, c):
        return arith.convert(x, node.result)

    def _run_relu(self, node, x, c):
        return arith.convert(Tensor(where(x.raw > 0, x.raw, 0), x.type), node.result)

    def _run_clipped_relu(self, node, x, c):
        m = Tensor(c["param"].raw[0:1], c["param"].type)
        y_x = arith.convert(x, node.result).raw
        y_m = arith.convert(m, node.result).raw[0]
        above = arith.sub(x, m).raw >= 0
        return Tensor(where(x.raw <= 0, 0, where(above, y_m, y_x)), node.result)

    def _run_hardtanh(self, node, x, c):
        p = c["param"]
        lo, hi = Tensor(p.raw[0:1], p.type), Tensor(p.raw[1:2], p.type)
        y_x = arith.convert(x, node.result).raw
        y_lo = arith.convert(lo, node.result).raw[0]
        y_hi = arith.convert(hi, node.result).raw[0]
        below = arith.sub(x, lo).raw <= 0
        above = arith.sub(x, hi).raw >= 0
        return Tensor(where(below, y_lo, where(above, y_hi, y_x)), node.result)

    def _run_leaky_relu(self, node, x, c):
        a = Tensor(c["param"].raw[0:1], c["param"].type)
        neg = arith.convert(arith.mul(x, a), node.result).raw
        return Tensor(where(x.raw >= 0, arith.convert(x, node.result).raw, neg), node.result)

    def _run_elu(self, node, x, c, positive=None):
        t = c["table"]
        k = self._one_sided_index(-wide(x.raw, x.type.width + 1), x.type.frac)
        neg = arith.convert(Tensor(t.raw[k], t.type), node.result).raw
        pos = arith.convert(x if positive is None else positive, node.result).raw
        return Tensor(where(x.raw >= 0, pos, neg), node.result)

    def _run_selu(self, node, x, c):
        scale = Tensor(c["param"].raw[0:1], c["param"].type)
        return self._run_elu(node, x, c, positive=arith.mul(x, scale))

    def _run_lookup(self, node, x, c):
        t = c["table"]
        k = self._two_sided_index(x.raw, x.type.frac)
        return arith.convert(Tensor(t.raw[k], t.type), node.result)

    _run_sigmoid = _run_lookup
    _run_tanh = _run_lookup

    def _run_softplus(self, node, x, c):
        y = self._run_lookup(node, x, c).raw
        hi = ceil_pow2(self.range_log2 + x.type.frac)  # raw of r in X's scale, rounded up
        return Tensor(where(x.raw >= hi, arith.convert(x, node.result).raw, y), node.result)

    _run_silu = _run_softplus

    def _run_hard_sigmoid(self, node, x, c):
        p = c["param"]
        t = arith.add(arith.mul(x, Tensor(p.raw[0:1], p.type)), Tensor(p.raw[1:2], p.type))
        one = ceil_pow2(t.type.frac)  # raw of 1 in t's scale, rounded up
        y_one = node.result.quantize_raw(np.array([1], dtype=np.int64))[0]
        y_t = arith.convert(t, node.result).raw
        return Tensor(where(t.raw <= 0, 0, where(t.raw >= one, y_one, y_t)), node.result)

    def _run_softsign(self, node, x, c):
        f = x.type.frac
        fd = max(f, 0)
        mag = wide(x.raw, x.type.width + fd - f + 2)
        mag = where(mag < 0, -mag, mag) * (1 << (fd - f))
        d = mag + (1 << fd)  # raw of 1 + |x| with fd fraction bits
        entry, g = reciprocal(d, fd, c["inv_table"], self.table_bits)
        # 1 - entry * 2^-g, exactly, with max(g, 0) fraction bits
        gg = np.maximum(g, 0)
        bits = max(int(gg.max(initial=0)), c["inv_table"].type.width + int((gg - g).max(initial=0)))
        one_minus = pow2(gg) - wide(entry, bits + 1) * pow2(gg - g)
        y = convert_scaled(one_minus, gg, node.result)
        neg = convert_scaled(-one_minus, gg, node.result)
        return Tensor(where(x.raw >= 0, y, neg), node.result)

    def _run_softmax(self, node, x, c):
        e_tab, acc_t = c["exp_table"], node.types["accum"]
        shape = x.raw.shape
        xr = wide(x.raw, x.type.width + 1).reshape(-1, shape[-1])
        u = xr.max(axis=1, keepdims=True) - xr
        e = e_tab.raw[self._one_sided_index(u, x.type.frac)]
        terms = arith.convert(Tensor(e, e_tab.type), acc_t).raw
        zero = Tensor(np.zeros(len(xr), dtype=np.int64), acc_t)
        s = arith.accumulate(zero, terms, axis=1).raw
        ok = s > 0
        entry, g = reciprocal(where(ok, s, 1), acc_t.frac, c["inv_table"], self.table_bits)
        width = e_tab.type.width + c["inv_table"].type.width
        prod = wide(e, width) * wide(entry, width)[:, None]
        frac = np.broadcast_to((e_tab.type.frac + g)[:, None], prod.shape)
        y = convert_scaled(prod, frac, node.result)
        y = where(np.broadcast_to(ok[:, None], y.shape), y, 0)
        return Tensor(y.reshape(shape), node.result)

    # -- table indices (see module docstring) ------------------------------------------
    def _two_sided_index(self, raw, frac: int) -> np.ndarray:
        n = self.table_size
        q = round_shift(raw, frac + self.range_log2 + 1 - self.table_bits, n)
        return np.clip(q + n // 2, 0, n - 1).astype(np.int64)

    def _one_sided_index(self, raw, frac: int) -> np.ndarray:
        n = self.table_size
        q = round_shift(raw, frac + self.range_log2 - self.table_bits, n)
        return np.clip(q, 0, n - 1).astype(np.int64)

    # -- C++ --------------------------------------------------------------------------
    def cost(self, node, ctx, hw):
        """docs/estimate.md "Activations": per value a compare-and-select (ReLU family), a
        constant product (leaky, hard sigmoid), or a table read (tables: one ROM per two
        parallel reads, a BRAM having two ports); softmax per vector: max tree, exp reads,
        sum tree, one reciprocal read and a product per value. io_parallel computes every
        value in one pipelined call, io_stream one packet per cycle."""
        f = self.cpp_function
        n = ctx.packet(node) if ctx.stream else node.size
        calls = ctx.packets(node) if ctx.stream else 1
        w_in = ctx.input_node(node).result.width
        w_out = node.result.width
        res, ns = Resources(), 0.0
        if f == "softmax":
            chan = node.shape[-1]
            vectors = n // chan
            e, inv = node.types["exp_table"].width, node.types["inv_table"].width
            wacc = node.types["accum"].width
            res += hw.adders(chan - 1, w_in) + hw.muxes(chan - 1, 2, w_in)  # max
            res += hw.adders(chan, w_in)  # m - x
            res += hw.rom(e, self.table_size, copies=-(-chan // 2))
            res += hw.adders(chan - 1, wacc)
            res += hw.rom(inv, self.table_size)
            res += hw.multiplier(e, inv) * chan
            res = res * vectors
            ns_max = hw.T_CMP * max(1, (chan - 1).bit_length())
            depth = (
                hw.cycles(ns_max + hw.T_ADD)
                + hw.cycles(hw.T_ROM)
                + hw.cycles(hw.tree_ns(chan))
                + hw.cycles(hw.T_ROM)
                + hw.cycles(hw.T_DSP if hw.dsps(e, inv) else hw.T_ADD)
                + 1
            )
        elif f == "linear":
            depth = 0
            res += hw.registers(0)
        elif "table" in self.roles or "inv_table" in self.roles:
            role = "table" if "table" in self.roles else "inv_table"
            res += hw.adders(n, self.table_bits)  # the index
            res += hw.rom(node.types[role].width, self.table_size, copies=-(-n // 2))
            if "param" in self.roles:
                res += hw.multiplier(w_out, node.types["param"].width) * n
            depth = hw.cycles(hw.T_ADD) + hw.cycles(hw.T_ROM) + ("param" in self.roles)
        else:
            res += hw.adders(n, w_in) + hw.muxes(n, 2, w_out)  # compare and select
            if f in ("leaky_relu", "hard_sigmoid"):
                dsp, terms = hw.constant_products(
                    w_in, node.types["param"].quantize_raw(self.params())
                )
                res += Resources(dsp=dsp * n) + hw.adder_tree(terms + 1, w_out) * n
                ns += hw.T_DSP if dsp else hw.T_ADD
            depth = hw.cycles(ns + hw.T_CMP)
        res += hw.registers(n * w_out * max(depth, 0))
        return pipelined_cost(res, depth, calls, ctx.stream)

    def config_fields(self, node, ctx):
        return {
            "n_in": node.size,
            "n_chan": node.shape[-1],
            "table_size": self.table_size,
            "table_range_log2": int(self.range_log2),
            "reuse_factor": node.reuse_factor,
        }

    def emit(self, node, ctx) -> Emission:
        roles = {f"{r}_t": r for r in self.roles if r != "result"}
        fields = self.config_fields(node, ctx)
        config = ctx.config(node, "nnet::activation_config", fields, roles)
        fn = self.cpp_function + ("_stream" if ctx.stream else "")
        call = ctx.call(fn, node, self.weight_names)
        return Emission(config=config, call=call, includes=("nnet/activation.h",))


# ---------------------------------------------------------------------- helpers


def pipelined_cost(res: Resources, depth: int, calls: int, stream: bool) -> Cost:
    """An element-wise layer pipelined at II 1: io_parallel in one call of ``depth`` cycles,
    io_stream one packet per cycle over ``calls`` packets."""
    if not stream:
        return Cost(res, latency=depth, ii=1)
    return Cost(res, latency=depth + calls, ii=calls, fill=depth + 1)


def _fit_param(values: np.ndarray) -> FixedType:
    """``ap_fixed<18,I,AP_RND>`` with I just large enough for max |values| (signed)."""
    return fit_integer_bits(values, PARAM_WIDTH).with_(rounding="RND")


def _union(a: FixedType, b: FixedType) -> FixedType:
    """Smallest type (default modes) holding every value of ``a`` and of ``b``."""
    signed = a.signed or b.signed
    integer = max(t.integer + (signed and not t.signed) for t in (a, b))
    frac = max(a.frac, b.frac)
    return FixedType(integer + frac, integer, signed)


def _model_default(ctx, role: str) -> FixedType | None:
    """The model-wide type for ``role`` (``role_defaults``), None if unset or 'auto'."""
    t = ctx.role_defaults.get(role)
    return None if t is None or t == "auto" else ctx.chosen(FixedType.parse(t))


def _user_type(node, role: str) -> FixedType | None:
    t = node.precision.get(role, node.given.get(role))
    return None if t is None or t == "auto" else FixedType.parse(t)
