"""``module.export_fpga(...)`` (installed on ``torch.nn.Module``) and :func:`to_graph`."""

from __future__ import annotations

import functools

import torch

from fpga_export.codegen.names import identifier
from fpga_export.config import ExportConfig
from fpga_export.frontend import exact_weightless, quantized_inputs
from fpga_export.frontend import load_optional_handlers as load_optional
from fpga_export.ir import Graph

from .convert import SHAPE_BATCH, TORCH_MODULES, Converter, InputSpec
from .trace import ShapeError, propagate_shapes, tensor_placeholders, trace

__all__ = ["export_fpga", "input_specs", "install", "to_graph"]

MISSING_SHAPE = (
    "export_fpga needs the shape of the model input, which a PyTorch module does not record: "
    "pass input_shape=(3, 32, 32) (per sample, batch excluded) or example_input=<a tensor the "
    "model accepts, batch included>; a list of them for a model with several inputs"
)


def _shape(value, what: str) -> tuple[int, ...]:
    dims = tuple(value) if isinstance(value, (tuple, list, torch.Size)) else (value,)
    if not dims or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in dims):
        raise ValueError(
            f"{what} must be a shape of integers >= 1 such as (3, 32, 32), got {value!r}"
        )
    return dims


BAD_BATCH_AXIS = (
    "batch_axis must be 0 (batch first) or 1 (a time-major sequence (T, batch, F)), or a list "
    "with one of them per model input, got {!r}"
)


def _batch_axes(batch_axis) -> list[int] | int:
    """``batch_axis`` checked: an int (every input) or a list of ints."""
    axes = list(batch_axis) if isinstance(batch_axis, (list, tuple)) else None
    for a in axes if axes is not None else [batch_axis]:
        if not isinstance(a, int) or isinstance(a, bool) or a not in (0, 1):
            raise ValueError(BAD_BATCH_AXIS.format(batch_axis))
    return axes if axes is not None else batch_axis


def _apply_batch_axes(specs: list[InputSpec], axes, ranks: list[int]) -> None:
    """Set each spec's batch axis; ``ranks``: the torch rank of each input (batch included)."""
    if isinstance(axes, list) and len(axes) != len(specs):
        raise ValueError(
            f"batch_axis {axes!r} gives {len(axes)} axes, but the model has {len(specs)} "
            "input(s): give one per input (or one int for all)"
        )
    for i, spec in enumerate(specs):
        spec.batch_axis = axes[i] if isinstance(axes, list) else axes
        if spec.batch_axis == 1 and ranks[i] != 3:
            where = f"input {i}" if len(specs) > 1 else "the input"
            raise ValueError(
                f"batch_axis=1 (time-major) needs a sequence (T, batch, F), but {where} has "
                f"{ranks[i]} dimension(s) with the batch (per sample {spec.shape})"
            )


def input_specs(input_shape=None, example_input=None, batch_axis=0) -> list[InputSpec]:
    """One InputSpec per model input from ``input_shape`` (per sample) and/or
    ``example_input`` (batch included, on axis ``batch_axis``: 0, 1 or a list)."""
    axes = _batch_axes(batch_axis)
    specs = ranks = None
    if example_input is not None:
        many = isinstance(example_input, (list, tuple))
        tensors = [torch.as_tensor(t) for t in (example_input if many else [example_input])]
        ranks = [t.dim() for t in tensors]
        specs = []
        for i, t in enumerate(tensors):
            if t.dim() < 2:
                raise ValueError(
                    f"example_input{f'[{i}]' if many else ''} has shape {tuple(t.shape)}: it must "
                    "be a batch, (batch, ...) with at least one value per sample"
                )
            axis = axes[i] if isinstance(axes, list) and i < len(axes) else axes
            axis = axis if isinstance(axis, int) and axis < t.dim() else 0
            shape = tuple(int(d) for k, d in enumerate(t.shape) if k != axis)
            specs.append(InputSpec(shape, t.dtype))
    if input_shape is not None:
        is_list = isinstance(input_shape, (list, tuple)) and all(
            isinstance(s, (list, tuple, torch.Size)) for s in input_shape
        )
        if is_list:
            shapes = [_shape(s, f"input_shape[{i}]") for i, s in enumerate(input_shape)]
        else:
            shapes = [_shape(input_shape, "input_shape")]
        if specs is not None and [s.shape for s in specs] != shapes:
            raise ValueError(
                f"input_shape {input_shape!r} does not match the per-sample shape(s) of "
                f"example_input {[s.shape for s in specs]}"
            )
        specs = specs or [InputSpec(s) for s in shapes]
        ranks = ranks or [len(s) + 1 for s in shapes]
    if specs is None:
        raise ValueError(MISSING_SHAPE)
    _apply_batch_axes(specs, axes, ranks)
    return specs


def load_optional_handlers() -> None:
    """Brevitas' handlers, once Brevitas is in the process."""
    load_optional("brevitas", "torch_plugin.handlers.brevitas", "Brevitas")


def _uses_ids(node) -> bool:
    """True when an Embedding reads the placeholder (zeros must be integer ids)."""
    for user in node.users:
        if user.op == "call_module":
            module = user.graph.owning_module.get_submodule(user.target)
            if isinstance(module, torch.nn.Embedding):
                return True
        if user.op == "call_function" and user.target is torch.nn.functional.embedding:
            return True
    return False


def to_graph(
    model, config=None, *, inputs: list[InputSpec], channels_last_io=False, concrete_args=None
) -> Graph:
    """The IR graph of a live ``torch.nn.Module`` with ``config`` (an ExportConfig) applied.

    Node names are the fx node names (a submodule ``features.0`` is ``features_0``); the
    graph is untyped (``fpga_export.passes.run_pipeline`` types it). ``inputs`` gives the
    per-sample shapes (:func:`input_specs`).
    """
    load_optional_handlers()
    gm = trace(model, TORCH_MODULES, concrete_args)
    placeholders = tensor_placeholders(gm, model, concrete_args)
    if len(placeholders) != len(inputs):
        names = ", ".join(p.name for p in placeholders)
        raise ValueError(
            f"{type(model).__name__} takes {len(placeholders)} tensor input(s) ({names}), but "
            f"{len(inputs)} input shape(s) were given"
        )
    zeros = []
    for node, spec in zip(placeholders, inputs, strict=True):
        dtype = spec.dtype or (torch.int64 if _uses_ids(node) else torch.float32)
        zeros.append(torch.zeros(spec.batched(SHAPE_BATCH), dtype=dtype))
    try:
        propagate_shapes(gm, model, concrete_args, zeros)
    except ShapeError as exc:
        shapes = ", ".join(str(tuple(z.shape)) for z in zeros)
        raise ValueError(
            f"running {type(model).__name__} on zero input(s) of shape {shapes} (batch "
            f"{SHAPE_BATCH}) to find every tensor's shape failed {exc}; check input_shape / "
            "example_input"
        ) from exc.__cause__
    converter = Converter(identifier(type(model).__name__), channels_last_io)
    graph = converter.run(gm, placeholders, inputs)
    quantized_inputs(graph)  # a quantized model's input takes its input quantizer's type
    exact_weightless(graph)
    if config is not None:
        if config.name is not None:
            graph.name = identifier(config.name)
        config.apply(graph, converter.layer_types)
    return graph


def export_fpga(
    self,
    output_dir=None,
    *,
    input_shape=None,
    example_input=None,
    backend="vitis",
    precision="ap_fixed<16,6>",
    reuse_factor=1,
    strategy="latency",
    io_type="io_parallel",
    part="xcvu13p-flga2577-2-e",
    clock_period=5.0,
    layers=None,
    hls_config=None,
    input_precision=None,
    overwrite=False,
    max_width=64,
    name=None,
    activation_tables=None,
    channels_last_io=False,
    concrete_args=None,
    batch_axis=0,
):
    """Export this live module as FPGA firmware; returns a ``fpga_export.Firmware``.

    Args:
        output_dir: project folder (``~`` expanded; default: a new temporary folder when
            written). Never the current folder, one of its parents or the home folder.
        input_shape: per-sample input shape, batch excluded (``(3, 32, 32)``), or a list of
            shapes for several inputs. Or give
        example_input: a tensor the model accepts (batch included), or a list of them; its
            dtype is used too (integer token ids for an Embedding).
        backend, precision, reuse_factor, strategy, io_type, part, clock_period, layers,
            hls_config, input_precision, overwrite, max_width, name, activation_tables: as
            for Keras'
            ``Model.export_fpga`` (``layers``/``hls_config`` name layers by their qualified
            name in the model, ``"features.0"``, or the node name ``"features_0"``;
            ``LayerType`` by class name, ``"Conv2d"``, or function name, ``"relu"``).
        channels_last_io: False (default): ``predict``/``reference``/``trace`` take and
            return the arrays the torch model does (NCHW / NCL); the firmware itself is
            channels-last and converts at its boundary. True: the firmware interface stays
            channels-last (NHWC / NLC inputs and outputs, e.g. when fed from hardware);
            1-D tensors are in the torch order either way.
        concrete_args: values fixed for tracing (``{"flag": True}``), passed to torch.fx.
        batch_axis: the axis of each model input that holds the batch: 0 (default), or 1
            for a time-major sequence ``(T, batch, F)`` (what ``nn.LSTM/GRU/RNN`` with
            ``batch_first=False`` read); an int for every input or a list with one per
            input. ``input_shape`` stays per sample, ``(T, F)``; ``example_input`` is the
            model's tensor, ``(T, batch, F)``, its per-sample shape is its shape without
            that axis. The firmware itself is batch first: ``predict``/``reference`` take
            ``(batch, T, F)`` arrays; ``as_torch_module()`` and ``CSimValidator`` take the
            model's time-major tensors and transpose them.

    The export always uses the module's inference behaviour (BatchNorm running statistics,
    no dropout), whatever its training flag; the flag is left as it was.
    """
    specs = input_specs(input_shape, example_input, batch_axis)
    config = ExportConfig(
        output_dir=output_dir,
        backend=backend,
        precision=precision,
        reuse_factor=reuse_factor,
        strategy=strategy,
        io_type=io_type,
        part=part,
        clock_period=clock_period,
        layers=layers,
        hls_config=hls_config,
        input_precision=input_precision,
        overwrite=overwrite,
        max_width=max_width,
        activation_tables=activation_tables,
        name=name,
    )
    frontend = functools.partial(
        to_graph, inputs=specs, channels_last_io=channels_last_io, concrete_args=concrete_args
    )
    from fpga_export.firmware import Firmware

    return Firmware(frontend(self, config), config, frontend=frontend)


def install() -> None:
    """Add ``export_fpga`` to ``torch.nn.Module``."""
    current = getattr(torch.nn.Module, "export_fpga", None)
    if current is not None and current is not export_fpga:
        raise RuntimeError(
            "torch.nn.Module already has an export_fpga attribute that is not fpga-export's "
            f"({current!r}); not replacing it"
        )
    torch.nn.Module.export_fpga = export_fpga
