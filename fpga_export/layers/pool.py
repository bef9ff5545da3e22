"""Pooling: max/average over windows (1D/2D) and over the whole input (global), channels-last.
C++: nnet_cpp/nnet/pool.h (window helpers shared with nnet/conv.h).

Geometry is that of :mod:`.conv` (Keras 'valid'/'same' or explicit padding sizes; 1-D ops
are 2-D ops of height 1);
global pooling is a window the size of the input, 'valid', and its output is ``(C,)``.
Per output pixel and channel, over the window's *valid* (non-padding) positions in (kh, kw)
order (Keras pads max pooling with -inf and leaves padding out of averages):

* max: ``y = result(max(x))``.
* average: ``acc = accum(0)``; ``acc += accum(x)`` for each valid position in order;
  ``y = result(acc * recip(1 / n))`` with n the number of valid positions: the reciprocal is
  the double ``1.0 / n`` converted to the ``recip`` type (default ``ap_ufixed<18,1,AP_RND>``:
  17 fraction bits), the product is exact, and ``result`` rounds it once. The C++ reads the
  reciprocal from a constant table indexed by n (``recip(n)`` in the config: a ROM holding
  exactly these converted values), so no division is synthesized.
  With ``count_pad=True`` (PyTorch's ``count_include_pad``, for explicit padding) ``n`` is
  the window size ``KH*KW`` instead: padding positions count as zeros in the average.

Types: ``result`` defaults to the input's type (a max or an average stays in its range);
average's ``accum`` defaults to the exact sum type of window-size input values
(``X.sum_type(KH*KW)``), so the sum never overflows, and ignores the model-wide precision
(set ``accum`` per layer to narrow it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..codegen import cpp
from ..ir import arith
from ..ir.cost import Cost
from ..ir.op import Emission, Tensor
from ..ir.span import Span, copy_spans, exact_reciprocal, input_span
from ..types import FixedType
from .conv import WindowOp, patches

POOL_OPS = ("max", "average")
RECIP_DEFAULT = FixedType.parse("ap_ufixed<18,1,AP_RND>")


@dataclass
class _Pool(WindowOp):
    family = "pool"
    roles = ("result", "accum", "recip")
    is_global: ClassVar[bool] = False
    op: str = "max"

    def __post_init__(self):
        if self.op not in POOL_OPS:
            raise ValueError(f"pooling op {self.op!r} is not one of {', '.join(POOL_OPS)}")
        self.roles = ("result",) if self.op == "max" else ("result", "accum", "recip")

    def cost(self, node, ctx, hw):
        """Per output value: window - 1 compare-and-selects (max) or adders plus one product
        by the reciprocal (average); docs/estimate.md "Pooling". Global pooling is one
        window over every pixel (io_stream: accumulated pixel by pixel)."""
        g = self.geometry(node, ctx.input_node(node).shape)
        n = g["filt_height"] * g["filt_width"]
        chan = g["n_chan"]
        wd = ctx.input_node(node).result.width
        if self.op == "max":
            one = hw.adders(1, wd) + hw.muxes(1, 2, wd)
            ns = hw.T_CMP * max(1, (n - 1).bit_length())
        else:
            wacc, wr = node.types["accum"].width, node.types["recip"].width
            one = hw.adders(1, wacc)
            ns = hw.tree_ns(n) + (hw.T_DSP if hw.dsps(wacc, wr) else hw.T_ADD)
        if self.is_global and ctx.stream:
            per = one * chan + hw.registers(chan * wd)
            if self.op != "max":
                per += hw.multiplier(wacc, wr) * chan
            pixels = g["in_height"] * g["in_width"]
            depth = hw.cycles(ns) + 1
            return Cost(per, latency=pixels + depth, ii=pixels, fill=pixels + depth)
        lanes = 1 if self.is_global or ctx.stream else g["out_height"] * g["out_width"]
        step = one * ((n - 1) * chan * lanes)
        if self.op != "max":
            step += hw.multiplier(wacc, wr) * (chan * lanes)
        step += hw.registers(chan * lanes * node.result.width)
        depth = hw.cycles(ns) + 1
        if not ctx.stream:
            return Cost(step, latency=depth, ii=1)
        return self.window_cost(node, ctx, hw, step, depth, 1)

    def _count_pad(self) -> bool:
        return bool(getattr(self, "count_pad", False))  # a field of the windowed ops only

    def output_shape(self, node, input_shapes):
        g = self.geometry(node, input_shapes[0])
        return (g["n_chan"],) if self.is_global else (*self.out_spatial(g), g["n_chan"])

    def check(self, node, graph):
        self.geometry(node, graph[node.inputs[0]].shape)

    def default_types(self, node, graph, ctx):
        src = graph[node.inputs[0]]
        g = self.geometry(node, src.shape)
        return {
            "result": src.result,
            "accum": src.result.sum_type(g["filt_height"] * g["filt_width"]),
            "recip": ctx.own(RECIP_DEFAULT),
        }

    def exact_spans(self, node, graph):
        """max: a copy; average: exact when every window's count of valid positions is a
        power of two that ``recip`` holds (then the division is a shift)."""
        if self.op == "max":
            return copy_spans(node, graph)
        g = self.geometry(node, graph[node.inputs[0]].shape)
        x = input_span(graph, node)
        counts = set(np.unique(self._valid_counts(g)).tolist())
        if not all(exact_reciprocal(int(n), node.types["recip"]) for n in counts):
            return None
        total = Span(x.lo * max(counts), x.hi * max(counts), x.frac)
        shift = (min(counts)).bit_length() - 1
        mean = x | Span(x.lo, x.hi, x.frac + shift)
        return {"accum": total, "result": mean, "float32": total}

    def _valid_counts(self, g) -> np.ndarray:
        """The divisor n of every window (OH, OW): its non-padding positions (count_pad: the
        window size)."""
        ones = np.ones((1, g["in_height"], g["in_width"], 1), dtype=np.int64)
        _, valid = patches(ones, g)
        if self._count_pad():
            return np.full(valid.shape[:2], valid.shape[2])
        return valid.sum(axis=2)

    def run(self, node, inputs):
        (x,) = inputs
        g = self.geometry(node, x.raw.shape[1:])
        raw = x.raw.reshape(x.raw.shape[0], g["in_height"], g["in_width"], g["n_chan"])
        b = raw.shape[0]
        if self.op == "max":
            p, valid = patches(raw, g, fill=x.type.raw_min)
            y = Tensor(p.max(axis=3), x.type)  # padding holds the minimum: never above a value
            out = arith.convert(y, node.result)
        else:
            accum, recip = node.types["accum"], node.types["recip"]
            p, valid = patches(raw, g, fill=0)
            terms = arith.convert(Tensor(p, x.type), accum).raw  # padding: accum(0) = 0
            acc = Tensor(
                np.zeros((b, g["out_height"], g["out_width"], g["n_chan"]), np.int64), accum
            )
            acc = arith.accumulate(arith.convert(acc, accum), terms, axis=3)
            n = self._valid_counts(g)
            r = Tensor(recip.quantize_raw(1.0 / n.astype(np.float64))[None, :, :, None], recip)
            out = arith.convert(arith.mul(acc, r), node.result)
        return Tensor(out.raw.reshape(b, *node.shape), out.type)

    def config_fields(self, node, ctx):
        g = self.geometry(node, ctx.input_node(node).shape)
        count = {"count_pad": True} if self._count_pad() else {}  # header default: false
        return {**g, "pool_op": POOL_OPS.index(self.op), **count}

    def emit(self, node, ctx) -> Emission:
        roles = {"accum_t": "accum", "recip_t": "recip"} if self.op == "average" else {}
        table, members = "", ()
        if self.op == "average":  # 1/n from a ROM, not a division in the pipeline
            g = self.geometry(node, ctx.input_node(node).shape)
            table, member = cpp.reciprocal_table(
                f"{node.name}_recips",
                ctx.type_name(node, "recip"),
                g["filt_height"] * g["filt_width"],
                ctx.const_table,
            )
            members = (member,)
        fields = self.config_fields(node, ctx)
        config = ctx.config(node, "nnet::pool_config", fields, roles, members)
        config = f"{table}\n{config}" if table else config
        fn = "pool_2d_stream" if ctx.stream else "pool_2d"
        call = ctx.call(fn, node)
        return Emission(
            config=config, call=call, includes=("nnet/dense.h", "nnet/conv.h", "nnet/pool.h")
        )


@dataclass
class Pooling2D(_Pool):
    """MaxPooling2D / AveragePooling2D: ``(H, W, C) -> (OH, OW, C)``."""

    kind = "pool2d"
    rank = 2
    pool_size: tuple = (2, 2)
    strides: tuple = (2, 2)
    padding: str | tuple = "valid"  # "valid", "same" or explicit sizes (conv.py)
    count_pad: bool = False  # average: padding positions count in n (module docstring)

    def window(self, in_shape):
        return self.pool_size, self.strides, (1,) * self.rank


@dataclass
class Pooling1D(Pooling2D):
    """MaxPooling1D / AveragePooling1D: ``(W, C) -> (OW, C)``."""

    kind = "pool1d"
    rank = 1
    pool_size: tuple = (2,)
    strides: tuple = (2,)


@dataclass
class GlobalPooling2D(_Pool):
    """GlobalMaxPooling2D / GlobalAveragePooling2D: ``(H, W, C) -> (C,)``."""

    kind = "global_pool2d"
    rank = 2
    is_global = True
    padding: ClassVar[str] = "valid"

    def window(self, in_shape):
        spatial = tuple(in_shape[:-1]) if len(in_shape) == self.rank + 1 else (1,) * self.rank
        return spatial, (1,) * self.rank, (1,) * self.rank


@dataclass
class GlobalPooling1D(GlobalPooling2D):
    """GlobalMaxPooling1D / GlobalAveragePooling1D: ``(W, C) -> (C,)``."""

    kind = "global_pool1d"
    rank = 1
