"""LSTM and GRU computed as hls4ml computes them. C++: nnet_cpp/nnet/recurrent_hls4ml.h.

An export that takes hls4ml's configuration (``hls_config=``; ``activation_tables="hls4ml"``)
turns an LSTM, or a GRU with ``reset_after=True``, into this op (``LSTM.hls4ml_compatible``,
layers/recurrent.py), so csim equals hls4ml's csim for the same types; the layers it cannot
reproduce keep fpga-export's own cell and are named in ``fw.summary()``
(:func:`difference`).

Source (read, not copied): hls4ml's Vivado/Vitis backend, repository
fastmachinelearning/hls4ml as stored at commit 0120276ec242fc24fac546d972b9178fc6df4869
(``templates/vivado/nnet_utils/nnet_recurrent.h``, 1.x, the newest stored version of that
file; ``nnet_recr_activations.h`` at 8132481ab79eb8e6ff06031ebf3f01d4858b8df9,
``nnet_activation.h`` at 48403632136ab7d75b77e4ebe150b220af3e2b87), its Python side at
024b790a18541c68cd7889374fc48750001f3e62 (``backends/vivado/passes/recurrent_templates.py``),
``model/layers.py`` at 0014903c929c4f992a1cdebdfad9b992ff0d0628, ``vivado_backend.py``
(``table_size`` 1024 and ``table_t`` ``ap_fixed<18,8>`` for every recurrent layer) and
``converters/keras/recurrent.py``. The Vitis backend uses the same header. Later versions
(Bidirectional, initial states) change the template arguments of the activation calls, not
the values: the arrays are ``accum_t`` in every version, and older ones only compile when
the types they name agree with those arrays.

Types: ``R`` the layer's result type (hls4ml's ``res_T``: h and c are ``R`` arrays), ``A``
``accum``, weights ``kernel`` (``weight``), ``recurrent_kernel`` (``recurrent_weight``),
``bias``, ``recurrent_bias`` (GRU; LSTM from torch), and ``table``, shared by the two
activations, hls4ml's one ``table_t`` per layer. ``X(v)`` converts v into X with X's modes;
products and sums without a conversion are exact.

* ``mv(v, W, b)_j`` (hls4ml's ``nnet::dense`` latency kernel into ``accum_t``):
  ``acc = A(b_j)`` (LSTM recurrent: 0, or ``recurrent_bias``), then ``acc += A(v_i * W_ij)``
  for i in order.
* ``act(v)``, ``rec(v)``: sigmoid, tanh (hls4ml's tables: ``int(v * N / 2r) + N/2``
  truncated, clamped, r = 8 sigmoid, 4 tanh, entries as layers/activation_hls4ml.py computes
  them, in the ``table`` type) or relu (``v > 0 ? v : 0``), the value converted into A.
* LSTM (Keras gates i, f, c, o): ``zx = mv(x_t, kernel, bias)``, ``zh = mv(h, recurrent_kernel,
  0)``; from torch (``recurrent_bias=True``, ``LSTM.torch_biases``): ``zx = mv(x_t, kernel,
  input_bias)``, ``zh = mv(h, recurrent_kernel, recurrent_bias)`` with torch's bias_ih and
  bias_hh apart, as hls4ml's pytorch converter keeps them (``converters/pytorch/recurrent.py``;
  ``model/layers.py``: a layer from torch keeps its recurrent bias, a Keras one gets zeros);
  ``p = A(zx + zh)`` per gate; ``i, f, o = A(rec(p))``, ``g = A(act(p_c))``;
  ``c = R(g * i + c * f)``; ``h = R(o * A(act(c)))``.
* GRU, reset_after (Keras gates z, r, h; PyTorch's r, z, n after the frontend's reordering):
  ``zx = mv(x_t, kernel, bias)``, ``zh = mv(h, recurrent_kernel, recurrent_bias)``;
  ``z, r = A(rec(A(zx + zh)))``; ``n = A(act(A(zx_h + A(r * zh_h))))``;
  ``h = R(n * (1 - z) + h * z)``.

h and c start at 0; the output is h after every step (``return_sequences``) or the last.
``implementation`` (hls4ml's ``Static``): "static" one cell for every step, "unrolled" a
cell per step: the same values (hls4ml's non-static cell computes them too). io_stream reads
a timestep per packet and writes a packet per step or one at the end.

Not reproduced (the layer keeps fpga-export's arithmetic, with a summary line): SimpleRNN
(hls4ml's Vivado/Vitis backends have none: only its Quartus/oneAPI backends, with their
own tables), GRU ``reset_after=False`` (hls4ml computes only the reset-after cell),
hard_sigmoid / linear activations (not in ``nnet_recr_activations.h``), a backward
direction (hls4ml's parser ignores ``go_backwards``), the final cell state
(``return_state``) and QKeras' state quantizer. hls4ml's Resource strategy sums the products
in another order: with a saturating ``accum`` that can change a sum (wrapping: never).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..ir import arith
from ..ir.cost import Cost, Resources
from ..ir.hardware import MULTIPLIERS, PARTITION, UNROLL, HwUse
from ..ir.op import Emission, Op, Tensor
from ..types import FixedType, Overflow
from .activation import _check_pow2, _model_default
from .activation_hls4ml import _int32, _trunc_div, elementwise_table
from .dense import STRATEGIES, multiplier_limit_name
from .recurrent import ONE, matvec

FUNCTIONS = {"tanh": 0, "sigmoid": 1, "relu": 2}  # nnet_recr_activations.h; C++ enum values
RANGES = {"sigmoid": 8, "tanh": 4}
IMPLEMENTATIONS = ("static", "unrolled")
TABLE_DEFAULT = FixedType.parse("ap_fixed<18,8>")  # hls4ml's recurrent table_t
CELL_KINDS = {"lstm_hls4ml": 1, "gru_hls4ml": 2}
NOTE = (
    "its LSTM/GRU cell: accum sums and gates, its tables, h and c in the result type, "
    "layers/recurrent_hls4ml.py; activation_tables='fpga-export' for fpga-export's cell"
)


def difference(op) -> str | None:
    """Why a recurrent op (layers/recurrent.py) keeps fpga-export's cell under
    ``activation_tables="hls4ml"``; None: it converts (:func:`convert`)."""
    own = "computed with fpga-export's own cell (layers/recurrent.py)"
    if op.kind == "simple_rnn":
        return (
            "hls4ml's Vivado/Vitis backends have no SimpleRNN (only its Quartus/oneAPI "
            f"backends do); {own}"
        )
    if op.kind == "gru" and not op.reset_after:
        return f"hls4ml computes only the GRU with reset_after=True; {own}"
    for what in ("activation", "recurrent_activation"):
        name = getattr(op, what)
        if name not in FUNCTIONS:
            return (
                f"hls4ml's recurrent layers have no {what} {name!r} (nnet_recr_activations.h: "
                f"{', '.join(sorted(FUNCTIONS))}); {own}"
            )
    if op.go_backwards or op.align_outputs:
        return f"hls4ml's recurrent layers run forwards only (it ignores go_backwards); {own}"
    if getattr(op, "output_cell", False):
        return f"hls4ml outputs no final cell state (return_state); {own}"
    if op.round_state_on_read:
        return f"QKeras' state quantizer, kept to stay exact with QKeras; {own}"
    return None


def convert(op) -> Op | None:
    """The hls4ml op computing ``op`` (an LSTM or GRU of layers/recurrent.py), or None."""
    if difference(op) is not None:
        return None
    cls = Hls4mlLSTM if op.kind == "lstm" else Hls4mlGRU
    return cls(
        units=op.units,
        activation=op.activation,
        recurrent_activation=op.recurrent_activation,
        return_sequences=op.return_sequences,
        implementation=op.implementation,
        table_size=op.table_size,
        **({"recurrent_bias": True} if getattr(op, "torch_biases", False) else {}),
    )


@dataclass
class _Hls4mlRecurrent(Op):
    """Shared by Hls4mlLSTM and Hls4mlGRU (module docstring)."""

    family = "recurrent_hls4ml"
    gates: ClassVar[int] = 4
    roles: ClassVar[tuple[str, ...]] = (
        "result", "accum", "kernel", "recurrent_kernel", "bias", "recurrent_bias", "table",
    )  # fmt: skip
    weight_roles: ClassVar[dict[str, str]] = {}

    units: int = 0
    activation: str = "tanh"
    recurrent_activation: str = "sigmoid"
    return_sequences: bool = False
    implementation: str = "static"
    table_size: int = 1024
    # LSTM: the node carries torch's bias_ih ("input_bias") and bias_hh ("recurrent_bias")
    # apart, as hls4ml's pytorch converter keeps them (GRU: always True)
    recurrent_bias: bool = False

    def __post_init__(self):
        name = type(self).__name__
        if not isinstance(self.units, (int, np.integer)) or isinstance(self.units, bool):
            raise ValueError(f"{name} units must be an int >= 1, got {self.units!r}")
        if self.units < 1:
            raise ValueError(f"{name} units must be an int >= 1, got {self.units!r}")
        for what in ("activation", "recurrent_activation"):
            if getattr(self, what) not in FUNCTIONS:
                raise ValueError(
                    f"{name} {what} {getattr(self, what)!r} is not one of hls4ml's recurrent "
                    f"activations: {', '.join(FUNCTIONS)}"
                )
        if self.implementation not in IMPLEMENTATIONS:
            raise ValueError(
                f"{name} implementation {self.implementation!r} is not one of "
                f"{', '.join(IMPLEMENTATIONS)}"
            )
        self.table_bits = _check_pow2(f"{name} table_size", self.table_size, True)
        if self.kind == "gru_hls4ml":
            self.recurrent_bias = True
        split = self.recurrent_bias and self.kind == "lstm_hls4ml"
        self.bias_weight = "input_bias" if split else "bias"
        rbias = ("recurrent_bias",) if self.recurrent_bias else ()
        self.roles = ("result", "accum", "kernel", "recurrent_kernel", "bias", *rbias, "table")
        # from torch the node keeps the sum "bias" too (fpga-export's cell reads it)
        self.weight_roles = {"kernel": "kernel", "recurrent_kernel": "recurrent_kernel"}
        self.weight_roles |= {"bias": "bias", self.bias_weight: "bias"} | {r: r for r in rbias}
        self.weight_roles |= {"table": "table", "recurrent_table": "table"}

    @property
    def n_gates(self) -> int:
        return self.gates * self.units

    @property
    def hls4ml_note(self) -> str:
        """What the summary says the converted layer computes (config._hls4ml_tables)."""
        if self.kind == "lstm_hls4ml" and self.recurrent_bias:
            return NOTE.replace("its tables,", "its tables, torch's bias_hh as recurrent_bias,")
        return NOTE

    def describe(self, node) -> str:
        accum = node.types.get("accum")
        if node.strategy == "resource" and accum is not None and accum.overflow != Overflow.WRAP:
            return (
                "can differ from hls4ml's csim: with Strategy Resource hls4ml adds the products "
                "in another order, which a saturating accum can tell apart"
            )
        return ""

    def approximation(self, node, graph) -> str:
        return (
            f"{self.kind} as hls4ml computes it: lookup tables with a truncated index, sums, "
            "gates and states rounded every step"
        )

    # -- constants ----------------------------------------------------------------------
    def prepare(self, node) -> None:
        """The two activations' tables (one unused 0 for relu)."""
        node.weights["table"] = _table(self.activation, self.table_size)
        node.weights["recurrent_table"] = _table(self.recurrent_activation, self.table_size)

    # -- structure / types --------------------------------------------------------------
    def output_shape(self, node, input_shapes):
        (shape,) = input_shapes
        if len(shape) != 2:
            raise ValueError(
                f"{node.name}: {type(self).__name__} takes a (timesteps, features) input per "
                f"sample, got {tuple(shape)}"
            )
        return (shape[0], self.units) if self.return_sequences else (self.units,)

    def check(self, node, graph):
        n_in = graph[node.inputs[0]].shape[1]
        g, u = self.n_gates, self.units
        shapes = {"kernel": (n_in, g), "recurrent_kernel": (u, g), self.bias_weight: (g,)}
        if self.recurrent_bias:
            shapes["recurrent_bias"] = (g,)
        for w, want in shapes.items():
            got = node.weights.get(w)
            if got is None or np.shape(got) != want:
                got = None if got is None else tuple(np.shape(got))
                raise ValueError(f"{node.name}: {w} must have shape {want}, got {got}")
        rf = node.reuse_factor
        if not isinstance(rf, (int, np.integer)) or isinstance(rf, bool) or rf < 1:
            raise ValueError(f"{node.name}: reuse_factor must be an int >= 1, got {rf!r}")
        if node.strategy not in STRATEGIES:
            raise ValueError(
                f"{node.name}: strategy {node.strategy!r} is not one of {', '.join(STRATEGIES)}"
            )

    def default_types(self, node, graph, ctx):
        """hls4ml's: the model precision for every role ('auto' too: hls4ml infers no type
        of a recurrent layer), ``ap_fixed<18,8>`` for the table."""
        self.prepare(node)
        out = {r: FixedType.parse(ctx.default_for(node, r)) for r in self.roles}
        out["table"] = _model_default(ctx, "table") or ctx.own(TABLE_DEFAULT)
        return out

    # -- numpy reference ----------------------------------------------------------------
    def run(self, node, inputs):
        (x,) = inputs
        if "table" not in node.weights or "recurrent_table" not in node.weights:
            self.prepare(node)
        consts = {
            w: arith.const(node.weights[w], node.types[r]) for w, r in self.weight_roles.items()
        }
        batch, steps = x.raw.shape[:2]
        zero = np.zeros((batch, self.units), np.int64)
        state = {"h": Tensor(zero, node.result), "c": Tensor(zero, node.result)}
        outs = []
        for t in range(steps):
            state = self.step(node, Tensor(x.raw[:, t, :], x.type), state, consts)
            outs.append(state["h"].raw)
        if not self.return_sequences:
            return state["h"]
        dtype = object if any(r.dtype == object for r in outs) else np.int64
        return Tensor(np.stack([r.astype(dtype) for r in outs], axis=1), node.result)

    def apply(self, node, which: str, v: Tensor, consts: dict) -> Tensor:
        """``A(act(v))`` (which = "table") or ``A(rec(v))`` (which = "recurrent_table")."""
        name = self.activation if which == "table" else self.recurrent_activation
        accum = node.types["accum"]
        if name == "relu":
            return arith.convert(Tensor(np.where(v.raw > 0, v.raw, 0), v.type), accum)
        n = self.table_size
        k = np.clip(_int32(_trunc_div(v, n, 2 * RANGES[name]) + n // 2), 0, n - 1)
        table = consts[which]
        return arith.convert(Tensor(np.asarray(table.raw)[k], table.type), accum)

    def step(self, node, x: Tensor, state: dict, consts: dict) -> dict:
        raise NotImplementedError

    # -- C++ --------------------------------------------------------------------------
    def config_fields(self, node, ctx):
        steps, n_in = ctx.input_node(node).shape
        return {
            "n_timesteps": steps,
            "n_in": n_in,
            "n_units": self.units,
            "cell_kind": CELL_KINDS[self.kind],
            "return_sequences": bool(self.return_sequences),
            "activation_fn": FUNCTIONS[self.activation],
            "recurrent_fn": FUNCTIONS[self.recurrent_activation],
            "table_size": self.table_size,
            "implementation": IMPLEMENTATIONS.index(self.implementation),
            "reuse_factor": node.reuse_factor,
            "multiplier_limit": multiplier_limit_name(node, ctx),
            "recurrent_bias": bool(self.recurrent_bias),
        }

    def emit(self, node, ctx) -> Emission:
        roles = {f"{r}_t": r for r in self.roles if r != "result"}
        fields = self.config_fields(node, ctx)
        config = ctx.config(node, "nnet::recurrent_hls4ml_config", fields, roles)
        rbias = "recurrent_bias" if self.recurrent_bias else self.bias_weight
        weights = ("kernel", "recurrent_kernel", self.bias_weight, rbias, "table")
        weights += ("recurrent_table",)
        fn = "recurrent_hls4ml_stream" if ctx.stream else "recurrent_hls4ml"
        call = ctx.call(fn, node, weights)
        includes = (
            "nnet/recurrent_hls4ml.h",
            "nnet/activation_hls4ml.h",
            "nnet/quantizer.h",
            "nnet/dense.h",
        )
        return Emission(config=config, call=call, includes=includes)

    # -- hardware -----------------------------------------------------------------------
    def cell_multipliers(self, node) -> int:
        """Multipliers of one cell (the ALLOCATION limit): ceil((nonzero kernel weights +
        3 elementwise products per unit) / reuse_factor); 1-2 bit kernels take none."""
        n = 3 * self.units
        for w in ("kernel", "recurrent_kernel"):
            t = node.types[w]
            if t.width > 2:
                n += int(np.count_nonzero(t.quantize(node.weights[w])))
        return max(1, -(-n // node.reuse_factor))

    def weight_constants(self, node, weight, ctx):
        if weight != "kernel":
            return {}
        copies = ctx.input_node(node).shape[0] if self.implementation == "unrolled" else 1
        return {multiplier_limit_name(node, ctx): self.cell_multipliers(node) * copies}

    def keeps_loops(self, node):
        return self.implementation == "static"

    def hardware(self, node, ctx):
        steps = ctx.input_node(node).shape[0]
        copies = steps if self.implementation == "unrolled" else 1
        fix = "use implementation='static' (hls4ml: Static True, one cell for every step)"
        kfix = (
            "use fewer units (a recurrent layer's kernels are constants, every weight a register)"
        )
        products = node.weights["kernel"].size + node.weights["recurrent_kernel"].size
        return [
            HwUse(MULTIPLIERS, node.name, self.cell_multipliers(node) * copies),
            HwUse(PARTITION, ctx.weight_var(node, "kernel"), node.weights["kernel"].size, kfix),
            HwUse(
                PARTITION,
                ctx.weight_var(node, "recurrent_kernel"),
                node.weights["recurrent_kernel"].size,
                kfix,
            ),
            HwUse(UNROLL, "timestep cell", products * copies, fix if copies > 1 else ""),
        ]

    def stream_need(self, node, ctx):
        steps = ctx.packets(ctx.input_node(node))
        out = ctx.packets(node)
        if not self.return_sequences:
            return [np.full(out, steps)]
        return [np.arange(1, out + 1)]

    def cost(self, node, ctx, hw):
        """As fpga-export's recurrent cell (docs/estimate.md "Recurrent"): the constant-kernel
        products, the adder trees in ``accum``, the table reads and the elementwise
        products, static (T steps through one cell) or unrolled (T cells)."""
        steps, n_in = ctx.input_node(node).shape
        u, rf = self.units, node.reuse_factor
        w_x = ctx.input_node(node).result.width
        w_h, wacc = node.result.width, node.types["accum"].width
        dsp = terms = 0
        for w, width in (("kernel", w_x), ("recurrent_kernel", w_h)):
            d, t = hw.constant_products(width, node.types[w].quantize_raw(node.weights[w]))
            dsp, terms = dsp + d, terms + t
        elementwise = hw.multiplier(wacc, max(w_h, wacc)) * (3 * u)
        cap = self.cell_multipliers(node)
        res = Resources()
        if rf > 1 and dsp + elementwise.dsp > cap:
            res += Resources(dsp=cap) + hw.muxes(cap, rf, max(w_x, w_h))
            elementwise = Resources(lut=elementwise.lut)
        else:
            res += Resources(dsp=dsp)
        res += hw.constant_product_luts(dsp) + elementwise
        res += hw.adder_tree(terms + 2 * self.n_gates, wacc, self.n_gates)
        for w in ("table", "recurrent_table"):
            if node.weights[w].size > 1:
                width = node.types["table"].width
                res += hw.rom(width, node.weights[w].size, copies=-(-self.n_gates // 2))
        res += hw.registers(2 * u * w_h)
        per_output = -(-max(terms, 1) // self.n_gates) + 2
        t_mul = hw.T_DSP if dsp else hw.T_ADD
        depth = hw.cycles(t_mul + hw.tree_ns(per_output)) + hw.cycles(hw.T_ROM) + 1
        depth += hw.cycles(hw.T_DSP) + hw.cycles(hw.T_ROM) + 1
        if self.implementation == "unrolled":
            res = res * steps
            latency, ii = depth * steps + rf - 1, rf
        else:
            step_ii = max(depth, rf)
            latency, ii = step_ii * steps, step_ii * steps
        if not ctx.stream:
            return Cost(res, latency=latency, ii=ii)
        fill = latency if not self.return_sequences else depth + 1
        return Cost(res, latency=latency + 1, ii=max(ii, steps), fill=fill)


@dataclass
class Hls4mlLSTM(_Hls4mlRecurrent):
    kind = "lstm_hls4ml"
    gates = 4

    def step(self, node, x, state, consts):
        a, r = node.types["accum"], node.result
        u = self.units
        zx = matvec(x, consts["kernel"], consts[self.bias_weight], a)
        zh = matvec(state["h"], consts["recurrent_kernel"], consts.get("recurrent_bias"), a)
        pre = [arith.convert(arith.add(_cols(zx, k, u), _cols(zh, k, u)), a) for k in range(4)]
        i, f, o = (self.apply(node, "recurrent_table", pre[k], consts) for k in (0, 1, 3))
        g = self.apply(node, "table", pre[2], consts)
        c = arith.convert(arith.add(arith.mul(g, i), arith.mul(state["c"], f)), r)
        h = arith.convert(arith.mul(o, self.apply(node, "table", c, consts)), r)
        return {"h": h, "c": c}


@dataclass
class Hls4mlGRU(_Hls4mlRecurrent):
    kind = "gru_hls4ml"
    gates = 3

    def step(self, node, x, state, consts):
        a, r = node.types["accum"], node.result
        u, h = self.units, state["h"]
        zx = matvec(x, consts["kernel"], consts["bias"], a)
        zh = matvec(h, consts["recurrent_kernel"], consts["recurrent_bias"], a)
        z, rg = (
            self.apply(
                node,
                "recurrent_table",
                arith.convert(arith.add(_cols(zx, k, u), _cols(zh, k, u)), a),
                consts,
            )
            for k in (0, 1)
        )
        s = arith.convert(arith.mul(rg, _cols(zh, 2, u)), a)
        n = self.apply(node, "table", arith.convert(arith.add(_cols(zx, 2, u), s), a), consts)
        one = Tensor(ONE.raw, ONE.type.with_(family=z.type.family))
        new = arith.add(arith.mul(n, arith.sub(one, z)), arith.mul(h, z))
        return {"h": arith.convert(new, r), "c": state["c"]}


def _cols(t: Tensor, k: int, u: int) -> Tensor:
    return Tensor(t.raw[..., k * u : (k + 1) * u], t.type)


def _table(function: str, n: int) -> np.ndarray:
    """hls4ml's table of a recurrent activation (float32 entries as float64); relu: one
    unused 0 (every op has the same C++ signature)."""
    if function == "relu":
        return np.zeros(1)
    return elementwise_table(function, n)
