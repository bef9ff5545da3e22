"""Recurrent layers: ``SimpleRNN``, ``LSTM``, ``GRU``. C++: nnet_cpp/nnet/recurrent.h.
(``Timestep``, picking one time step of a sequence, is a crop: ``layers/reshape.py``.)

Input: one sequence per sample, shape (T, F); output (U,) (the last state), or (T, U) with
``return_sequences``. The initial state is zero. Weights in Keras layout (float64):
``kernel`` (F, gU), ``recurrent_kernel`` (U, gU), ``bias`` (gU,) and, for GRU with
``reset_after``, ``recurrent_bias`` (gU,); g gates in Keras order: SimpleRNN 1, LSTM 4
(i, f, c, o), GRU 3 (z, r, h).

Arithmetic (Python :meth:`_Recurrent.run` and C++ implement exactly this). Type roles:
A ``accum``, S ``state`` (h), C ``cell`` (LSTM c), G ``gate`` (recurrent_activation
outputs), N ``candidate`` (activation outputs), R ``result``; ``X(v)`` is the conversion
``X y = v;`` with X's own quantization/overflow modes; products, sums and differences
without a conversion are exact (full precision).

* matrix-vector product, as Dense (dense.py): ``mv(v, W, b)_j``: ``acc = A(b_j)`` (``A(0)``
  without a bias), then ``acc += A(v_i * W_ij)`` for i = 0 .. n-1 in order.
* SimpleRNN: ``z = mv(x_t, kernel, bias) + mv(h, recurrent_kernel)``; ``h = S(act(z))``.
* LSTM: z as SimpleRNN (4U values); ``i = G(rec(z_i))``, ``f = G(rec(z_f))``,
  ``g = N(act(z_c))``, ``o = G(rec(z_o))``; ``c = C(f * c + i * g)``;
  ``h = S(o * N(act(c)))``.
* GRU, reset_after: ``x = mv(x_t, kernel, bias)``, ``r_h = mv(h, recurrent_kernel,
  recurrent_bias)``; ``z = G(rec(x_z + r_z))``, ``r = G(rec(x_r + r_r))``,
  ``n = N(act(x_h + r * r_h))``; ``h = S(z * h + (1 - z) * n)``.
* GRU, reset_after=False: ``z``, ``r`` as above from ``mv(h, recurrent_kernel[:, :2U])``
  (no recurrent bias); ``q = S(r * h)`` (the reset state, in the state type);
  ``n = N(act(x_h + mv(q, recurrent_kernel[:, 2U:])))``; h as above.

``round_state_on_read`` (QKeras' ``state_quantizer``; role ``state_read`` = T): every step
first reads ``h = T(h)`` and ``c = T(c)`` and uses those values throughout the step (the
products, ``f * c``, ``z * h``); the GRU's reset state is then ``q = r * h`` exactly (no
``S``). S and C still convert what the step computes (give them types wide enough to be
exact); default False: a step reads h and c as they are. ``exact_spans``
(recurrent_exact.py) is one step's interval arithmetic then, for table-free activations.

Outputs: ``R(h)`` after every step (return_sequences) or after the last, ``R(c)`` of the last
step with ``output_cell`` (LSTM). go_backwards processes t = T-1 .. 0; with
return_sequences output k is the k-th processed step (Keras), or, with ``align_outputs``, the
state after input t is output t (Bidirectional, torch's reverse direction).

Activations ``act(v)`` (``activation``) and ``rec(v)`` (``recurrent_activation``) are those of
``Activation`` (activation.py: the same functions, the same table index rule), converted
directly into their target type:

===================  ======================================================================
tanh, sigmoid        a lookup table (``table_size``, ``table_range``; nearest bin center),
                     its entries of type ``table`` / ``recurrent_table``
hard_sigmoid         ``clip(v * slope + 0.5, 0, 1)`` with ``slope = 1/6``: Keras 3
                     (``relu6(x + 3) / 6``) and PyTorch Hardsigmoid
hard_sigmoid_tf      the same with ``slope = 0.2``: Keras 2 / tf_keras
hard_sigmoid_qkeras  the same with ``slope = 0.5``: QKeras' own ``hard_sigmoid`` (what its
                     ``"hard_sigmoid"`` string and ``quantized_sigmoid`` / ``quantized_tanh``
                     use)
relu, linear         ``v > 0 ? v : 0``, ``v`` (activation only)
===================  ======================================================================

The weights ``table`` / ``recurrent_table`` hold the table (tanh, sigmoid), ``[slope, 0.5]``
(hard sigmoids, in the table role's type) or one unused 0 (relu, linear): every op has a fixed
C++ signature.

Default types (``W``: the model precision's width, its modes; a model-wide
``role_defaults[role]`` wins): bounded activations (tanh and the sigmoids, in [-1, 1]) give
``state``, ``candidate`` = ``ap_fixed<W, 2>`` (1.0 itself fits: a table entry may round to it)
and ``gate`` = ``ap_ufixed<W, 1>``; ``cell`` = ``ap_fixed<I + W - 2, I>`` with
``I = bit_length(T) + 1``: |c| <= T (|f| <= 1, |i g| <= 1 and T is representable), so the
cell never overflows; ``result`` = the state type (cell type with output_cell); tables
``ap_fixed<18, 2, AP_RND, AP_SAT>``, hard-sigmoid constants ``ap_fixed<18, 1, AP_RND>``;
``accum`` and the weights: the model precision, as Dense. Unbounded activations (relu,
linear) give the model precision to state, candidate and cell.

Implementations (``implementation``): ``"static"``, one cell instance, the timestep loop
pipelined at II = reuse_factor (the recurrence h -> h makes the achieved II the cell's
depth when that is longer); ``"unrolled"``, every timestep its own cell in one pipelined
call (latency). io_stream reads one timestep per packet and writes one packet per step
(return_sequences) or one at the end. Both strategies keep the kernels constant.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import ClassVar

import numpy as np

from ..ir import arith
from ..ir.cost import Cost, Resources
from ..ir.hardware import MULTIPLIERS, PARTITION, UNROLL, HwUse
from ..ir.op import Emission, Op, Tensor
from ..types import FixedType
from .activation import Activation, _check_pow2, _fit_param
from .dense import STRATEGIES, multiplier_limit_name
from .recurrent_exact import recurrent_spans
from .reshape import Timestep  # noqa: F401  (re-exported: the time-step helper op)

# activation name -> C++ enum value (nnet::recurrent_function)
FUNCTIONS = {
    "tanh": 0,
    "sigmoid": 1,
    "hard_sigmoid": 2,
    "hard_sigmoid_tf": 2,
    "hard_sigmoid_qkeras": 2,
    "relu": 3,
    "linear": 4,
}
GATE_FUNCTIONS = ("sigmoid", "hard_sigmoid", "hard_sigmoid_tf", "hard_sigmoid_qkeras")
BOUNDED = ("tanh", "sigmoid", "hard_sigmoid", "hard_sigmoid_tf", "hard_sigmoid_qkeras")
HARD_SLOPES = {"hard_sigmoid_tf": 0.2, "hard_sigmoid_qkeras": 0.5}
IMPLEMENTATIONS = ("static", "unrolled")
TABLE_DEFAULT = FixedType.parse("ap_fixed<18,2,AP_RND,AP_SAT>")
UNUSED_TABLE = FixedType(2, 2)  # relu / linear: one unused entry
WEIGHTS = ("kernel", "recurrent_kernel", "bias", "recurrent_bias")
CELL_KINDS = {"simple_rnn": 0, "lstm": 1, "gru": 2}
TORCH_BIASES = {"input_bias": "bias", "recurrent_bias": "recurrent_bias"}  # LSTM.torch_biases


def activation_of(name: str, table_size: int, table_range: float) -> Activation:
    """The ``Activation`` computing ``name`` (its tables, constants and index rules)."""
    if name in HARD_SLOPES:
        slope = HARD_SLOPES[name]
        return Activation(
            "hard_sigmoid", slope=slope, table_size=table_size, table_range=table_range
        )
    return Activation(name, table_size=table_size, table_range=table_range)


def constants_of(name: str, act: Activation) -> np.ndarray:
    """The ``table`` / ``recurrent_table`` weight of an activation (module docstring)."""
    if name in ("tanh", "sigmoid"):
        return act.tables()["table"]
    if name.startswith("hard_sigmoid"):
        return act.params()
    return np.zeros(1)


@dataclass
class _Recurrent(Op):
    """Shared by SimpleRNN, LSTM and GRU (module docstring)."""

    def hls4ml_compatible(self) -> Op:
        """This layer as hls4ml computes it (``activation_tables="hls4ml"``): an LSTM, or a
        GRU with reset_after, becomes its op of layers/recurrent_hls4ml.py; the rest stay
        (:meth:`hls4ml_difference` says why)."""
        from .recurrent_hls4ml import convert

        return convert(self) or self

    def hls4ml_difference(self) -> str | None:
        from .recurrent_hls4ml import difference

        return difference(self)

    family = "recurrent"
    gates: ClassVar[int] = 1
    roles: ClassVar[tuple[str, ...]] = (
        "result", "state", "cell", "accum", "kernel", "recurrent_kernel", "bias",
        "recurrent_bias", "gate", "candidate", "table", "recurrent_table", "state_read",
    )  # fmt: skip
    weight_roles: ClassVar[dict[str, str]] = {w: w for w in (*WEIGHTS, "table", "recurrent_table")}

    units: int = 0
    activation: str = "tanh"
    recurrent_activation: str = "sigmoid"
    return_sequences: bool = False
    go_backwards: bool = False
    align_outputs: bool = False
    implementation: str = "static"
    table_size: int = 1024
    table_range: float = 8.0
    round_state_on_read: bool = False

    def __post_init__(self):
        name = type(self).__name__
        if not isinstance(self.units, (int, np.integer)) or isinstance(self.units, bool):
            raise ValueError(f"{name} units must be an int >= 1, got {self.units!r}")
        if self.units < 1:
            raise ValueError(f"{name} units must be an int >= 1, got {self.units!r}")
        if self.activation not in FUNCTIONS:
            raise ValueError(
                f"{name} activation {self.activation!r} is not supported; supported: "
                f"{', '.join(FUNCTIONS)}"
            )
        if self.uses_gates and self.recurrent_activation not in GATE_FUNCTIONS:
            raise ValueError(
                f"{name} recurrent_activation {self.recurrent_activation!r} is not supported; "
                f"supported: {', '.join(GATE_FUNCTIONS)}"
            )
        if self.implementation not in IMPLEMENTATIONS:
            raise ValueError(
                f"{name} implementation {self.implementation!r} is not one of "
                f"{', '.join(IMPLEMENTATIONS)}"
            )
        self.table_bits = _check_pow2(f"{name} table_size", self.table_size, True)
        self.range_log2 = _check_pow2(f"{name} table_range", self.table_range, False)
        self.act = activation_of(self.activation, self.table_size, self.table_range)
        self.rec = activation_of(self.recurrent_activation, self.table_size, self.table_range)
        roles = ["result", "state", "accum", "kernel", "recurrent_kernel", "bias", "table"]
        if self.uses_gates:
            roles += ["gate", "candidate", "recurrent_table"]
        if self.round_state_on_read:
            roles.append("state_read")
        self.roles = tuple(roles + self.extra_roles())
        self.weight_roles = {r: r for r in type(self).weight_roles if r in self.roles}

    uses_gates: ClassVar[bool] = True

    def extra_roles(self) -> list[str]:
        return []

    @property
    def n_gates(self) -> int:
        return self.gates * self.units

    # -- exactness ----------------------------------------------------------------------
    def exact_spans(self, node, graph):
        """With ``round_state_on_read`` and table-free activations: one step's spans
        (recurrent_exact.py); otherwise None (approximated: :meth:`approximation`)."""
        return recurrent_spans(self, node, graph)

    def approximation(self, node, graph) -> str:
        """Why the node is not exact (``passes.mark_exact``) and the worst-case error of its
        output against the float cell (:func:`error_bound`)."""
        parts = []
        for name in dict.fromkeys(
            [self.activation] + ([self.recurrent_activation] if self.uses_gates else [])
        ):
            if name in ("tanh", "sigmoid"):
                step = 2 * float(self.table_range) / self.table_size
                parts.append(f"{name} lookup table ({self.table_size} bins of {step:g})")
            elif name in BOUNDED:
                parts.append(f"{name} slope and offset in fixed point")
        parts.append("h, c, gates and sums rounded to their types every step")
        bound = error_bound(self, node, graph)
        when = (
            f"worst-case output error {bound:.3g} against the float cell after "
            f"{graph[node.inputs[0]].shape[0]} steps"
            if bound is not None
            else "no static error bound (unbounded activation)"
        )
        return f"{self.kind} is approximated: {'; '.join(parts)} ({when})"

    # -- constants ----------------------------------------------------------------------
    def prepare(self, node) -> None:
        """Put the activations' tables / constants into ``node.weights``."""
        node.weights["table"] = constants_of(self.activation, self.act)
        if "recurrent_table" in self.roles:
            node.weights["recurrent_table"] = constants_of(self.recurrent_activation, self.rec)

    # -- structure ----------------------------------------------------------------------
    def output_shape(self, node, input_shapes):
        (shape,) = input_shapes
        if len(shape) != 2:
            raise ValueError(
                f"{node.name}: {type(self).__name__} takes a (timesteps, features) input per "
                f"sample, got {tuple(shape)}"
            )
        if self.return_sequences:
            return (shape[0], self.units)
        return (self.units,)

    def weight_shapes(self, n_in: int) -> dict[str, tuple[int, ...]]:
        g, u = self.n_gates, self.units
        shapes = {"kernel": (n_in, g), "recurrent_kernel": (u, g), "bias": (g,)}
        if "recurrent_bias" in self.roles:
            shapes["recurrent_bias"] = (g,)
        return shapes

    def check(self, node, graph):
        n_in = graph[node.inputs[0]].shape[1]
        for w, want in self.weight_shapes(n_in).items():
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

    # -- types --------------------------------------------------------------------------
    def default_types(self, node, graph, ctx):
        self.prepare(node)
        d = ctx.chosen(FixedType.parse(ctx.default))
        modes = {"rounding": d.rounding, "overflow": d.overflow, "family": d.family}
        bounded = self.activation in BOUNDED
        w = d.width
        small = FixedType(w, 2, True, **modes) if bounded else d
        steps = graph[node.inputs[0]].shape[0]
        ic = int(steps).bit_length() + 1
        cell = FixedType(ic + w - 2, ic, True, **modes) if bounded else d
        out = {
            "state": small,
            "state_read": small,
            "candidate": small,
            "gate": FixedType(w, 1, False, **modes),
            "cell": cell,
            "accum": FixedType.parse(ctx.default_for(node, "accum")),
        }
        for r in ("kernel", "recurrent_kernel", "bias", "recurrent_bias"):
            out[r] = FixedType.parse(ctx.default_for(node, r))
        for r, name in (("table", self.activation), ("recurrent_table", self.recurrent_activation)):
            if name in ("tanh", "sigmoid"):
                out[r] = ctx.own(TABLE_DEFAULT)
            elif name.startswith("hard_sigmoid"):
                out[r] = ctx.own(_fit_param(constants_of(name, activation_of(name, 2, 1.0))))
            else:
                out[r] = ctx.own(UNUSED_TABLE)
        for r in out:
            if _model_default(ctx, r):
                out[r] = _model_default(ctx, r)
        out["result"] = _model_default(ctx, "result") or out[self.output_role]
        return {r: out[r] for r in self.roles}

    @property
    def output_role(self) -> str:
        return "state"

    # -- numpy reference ----------------------------------------------------------------
    def run(self, node, inputs):
        (x,) = inputs
        if any(w not in node.weights for w in ("table", "recurrent_table") if w in self.roles):
            self.prepare(node)
        consts = {
            w: arith.const(node.weights[w], node.types[r]) for w, r in self.weight_roles.items()
        }
        batch, steps = x.raw.shape[:2]
        u = self.units
        state = {"h": Tensor(np.zeros((batch, u), np.int64), node.types["state"])}
        if "cell" in self.roles:
            state["c"] = Tensor(np.zeros((batch, u), np.int64), node.types["cell"])
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outs = []
        for k, t in enumerate(order):
            state = self.step(node, Tensor(x.raw[:, t, :], x.type), self.read(node, state), consts)
            if self.return_sequences:
                pos = t if self.align_outputs else k
                outs.append((pos, arith.convert(state["h"], node.result).raw))
        if not self.return_sequences:
            final = state["c" if self.output_role == "cell" else "h"]
            return arith.convert(final, node.result)
        raw = [r for _, r in sorted(outs, key=lambda p: p[0])]
        dtype = object if any(r.dtype == object for r in raw) else np.int64
        return Tensor(np.stack([r.astype(dtype) for r in raw], axis=1), node.result)

    def read(self, node, state: dict) -> dict:
        """What a step reads of the carried state: with ``round_state_on_read`` h and c
        converted to ``state_read``, else the state itself."""
        if not self.round_state_on_read:
            return state
        return {k: arith.convert(v, node.types["state_read"]) for k, v in state.items()}

    def step(self, node, x: Tensor, state: dict, consts: dict) -> dict:
        raise NotImplementedError

    def apply(self, which: str, v: Tensor, out: FixedType, consts: dict) -> Tensor:
        """``out(act(v))`` (which = "table") or ``out(rec(v))`` (which = "recurrent_table")."""
        act = self.act if which == "table" else self.rec
        fn = act.cpp_function
        c = {}
        if fn in ("tanh", "sigmoid"):
            c = {"table": consts[which]}
        elif fn == "hard_sigmoid":
            c = {"param": consts[which]}
        return getattr(act, "_run_" + fn)(SimpleNamespace(result=out), v, c)

    # -- C++ --------------------------------------------------------------------------
    def cpp_weights(self) -> tuple[str, ...]:
        """The weight arrays of the C++ call, in order (stand-ins where an op has none)."""
        rbias = "recurrent_bias" if getattr(self, "reset_after", False) else "bias"
        rtable = "recurrent_table" if "recurrent_table" in self.roles else "table"
        return ("kernel", "recurrent_kernel", "bias", rbias, "table", rtable)

    def config_fields(self, node, ctx):
        steps, n_in = ctx.input_node(node).shape
        return {
            "n_timesteps": steps,
            "n_in": n_in,
            "n_units": self.units,
            "cell_kind": CELL_KINDS[self.kind],
            "return_sequences": bool(self.return_sequences),
            "go_backwards": bool(self.go_backwards),
            "align_outputs": bool(self.align_outputs),
            "output_cell": self.output_role == "cell",
            "reset_after": bool(getattr(self, "reset_after", False)),
            "implementation": IMPLEMENTATIONS.index(self.implementation),
            "reuse_factor": node.reuse_factor,
            "multiplier_limit": multiplier_limit_name(node, ctx),
            "activation_fn": FUNCTIONS[self.activation],
            "recurrent_fn": FUNCTIONS[self.recurrent_activation],
            "table_size": self.table_size,
            "table_range_log2": int(self.range_log2),
            "round_state_on_read": bool(self.round_state_on_read),
        }

    def emit(self, node, ctx) -> Emission:
        roles = {f"{r}_t": r for r in self.roles if r != "result"}
        config = ctx.config(node, "nnet::recurrent_config", self.config_fields(node, ctx), roles)
        fn = "recurrent_stream" if ctx.stream else "recurrent"
        call = ctx.call(fn, node, self.cpp_weights())
        includes = ("nnet/recurrent.h", "nnet/activation.h", "nnet/dense.h")  # it includes them
        return Emission(config=config, call=call, includes=includes)

    # -- hardware -----------------------------------------------------------------------
    def elementwise_products(self) -> int:
        """Products of two variables per unit and step (gates times states)."""
        return 0

    def cell_multipliers(self, node) -> int:
        """Multipliers of one cell (the ALLOCATION limit): ceil((nonzero kernel weights +
        elementwise products) / reuse_factor); 1-2 bit kernels take no multiplier."""
        n = self.elementwise_products() * self.units
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
        return self.implementation == "static"  # the timestep loop

    def hardware(self, node, ctx):
        steps = ctx.input_node(node).shape[0]
        copies = steps if self.implementation == "unrolled" else 1
        fix = "use implementation='static' (one cell shared by the timesteps)"
        k, rk = (ctx.weight_var(node, w) for w in ("kernel", "recurrent_kernel"))
        products = node.weights["kernel"].size + node.weights["recurrent_kernel"].size
        kfix = (
            "use fewer units (a recurrent layer's kernels are constants, every weight a register)"
        )
        return [
            HwUse(MULTIPLIERS, node.name, self.cell_multipliers(node) * copies),
            HwUse(PARTITION, k, node.weights["kernel"].size, kfix),
            HwUse(PARTITION, rk, node.weights["recurrent_kernel"].size, kfix),
            HwUse(UNROLL, "timestep cell", products * copies, fix if copies > 1 else ""),
        ]

    def stream_need(self, node, ctx):
        steps = ctx.packets(ctx.input_node(node))
        out = ctx.packets(node)
        if self.go_backwards or not self.return_sequences:
            return [np.full(out, steps)]
        return [np.arange(1, out + 1)]

    def cost(self, node, ctx, hw):
        """docs/estimate.md "Recurrent": one cell = the two matrix-vector products
        (constant kernels, as the latency Dense), the table reads of the activations and
        the elementwise products; with reuse_factor R > 1 the ALLOCATION limit caps the
        multipliers at ``cell_multipliers`` (each behind an R-to-1 mux) when the cell would
        need more DSPs; static: T steps of max(cell depth, reuse_factor) cycles
        through one cell; unrolled: T cells, T cell depths, II = reuse_factor."""
        steps, n_in = ctx.input_node(node).shape
        u, rf = self.units, node.reuse_factor
        w_x = ctx.input_node(node).result.width
        w_h = node.types["state"].width
        wacc = node.types["accum"].width
        res = Resources()
        terms = 0
        dsp = 0
        for w, width in (("kernel", w_x), ("recurrent_kernel", w_h)):
            d, t = hw.constant_products(width, node.types[w].quantize_raw(node.weights[w]))
            dsp, terms = dsp + d, terms + t
        prods = self.elementwise_products() * u
        w_g = node.types["gate"].width if prods else 0
        elementwise = hw.multiplier(w_g, max(w_h, wacc)) * prods if prods else Resources()
        cap = self.cell_multipliers(node)
        if rf > 1 and dsp + elementwise.dsp > cap:
            # the ALLOCATION limit binds: cap multipliers, each behind an rf-to-1 mux
            res += Resources(dsp=cap) + hw.muxes(cap, rf, max(w_x, w_h))
            elementwise = Resources(lut=elementwise.lut)
        else:
            res += Resources(dsp=dsp)
        res += hw.constant_product_luts(dsp) + elementwise
        res += hw.adder_tree(terms + 2 * self.n_gates, wacc, self.n_gates)
        reads = self.n_gates + (u if self.output_role != "state" or self.kind == "lstm" else 0)
        for r in ("table", "recurrent_table"):
            if r in self.roles and node.weights[r].size > 1:
                res += hw.rom(node.types[r].width, node.weights[r].size, copies=-(-reads // 2))
        res += hw.registers(u * (w_h + (node.types["cell"].width if "cell" in self.roles else 0)))
        per_output = -(-max(terms, 1) // self.n_gates) + 2
        t_mul = hw.T_DSP if dsp else hw.T_ADD
        depth = hw.cycles(t_mul + hw.tree_ns(per_output)) + hw.cycles(hw.T_ROM) + 1
        if prods:
            depth += hw.cycles(hw.T_DSP) + hw.cycles(hw.T_ROM) + 1
        if self.implementation == "unrolled":
            res = res * steps
            latency, ii = depth * steps + rf - 1, rf
        else:
            step_ii = max(depth, rf)
            latency, ii = step_ii * steps, step_ii * steps
        if not ctx.stream:
            return Cost(res, latency=latency, ii=ii)
        res += hw.registers(steps * n_in * w_x * self.go_backwards)  # the reversed input
        fill = latency if (self.go_backwards or not self.return_sequences) else depth + 1
        return Cost(res, latency=latency + 1, ii=max(ii, steps), fill=fill)


@dataclass
class SimpleRNN(_Recurrent):
    kind = "simple_rnn"
    gates = 1
    uses_gates = False

    def step(self, node, x, state, consts):
        z = preactivation(x, state["h"], consts, node.types["accum"])
        return {"h": self.apply("table", z, node.types["state"], consts)}


@dataclass
class LSTM(_Recurrent):
    kind = "lstm"
    gates = 4
    output_cell: bool = False
    # torch: the node also carries bias_ih ("input_bias") and bias_hh ("recurrent_bias"),
    # ``bias`` their sum; fpga-export's cell reads the sum, hls4ml's cell the two apart
    torch_biases: bool = False

    def __post_init__(self):
        super().__post_init__()
        if self.output_cell and self.return_sequences:
            raise ValueError(
                "LSTM output_cell outputs the final cell state: it needs return_sequences=False"
            )
        if self.torch_biases:
            self.roles = (*self.roles, "recurrent_bias")
            self.weight_roles = self.weight_roles | TORCH_BIASES

    def weight_shapes(self, n_in: int) -> dict[str, tuple[int, ...]]:
        shapes = super().weight_shapes(n_in)
        if self.torch_biases:
            shapes |= {"input_bias": (self.n_gates,), "recurrent_bias": (self.n_gates,)}
        return shapes

    def extra_roles(self):
        return ["cell"]

    @property
    def output_role(self) -> str:
        return "cell" if self.output_cell else "state"

    def elementwise_products(self) -> int:
        return 3  # f c, i g, o act(c)

    def step(self, node, x, state, consts):
        ty = node.types
        u = self.units
        z = preactivation(x, state["h"], consts, ty["accum"])
        i, f, g, o = (Tensor(z.raw[:, k * u : (k + 1) * u], z.type) for k in range(4))
        i = self.apply("recurrent_table", i, ty["gate"], consts)
        f = self.apply("recurrent_table", f, ty["gate"], consts)
        g = self.apply("table", g, ty["candidate"], consts)
        o = self.apply("recurrent_table", o, ty["gate"], consts)
        c = arith.convert(arith.add(arith.mul(f, state["c"]), arith.mul(i, g)), ty["cell"])
        a_c = self.apply("table", c, ty["candidate"], consts)
        return {"h": arith.convert(arith.mul(o, a_c), ty["state"]), "c": c}


ONE = Tensor(np.array([1], dtype=np.int64), FixedType(1, 1, False))  # ap_ufixed<1,1>(1)


@dataclass
class GRU(_Recurrent):
    kind = "gru"
    gates = 3
    reset_after: bool = True

    def extra_roles(self):
        return ["recurrent_bias"] if self.reset_after else []

    def elementwise_products(self) -> int:
        return 3  # r times the recurrent sum or the state, z h, (1 - z) n

    def step(self, node, x, state, consts):
        ty = node.types
        a, u, h = ty["accum"], self.units, state["h"]
        rk = consts["recurrent_kernel"]
        zx = matvec(x, consts["kernel"], consts["bias"], a)

        def cols(t: Tensor, k: int) -> Tensor:
            return Tensor(t.raw[..., k * u : (k + 1) * u], t.type)

        if self.reset_after:
            zh = matvec(h, rk, consts["recurrent_bias"], a)
        else:
            zh = matvec(h, Tensor(rk.raw[:, : 2 * u], rk.type), None, a)
        z = self.apply("recurrent_table", arith.add(cols(zx, 0), cols(zh, 0)), ty["gate"], consts)
        r = self.apply("recurrent_table", arith.add(cols(zx, 1), cols(zh, 1)), ty["gate"], consts)
        if self.reset_after:
            pre = arith.add(cols(zx, 2), arith.mul(r, cols(zh, 2)))
        else:
            q = arith.mul(r, h)  # exact: h is already read (round_state_on_read)
            if not self.round_state_on_read:
                q = arith.convert(q, ty["state"])
            pre = arith.add(cols(zx, 2), matvec(q, cols(rk, 2), None, a))
        n = self.apply("table", pre, ty["candidate"], consts)
        one = Tensor(ONE.raw, ONE.type.with_(family=z.type.family))
        new = arith.add(arith.mul(z, h), arith.mul(arith.sub(one, z), n))
        return {"h": arith.convert(new, ty["state"])}


def error_bound(op, node, graph) -> float | None:
    """A static bound on |firmware - float cell| for the node's output, for inputs exact in
    their type (its worst values). Per step: every conversion to ``accum`` loses at most one
    LSB (truncation), weights differ from their float values by their rounding, a table
    lookup by half a bin times the function's slope (tanh 1, sigmoid 1/4) plus half an entry
    LSB, every other conversion one LSB of its type; the state error feeds back through the
    recurrent kernel's largest column sum, |c| <= T (bounded activations). A value's own
    range caps its error (|h| <= 1: at most 2), so a recurrent kernel whose column sums
    exceed 1 gives the trivial bound after a few steps. None for relu / linear activations
    (the state is not bounded)."""
    if op.activation not in BOUNDED or (op.uses_gates and op.recurrent_activation not in BOUNDED):
        return None
    ty, w = node.types, node.weights
    x_t = graph[node.inputs[0]].result
    steps, n_in = graph[node.inputs[0]].shape
    lsb = {r: t.lsb for r, t in ty.items()}
    x_max = max(abs(x_t.min), abs(x_t.max))

    def rounding(role: str) -> float:
        v = np.asarray(w[role], dtype=np.float64)
        return np.abs(v - ty[role].quantize(v))

    k_err = float((rounding("kernel").sum(axis=0) * x_max).max())
    rk_err = float(rounding("recurrent_kernel").sum(axis=0).max())
    b_err = float(rounding("bias").max()) + (
        float(rounding("recurrent_bias").max()) if op.kind == "gru" and op.reset_after else 0.0
    )
    e_fixed = lsb["accum"] * (n_in + op.units + 2) + k_err + rk_err + b_err
    rk = np.abs(np.asarray(w["recurrent_kernel"], dtype=np.float64))
    norm = float(rk.sum(axis=0).max())
    bin_half = float(op.table_range) / op.table_size
    d_act = bin_half + lsb["table"] / 2
    d_rec = bin_half / 4 + lsb.get("recurrent_table", 0.0) / 2
    rbias = w["recurrent_bias"] if op.kind == "gru" and op.reset_after else np.zeros(1)
    rh = norm + float(np.abs(rbias).max())
    # every bounded value also bounds its error: |h|, |n| <= 1, 0 <= gates <= 1, |c| <= T
    cap_h, cap_g = 2 + lsb["state"], 1 + lsb.get("gate", 0.0)
    cap_c = 2 * steps + lsb.get("cell", 0.0)
    e_h = e_c = 0.0
    for _ in range(steps):
        e_pre = e_fixed + norm * e_h
        if not op.uses_gates:
            e_h = min(cap_h, e_pre + d_act + lsb["state"])
            continue
        e_g = min(cap_g, e_pre / 4 + d_rec + lsb["gate"])
        if op.kind == "lstm":
            e_n = min(2.0, e_pre + d_act) + lsb["candidate"]
            e_c = min(cap_c, e_c + (steps + e_c) * e_g + e_g + e_n + lsb["cell"])
            e_h = min(cap_h, e_g + min(2.0, e_c + d_act) + lsb["candidate"] + lsb["state"])
        elif getattr(op, "reset_after", True):
            e_n = min(2.0, e_pre + e_g * (rh + e_pre) + d_act) + lsb["candidate"]
            e_h = min(cap_h, 2 * e_g + max(e_h, e_n) + lsb["state"])
        else:
            e_n = min(2.0, e_pre + norm * (e_g + e_h + lsb["state"]) + d_act) + lsb["candidate"]
            e_h = min(cap_h, 2 * e_g + max(e_h, e_n) + lsb["state"])
    out = e_c if getattr(op, "output_cell", False) else e_h
    return float(out + lsb["result"])


def preactivation(x: Tensor, h: Tensor, consts: dict, accum: FixedType) -> Tensor:
    """``mv(x_t, kernel, bias) + mv(h, recurrent_kernel)`` (SimpleRNN, LSTM; exact sum)."""
    return arith.add(
        matvec(x, consts["kernel"], consts["bias"], accum),
        matvec(h, consts["recurrent_kernel"], None, accum),
    )


def matvec(v: Tensor, w: Tensor, bias: Tensor | None, accum: FixedType) -> Tensor:
    """``mv(v, W, b)`` of the module docstring: ``A(b_j)`` (or 0), then ``+= A(v_i W_ij)``
    for i in order. v (batch, n), W (n, m) raw -> (batch, m) in ``accum``."""
    prod = arith.mul(Tensor(v.raw[:, :, None], v.type), w)
    terms = arith.convert(prod, accum).raw
    shape = (v.raw.shape[0], w.raw.shape[1])
    if bias is None:
        acc = np.zeros(shape, dtype=np.int64)
    else:
        acc = np.broadcast_to(arith.convert(bias, accum).raw, shape)
    return arith.accumulate(Tensor(acc, accum), terms, axis=1)


def _model_default(ctx, role: str) -> FixedType | None:
    """The model-wide type for ``role`` (``role_defaults``), None if unset or 'auto'."""
    t = ctx.role_defaults.get(role)
    return None if t is None or t == "auto" else FixedType.parse(t)
