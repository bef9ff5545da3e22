"""Normalization layers. C++: nnet_cpp/nnet/norm.h.

``BatchNormalization`` at inference time is a per-channel scale and shift on the last axis:
``y = x * scale + shift`` with ``scale = gamma / sqrt(var + eps)`` and
``shift = beta - mean * scale`` (see :meth:`BatchNormalization.from_moments`).

Arithmetic (same conventions as Dense): the product ``x * scale[c]`` is formed at full
precision and converted to ``accum``; ``acc = accum(shift[c])``; ``acc += accum(product)``
(the exact sum converted with accum's modes); ``y = result(acc)``.
Weights: ``scale`` (role ``scale``) and ``shift`` (role ``bias``).

``LayerNormalization`` (Keras ``LayerNormalization(axis=-1)``) normalizes each row of the
last axis (n = C values) with its own statistics. ``A`` = accum, ``V`` = var, ``R`` = result,
``A(v)`` the conversion ``accum_t a = v;`` with A's modes; products and sums are exact (full
precision). Python (:meth:`LayerNormalization.run`) and C++ (``layernorm``) compute, per row::

    inv_n  = 1/n as ap_ufixed<18, 1-k> with k = floor(log2 n), F = 17 + k fraction bits and
             raw value floor((2^(F+1) // n + 1) / 2) (1/n rounded half up; integer formula)
    s      = A(0); s += A(x_c)                  for c = 0..n-1 in order (A's modes each step)
    mean   = A(s * inv_n)
    d_c    = A(x_c - mean)
    q      = A(0); q += A(d_c * d_c)            in order
    var    = V(q * inv_n)
    inv_std = table[one_sided(var)]             (role ``table``)
    y_c    = R(A(A(beta_c) + A(A(d_c * inv_std) * gamma_c)))

The table has ``table_size = N = 2^b`` entries over ``[0, table_range)``, ``table_range =
r = 2^e`` a power of two; entry i = 1/sqrt(i * r/N + epsilon) (the bin center, epsilon
folded in); ``one_sided`` is the activation one (``activation.py``): index
``clamp(floor(var / (r/N) + 1/2), 0, N-1)``, i.e. nearest center, ties upward; a negative
var (a wrapped accum) uses entry 0, any var >= (N - 3/2) * r/N (up to r and beyond) the
last. Weights: ``gamma`` (role ``scale``), ``beta`` (role ``bias``), ``table`` (role
``table``, filled by :meth:`LayerNormalization.prepare` from epsilon). Default types: the
model default for result/accum/var/scale/bias; ``ap_fixed<18,8,AP_RND,AP_SAT>`` for the
table (as activation tables; it holds 1/sqrt(epsilon) for epsilon > 2^-14, and saturates
otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import arith
from ..ir.cost import Cost, Resources
from ..ir.hardware import MULTIPLIERS, HwUse
from ..ir.op import Emission, Op, Tensor
from ..ir.rawmath import round_shift
from ..types import FixedType
from .activation import TABLE_DEFAULT, _check_pow2, _model_default
from .dense import auto_matrix_types, matrix_error, matrix_spans


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
        return auto_matrix_types(self, node, graph, ctx, types, kernel_role="scale")

    def matrix(self, node):
        """(scale as a (1, C) matrix, shift): one product per output."""
        return node.weights["scale"][None, :], node.weights["shift"]

    def exact_spans(self, node, graph):
        return matrix_spans(node, graph, *self.matrix(node), kernel_role="scale")

    def weight_error(self, node, graph) -> float:
        return matrix_error(node, graph, *self.matrix(node), kernel_role="scale")

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

    def hardware(self, node, ctx):
        """Multipliers: io_parallel multiplies every value in one pipeline of II =
        reuse_factor (the tool shares each multiplier over II cycles: n / reuse_factor of
        them); io_stream one position (n_chan values) per cycle. Scales of at most 2 bits
        (and scales that are 0) need none."""
        if node.types["scale"].width <= 2:
            return []
        nonzero = int(np.count_nonzero(node.types["scale"].quantize(node.weights["scale"])))
        per_position = min(nonzero, node.shape[-1])
        if ctx.stream:
            count = per_position
        else:
            count = -(-per_position * (node.size // node.shape[-1]) // node.reuse_factor)
        return [HwUse(MULTIPLIERS, node.name, count)]

    def cost(self, node, ctx, hw):
        """Per value a product by its channel's constant scale and an add (the scale's DSP
        rule: ``hw.constant_products``); io_parallel shares the products over reuse_factor
        cycles when DSPs are needed."""
        wd = ctx.input_node(node).result.width
        raw = node.types["scale"].quantize_raw(node.weights["scale"])
        dsp, terms = hw.constant_products(wd, raw)
        chan = max(1, raw.size)
        per = Resources(dsp=dsp / chan) + hw.adders(-(-(terms + chan) // chan), node.result.width)
        ns = (hw.T_DSP if dsp else hw.T_ADD) + hw.T_ADD
        rf = 1 if ctx.stream else node.reuse_factor
        cost = hw.elementwise(node, ctx, per, ns, rf)
        if rf > 1:
            shared = Resources(dsp=-(-cost.resources.dsp // rf)) + Resources(
                lut=cost.resources.lut, ff=cost.resources.ff
            )
            cost = Cost(shared, cost.latency + rf - 1, cost.ii, cost.fill, cost.notes)
        return cost

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


INV_N_WIDTH = 18


def inv_n_const(n: int, family: str = "ap") -> Tensor:
    """1/n as ``ap_ufixed<18, 1 - floor(log2 n)>`` (of ``family``), rounded half up (module
    docstring)."""
    k = int(n).bit_length() - 1
    frac = INV_N_WIDTH - 1 + k
    raw = ((1 << (frac + 1)) // n + 1) // 2
    t = FixedType(INV_N_WIDTH, 1 - k, False, family=family)
    return Tensor(np.array([raw], dtype=np.int64), t)


@dataclass
class LayerNormalization(Op):
    """Layer normalization over the last axis (module docstring: the exact arithmetic)."""

    kind = "layernorm"
    family = "norm"
    roles = ("result", "accum", "var", "table", "scale", "bias")
    weight_roles = {"gamma": "scale", "beta": "bias", "table": "table"}

    epsilon: float = 1e-3

    def hls4ml_compatible(self):
        """This layer normalization as hls4ml computes it (``activation_tables="hls4ml"``,
        layers/layernorm_hls4ml.py) with hls4ml's epsilon ``10^-round(-log10 epsilon)``;
        self where hls4ml refuses the epsilon (that power is not >= 1)."""
        from .layernorm_hls4ml import Hls4mlLayerNorm, epsilon_power_of_10

        e = epsilon_power_of_10(self.epsilon)
        return Hls4mlLayerNorm(epsilon_power_of_10=e) if e >= 1 else self

    def hls4ml_difference(self) -> str | None:
        if self.hls4ml_compatible() is not self:
            return None
        return (
            f"layer normalization with epsilon {self.epsilon:g} keeps fpga-export's own 1/sqrt "
            "table (hls4ml refuses an epsilon whose -round(log10) is below 1)"
        )

    table_size: int = 1024
    table_range: float = 8.0

    def __post_init__(self):
        self.table_bits = _check_pow2("LayerNormalization table_size", self.table_size, True)
        self.range_log2 = _check_pow2("LayerNormalization table_range", self.table_range, False)
        if not self.epsilon > 0:
            raise ValueError(f"LayerNormalization epsilon must be > 0, got {self.epsilon!r}")

    def table(self) -> np.ndarray:
        """Float64 table: 1/sqrt(c_i + epsilon) at the bin centers c_i = i * r / N."""
        c = (float(self.table_range) / self.table_size) * np.arange(self.table_size)
        return 1.0 / np.sqrt(c + self.epsilon)

    def prepare(self, node) -> None:
        node.weights["table"] = self.table()

    def check(self, node, graph):
        n_chan = node.shape[-1] if node.shape else 0
        if n_chan < 1:
            raise ValueError(f"{node.name}: LayerNormalization needs an input with a last axis")
        for w in ("gamma", "beta"):
            if w not in node.weights:
                raise ValueError(f"{node.name}: LayerNormalization needs a {w!r} weight")
            if np.shape(node.weights[w]) != (n_chan,):
                raise ValueError(
                    f"{node.name}: {w} has shape {np.shape(node.weights[w])}, expected "
                    f"({n_chan},) for the last axis of the input {node.shape}"
                )
        rf = node.reuse_factor
        if not isinstance(rf, (int, np.integer)) or rf < 1:
            raise ValueError(f"{node.name}: reuse_factor must be an int >= 1, got {rf!r}")

    def default_types(self, node, graph, ctx):
        self.prepare(node)
        out = {r: ctx.default_for(node, r) for r in self.roles if r != "table"}
        out["table"] = _model_default(ctx, "table") or ctx.own(TABLE_DEFAULT)
        return out

    def run(self, node, inputs):
        (x,) = inputs
        if "table" not in node.weights:
            self.prepare(node)
        acc_t, var_t = node.types["accum"], node.types["var"]
        shape = x.raw.shape
        n = shape[-1]
        rows = Tensor(x.raw.reshape(-1, n), x.type)
        inv_n = inv_n_const(n, acc_t.family)
        zero = Tensor(np.zeros(rows.raw.shape[0], dtype=np.int64), acc_t)
        s = arith.accumulate(zero, arith.convert(rows, acc_t).raw, axis=1)
        mean = arith.convert(arith.mul(s, inv_n), acc_t)
        d = arith.convert(arith.sub(rows, Tensor(mean.raw[:, None], acc_t)), acc_t)
        q = arith.accumulate(zero, arith.convert(arith.mul(d, d), acc_t).raw, axis=1)
        var = arith.convert(arith.mul(q, inv_n), var_t)
        table = arith.const(node.weights["table"], node.types["table"])
        k = self.table_index(var)
        inv_std = Tensor(table.raw[k][:, None], table.type)
        gamma = arith.const(node.weights["gamma"], node.types["scale"])
        beta = arith.const(node.weights["beta"], node.types["bias"])
        t = arith.convert(arith.mul(d, inv_std), acc_t)
        u = arith.convert(arith.mul(t, gamma), acc_t)
        acc = arith.convert(arith.add(arith.convert(beta, acc_t), u), acc_t)
        y = arith.convert(acc, node.result)
        return Tensor(y.raw.reshape(shape), node.result)

    def table_index(self, var: Tensor) -> np.ndarray:
        """``clamp(floor(var / (r/N) + 1/2), 0, N-1)`` (activation's one_sided index)."""
        n = self.table_size
        q = round_shift(var.raw, var.type.frac + self.range_log2 - self.table_bits, n)
        return np.clip(q, 0, n - 1).astype(np.int64)

    def config_fields(self, node, ctx):
        return {
            "n_in": node.size,
            "n_chan": node.shape[-1],
            "table_size": self.table_size,
            "table_range_log2": int(self.range_log2),
            "reuse_factor": node.reuse_factor,
        }

    def cost(self, node, ctx, hw):
        """Per vector: the mean and variance trees, one 1/sqrt table read; per value a
        subtract, a square and two products (gamma, 1/sqrt)."""
        wd = ctx.input_node(node).result.width
        w = node.result.width
        wacc = node.types["accum"].width
        chan = node.shape[-1]
        per = hw.adders(3, wacc) + hw.multiplier(wacc, wacc) * 2 + hw.multiplier(wd, w)
        per += hw.rom(node.types["table"].width, self.table_size) * (1 / chan)
        ns = 2 * hw.tree_ns(chan) + 3 * hw.T_DSP + hw.T_ROM + hw.T_ADD
        return hw.elementwise(node, ctx, per, ns)

    def emit(self, node, ctx) -> Emission:
        roles = {"accum_t": "accum", "var_t": "var", "table_t": "table"}
        roles.update(scale_t="scale", bias_t="bias")
        config = ctx.config(node, "nnet::layernorm_config", self.config_fields(node, ctx), roles)
        fn = "layernorm_stream" if ctx.stream else "layernorm"
        call = ctx.call(fn, node, ("table", "gamma", "beta"))
        return Emission(config=config, call=call, includes=("nnet/norm.h",))
