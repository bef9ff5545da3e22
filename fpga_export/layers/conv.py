"""Convolutions: Conv1D, Conv2D (channels-last). C++: nnet_cpp/nnet/conv.h.

Shapes (batch excluded): Conv2D ``(H, W, C) -> (OH, OW, F)``, Conv1D ``(W, C) -> (OW, F)``
(handled as a Conv2D of height 1). Weights in Keras layout: kernel ``(KH, KW, C, F)``
(Conv1D ``(KW, C, F)``), bias ``(F,)`` (zeros when absent).

Geometry per spatial axis (in size n, kernel k, stride s, dilation d, ``ke = (k-1)*d + 1``):
``valid``: ``out = (n - ke) // s + 1``, no padding; ``same`` (Keras): ``out = ceil(n / s)``,
``pad = max((out - 1) * s + ke - n, 0)``, ``pad_before = pad // 2`` (the extra one after);
explicit (PyTorch): ``padding`` is a tuple with one entry per spatial axis, an int ``p``
(``p`` zeros before and after) or a pair ``(before, after)``: ``out = (n + before + after -
ke) // s + 1``, ``pad_before = before``.
Input position of output ``o``, tap ``t``: ``o * s + t * d - pad_before``; positions outside
the input are zeros.

Arithmetic (numpy :meth:`Conv2D.run` and C++ ``nnet::conv_2d``/``conv_2d_stream``): every
output pixel is exactly a Dense (``nnet/dense.h``) on its patch: the patch is the flat vector
``p[(kh * KW + kw) * C + c]`` (padding positions are 0), the kernel the matrix
``kernel.reshape(KH*KW*C, F)``; ``acc = accum(bias[f])``, then ``acc += accum(p[i] *
kernel[i, f])`` (full-precision product) for ``i = 0 .. KH*KW*C-1`` in that order (kernel
rows, then columns, then input channels), ``y = result(acc)``. Padding terms are
``accum(0) = 0`` and leave any accumulator unchanged, so streaming and parallel give the
same numbers. ``reuse_factor`` must divide ``KH*KW*C*F`` (multiplications per pixel).
A pointwise conv (1x1 window, stride 1) takes a C++ fast path without window gather or line
buffer, with the same arithmetic.

Grouped convolution (``groups = G > 1``, PyTorch's ``Conv2d(groups=G)``; G divides C and F):
input channels ``[g*C/G, (g+1)*C/G)`` feed only output channels ``[g*F/G, (g+1)*F/G)``.
The kernel is stored group-major, ``(G, KH, KW, C/G, F/G)`` (1-D: ``(G, KW, C/G, F/G)``):
block g is the ordinary kernel of group g. Each group is the conv above on its own channel
slice (its patch ``p_g[(kh * KW + kw) * C/G + c]``, its kernel block, its bias slice), so the
group's output channel ``j`` is output channel ``g * F/G + j``. ``reuse_factor`` must divide
``KH*KW*(C/G)*(F/G)`` (the multiplications of one group per pixel).

Hardware (io_parallel, ``nnet::conv_2d``): a pixel loop computes ``parallelization_factor``
output pixels per step (hls4ml's ParallelizationFactor; default 1), pipelined at II =
``reuse_factor`` (latency strategy). The factor must divide the output width, or be a multiple
of it that divides the output pixels (:func:`pixel_factors`); with every pixel in one step and
the latency strategy nothing loops and the layer unrolls completely.

Depthwise ops (and the depthwise half of SeparableConv) live in :mod:`.depthwise`, reusing
this file's geometry and :func:`patches`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..ir import arith
from ..ir.cost import Cost
from ..ir.op import Emission, Op, Tensor
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

PADDINGS = ("valid", "same")


def axis_geometry(n: int, k: int, s: int, d: int, padding) -> tuple[int, int]:
    """(output size, padding before) of one spatial axis: Keras ``"valid"``/``"same"`` or an
    explicit ``(before, after)`` pair."""
    ke = (k - 1) * d + 1
    if padding == "same":
        out = -(-n // s)
        return out, max((out - 1) * s + ke - n, 0) // 2
    if padding == "valid":
        return (n - ke) // s + 1, 0
    before, after = padding
    return (n + before + after - ke) // s + 1, before


def explicit_padding(value, rank: int, name: str) -> tuple[tuple[int, int], ...]:
    """``rank`` (before, after) pairs from a tuple of ints (symmetric) or pairs."""
    pairs = []
    for v in value if isinstance(value, (tuple, list)) else ():
        pair = (v, v) if isinstance(v, (int, np.integer)) else tuple(v)
        if len(pair) != 2 or not all(isinstance(p, (int, np.integer)) and p >= 0 for p in pair):
            pairs = []
            break
        pairs.append((int(pair[0]), int(pair[1])))
    if len(pairs) != rank:
        raise ValueError(
            f"{name}: explicit padding must be {rank} integer(s) >= 0 or (before, after) "
            f"pair(s), got {value!r}"
        )
    return tuple(pairs)


def _pair(value, rank: int, what: str, name: str) -> tuple[int, ...]:
    vals = (value,) * rank if isinstance(value, (int, np.integer)) else tuple(value)
    if len(vals) != rank or not all(isinstance(v, (int, np.integer)) and v >= 1 for v in vals):
        raise ValueError(f"{name}: {what} must be {rank} integer(s) >= 1, got {value!r}")
    return tuple(int(v) for v in vals)


@dataclass
class WindowOp(Op):
    """Shared geometry of the sliding-window ops (convolutions and pooling)."""

    rank: ClassVar[int] = 2

    def window(self, in_shape) -> tuple:
        """(size, strides, dilation) of the window, each ``rank`` ints (or one int)."""
        raise NotImplementedError

    def geometry(self, node, in_shape) -> dict[str, int]:
        """The C++ window fields; 1-D ops are 2-D ops of height 1."""
        k, s, d = self.window(in_shape)
        k, s, d = (_pair(v, self.rank, w, node.name) for v, w in zip((k, s, d), WHAT, strict=True))
        if isinstance(self.padding, str):
            if self.padding not in PADDINGS:
                raise ValueError(
                    f"{node.name}: padding {self.padding!r} is not supported (only 'valid', 'same')"
                )
            pads = (self.padding,) * self.rank
        else:
            pads = explicit_padding(self.padding, self.rank, node.name)
        if len(in_shape) != self.rank + 1:
            want = "(width, channels)" if self.rank == 1 else "(height, width, channels)"
            raise ValueError(
                f"{node.name}: {type(self).__name__} takes a {want} input per sample, "
                f"got {tuple(in_shape)}"
            )
        if self.rank == 1:
            in_shape, k, s, d = (1, *in_shape), (1, *k), (1, *s), (1, *d)
            pads = ("valid", *pads)
        h, w, c = in_shape
        (oh, pt), (ow, pl) = (
            axis_geometry(n, *a) for n, *a in zip((h, w), k, s, d, pads, strict=True)
        )
        if oh < 1 or ow < 1:
            what = repr(self.padding) if isinstance(self.padding, str) else "its"
            raise ValueError(
                f"{node.name}: window {k if self.rank == 2 else k[1:]} (dilation "
                f"{d if self.rank == 2 else d[1:]}) is larger than the input "
                f"{tuple(in_shape) if self.rank == 2 else tuple(in_shape)[1:]} with {what} padding"
            )
        return dict(
            in_height=h, in_width=w, n_chan=c, filt_height=k[0], filt_width=k[1],
            stride_height=s[0], stride_width=s[1], dilation_height=d[0], dilation_width=d[1],
            pad_top=pt, pad_left=pl, out_height=oh, out_width=ow,
        )  # fmt: skip

    def window_cost(self, node, ctx, hw, step, depth: int, ii: int) -> Cost:
        """The cost of a windowed op from one step's (``step`` resources, pipeline ``depth``,
        cycles ``ii`` between steps); docs/estimate.md "Windows". io_parallel: the pixel
        loop runs pixels / parallelization_factor steps, each gathering its patches from the
        whole image through a steps-to-1 mux. io_stream: the scan takes one padded position
        per ``ii`` through line buffers (one memory per line and channel) and a register
        window; the first output needs the window's last position."""
        g = self.geometry(node, ctx.input_node(node).shape)
        sizes = window_sizes(self, g)
        wd = ctx.input_node(node).result.width
        pixels = g["out_height"] * g["out_width"]
        taps = g["filt_height"] * g["filt_width"] * g["n_chan"]
        if not ctx.stream:
            lanes = getattr(self, "parallelization_factor", 1)
            steps = pixels // lanes if pixels % lanes == 0 else pixels
            res = step + hw.muxes(lanes * taps, steps, wd)
            return Cost(res, latency=(steps - 1) * ii + depth, ii=steps * ii)
        rows, cols, width, height = sizes
        res = step + hw.registers(rows * cols * g["n_chan"] * wd)
        if rows > 1:
            res += hw.rom(wd, width, copies=(rows - 1) * g["n_chan"])
        first = (rows - 1) * width + cols
        return Cost(
            res,
            latency=height * width * ii + depth,
            ii=height * width * ii,
            fill=first * ii + depth,
        )

    def out_spatial(self, g) -> tuple[int, ...]:
        return (g["out_width"],) if self.rank == 1 else (g["out_height"], g["out_width"])

    def stream_need(self, node, ctx):
        """io_stream (nnet/conv.h window_stream): the window of output pixel (oh, ow) ends at
        padded position (oh * sh + rows - 1, ow * sw + cols - 1), when it is written; by then
        the image pixels up to that position (raster order) are read."""
        g = self.geometry(node, ctx.input_node(node).shape)
        rows = (g["filt_height"] - 1) * g["dilation_height"] + 1
        cols = (g["filt_width"] - 1) * g["dilation_width"] + 1
        oh, ow = np.meshgrid(np.arange(g["out_height"]), np.arange(g["out_width"]), indexing="ij")
        last_row = oh * g["stride_height"] + rows - 1 - g["pad_top"]
        last_col = ow * g["stride_width"] + cols - 1 - g["pad_left"]
        return raster_need(g, last_row, last_col)


WHAT = ("size", "strides", "dilation")


def window_sizes(op, g: dict) -> tuple[int, int, int, int]:
    """The streaming scan of nnet/conv.h ``window_stream_sizes``: window rows and columns, and
    the padded width and height scanned."""
    rows = (g["filt_height"] - 1) * g["dilation_height"] + 1
    cols = (g["filt_width"] - 1) * g["dilation_width"] + 1
    reach_h = (g["out_height"] - 1) * g["stride_height"] + rows
    reach_w = (g["out_width"] - 1) * g["stride_width"] + cols
    height = max(reach_h, g["pad_top"] + g["in_height"])
    width = max(reach_w, g["pad_left"] + g["in_width"])
    return rows, cols, width, height


def pixel_factors(out_height: int, out_width: int) -> list[int]:
    """Valid parallelization factors (output pixels per step of the io_parallel pixel loop):
    divisors of the output width, and multiples of it that divide the output pixels (whole
    rows per step)."""
    cols = [d for d in range(1, out_width) if out_width % d == 0]
    return cols + [out_width * r for r in range(1, out_height + 1) if out_height % r == 0]


def check_parallelization(node, op, g: dict) -> None:
    pf = op.parallelization_factor
    valid = pixel_factors(g["out_height"], g["out_width"])
    if isinstance(pf, bool) or not isinstance(pf, (int, np.integer)) or pf not in valid:
        raise ValueError(
            f"{node.name}: parallelization_factor {pf!r} does not fit the "
            f"{g['out_height']}x{g['out_width']} output pixels (it must divide the output width "
            f"or be a multiple of it that divides the pixels); valid factors: "
            f"{', '.join(map(str, valid))}"
        )


def loops_over_pixels(op, node) -> bool:
    """True unless one step of the io_parallel pixel loop covers every output pixel."""
    return op.parallelization_factor < int(np.prod(node.shape[:-1]))


def raster_need(g: dict, rows: np.ndarray, cols: np.ndarray) -> list[np.ndarray]:
    """Input pixels read (raster order over in_height x in_width) once the stream reached
    position (row, col); positions may lie outside the image (padding): before it nothing,
    right of a row the whole row, below it everything."""
    h, w = g["in_height"], g["in_width"]
    inside = np.clip(cols + 1, 0, w)
    n = np.where(rows < 0, 0, np.where(rows >= h, h * w, rows * w + inside))
    return [n.ravel()]


def patches(raw: np.ndarray, g: dict, fill=0) -> tuple[np.ndarray, np.ndarray]:
    """(batch, H, W, C) raw -> patches (batch, OH, OW, KH*KW, C) in (kh, kw) order and the
    validity mask (OH, OW, KH*KW) (False: a padding position, filled with ``fill``)."""
    b = raw.shape[0]
    h, w, c = g["in_height"], g["in_width"], g["n_chan"]
    pt, pl = g["pad_top"], g["pad_left"]
    rows = (np.arange(g["out_height"]) * g["stride_height"])[:, None] + (
        np.arange(g["filt_height"]) * g["dilation_height"]
    )[None, :]
    cols = (np.arange(g["out_width"]) * g["stride_width"])[:, None] + (
        np.arange(g["filt_width"]) * g["dilation_width"]
    )[None, :]
    hp = max(h + pt, int(rows.max()) + 1)
    wp = max(w + pl, int(cols.max()) + 1)
    padded = np.full((b, hp, wp, c), fill, dtype=raw.dtype)
    padded[:, pt : pt + h, pl : pl + w, :] = raw
    valid = np.zeros((hp, wp), dtype=bool)
    valid[pt : pt + h, pl : pl + w] = True
    r, q = rows[:, None, :, None], cols[None, :, None, :]  # (OH, OW, KH, KW)
    out = padded[:, r, q, :]  # (b, OH, OW, KH, KW, C)
    kk = g["filt_height"] * g["filt_width"]
    mask = valid[r, q].reshape(g["out_height"], g["out_width"], kk)
    return out.reshape(b, g["out_height"], g["out_width"], kk, c), mask


@dataclass
class Conv2D(WindowOp):
    kind = "conv2d"
    family = "conv"
    roles = ("result", "accum", "kernel", "bias")
    weight_roles = {"kernel": "kernel", "bias": "bias"}
    rank = 2
    filters: int = 1
    kernel_size: tuple = (3, 3)
    strides: tuple = (1, 1)
    padding: str | tuple = "valid"  # "valid", "same" or explicit sizes (module docstring)
    dilation: tuple = (1, 1)
    groups: int = 1
    parallelization_factor: int = 1  # io_parallel: output pixels per step

    def window(self, in_shape):
        return self.kernel_size, self.strides, self.dilation

    def output_shape(self, node, input_shapes):
        g = self.geometry(node, input_shapes[0])
        self._groups(node, g)
        return (*self.out_spatial(g), self.filters)

    def _groups(self, node, g) -> int:
        n = self.groups
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{node.name}: groups must be an integer >= 1, got {n!r}")
        if g["n_chan"] % n or self.filters % n:
            raise ValueError(
                f"{node.name}: groups={n} must divide the input channels ({g['n_chan']}) and "
                f"the filters ({self.filters})"
            )
        return int(n)

    def n_taps(self, g) -> int:
        """Multiplications per output value: window taps times input channels per group."""
        return g["filt_height"] * g["filt_width"] * g["n_chan"] // self.groups

    def check(self, node, graph):
        g = self.geometry(node, graph[node.inputs[0]].shape)
        n = self._groups(node, g)
        window = _pair(self.kernel_size, self.rank, "size", node.name)
        k = (*window, g["n_chan"], self.filters)
        if n > 1:
            k = (n, *window, g["n_chan"] // n, self.filters // n)
        node.weights.setdefault("bias", np.zeros(self.filters))
        for w, want in (("kernel", k), ("bias", (self.filters,))):
            got = np.shape(node.weights.get(w))
            if tuple(got) != tuple(want):
                raise ValueError(f"{node.name}: {w} has shape {tuple(got)}, expected {want}")
        check_parallelization(node, self, g)
        if n == 1:
            check_reuse(node, self.n_taps(g) * self.filters, "kernel taps * filters")
        else:
            check_reuse(
                node, self.n_taps(g) * self.filters // n, "kernel taps * filters of one group"
            )

    def default_types(self, node, graph, ctx):
        return {role: ctx.default_for(node, role) for role in self.roles}

    def auto_types(self, node, graph, ctx, types):
        """'auto': weights fit their values, accum/result never lose a bit (capped)."""
        return auto_matrix_types(self, node, graph, ctx, types)

    def matrix(self, node):
        """(kernel as (KH*KW*C/G, F), bias): every output pixel is a Dense on its patch;
        column f holds the weights of output channel f (of its group's taps)."""
        n = self.groups
        k = node.weights["kernel"].reshape(n, -1, self.filters // n)  # (G, taps, F/G)
        return k.transpose(1, 0, 2).reshape(k.shape[1], self.filters), node.weights["bias"]

    def exact_spans(self, node, graph):
        return matrix_spans(node, graph, *self.matrix(node))

    def weight_error(self, node, graph) -> float:
        return matrix_error(node, graph, *self.matrix(node))

    def run(self, node, inputs):
        (x,) = inputs
        g = self.geometry(node, x.raw.shape[1:])
        raw = x.raw.reshape(x.raw.shape[0], g["in_height"], g["in_width"], g["n_chan"])
        p, _ = patches(raw, g)  # (b, oh, ow, KK, C)
        b, oh, ow, kk = p.shape[:4]
        n, fg = self.groups, self.filters // self.groups
        # group g's flat patch index (kh * KW + kw) * C/G + c (groups = 1: the whole patch)
        p = p.reshape(b, oh, ow, kk, n, -1).transpose(0, 1, 2, 4, 3, 5).reshape(b, oh, ow, n, -1)
        kernel = arith.const(node.weights["kernel"].reshape(n, -1, fg), node.types["kernel"])
        bias = arith.const(node.weights["bias"].reshape(n, fg), node.types["bias"])
        accum = node.types["accum"]
        prod = arith.mul(Tensor(p[..., None], x.type), kernel)  # (b, oh, ow, G, taps, F/G)
        terms = arith.convert(prod, accum).raw
        acc = arith.convert(bias, accum)
        acc = Tensor(np.broadcast_to(acc.raw, (b, oh, ow, n, fg)), accum)
        y = arith.convert(arith.accumulate(acc, terms, axis=4), node.result)
        return Tensor(y.raw.reshape(b, *node.shape), y.type)

    def config_fields(self, node, ctx):
        g = self.geometry(node, ctx.input_node(node).shape)
        groups = {"n_groups": self.groups} if self.groups != 1 else {}  # header default: 1
        return {
            **g,
            "n_filt": self.filters,
            **groups,
            "strategy": STRATEGIES.index(node.strategy),
            "reuse_factor": node.reuse_factor,
            "parallelization_factor": self.parallelization_factor,
            "multiplier_limit": multiplier_limit_name(node, ctx),
        }

    def weight_constants(self, node, weight, ctx):
        """The multipliers of one pixel's Dense of one group (the busiest group)."""
        if weight != "kernel":
            return {}
        blocks = node.weights["kernel"].reshape(self.groups, -1)  # group-major
        rom = node.strategy == "resource"
        return {multiplier_limit_name(node, ctx): multiplier_limit(node, blocks, rom)}

    def hardware(self, node, ctx):
        """The per-pixel Dense (one per group) times the pixels of a step (io_parallel)."""
        blocks = node.weights["kernel"].reshape(self.groups, -1)  # group-major
        lanes = 1 if ctx.stream else self.parallelization_factor
        g = self.geometry(node, ctx.input_node(node).shape)
        lower = [p for p in pixel_factors(g["out_height"], g["out_width"]) if p < lanes]
        fix = f"lower parallelization_factor (valid: {', '.join(map(str, lower))})"
        return matrix_hardware(node, ctx, blocks, lanes, fix)

    def cost(self, node, ctx, hw):
        """Each output pixel is the Dense of its patch (one per group)."""
        blocks = node.weights["kernel"].reshape(self.groups, -1)
        lanes = 1 if ctx.stream else self.parallelization_factor
        step, depth, ii = matrix_cost(node, ctx, hw, blocks, lanes=lanes)
        return self.window_cost(node, ctx, hw, step, depth, ii)

    def keeps_loops(self, node):
        return node.strategy == "resource" or loops_over_pixels(self, node)

    def emit(self, node, ctx) -> Emission:
        config = ctx.config(
            node,
            "nnet::conv_config",
            self.config_fields(node, ctx),
            {"accum_t": "accum", "kernel_t": "kernel", "bias_t": "bias"},
        )
        fn = "conv_2d_stream" if ctx.stream else "conv_2d"
        call = ctx.call(fn, node, ("kernel", "bias"))
        return Emission(config=config, call=call, includes=("nnet/dense.h", "nnet/conv.h"))


@dataclass
class Conv1D(Conv2D):
    """Conv2D of height 1: kernel ``(KW, C, F)`` (grouped: ``(G, KW, C/G, F/G)``), input
    ``(W, C)``."""

    kind = "conv1d"
    rank = 1
    kernel_size: tuple = (3,)
    strides: tuple = (1,)
    dilation: tuple = (1,)
