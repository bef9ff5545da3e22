"""Lookup-table activations computed as hls4ml computes them.
C++: nnet_cpp/nnet/activation_hls4ml.h.

An export that takes hls4ml's configuration (``hls_config=``; ``activation_tables="hls4ml"``)
turns sigmoid, tanh, softplus, softsign, elu, selu and softmax into this op
(``Activation.hls4ml_compatible``), so csim equals hls4ml's csim for the same types. The
semantics are those of hls4ml's ``nnet_activation.h`` (Vivado/Vitis backends, 0.8 - 1.x,
io_parallel and io_stream alike), written here from their description; fpga-export's own
tables (layers/activation.py) go to the nearest bin centre instead of truncating.

``x`` is the input (type X: W bits, F fraction bits), R(v) the conversion into the result
type, N = ``table_size`` (a power of two), n = log2 N. Divisions and ``int()`` truncate toward
zero (``ap_fixed / int`` keeps X's fraction bits; ``to_int``), ``x * N`` is exact.

=============  ==============================================================================
sigmoid        ``R(table[clamp(int(x * N / 2r) + N/2, 0, N-1)])`` with r = 8
tanh, softplus the same (tanh: r = 4)
softsign
elu            ``x >= 0 ? R(x) : R(P(alpha) * table[min(int(x * N / -8), N-1)])``; P is the
               ``param`` type (hls4ml's ``param_t``), ``P(alpha)`` the double alpha in it
selu           ``x >= 0 ? R(R(scale) * x) : R(table[...])`` as elu
softmax        per vector (last axis), by ``softmax_implementation``:
               stable (hls4ml's default): ``m = max x``; ``d = D(x - m)`` with
               ``D = ap_fixed<W, I_X, AP_RND, AP_SAT>``; ``e = exp_table[top(X(d))]``;
               latency: ``e = exp_table[top(x)]``;
               then ``s`` = the sum of the e in hls4ml's adder tree (the first part holds the
               largest power of two below the count), every partial sum in the exp_table type
               E; ``y = R(e * inv_table[top(s)])`` (exact product). argmax: ``y`` is 1 at the
               first maximum, 0 elsewhere. That is ``hls4ml_softmax="1.0"`` (hls4ml 0.8 -
               1.0); the default ``"main"`` (hls4ml's newer softmax) differs: stable
               ``d = NT(m - x)`` with NT = ``inp_norm`` (default ``ap_ufixed<W-s, I-s>`` of
               an input ``ap_fixed<W,I>``, s = 1 if signed), ``e = A(exp_table[top_ne(d)])``
               with ``exp_table[i] = expf(-(value of NT whose top ne bits are i))``, ne =
               min(n, W - 1) for a signed input, else n; latency ``e = A(exp_table[top(x)])``;
               A = ``accum`` (default: the model default), the tree sums in A, ``v =
               V(s)`` with V = ``inv_inp`` (default: E), ``inv_table[i] = 1.0f / (value of V
               whose top n bits are i)``, ``y = R(e * inv_table[top(v)])``.
=============  ==============================================================================

``top(v)``: the top n bits of v's W-bit pattern, an unsigned index (so the index type must
have at least n bits). Table entries are hls4ml's, computed in float32 with the C library's
functions (``ctypes``; the same ``expf``/``tanhf``/``log`` that hls4ml's csim calls), then
converted into the table type: element-wise entry i is f at ``v = float(2r (i - N/2) / N)``
(elu, selu: ``v = float(-8 i / N)``): sigmoid ``float(1.0 / float(1 + expf(-v)))``, tanh
``tanhf(v)``, softplus ``float(log(expf(v) + 1.0))``, softsign ``float(v / (|v| + 1.0))``, elu
``float(expf(v) - 1.0)``, selu ``float(scale * (alpha * (expf(v) - 1.0)))``;
``exp_table[i] = expf(value of X whose top n bits are i)``, ``inv_table[i] = 1.0f / (value of
E whose top n bits are i)``; 1/0 = +inf becomes the type's maximum for saturating types and 0
otherwise, as the vendor's conversion does.

Differences from hls4ml's code that change no value: the tables are constant ROMs passed in
as weights (hls4ml fills static arrays on the first call); an elu/selu index beyond the int
range is clamped (hls4ml reads outside its table there). Types: ``table`` defaults to
``ap_fixed<18,8>``, ``exp_table`` and ``inv_table`` to ``ap_fixed<18,8,AP_RND,AP_SAT>``
(hls4ml's defaults).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from dataclasses import dataclass

import numpy as np

from ..ir import arith
from ..ir.cost import Resources
from ..ir.op import Emission, Op, Tensor
from ..ir.rawmath import where, wide
from ..types import FixedType, Overflow, Rounding
from .activation import SELU_ALPHA, SELU_SCALE, _check_pow2, _model_default, pipelined_cost

FUNCTIONS = ("sigmoid", "tanh", "softplus", "softsign", "elu", "selu", "softmax")
IMPLEMENTATIONS = ("stable", "latency", "argmax")
SOFTMAX_VERSIONS = ("main", "1.0")  # hls_softmax: hls4ml's newer softmax, or 0.8 - 1.0's
RANGES = {"sigmoid": 8, "tanh": 4, "softplus": 8, "softsign": 8, "elu": 8, "selu": 8}
TABLE_DEFAULT = FixedType.parse("ap_fixed<18,8>")
SOFTMAX_TABLE_DEFAULT = FixedType.parse("ap_fixed<18,8,AP_RND,AP_SAT>")


@dataclass
class Hls4mlActivation(Op):
    """One hls4ml lookup-table activation or softmax (module doc)."""

    kind = "activation_hls4ml"
    family = "activation_hls4ml"
    roles = ("result", "table", "exp_table", "inv_table", "accum", "inv_inp", "inp_norm")
    weight_roles = {"table": "table", "exp_table": "exp_table", "inv_table": "inv_table"}

    function: str = "sigmoid"
    table_size: int = 1024
    softmax_implementation: str = "stable"
    alpha: float = 1.0  # elu's
    hls4ml_softmax: str = "main"  # SOFTMAX_VERSIONS

    def __post_init__(self):
        if self.function not in FUNCTIONS:
            raise ValueError(
                f"hls4ml activation {self.function!r} is not computed with a table here; "
                f"supported: {', '.join(FUNCTIONS)}"
            )
        self.table_bits = _check_pow2("Activation table_size", self.table_size, True)
        if self.function != "elu" and self.alpha != 1.0:
            raise ValueError(f"alpha applies to elu only, not to {self.function}")
        impl = str(self.softmax_implementation).lower()
        if impl == "legacy":
            raise ValueError(
                "softmax Implementation 'legacy' (hls4ml's oldest softmax) is not supported; "
                f"use one of {', '.join(IMPLEMENTATIONS)} ('stable' is hls4ml's default)"
            )
        if impl not in IMPLEMENTATIONS:
            raise ValueError(
                f"unknown softmax Implementation {self.softmax_implementation!r}; expected one "
                f"of {', '.join(IMPLEMENTATIONS)}"
            )
        self.softmax_implementation = impl
        if self.hls4ml_softmax not in SOFTMAX_VERSIONS:
            raise ValueError(
                f"unknown hls4ml_softmax {self.hls4ml_softmax!r}; expected 'main' (hls4ml's "
                "newer softmax, the default) or '1.0' (hls4ml 0.8 - 1.0)"
            )
        if self.function == "elu":
            weights: tuple[str, ...] = ("table", "param")
        elif self.function != "softmax":
            weights = ("table",)
        elif impl == "argmax":
            weights = ()
        else:
            weights = ("exp_table", "inv_table")
        self.weight_names = weights
        self.roles = ("result", *weights, *self._main_roles())
        self.weight_roles = {w: w for w in weights}

    def _main_roles(self) -> tuple[str, ...]:
        """hls4ml main's softmax types: the exp sum's, the 1/sum index's and (stable) the
        normalized input's."""
        if self.function != "softmax" or self.hls4ml_softmax != "main":
            return ()
        return {"stable": ("accum", "inv_inp", "inp_norm"), "latency": ("accum", "inv_inp")}.get(
            self.softmax_implementation, ()
        )

    def _exp_bits(self, x_type: FixedType) -> int:
        """log2 of the exp table's size: hls4ml main's stable softmax caps it at 2^(W-1) for a
        signed W-bit input."""
        if "inp_norm" in self.roles and x_type.signed:
            return min(self.table_bits, x_type.width - 1)
        return self.table_bits

    # -- tables -------------------------------------------------------------------------
    def prepare(self, node, x_type: FixedType | None = None) -> None:
        """Fill ``node.weights``: the element-wise table, or softmax's exp_table (from the
        input type) and inv_table (from the exp_table type, once the node has types)."""
        if self.function != "softmax":
            node.weights["table"] = elementwise_table(self.function, self.table_size)
            if self.function == "elu":
                node.weights["param"] = np.array([float(self.alpha)])
        elif self.weight_names and x_type is not None:
            norm_t = node.types.get("inp_norm")
            if "inp_norm" not in self.roles:
                node.weights["exp_table"] = _expf(_top_values(x_type, self.table_bits))
            elif norm_t is not None:  # exp(-(max - x))
                node.weights["exp_table"] = _expf(-_top_values(norm_t, self._exp_bits(x_type)))
            v_t = node.types.get("inv_inp" if "inv_inp" in self.roles else "exp_table")
            if v_t is not None:
                with np.errstate(divide="ignore"):
                    inv = np.float32(1) / _top_values(v_t, self.table_bits).astype(np.float32)
                node.weights["inv_table"] = inv.astype(np.float64)
        for w in self.weight_names:
            if w in node.weights and w in node.types:
                node.weights[w] = _finite(node.weights[w], node.types[w])

    def types_ready(self, node, graph) -> None:
        """After type inference: the tables that depend on the node's final types."""
        self.check(node, graph)
        self.prepare(node, graph[node.inputs[0]].result)

    # -- structure / types --------------------------------------------------------------
    def check(self, node, graph):
        if not node.shape:
            raise ValueError(f"{node.name}: activation of a scalar (shape ()) is not supported")
        if self.function != "softmax" or not self.weight_names:
            return
        x_t = graph[node.inputs[0]].types.get("result")
        types = {"input": x_t, "exp_table": node.types.get("exp_table")}
        if "inv_inp" in self.roles:
            types = {"input": x_t, "inv_inp": node.types.get("inv_inp")}
            if "inp_norm" in self.roles:
                types = {"inp_norm": node.types.get("inp_norm"), "inv_inp": types["inv_inp"]}
        for what, t in types.items():
            bits = self._exp_bits(x_t) if what == "inp_norm" and x_t else self.table_bits
            if t is not None and t.width < bits:
                raise ValueError(
                    f"{node.name}: softmax as hls4ml computes it indexes its tables with the "
                    f"top {self.table_bits} bits of the {what} type, and {t} has {t.width}: "
                    f"give the softmax a table_size of at most 2**{t.width}, or a wider type"
                )

    def default_types(self, node, graph, ctx):
        out = {"result": FixedType.parse(ctx.default_for(node, "result"))}
        for role in self.weight_names:
            if role == "param":  # hls4ml's param_t: the model default
                out[role] = FixedType.parse(ctx.default_for(node, role))
                continue
            fallback = ctx.own(TABLE_DEFAULT if role == "table" else SOFTMAX_TABLE_DEFAULT)
            out[role] = _model_default(ctx, role) or fallback
        if "accum" in self.roles:  # hls4ml main: accum_t the model default, inv_inp_t ...
            out["accum"] = FixedType.parse(ctx.default_for(node, "accum"))
            out["inv_inp"] = _model_default(ctx, "inv_inp") or out["exp_table"]
        if "inp_norm" in self.roles:  # ... inp_norm_t ap_ufixed<W - s, I - s> of the input
            x = graph[node.inputs[0]].types["result"]
            s = int(x.signed)
            out["inp_norm"] = FixedType(x.width - s, x.integer - s, False, family=x.family)
        if self.function != "softmax":
            self.prepare(node)
        return out

    def auto_types(self, node, graph, ctx, types):
        """'auto' result: the table type where the output is a table entry; else the
        default."""
        if self.function in ("sigmoid", "tanh", "softsign"):
            return {"result": types.get("table") or self.default_types(node, graph, ctx)["table"]}
        return {}

    def approximation(self, node, graph):
        return "a lookup table as hls4ml computes it (truncated index)"

    # -- numpy reference ----------------------------------------------------------------
    def run(self, node, inputs):
        (x,) = inputs
        if any(w not in node.weights for w in self.weight_names):
            self.prepare(node, x.type)
        c = {w: arith.const(node.weights[w], node.types[w]) for w in self.weight_names}
        if self.function == "softmax":
            return self._run_softmax(node, x, c)
        t = c["table"]
        if self.function in ("elu", "selu"):
            k = _trunc_div(x, self.table_size, -RANGES[self.function])
            k = np.clip(k, 0, self.table_size - 1)
            entry = Tensor(t.raw[k], t.type)
            if self.function == "elu":
                entry = arith.mul(c["param"], entry)
            entry = arith.convert(entry, node.result)
            pos = x
            if self.function == "selu":
                scale = arith.const(np.array([SELU_SCALE]), node.result)
                pos = arith.mul(x, scale)
            pos = arith.convert(pos, node.result)
            return Tensor(where(x.raw >= 0, pos.raw, entry.raw), node.result)
        n = self.table_size
        k = _int32(_trunc_div(x, n, 2 * RANGES[self.function]) + n // 2)
        return arith.convert(Tensor(t.raw[np.clip(k, 0, n - 1)], t.type), node.result)

    def _run_softmax(self, node, x, c):
        shape = x.raw.shape
        xr = np.asarray(x.raw).reshape(-1, shape[-1])
        if self.softmax_implementation == "argmax":
            one = node.result.quantize_raw(np.array([1], dtype=np.int64))[0]
            hot = np.arange(shape[-1])[None, :] == np.argmax(xr, axis=1)[:, None]
            return Tensor(where(hot, one, 0).reshape(shape), node.result)
        X, n = x.type, self.table_bits
        if "inv_inp" in self.roles:
            y = self._run_softmax_main(node, Tensor(xr, X), c)
            return Tensor(np.asarray(y.raw).reshape(shape), node.result)
        if self.softmax_implementation == "stable":
            m = Tensor(xr.max(axis=1, keepdims=True), X)
            diff = FixedType(X.width, X.integer, True, Rounding.RND, Overflow.SAT, family=X.family)
            d = arith.convert(arith.sub(Tensor(xr, X), m), diff)
            idx = _top(arith.convert(d, X).raw, X.width, n)
        else:
            idx = _top(xr, X.width, n)
        e_t, inv_t = c["exp_table"], c["inv_table"]
        e = np.asarray(e_t.raw)[idx]
        s = _tree_sum([Tensor(e[:, j], e_t.type) for j in range(e.shape[1])])
        inv = Tensor(np.asarray(inv_t.raw)[_top(s.raw, e_t.type.width, n)][:, None], inv_t.type)
        y = arith.convert(arith.mul(Tensor(e, e_t.type), inv), node.result)
        return Tensor(np.asarray(y.raw).reshape(shape), node.result)

    def _run_softmax_main(self, node, x: Tensor, c) -> Tensor:
        """hls4ml main: exps in accum, summed in accum, the sum's inv_inp top bits index
        inv_table; stable indexes exp_table with inp_norm(max - x)."""
        X, n = x.type, self.table_bits
        if "inp_norm" in self.roles:
            norm_t = node.types["inp_norm"]
            m = Tensor(x.raw.max(axis=1, keepdims=True), X)
            d = arith.convert(arith.sub(m, x), norm_t)
            idx = _top(d.raw, norm_t.width, self._exp_bits(X))
        else:
            idx = _top(x.raw, X.width, n)
        e_t, inv_t, acc_t = c["exp_table"], c["inv_table"], node.types["accum"]
        e = arith.convert(Tensor(np.asarray(e_t.raw)[idx], e_t.type), acc_t)
        s = _tree_sum([Tensor(e.raw[:, j], acc_t) for j in range(e.raw.shape[1])])
        v_t = node.types["inv_inp"]
        s = arith.convert(s, v_t)
        inv = Tensor(np.asarray(inv_t.raw)[_top(s.raw, v_t.width, n)][:, None], inv_t.type)
        y = arith.convert(arith.mul(e, inv), node.result)
        return Tensor(np.asarray(y.raw), node.result)

    # -- C++ --------------------------------------------------------------------------
    def cost(self, node, ctx, hw):
        """As fpga-export's own tables (layers/activation.py, docs/estimate.md): an index
        and a ROM read per value; softmax: max tree, differences, exp reads, sum tree, one
        1/sum read and a product per value."""
        n = ctx.packet(node) if ctx.stream else node.size
        calls = ctx.packets(node) if ctx.stream else 1
        w_in = ctx.input_node(node).result.width
        res = Resources()
        if self.function != "softmax":
            rom = hw.rom(node.types["table"].width, self.table_size, copies=-(-n // 2))
            res += hw.adders(n, w_in) + rom
            depth = hw.cycles(hw.T_ADD) + hw.cycles(hw.T_ROM)
        elif not self.weight_names:  # argmax: compares and selects
            res += hw.adders(n, w_in) + hw.muxes(n, 2, w_in)
            depth = hw.cycles(hw.T_CMP * max(1, (node.shape[-1] - 1).bit_length()))
        else:
            chan = node.shape[-1]
            e, inv = node.types["exp_table"].width, node.types["inv_table"].width
            res += hw.adders(2 * chan - 1, w_in) + hw.muxes(chan - 1, 2, w_in)
            res += hw.rom(e, self.table_size, copies=-(-chan // 2)) + hw.adders(chan - 1, e)
            res += hw.rom(inv, self.table_size) + hw.multiplier(e, inv) * chan
            res = res * (n // chan)
            depth = (
                hw.cycles(hw.T_CMP * max(1, (chan - 1).bit_length()) + hw.T_ADD)
                + 2 * hw.cycles(hw.T_ROM)
                + hw.cycles(hw.tree_ns(chan))
                + hw.cycles(hw.T_DSP if hw.dsps(e, inv) else hw.T_ADD)
            )
        res += hw.registers(n * node.result.width * depth)
        return pipelined_cost(res, depth, calls, ctx.stream)

    def config_fields(self, node, ctx):
        return {
            "n_in": node.size,
            "n_chan": node.shape[-1],
            "table_size": self.table_size,
            "table_range": RANGES.get(self.function, 8),
            "reuse_factor": node.reuse_factor,
        }

    def emit(self, node, ctx) -> Emission:
        members = ()
        if self.function == "softmax" and self.weight_names and "inv_inp" not in self.roles:
            x = ctx.input_node(node).result
            diff = FixedType(x.width, x.integer, True, Rounding.RND, Overflow.SAT, family=x.family)
            members = (f"typedef {ctx.spell(diff)} diff_t;",)
        roles = {f"{r}_t": r for r in self.weight_names}
        roles.update({f"{r}_t": r for r in self._main_roles()})
        fields = self.config_fields(node, ctx)
        if "inv_inp" in self.roles:
            fields["exp_table_size"] = 1 << self._exp_bits(ctx.input_node(node).result)
        config = ctx.config(node, "nnet::activation_hls4ml_config", fields, roles, members)
        fn = f"hls4ml_{self.function}"
        if "inv_inp" in self.roles:
            fn += "_main"
        if self.function == "softmax":
            fn += "_" + self.softmax_implementation
        call = ctx.call(fn + ("_stream" if ctx.stream else ""), node, self.weight_names)
        includes = ("nnet/quantizer.h", "nnet/activation_hls4ml.h")
        return Emission(config=config, call=call, includes=includes)


# ---------------------------------------------------------------------- helpers


def _int32(v) -> np.ndarray:
    """C's int: the low 32 bits, signed (``to_int`` wraps)."""
    v = np.asarray(v)
    return ((v + (1 << 31)) % (1 << 32) - (1 << 31)).astype(np.int64)


def _trunc_div(x: Tensor, mul: int, div: int) -> np.ndarray:
    """``int(x * mul / div)`` with truncation toward zero, as an int (low 32 bits)."""
    f = x.type.frac
    num = wide(x.raw, x.type.width + mul.bit_length() + max(-f, 0) + 1) * mul
    if f < 0:
        num = num * (1 << -f)
    den = abs(div) * (1 << max(f, 0))
    q = np.abs(num) // den
    return _int32(where((num < 0) != (div < 0), -q, q))


def _top(raw, width: int, n: int) -> np.ndarray:
    """The top n bits of each value's ``width``-bit pattern (an unsigned index)."""
    raw = np.asarray(raw)
    bits = (raw.astype(object) if width > 62 else raw) % (1 << width)
    return (bits >> (width - n)).astype(np.int64)


def _top_values(t: FixedType, n: int) -> np.ndarray:
    """For i in 0 .. 2^n - 1, the value of type t whose top n bits are i (others 0), in
    float32 as C's ``(float)x``."""
    raw = np.arange(1 << n, dtype=object) << (t.width - n)
    if t.signed:
        raw = np.where(raw >= 1 << (t.width - 1), raw - (1 << t.width), raw)
    values = [float(r) * 2.0**-t.frac for r in raw]
    return np.array(values, dtype=np.float32)


def _tree_sum(cols: list[Tensor]) -> Tensor:
    """hls4ml's adder tree: first part the largest power of two below len(cols); every
    partial sum converted into the terms' type."""
    if len(cols) == 1:
        return cols[0]
    left = 1 << (len(cols) - 1).bit_length() - 1 if len(cols) > 2 else 1
    a, b = _tree_sum(cols[:left]), _tree_sum(cols[left:])
    return arith.convert(arith.add(a, b), cols[0].type)


def _finite(values: np.ndarray, t: FixedType) -> np.ndarray:
    """+inf entries (1/0) as the vendor converts them: saturating types give their maximum,
    the others 0."""
    values = np.asarray(values, dtype=np.float64)
    if not np.isposinf(values).any():
        return values
    big = t.max if t.overflow in (Overflow.SAT, Overflow.SAT_SYM) else 0.0
    return np.where(np.isposinf(values), big, values)


@functools.lru_cache(maxsize=1)
def _libm():
    """The C library's math functions, as hls4ml's csim calls them; None when not found."""
    name = ctypes.util.find_library("m")
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    for fn, kind in (("expf", ctypes.c_float), ("tanhf", ctypes.c_float), ("log", ctypes.c_double)):
        getattr(lib, fn).restype = kind
        getattr(lib, fn).argtypes = [kind]
    return lib


def _call(fn: str, v: np.ndarray, dtype) -> np.ndarray:
    lib = _libm()
    if lib is None:  # numpy in double, rounded: equal to a correctly rounded C library
        ref = {"expf": np.exp, "tanhf": np.tanh, "log": np.log}[fn]
        with np.errstate(over="ignore"):
            return ref(np.asarray(v, dtype=np.float64)).astype(dtype)
    f = getattr(lib, fn)
    return np.array([f(float(a)) for a in np.asarray(v).ravel()], dtype=dtype).reshape(np.shape(v))


def _expf(v) -> np.ndarray:
    """``expf`` of float32 values, as float64 (exact)."""
    return _call("expf", np.asarray(v, dtype=np.float32), np.float32).astype(np.float64)


@functools.lru_cache(maxsize=32)
def _elementwise_table(function: str, n: int) -> tuple[float, ...]:
    i = np.arange(n, dtype=np.float64)
    f32 = np.float32
    if function in ("elu", "selu"):
        v = (-8.0 * i / float(n)).astype(f32)
        e = _call("expf", v, f32).astype(np.float64) - 1.0
        out = e if function == "elu" else SELU_SCALE * (SELU_ALPHA * e)
    else:
        r = float(RANGES[function])
        v = (2 * r * (i - n / 2.0) / float(n)).astype(f32)
        if function == "sigmoid":
            out = 1.0 / (f32(1) + _call("expf", -v, f32)).astype(np.float64)
        elif function == "tanh":
            out = _call("tanhf", v, f32)
        elif function == "softplus":
            out = _call("log", _call("expf", v, f32).astype(np.float64) + 1.0, np.float64)
        else:  # softsign
            out = v.astype(np.float64) / (np.abs(v).astype(np.float64) + 1.0)
    return tuple(np.asarray(out).astype(f32).astype(np.float64))


def elementwise_table(function: str, n: int) -> np.ndarray:
    """hls4ml's table for an element-wise function (float32 entries as float64)."""
    return np.array(_elementwise_table(function, n), dtype=np.float64)
