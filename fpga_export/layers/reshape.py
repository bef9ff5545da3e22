"""Layout ops (pure data movement): ``Identity`` (Dropout, GaussianNoise, ... at inference
time), ``Flatten``, ``ZeroPadding1D/2D``, ``Cropping1D/2D``, ``UpSampling1D/2D`` (nearest),
``Reshape`` and ``Permute``. C++: nnet_cpp/nnet/reshape.h (io_parallel Flatten emits its own
loop).

All work on the channels-last per-sample array (Keras semantics, batch excluded). Every
output value is one input value (or a padding zero) converted to ``result``, which defaults
to the input's type: nothing is computed, so by default the values are only moved.

``Identity`` has no C++: ``passes.fold_identity`` removes every identity node before code
generation. Its result type is its input's type, so removing it changes nothing; if a user
sets a ``result`` precision on it, the node is a conversion and ``fold_identity`` turns it
into ``Activation("linear")`` (same name, source and precision) instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..ir import arith
from ..ir.cost import Cost, Resources
from ..ir.op import Emission, Op, Tensor
from ..ir.span import copy_spans
from .conv import raster_need


def stream_copy_cost(op, node, ctx, hw) -> Cost:
    """The cost of a data-movement op (``Op.cost``): wiring in io_parallel; in io_stream a
    process moving one packet per cycle."""
    if not ctx.stream:
        return Cost()
    return hw.elementwise(node, ctx, Resources(), hw.T_CMP)


@dataclass
class Identity(Op):
    kind = "identity"

    def exact_spans(self, node, graph):
        return copy_spans(node, graph)

    def default_types(self, node, graph, ctx):
        return {"result": graph[node.inputs[0]].result}

    def run(self, node, inputs):
        (x,) = inputs
        return arith.convert(x, node.result)

    def emit(self, node, ctx) -> Emission:
        raise NotImplementedError(
            f"identity node {node.name!r} reached code generation; run passes.fold_identity first"
        )


@dataclass
class Flatten(Op):
    """Channels-last flatten ``(..., C) -> (N,)``: the flat value order does not change.

    io_parallel: a copy of the array (``y[i] = result(x[i])``; the result type defaults to
    the input's, so it is a plain copy). io_stream: a repacking process
    (``nnet::reshape_stream``, nnet/reshape.h). When every consumer takes packets of any
    width (a Dense), the packets keep the input's width (one pixel), so the Dense consumes
    the upstream packets instead of one packet of N values (a 1,024-bit bus in a small CNN).
    """

    kind = "flatten"
    family = "reshape"

    def output_shape(self, node, input_shapes):
        (shape,) = input_shapes
        return (int(np.prod(shape, dtype=np.int64)),)

    def exact_spans(self, node, graph):
        return copy_spans(node, graph)

    def default_types(self, node, graph, ctx):
        return {"result": graph[node.inputs[0]].result}

    def run(self, node, inputs):
        (x,) = inputs
        y = arith.convert(x, node.result)
        return Tensor(y.raw.reshape(y.raw.shape[0], -1), y.type)

    def stream_packet(self, node, ctx):
        users = ctx.graph.users(node.name)
        if users and all(u.op.reads_any_packet(u) for u in users):
            return ctx.packet(ctx.input_node(node))
        return node.size

    def stream_need(self, node, ctx):
        return repack_need(node, ctx)

    cost = stream_copy_cost

    def emit(self, node, ctx) -> Emission:
        # a function call either way: a loop in a DATAFLOW top breaks its canonical form
        # (UG1399 "Canonical Forms"); nnet::reshape is a copy, unrolled
        config = ctx.config(node, "nnet::reshape_config", {"n_elem": node.size}, {})
        call = ctx.call("reshape_stream" if ctx.stream else "reshape", node)
        return Emission(config=config, call=call, includes=("nnet/reshape.h",))


def repack_need(node, ctx) -> list[np.ndarray]:
    """``reshape_stream``: output packet k (B values) is written once the input packets (A
    values each) holding its last value are read."""
    a, b = ctx.packet(ctx.input_node(node)), ctx.packet(node)
    k = np.arange(1, ctx.packets(node) + 1)
    return [-(-(k * b) // a)]


# ------------------------------------------------------------------------------------------
# Layout ops with a header (nnet_cpp/nnet/reshape.h). Each output value is one input value
# (or a padding zero) converted to ``result`` (default: the input's type, so a plain move).
# 1-D ops are 2-D ops of height 1: ``(W, C)`` is handled as ``(1, W, C)``.


def _pairs(value, rank: int, what: str, name: str) -> tuple[tuple[int, int], ...]:
    """``rank`` (before, after) pairs of non-negative ints from an int, a pair per axis, or
    (rank 1) one pair."""
    if isinstance(value, (int, np.integer)):
        value = ((value, value),) * rank
    elif rank == 1 and len(value) == 2 and all(isinstance(v, (int, np.integer)) for v in value):
        value = (tuple(value),)
    else:
        value = tuple((v, v) if isinstance(v, (int, np.integer)) else tuple(v) for v in value)
    ok = len(value) == rank and all(
        len(p) == 2 and all(isinstance(v, (int, np.integer)) and v >= 0 for v in p) for p in value
    )
    if not ok:
        raise ValueError(f"{name}: {what} must be {rank} pair(s) of integers >= 0, got {value!r}")
    return tuple((int(a), int(b)) for a, b in value)


@dataclass
class _Spatial(Op):
    """Shared by padding, cropping and upsampling: ``(H, W, C)`` (rank 2) or ``(W, C)``."""

    family = "reshape"
    rank: ClassVar[int] = 2

    def hwc(self, node, in_shape) -> tuple[int, int, int]:
        if len(in_shape) != self.rank + 1:
            want = "(width, channels)" if self.rank == 1 else "(height, width, channels)"
            raise ValueError(
                f"{node.name}: {type(self).__name__} takes a {want} input per sample, "
                f"got {tuple(in_shape)}"
            )
        return (1, *in_shape) if self.rank == 1 else tuple(in_shape)

    def geometry(self, node, in_shape) -> dict[str, int]:
        raise NotImplementedError

    def output_shape(self, node, input_shapes):
        g = self.geometry(node, input_shapes[0])
        if self.rank == 1:
            return (g["out_width"], g["n_chan"])
        return (g["out_height"], g["out_width"], g["n_chan"])

    def check(self, node, graph):
        self.geometry(node, graph[node.inputs[0]].shape)

    def exact_spans(self, node, graph):
        return copy_spans(node, graph)

    def default_types(self, node, graph, ctx):
        return {"result": graph[node.inputs[0]].result}

    def move(self, raw: np.ndarray, g: dict) -> np.ndarray:
        """(batch, H, W, C) raw -> (batch, OH, OW, C) raw."""
        raise NotImplementedError

    def run(self, node, inputs):
        (x,) = inputs
        y = arith.convert(x, node.result)  # converting before moving: the same values
        g = self.geometry(node, x.raw.shape[1:])
        raw = y.raw.reshape(y.raw.shape[0], g["in_height"], g["in_width"], g["n_chan"])
        out = self.move(raw, g)
        return Tensor(out.reshape(out.shape[0], *node.shape), y.type)

    def config_fields(self, node, ctx):
        return self.geometry(node, ctx.input_node(node).shape)

    def stream_need(self, node, ctx):
        g = self.geometry(node, ctx.input_node(node).shape)
        oh, ow = np.meshgrid(np.arange(g["out_height"]), np.arange(g["out_width"]), indexing="ij")
        return raster_need(g, *self.last_read(g, oh, ow))

    def last_read(self, g, oh, ow):
        """(row, col) of the last input pixel read when output pixel (oh, ow) is written."""
        raise NotImplementedError

    cost = stream_copy_cost

    def emit(self, node, ctx) -> Emission:
        config = ctx.config(node, f"nnet::{self.fn}_config", self.config_fields(node, ctx), {})
        call = ctx.call(f"{self.fn}_2d_stream" if ctx.stream else f"{self.fn}_2d", node)
        return Emission(config=config, call=call, includes=("nnet/reshape.h",))


@dataclass
class ZeroPadding2D(_Spatial):
    """``(H, W, C) -> (H + top + bottom, W + left + right, C)``; padding values are 0."""

    kind = "zeropad2d"
    fn: ClassVar[str] = "zeropad"
    padding: tuple = ((1, 1), (1, 1))  # ((top, bottom), (left, right))

    def geometry(self, node, in_shape):
        h, w, c = self.hwc(node, in_shape)
        p = _pairs(self.padding, self.rank, "padding", node.name)
        (t, b), (left, right) = ((0, 0), *p) if self.rank == 1 else p
        return dict(
            in_height=h, in_width=w, n_chan=c, pad_top=t, pad_bottom=b, pad_left=left,
            pad_right=right, out_height=h + t + b, out_width=w + left + right,
        )  # fmt: skip

    def last_read(self, g, oh, ow):
        return oh - g["pad_top"], ow - g["pad_left"]  # padding pixels read nothing

    def move(self, raw, g):
        pads = ((0, 0), (g["pad_top"], g["pad_bottom"]), (g["pad_left"], g["pad_right"]), (0, 0))
        return np.pad(raw, pads)  # result(0) is raw 0 in every type


@dataclass
class ZeroPadding1D(ZeroPadding2D):
    """``(W, C) -> (W + left + right, C)``."""

    kind = "zeropad1d"
    rank = 1
    padding: tuple = (1, 1)  # (left, right)


@dataclass
class Cropping2D(_Spatial):
    """``(H, W, C) -> (H - top - bottom, W - left - right, C)``."""

    kind = "crop2d"
    fn: ClassVar[str] = "crop"
    cropping: tuple = ((0, 0), (0, 0))  # ((top, bottom), (left, right))

    def geometry(self, node, in_shape):
        h, w, c = self.hwc(node, in_shape)
        p = _pairs(self.cropping, self.rank, "cropping", node.name)
        (t, b), (left, right) = ((0, 0), *p) if self.rank == 1 else p
        oh, ow = h - t - b, w - left - right
        if oh < 1 or ow < 1:
            crop = p[0] if self.rank == 1 else p
            raise ValueError(
                f"{node.name}: cropping {crop} leaves nothing of the input {tuple(in_shape)}"
            )
        return dict(
            in_height=h, in_width=w, n_chan=c, crop_top=t, crop_bottom=b, crop_left=left,
            crop_right=right, out_height=oh, out_width=ow,
        )  # fmt: skip

    def last_read(self, g, oh, ow):
        return oh + g["crop_top"], ow + g["crop_left"]

    def move(self, raw, g):
        t, left = g["crop_top"], g["crop_left"]
        return raw[:, t : t + g["out_height"], left : left + g["out_width"], :]


@dataclass
class Cropping1D(Cropping2D):
    """``(W, C) -> (W - left - right, C)``."""

    kind = "crop1d"
    rank = 1
    cropping: tuple = (0, 0)  # (left, right)


@dataclass
class Timestep(Cropping2D):
    """``(T, F) -> (F,)``: the time step ``index`` of a sequence (negative counts from the
    end: ``out[:, -1]``, Keras ``return_state`` after ``return_sequences``). A 1-D crop
    keeping one row (the same C++); the value is converted to ``result`` (default: the
    input's type)."""

    kind = "timestep"
    rank = 1
    index: int = -1

    def geometry(self, node, in_shape):
        if len(in_shape) != 2:
            raise ValueError(
                f"{node.name}: Timestep takes a (timesteps, features) input per sample, "
                f"got {tuple(in_shape)}"
            )
        steps = in_shape[0]
        i = self.index
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool) or not -steps <= i < steps:
            raise ValueError(
                f"{node.name}: Timestep index {i!r} is outside the {steps} timesteps "
                f"(-{steps} .. {steps - 1})"
            )
        i = int(i) % steps
        return dict(
            in_height=1, in_width=steps, n_chan=in_shape[1], crop_top=0, crop_bottom=0,
            crop_left=i, crop_right=steps - 1 - i, out_height=1, out_width=1,
        )  # fmt: skip

    def output_shape(self, node, input_shapes):
        return (self.geometry(node, input_shapes[0])["n_chan"],)

    def run(self, node, inputs):
        (x,) = inputs
        g = self.geometry(node, x.raw.shape[1:])
        y = arith.convert(Tensor(x.raw[:, g["crop_left"], :], x.type), node.result)
        return y


@dataclass
class UpSampling2D(_Spatial):
    """Nearest neighbour: ``(H, W, C) -> (H * fh, W * fw, C)``,
    ``y[i, j] = x[i // fh, j // fw]``."""

    kind = "upsample2d"
    fn: ClassVar[str] = "upsample"
    size: tuple = (2, 2)

    def geometry(self, node, in_shape):
        h, w, c = self.hwc(node, in_shape)
        size = (self.size,) * self.rank if isinstance(self.size, (int, np.integer)) else self.size
        size = tuple(size)
        if len(size) != self.rank or not all(
            isinstance(v, (int, np.integer)) and v >= 1 for v in size
        ):
            raise ValueError(
                f"{node.name}: size must be {self.rank} integer(s) >= 1, got {self.size!r}"
            )
        fh, fw = (1, *size) if self.rank == 1 else size
        return dict(
            in_height=h, in_width=w, n_chan=c, height_factor=int(fh), width_factor=int(fw),
            out_height=h * int(fh), out_width=w * int(fw),
        )  # fmt: skip

    def last_read(self, g, oh, ow):
        return oh // g["height_factor"], np.full_like(ow, g["in_width"] - 1)  # whole input row

    def move(self, raw, g):
        return np.repeat(np.repeat(raw, g["height_factor"], axis=1), g["width_factor"], axis=2)


@dataclass
class UpSampling1D(UpSampling2D):
    """Nearest neighbour: ``(W, C) -> (W * f, C)``."""

    kind = "upsample1d"
    rank = 1
    size: tuple = (2,)


@dataclass
class Reshape(Op):
    """Keras Reshape of the per-sample channels-last array: ``target_shape`` may hold one
    -1 (inferred). The flat value order does not change.

    io_parallel: ``y[i] = result(x[i])``. io_stream: values are repacked from packets of the
    input's last dim into packets of the new last dim, in order (no tensor buffer).
    """

    kind = "reshape"
    family = "reshape"
    target_shape: tuple = ()

    def output_shape(self, node, input_shapes):
        (shape,) = input_shapes
        n = int(np.prod(shape, dtype=np.int64))
        target = tuple(int(v) for v in self.target_shape)
        bad = (
            not target or sum(v == -1 for v in target) > 1 or any(v < 1 and v != -1 for v in target)
        )
        known = int(np.prod([v for v in target if v != -1], dtype=np.int64)) if target else 0
        if not bad and -1 in target and known and n % known == 0:
            target = tuple(n // known if v == -1 else v for v in target)
        if bad or int(np.prod(target, dtype=np.int64)) != n:
            raise ValueError(
                f"{node.name}: cannot reshape an input of shape {tuple(shape)} "
                f"({n} values) to {tuple(self.target_shape)}"
            )
        return target

    def check(self, node, graph):
        self.output_shape(node, [graph[node.inputs[0]].shape])

    def exact_spans(self, node, graph):
        return copy_spans(node, graph)

    def default_types(self, node, graph, ctx):
        return {"result": graph[node.inputs[0]].result}

    def run(self, node, inputs):
        (x,) = inputs
        y = arith.convert(x, node.result)
        return Tensor(y.raw.reshape(y.raw.shape[0], *node.shape), y.type)

    def config_fields(self, node, ctx):
        return {"n_elem": node.size}

    def stream_need(self, node, ctx):
        return repack_need(node, ctx)

    cost = stream_copy_cost

    def emit(self, node, ctx) -> Emission:
        config = ctx.config(node, "nnet::reshape_config", self.config_fields(node, ctx), {})
        call = ctx.call("reshape_stream" if ctx.stream else "reshape", node)
        return Emission(config=config, call=call, includes=("nnet/reshape.h",))


@dataclass
class Permute(Op):
    """Keras Permute: ``dims`` is a permutation of ``1 .. rank`` (1-based, batch excluded);
    output axis ``j`` is input axis ``dims[j] - 1``. Ranks up to 3 per sample.

    io_stream: the whole tensor is buffered (the first output value may depend on the last
    input value), then written in packets of the new last dim.
    """

    kind = "permute"
    family = "reshape"
    dims: tuple = (2, 1)

    def axes(self, node, in_shape) -> tuple[int, ...]:
        dims = tuple(int(d) for d in self.dims)
        if sorted(dims) != list(range(1, len(in_shape) + 1)):
            raise ValueError(
                f"{node.name}: dims {tuple(self.dims)} is not a permutation of "
                f"1..{len(in_shape)} (input shape {tuple(in_shape)})"
            )
        if len(in_shape) > 3:
            raise ValueError(
                f"{node.name}: Permute supports inputs of rank <= 3 per sample, "
                f"got {tuple(in_shape)}"
            )
        return tuple(d - 1 for d in dims)

    def output_shape(self, node, input_shapes):
        (shape,) = input_shapes
        return tuple(shape[a] for a in self.axes(node, shape))

    def check(self, node, graph):
        self.axes(node, graph[node.inputs[0]].shape)

    def exact_spans(self, node, graph):
        return copy_spans(node, graph)

    def default_types(self, node, graph, ctx):
        return {"result": graph[node.inputs[0]].result}

    def run(self, node, inputs):
        (x,) = inputs
        y = arith.convert(x, node.result)
        axes = self.axes(node, x.raw.shape[1:])
        return Tensor(np.transpose(y.raw, (0, *(a + 1 for a in axes))), y.type)

    def config_fields(self, node, ctx):
        shape = tuple(ctx.input_node(node).shape)
        axes = self.axes(node, shape)
        k = 3 - len(shape)  # pad with leading axes of size 1
        shape3, axes3 = (1,) * k + shape, tuple(range(k)) + tuple(a + k for a in axes)
        strides = [int(np.prod(shape3[a + 1 :], dtype=np.int64)) for a in range(3)]
        fields = {f"out_dim{j}": shape3[a] for j, a in enumerate(axes3)}
        fields.update({f"stride{j}": strides[a] for j, a in enumerate(axes3)})
        return fields

    def stream_need(self, node, ctx):
        whole = ctx.packets(ctx.input_node(node))  # buffers the whole tensor first
        return [np.full(ctx.packets(node), whole)]

    def cost(self, node, ctx, hw):
        """Wiring (io_parallel); io_stream buffers the whole tensor before the first output
        packet (the order changes)."""
        if not ctx.stream:
            return Cost()
        bits = node.size * node.result.width
        res = (
            hw.rom(ctx.packet(node) * node.result.width, ctx.packets(node)) if bits else Resources()
        )
        n_in = ctx.packets(ctx.input_node(node))
        return Cost(res, latency=n_in + ctx.packets(node) + 1, ii=n_in, fill=n_in + 1)

    def emit(self, node, ctx) -> Emission:
        config = ctx.config(node, "nnet::permute_config", self.config_fields(node, ctx), {})
        call = ctx.call("permute_stream" if ctx.stream else "permute", node)
        return Emission(config=config, call=call, includes=("nnet/reshape.h",))
