"""Layer normalization computed as hls4ml computes it. C++: nnet_cpp/nnet/layernorm_hls4ml.h.

An export that takes hls4ml's configuration (``hls_config=``; ``activation_tables="hls4ml"``)
turns ``LayerNormalization`` (layers/norm.py) into this op (``hls4ml_compatible``), so csim
equals hls4ml's csim for the same types. The semantics are those of hls4ml's
``nnet_layernorm.h`` (Vivado/Vitis backends; the version with ``epsilon_power_of_10`` and
``table_range_power2``, read at fastmachinelearning/hls4ml commit 912e6cc0), written here
from their description; hls4ml itself has it for io_parallel only, here both io types compute
the same.

Per row of n values on the last axis (``A`` = accum, ``R`` = result, ``A(v)`` the conversion
``accum_t a = v;`` with A's modes; products and sums are exact, full precision)::

    k_inv   = A(1.0 / n)                      (the double 1/n converted into A)
    s       = A(0); s += A(x_c)               for c = 0..n-1 in order (A's modes each step)
    mean    = A(s * k_inv)
    d_c     = A(A(x_c) - mean)
    q       = A(0); q += A(d_c * d_c)         in order
    var     = A(q * k_inv)
    index   = clamp(int(var * N * 2^p), 0, N-1)    int(): truncated toward zero, low 32 bits
    y_c     = R(d_c * table[index] * gamma_c + beta_c)

N = ``table_size``, p = ``table_range_power2`` (the table covers variances in [0, 2^-p)).
Table entry i (hls4ml fills it in float): ``in = float(float(10^-e) + float(2^-p / N) * i)``
with e = ``epsilon_power_of_10`` (``float(10^-e)`` is the double ``pow(10, -e)`` rounded to
float), ``table[i] = table_t(1.0 / double(sqrtf(in)))``. hls4ml takes
``e = -round(log10(epsilon))`` from the framework's epsilon, and refuses e <= 0.

Types: ``accum`` defaults to the model default (hls4ml's ``accum_t``, which its config
generator gives as ``fixed<14,4,RND_CONV,SAT>``), ``table`` to
``ap_ufixed<8,5,AP_RND_CONV,AP_SAT>`` (hls4ml's default; hls4ml reads it from the layer's
``table_t`` key); ``scale`` (gamma) and ``bias`` (beta) to the model default. hls4ml has no
separate var type: the variance is an accum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..ir import arith
from ..ir.op import Emission, Op, Tensor
from ..types import FixedType
from .activation import _check_pow2, _model_default

TABLE_DEFAULT = FixedType.parse("ap_ufixed<8,5,AP_RND_CONV,AP_SAT>")
MAX_INDEX_BITS = 31  # N * 2^p is one unsigned int multiplier of the index (C++)
MAX_WIDTH = 128  # fpga-export's compat types: full-precision results up to 128 bits


def epsilon_power_of_10(epsilon: float) -> int:
    """hls4ml's ``epsilon_power_of_10``: ``-round(log10(epsilon))`` (Python's round)."""
    return -round(math.log10(epsilon))


def inverse_sqrt_table(e: int, p: int, n: int) -> np.ndarray:
    """hls4ml's 1/sqrt table (module docstring), float64 values before the table type."""
    f32 = np.float32
    min_val = f32(math.pow(10.0, -e))
    step = f32(math.pow(2.0, -p)) / f32(n)
    in_val = min_val + step * np.arange(n, dtype=f32)  # float32 products and sums
    return 1.0 / np.sqrt(in_val.astype(f32)).astype(np.float64)


@dataclass
class Hls4mlLayerNorm(Op):
    """hls4ml's layer normalization over the last axis (module docstring)."""

    kind = "layernorm_hls4ml"
    family = "layernorm_hls4ml"
    roles = ("result", "accum", "table", "scale", "bias")
    weight_roles = {"gamma": "scale", "beta": "bias", "table": "table"}

    epsilon_power_of_10: int = 3
    table_size: int = 4096
    table_range_power2: int = 0

    def __post_init__(self):
        self.table_bits = _check_pow2("LayerNormalization table_size", self.table_size, True)
        e, p = self.epsilon_power_of_10, self.table_range_power2
        if not isinstance(e, (int, np.integer)) or isinstance(e, bool) or e < 1:
            raise ValueError(
                "LayerNormalization epsilon_power_of_10 must be an int >= 1 (hls4ml's epsilon "
                f"10^-e below 0.1), got {e!r}"
            )
        top = MAX_INDEX_BITS - self.table_bits
        if not isinstance(p, (int, np.integer)) or isinstance(p, bool) or not 0 <= p <= top:
            raise ValueError(
                f"LayerNormalization table_range_power2 must be an int from 0 to {top} (hls4ml's "
                f"table covers variances in [0, 2^-p); table_size 2^{self.table_bits} * 2^p "
                f"must stay below 2^31), got {p!r}"
            )

    def table(self) -> np.ndarray:
        return inverse_sqrt_table(
            int(self.epsilon_power_of_10), int(self.table_range_power2), self.table_size
        )

    def prepare(self, node) -> None:
        node.weights["table"] = self.table()

    # -- structure / types --------------------------------------------------------------
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

    def types_ready(self, node, graph) -> None:
        """The full-precision result ``d * table * gamma + beta`` must fit the C++ types; a
        2-bit integer scale type (hls4ml's ternary product) is refused."""
        t = node.types
        s = t["scale"]
        if s.width == 2 and s.signed and s.frac == 0:
            raise ValueError(
                f"{node.name}: with a 2-bit integer scale type ({s}) hls4ml computes layer "
                "normalization with its ternary product, also for the mean and variance (a "
                "sum instead of a mean), which fpga-export does not reproduce: give the scale "
                "a wider type"
            )
        try:
            full = t["accum"] * t["table"] * t["scale"] + t["bias"]
        except ValueError:
            full = None
        if full is None or full.width > MAX_WIDTH:
            raise ValueError(
                f"{node.name}: layer normalization as hls4ml computes it forms "
                f"d * 1/sqrt * gamma + beta at full precision, more than {MAX_WIDTH} bits with "
                f"{t['accum']} * {t['table']} * {t['scale']} + {t['bias']} (fpga-export's "
                "types hold at most 128): give narrower accum, table, scale or bias types"
            )

    def default_types(self, node, graph, ctx):
        self.prepare(node)
        out = {r: ctx.default_for(node, r) for r in self.roles if r != "table"}
        out["table"] = _model_default(ctx, "table") or ctx.own(TABLE_DEFAULT)
        return out

    def approximation(self, node, graph):
        return "a 1/sqrt lookup table as hls4ml computes it (truncated index)"

    # -- numpy reference ----------------------------------------------------------------
    def run(self, node, inputs):
        (x,) = inputs
        if "table" not in node.weights:
            self.prepare(node)
        acc_t = node.types["accum"]
        shape = x.raw.shape
        n = shape[-1]
        xa = arith.convert(Tensor(x.raw.reshape(-1, n), x.type), acc_t)
        zero = Tensor(np.zeros(xa.raw.shape[0], dtype=np.int64), acc_t)
        k_inv = arith.const(np.array([1.0 / n]), acc_t)
        s = arith.accumulate(zero, xa.raw, axis=1)
        mean = arith.convert(arith.mul(s, k_inv), acc_t)
        d = arith.convert(arith.sub(xa, Tensor(mean.raw[:, None], acc_t)), acc_t)
        q = arith.accumulate(zero, arith.convert(arith.mul(d, d), acc_t).raw, axis=1)
        var = arith.convert(arith.mul(q, k_inv), acc_t)
        table = arith.const(node.weights["table"], node.types["table"])
        inv = Tensor(np.asarray(table.raw)[self.table_index(var)][:, None], table.type)
        gamma = arith.const(node.weights["gamma"], node.types["scale"])
        beta = arith.const(node.weights["beta"], node.types["bias"])
        y = arith.add(arith.mul(arith.mul(d, inv), gamma), beta)
        y = arith.convert(y, node.result)
        return Tensor(np.asarray(y.raw).reshape(shape), node.result)

    def table_index(self, var: Tensor) -> np.ndarray:
        """``clamp(int(var * N * 2^p), 0, N-1)``: truncated toward zero, C's int (low 32
        bits) before the clamp."""
        shift = self.table_bits + int(self.table_range_power2) - var.type.frac
        raw = np.asarray(var.raw).astype(object)
        if shift >= 0:
            v = raw * (1 << shift)
        else:
            mag = np.abs(raw) // (1 << -shift)
            v = np.where(raw < 0, -mag, mag)
        v = (v + (1 << 31)) % (1 << 32) - (1 << 31)
        return np.clip(v.astype(np.int64), 0, self.table_size - 1)

    # -- C++ --------------------------------------------------------------------------
    def config_fields(self, node, ctx):
        return {
            "n_in": node.size,
            "n_chan": node.shape[-1],
            "table_size": self.table_size,
            "table_range_power2": int(self.table_range_power2),
            "reuse_factor": node.reuse_factor,
        }

    def cost(self, node, ctx, hw):
        """As fpga-export's own layer normalization (layers/norm.py): per vector the mean and
        variance trees and one table read; per value a subtract, a square and two
        products."""
        wd = ctx.input_node(node).result.width
        wacc = node.types["accum"].width
        chan = node.shape[-1]
        per = hw.adders(3, wacc) + hw.multiplier(wacc, wacc) * 2 + hw.multiplier(wd, wacc)
        per += hw.rom(node.types["table"].width, self.table_size) * (1 / chan)
        ns = 2 * hw.tree_ns(chan) + 3 * hw.T_DSP + hw.T_ROM + hw.T_ADD
        return hw.elementwise(node, ctx, per, ns)

    def emit(self, node, ctx) -> Emission:
        roles = {"accum_t": "accum", "table_t": "table", "scale_t": "scale", "bias_t": "bias"}
        fields = self.config_fields(node, ctx)
        config = ctx.config(node, "nnet::layernorm_hls4ml_config", fields, roles)
        fn = "layernorm_hls4ml_stream" if ctx.stream else "layernorm_hls4ml"
        call = ctx.call(fn, node, ("table", "gamma", "beta"))
        return Emission(config=config, call=call, includes=("nnet/layernorm_hls4ml.h",))
