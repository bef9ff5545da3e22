"""Depthwise convolutions: DepthwiseConv1D, DepthwiseConv2D (channels-last).
C++: nnet_cpp/nnet/depthwise.h (window helpers from nnet/conv.h).

Geometry is that of :mod:`.conv` (Keras 'valid'/'same', strides, dilation; 1-D ops are 2-D
ops of height 1). Shapes (batch excluded): ``(H, W, C) -> (OH, OW, C*M)`` with ``M`` the
depth multiplier; output channel ``o = c * M + m`` (Keras' order). Weights in Keras layout:
kernel (Keras ``depthwise_kernel``) ``(KH, KW, C, M)`` (1-D: ``(KW, C, M)``), bias
``(C*M,)`` (zeros when absent).

Arithmetic (numpy :meth:`DepthwiseConv2D.run` and C++ ``nnet::depthwise_2d`` /
``depthwise_2d_stream``), per output pixel and output channel ``o = c * M + m``:
``acc = accum(bias[o])``, then ``acc += accum(p[k, c] * kernel[k, c, m])`` (full-precision
product) for window taps ``k = kh * KW + kw = 0 .. KH*KW-1`` in that order (kernel rows,
then columns), ``y = result(acc)``. Padding positions hold 0, so their terms are
``accum(0) = 0`` and leave the accumulator unchanged (streaming == parallel).
``reuse_factor`` must divide ``KH*KW*C*M`` (multiplications per pixel).

Hardware (io_parallel): the pixel loop of :mod:`.conv` (``parallelization_factor`` output
pixels per step, pipelined at II = ``reuse_factor``) for either strategy: each pixel is a
pipelined function with ``ceil(nonzero weights / reuse_factor)`` multipliers.

SeparableConv1D/2D are exported as two nodes (see ``keras_plugin/handlers/conv.py``):
this depthwise op without bias, named ``<layer>_depthwise``, then a 1x1 :class:`.conv.Conv2D`
(pointwise) with the layer's bias, named ``<layer>``; each has its own precision roles.
Settings given for ``<layer>`` may also name the depthwise node's roles through
:data:`SEPARABLE_ROLES` (hls4ml's names: ``"depthwise"`` and ``"pointwise"`` kernels ...), and
a whole-layer type given for ``<layer>`` applies to both nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import arith
from ..ir.op import Emission, Tensor
from .conv import (
    WindowOp,
    _pair,
    check_parallelization,
    loops_over_pixels,
    patches,
    pixel_factors,
)
from .dense import (
    STRATEGIES,
    auto_matrix_types,
    check_reuse,
    matrix_cost,
    matrix_error,
    matrix_hardware,
    matrix_spans,
    multiplier_limit,
    multiplier_limit_name,
)

# role names of a separable layer -> (part, role of that part's node); part is "depthwise"
# (the <layer>_depthwise node) or "pointwise" (the node named after the layer)
SEPARABLE_ROLES = {
    "depthwise": ("depthwise", "kernel"),
    "depthwise_accum": ("depthwise", "accum"),
    "depthwise_result": ("depthwise", "result"),
    "pointwise": ("pointwise", "kernel"),
}


@dataclass
class DepthwiseConv2D(WindowOp):
    kind = "depthwise_conv2d"
    family = "depthwise"
    roles = ("result", "accum", "kernel", "bias")
    weight_roles = {"kernel": "kernel", "bias": "bias"}
    rank = 2
    kernel_size: tuple = (3, 3)
    depth_multiplier: int = 1
    strides: tuple = (1, 1)
    padding: str | tuple = "valid"  # or explicit (PyTorch): one entry per spatial axis
    dilation: tuple = (1, 1)
    parallelization_factor: int = 1  # io_parallel: output pixels per step

    def window(self, in_shape):
        return self.kernel_size, self.strides, self.dilation

    def _multiplier(self, node) -> int:
        m = self.depth_multiplier
        if not isinstance(m, (int, np.integer)) or m < 1:
            raise ValueError(f"{node.name}: depth_multiplier must be an integer >= 1, got {m!r}")
        return int(m)

    def output_shape(self, node, input_shapes):
        g = self.geometry(node, input_shapes[0])
        return (*self.out_spatial(g), g["n_chan"] * self._multiplier(node))

    def check(self, node, graph):
        g = self.geometry(node, graph[node.inputs[0]].shape)
        m = self._multiplier(node)
        c = g["n_chan"]
        k = (*_pair(self.kernel_size, self.rank, "size", node.name), c, m)
        node.weights.setdefault("bias", np.zeros(c * m))
        for w, want in (("kernel", k), ("bias", (c * m,))):
            got = np.shape(node.weights.get(w))
            if tuple(got) != tuple(want):
                raise ValueError(f"{node.name}: {w} has shape {tuple(got)}, expected {want}")
        check_parallelization(node, self, g)
        taps = g["filt_height"] * g["filt_width"]
        check_reuse(node, taps * c * m, "kernel taps * channels * depth_multiplier")

    def default_types(self, node, graph, ctx):
        return {role: ctx.default_for(node, role) for role in self.roles}

    def auto_types(self, node, graph, ctx, types):
        """'auto': weights fit their values, accum/result never lose a bit (capped)."""
        return auto_matrix_types(self, node, graph, ctx, types)

    def matrix(self, node):
        """(kernel as (KH*KW, C*M), bias): output channel c*M+m sums its taps of channel c."""
        k = node.weights["kernel"]
        return k.reshape(-1, k.shape[-2] * k.shape[-1]), node.weights["bias"]

    def exact_spans(self, node, graph):
        return matrix_spans(node, graph, *self.matrix(node))

    def weight_error(self, node, graph) -> float:
        return matrix_error(node, graph, *self.matrix(node))

    def run(self, node, inputs):
        (x,) = inputs
        g = self.geometry(node, x.raw.shape[1:])
        c, m = g["n_chan"], self._multiplier(node)
        raw = x.raw.reshape(x.raw.shape[0], g["in_height"], g["in_width"], c)
        p, _ = patches(raw, g)  # (b, OH, OW, KK, C), taps in (kh, kw) order
        b, oh, ow, kk = p.shape[:4]
        kernel = arith.const(node.weights["kernel"].reshape(kk, c, m), node.types["kernel"])
        bias = arith.const(node.weights["bias"].reshape(c, m), node.types["bias"])
        accum = node.types["accum"]
        prod = arith.mul(Tensor(p[..., None], x.type), kernel)  # (b, OH, OW, KK, C, M)
        terms = arith.convert(prod, accum).raw
        acc = arith.convert(bias, accum)
        acc = Tensor(np.broadcast_to(acc.raw, (b, oh, ow, c, m)), accum)
        y = arith.convert(arith.accumulate(acc, terms, axis=3), node.result)
        return Tensor(y.raw.reshape(b, *node.shape), y.type)

    def config_fields(self, node, ctx):
        g = self.geometry(node, ctx.input_node(node).shape)
        return {
            **g,
            "depth_multiplier": self._multiplier(node),
            "strategy": STRATEGIES.index(node.strategy),
            "reuse_factor": node.reuse_factor,
            "parallelization_factor": self.parallelization_factor,
            "multiplier_limit": multiplier_limit_name(node, ctx),
        }

    def weight_constants(self, node, weight, ctx):
        """The multipliers of one output pixel (constant kernel, either strategy)."""
        if weight != "kernel":
            return {}
        blocks = node.weights["kernel"].reshape(1, -1)
        return {multiplier_limit_name(node, ctx): multiplier_limit(node, blocks, rom=False)}

    def hardware(self, node, ctx):
        """The pixel's constant kernel (either strategy) times the pixels of a step."""
        lanes = 1 if ctx.stream else self.parallelization_factor
        g = self.geometry(node, ctx.input_node(node).shape)
        lower = [p for p in pixel_factors(g["out_height"], g["out_width"]) if p < lanes]
        fix = f"lower parallelization_factor (valid: {', '.join(map(str, lower))})"
        blocks = node.weights["kernel"].reshape(1, -1)
        split = "split the channels over several layers (either strategy partitions the kernel)"
        return matrix_hardware(node, ctx, blocks, lanes, fix, rom=False, kernel_fix=split)

    def cost(self, node, ctx, hw):
        """Each output pixel: per channel a constant-kernel sum of its taps (either
        strategy keeps the kernel constant)."""
        lanes = 1 if ctx.stream else self.parallelization_factor
        blocks = node.weights["kernel"].reshape(1, -1)
        step, depth, ii = matrix_cost(node, ctx, hw, blocks, lanes=lanes, rom=False)
        return self.window_cost(node, ctx, hw, step, depth, ii)

    def keeps_loops(self, node):
        return loops_over_pixels(self, node)

    def emit(self, node, ctx) -> Emission:
        config = ctx.config(
            node,
            "nnet::depthwise_config",
            self.config_fields(node, ctx),
            {"accum_t": "accum", "kernel_t": "kernel", "bias_t": "bias"},
        )
        fn = "depthwise_2d_stream" if ctx.stream else "depthwise_2d"
        call = ctx.call(fn, node, ("kernel", "bias"))
        return Emission(
            config=config,
            call=call,
            includes=("nnet/dense.h", "nnet/conv.h", "nnet/depthwise.h"),
        )


@dataclass
class DepthwiseConv1D(DepthwiseConv2D):
    """DepthwiseConv2D of height 1: kernel ``(KW, C, M)``, input ``(W, C)``."""

    kind = "depthwise_conv1d"
    rank = 1
    kernel_size: tuple = (3,)
    strides: tuple = (1,)
    dilation: tuple = (1,)
