"""Dense (fully connected). C++: nnet_cpp/nnet/dense.h."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import arith
from ..ir.cost import Cost, Resources
from ..ir.hardware import MULTIPLIERS, PARTITION, RESHAPE, UNROLL, HwUse
from ..ir.op import Emission, Op, Tensor
from ..ir.span import Span, weight_span
from ..types import FixedType, Overflow

STRATEGIES = ("latency", "resource")
_PRODUCTS = 1 << 18  # products per block of the numpy reference (Dense.run): 2 MB of int64


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def check_reuse(node, n_work: int, what: str) -> None:
    """Reuse factor must divide the multiplications; the error lists the valid values."""
    rf = node.reuse_factor
    if node.strategy not in STRATEGIES:
        raise ValueError(
            f"{node.name}: strategy {node.strategy!r} is not one of {', '.join(STRATEGIES)}"
        )
    if not isinstance(rf, (int, np.integer)) or rf < 1 or n_work % rf:
        valid = ", ".join(map(str, divisors(n_work)))
        raise ValueError(
            f"{node.name}: reuse_factor {rf!r} does not divide {what} = {n_work}; "
            f"valid reuse factors: {valid}"
        )


def multiplier_limit(node, blocks: np.ndarray, rom: bool) -> int:
    """Multipliers of one instance of a layer's multiply block (the C++ ALLOCATION limit;
    ``blocks``: the kernel values of each instance, one row each, e.g. per group).

    ``rom`` (the resource strategy's dense): every multiplier reads a ROM word per step, so
    ``n / reuse_factor``. Otherwise the kernel is a constant of the pipelined instance, whose
    zero weights need no multiplier: ``ceil(nonzero / reuse_factor)`` of the busiest row.
    Kernels of 1-2 bits take multiplier-free products (nnet/dense.h); the limit never binds.
    """
    rf = node.reuse_factor
    if rom:
        return int(blocks.shape[1]) // rf
    nonzero = np.count_nonzero(node.types["kernel"].quantize(blocks), axis=1)
    return -(-int(nonzero.max(initial=0)) // rf)


def multiplier_limit_name(node, ctx) -> str:
    """The constant in the kernel's weight header that a config's multiplier_limit names."""
    return f"{ctx.weight_var(node, 'kernel')}_multiplier_limit"


def matrix_hardware(
    node,
    ctx,
    blocks: np.ndarray,
    lanes: int = 1,
    lanes_fix: str = "",
    rom: bool | None = None,
    kernel_fix: str = "",
):
    """What the C++ of a weight-matrix layer asks of the tool (nnet/dense.h): ``blocks`` the
    kernel of each Dense instance of a step (one row per group), ``lanes`` such steps side by
    side (conv pixels). Latency: the kernel is completely partitioned and every product
    unrolled (one copy per weight: the same count). Resource: the kernel is a ROM of words of
    n / reuse_factor weights, and a step unrolls that many products per instance. ``rom``:
    whether the kernel is a ROM (default: the resource strategy); ``kernel_fix``: the advice
    when a constant kernel is too large (default: the resource strategy)."""
    kernel = ctx.weight_var(node, "kernel")
    width = node.types["kernel"].width
    groups, n = blocks.shape
    rom = node.strategy == "resource" if rom is None else rom
    per_instance = 0 if width <= 2 else multiplier_limit(node, blocks, rom)  # 1-2 bits: no mul
    out = [HwUse(MULTIPLIERS, node.name, per_instance * groups * lanes)]
    if not rom:
        fix = "use strategy='resource' (the kernel becomes a ROM read over reuse_factor cycles)"
        out.append(HwUse(PARTITION, kernel, blocks.size, kernel_fix or fix))
        if lanes > 1:
            out.append(HwUse(UNROLL, "pixel step", lanes * blocks.size, lanes_fix))
        return out
    block = n // node.reuse_factor
    out.append(HwUse(RESHAPE, kernel, block * width, reuse_work=n))
    out.append(HwUse(UNROLL, "reuse step", lanes * groups * block, lanes_fix, reuse_work=n))
    return out


def matrix_cost(node, ctx, hw, blocks: np.ndarray, *, lanes: int = 1, rom: bool | None = None):
    """One step of a weight-matrix layer (nnet/dense.h): ``blocks`` the kernel of each Dense
    instance of the step (one row per group, taps-major as (taps, outputs) flattened),
    ``lanes`` such steps side by side (conv pixels). Returns (resources, pipeline depth in
    cycles, cycles between steps). docs/estimate.md "Dense family".

    Constant kernel (latency strategy, depthwise): with reuse_factor 1 every nonzero weight
    is its own constant product (``hw.constant_products``: DSP, or shift-and-add terms of the
    adder tree); with reuse_factor R the ALLOCATION limit shares ceil(nonzero / R)
    multipliers of the input and kernel widths, each behind an R-to-1 operand mux.
    ROM kernel (resource strategy): n / R multiplier lanes, each reading its ROM word every
    cycle for R cycles (``LANE_*`` constants)."""
    rom = node.strategy == "resource" if rom is None else rom
    rf = node.reuse_factor
    wd = ctx.input_node(node).result.width
    wk = node.types["kernel"].width
    wacc = node.types["accum"].width if "accum" in node.types else node.result.width
    groups, n = blocks.shape
    n_out = _outputs(node, groups)
    if rom:
        per = n // rf
        res = (hw.multiplier(wd, wk) + Resources(lut=hw.LANE_LUT, ff=hw.LANE_FF)) * per
        res += hw.rom(per * wk, rf)
        res = res * groups * lanes
        return res, rf + hw.LANE_DEPTH, rf + hw.LANE_DEPTH
    raw = node.types["kernel"].quantize_raw(blocks)
    dsp, terms = hw.constant_products(wd, raw)
    if rf > 1 and wk > 2:
        # the ALLOCATION limit binds only when the constants needing a DSP outnumber it;
        # then ceil(nonzero / R) shared multipliers take them, each behind an R-to-1 mux
        nonzero = np.count_nonzero(raw, axis=1)
        limit = int(sum(-(-int(k) // rf) for k in nonzero)) * hw.dsps(wd, wk)
        if dsp > limit:
            dsp = limit
            res_mux = hw.muxes(limit, rf, wd)
        else:
            res_mux = Resources()
    else:
        res_mux = Resources()
    res = Resources(dsp=dsp) + res_mux + hw.constant_product_luts(dsp)
    t_mul = hw.T_DSP if dsp else (hw.T_ADD if terms > np.count_nonzero(raw) else 0.0)
    res += hw.adder_tree(terms + n_out, wacc, n_out)
    per_output = -(-max(terms, 1) // max(n_out, 1)) + 1
    depth = hw.cycles(t_mul + hw.tree_ns(per_output)) + 1  # + the result register
    res += hw.registers(n_out * wacc)  # the result register
    res = res * lanes
    return res, depth + rf - 1, rf


def _outputs(node, groups: int) -> int:
    """Output values of one step of one lane (all groups)."""
    return int(node.shape[-1])


def dense_cost(node, ctx, hw) -> Cost:
    """Dense: io_parallel one call (the matrix step); io_stream a pipelined function that
    gathers n_in / packet input packets at II = max(packets, reuse_factor)."""
    blocks = node.weights["kernel"].reshape(1, -1)
    res, depth, ii = matrix_cost(node, ctx, hw, blocks)
    n_in = ctx.input_node(node).shape[0]
    if not ctx.stream:
        return Cost(res, latency=depth, ii=ii)
    packets = n_in // ctx.packet(ctx.input_node(node))
    ii = max(packets, node.reuse_factor)
    res += hw.registers(n_in * ctx.input_node(node).result.width)  # the gathered vector
    return Cost(res, latency=depth + packets, ii=ii)


def matrix_spans(node, graph, kernel: np.ndarray, bias: np.ndarray, kernel_role="kernel"):
    """Exact spans of ``y_j = bias_j + sum_i x_i * kernel[i, j]`` (kernel (taps, outputs))
    with the weights in their types and x any value of the input's type: ``result`` (final
    sums) and ``accum`` (what the accumulator must hold: the final sums if it wraps, else
    every product and partial sum too)."""
    x = Span.of_type(graph[node.inputs[0]].result)
    k, b = node.types[kernel_role], node.types["bias"]
    final, partial = weight_span(k.quantize_raw(kernel), x, b.quantize_raw(bias), b.frac, k.frac)
    accum = node.types.get("accum")
    wraps = accum is None or accum.overflow == Overflow.WRAP
    return {"result": final, "accum": final if wraps else partial, "float32": partial}


def matrix_error(node, graph, kernel: np.ndarray, bias: np.ndarray, kernel_role="kernel"):
    """Worst-case output error from weights that are not values of their types:
    ``max_j sum_i |k - K(k)| * max|x| + |b - B(b)|``."""
    x = graph[node.inputs[0]].result
    k, b = node.types[kernel_role], node.types["bias"]
    dk = np.abs(np.asarray(kernel, np.float64) - k.quantize(kernel))
    db = np.abs(np.asarray(bias, np.float64) - b.quantize(bias))
    xmax = max(abs(x.min), abs(x.max))
    return float((dk.sum(axis=0) * xmax + db).max(initial=0.0))


def fit_integer_bits(values: np.ndarray, width: int, signed: bool = True) -> FixedType:
    """A W-bit type whose integer part just holds max |values| (default modes): 'auto'
    weights, constants, and values that no type holds exactly (their approximation)."""
    peak = float(np.max(np.abs(values))) if np.size(values) else 0.0
    i = int(np.floor(np.log2(peak))) + 1 if peak > 0 else 1
    return FixedType(width, i + (1 if signed else 0), signed)


def auto_matrix_types(op, node, graph, ctx, types, kernel_role="kernel"):
    """'auto' types of a weight-matrix op (dense, convolutions, batchnorm): weights fit their
    values, accum (wrapping) holds exactly every sum the actual weights can produce from the
    input type (interval arithmetic), result = accum; the widths are capped (``max_width``)."""
    kernel, bias = op.matrix(node)
    out = {kernel_role: fit_integer_bits(kernel, ctx.default.width)}
    out["bias"] = fit_integer_bits(bias, ctx.default.width)
    typed = dict(node.types)
    node.types = {**out, **types, "accum": None}
    try:
        spans = matrix_spans(node, graph, kernel, bias, kernel_role)
    finally:
        node.types = typed
    out["accum"] = ctx.cap(spans["accum"].type())
    out["result"] = types.get("accum", out["accum"])
    return out


@dataclass
class Dense(Op):
    kind = "dense"
    family = "dense"
    roles = ("result", "accum", "kernel", "bias")
    weight_roles = {"kernel": "kernel", "bias": "bias"}
    units: int = 0

    def output_shape(self, node, input_shapes):
        (shape,) = input_shapes
        if len(shape) != 1:
            raise ValueError(f"{node.name}: Dense takes a 1-D input per sample, got {shape}")
        return (self.units,)

    def check(self, node, graph):
        n_in = graph[node.inputs[0]].shape[0]
        check_reuse(node, n_in * self.units, "n_in * n_out")

    def default_types(self, node, graph, ctx):
        return {role: ctx.default_for(node, role) for role in self.roles}

    def auto_types(self, node, graph, ctx, types):
        """'auto': weights fit their values, accum/result never lose a bit (capped)."""
        return auto_matrix_types(self, node, graph, ctx, types)

    def matrix(self, node) -> tuple[np.ndarray, np.ndarray]:
        """(kernel as (taps, outputs), bias): one output is bias + sum of taps * inputs."""
        return node.weights["kernel"], node.weights["bias"]

    def exact_spans(self, node, graph):
        return matrix_spans(node, graph, *self.matrix(node))

    def weight_error(self, node, graph) -> float:
        return matrix_error(node, graph, *self.matrix(node))

    def run(self, node, inputs):
        (x,) = inputs
        kernel = arith.const(node.weights["kernel"], node.types["kernel"])
        bias = arith.const(node.weights["bias"], node.types["bias"])
        # outputs are independent: a block of them at a time keeps the (batch, n_in, block)
        # products small (a large layer's would not fit the caches)
        batch, n_in = x.raw.shape
        block = max(1, _PRODUCTS // max(1, batch * n_in))
        # one product array for every block: a fresh 2 MB array per block page-faults anew
        # (measured: the first 8-sample run of a 1000x1000 layer 188 ms -> 28 ms)
        scratch = np.empty((batch, n_in, min(block, self.units)), np.int64)
        parts = [
            self._run_block(node, x, kernel, bias, slice(lo, lo + block), scratch)
            for lo in range(0, self.units, block) or [0]
        ]
        if len(parts) == 1:
            return parts[0]
        return Tensor(np.concatenate([p.raw for p in parts], axis=1), node.result)

    def _run_block(self, node, x, kernel, bias, units: slice, scratch: np.ndarray):
        accum = node.types["accum"]
        kernel, bias = Tensor(kernel.raw[:, units], kernel.type), Tensor(bias.raw[units], bias.type)
        # products (batch, n_in, units) at full precision, each converted to accum
        out = scratch[:, :, : kernel.raw.shape[1]]
        prod = arith.mul(Tensor(x.raw[:, :, None], x.type), kernel, out)
        terms = arith.convert(prod, accum).raw
        acc = arith.convert(bias, accum)
        acc = Tensor(np.broadcast_to(acc.raw, (x.raw.shape[0], acc.raw.shape[0])), accum)
        return arith.convert(arith.accumulate(acc, terms, axis=1), node.result)

    def config_fields(self, node, ctx):
        return {
            "n_in": ctx.input_node(node).shape[0],
            "n_out": self.units,
            "strategy": STRATEGIES.index(node.strategy),
            "reuse_factor": node.reuse_factor,
            "multiplier_limit": multiplier_limit_name(node, ctx),
        }

    def weight_constants(self, node, weight, ctx):
        if weight != "kernel":
            return {}
        blocks = node.weights["kernel"].reshape(1, -1)
        rom = node.strategy == "resource"
        return {multiplier_limit_name(node, ctx): multiplier_limit(node, blocks, rom)}

    def hardware(self, node, ctx):
        return matrix_hardware(node, ctx, node.weights["kernel"].reshape(1, -1))

    def cost(self, node, ctx, hw):
        return dense_cost(node, ctx, hw)

    def keeps_loops(self, node):
        return node.strategy == "resource"  # the reuse loop

    def reads_any_packet(self, node) -> bool:
        return True  # dense_stream gathers n_in / packet-size packets per vector

    def emit(self, node, ctx) -> Emission:
        config = ctx.config(
            node,
            "nnet::dense_config",
            self.config_fields(node, ctx),
            {"accum_t": "accum", "kernel_t": "kernel", "bias_t": "bias"},
        )
        fn = "dense_stream" if ctx.stream else "dense"
        call = ctx.call(fn, node, ("kernel", "bias"))
        return Emission(config=config, call=call, includes=("nnet/dense.h",))
