"""Walk a live ``torch.nn.Module`` (traced with torch.fx) into a channels-last IR Graph.

Every fx node is converted by a handler found in one of three registries (filled by
``torch_plugin.handlers``): :data:`TORCH_MODULES` by module class (``nn.ReLU``; MRO lookup,
a subclass that redefines ``forward`` is refused), :data:`TORCH_FUNCTIONS` by function
object (``torch.relu``, ``F.relu``, ``operator.add``) and :data:`TORCH_METHODS` by Tensor
method name (``"relu"``, ``"view"``). Handlers get a :class:`NodeCall` and return the
:class:`Value` the node computes.

Layout: PyTorch is channels-first, the IR channels-last. A :class:`Value` is a torch tensor
(per-sample ``shape``) held by an IR node, with the :class:`~fpga_export.ir.Layout` that maps
the torch order onto the node's order (None: the same flat order; the IR node may then
have another shape of the same size, e.g. ``(C,)`` for a torch ``(C, 1, 1)``). Handlers ask
for the layout they need (:meth:`NodeCall.channels_last`, :meth:`NodeCall.to_layout` ...),
which inserts Reshape/Permute nodes only when the value is not already in it: a CNN needs
none (inputs arrive channels-last, a Linear after a flatten gets its rows permuted).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.fx as fx
from torch.fx.node import map_arg

from fpga_export.codegen.names import identifier
from fpga_export.frontend import HandlerRegistry
from fpga_export.ir import Graph, Layout, Node
from fpga_export.ir.op import Op
from fpga_export.layers.input import Input

from .layout import Layouts

__all__ = [
    "TORCH_FUNCTIONS",
    "TORCH_METHODS",
    "TORCH_MODULES",
    "NodeCall",
    "Structured",
    "UnsupportedOperationError",
    "Value",
    "channels_last",
    "channels_last_perm",
    "numpy",
    "structured",
]

TORCH_MODULES = HandlerRegistry("PyTorch modules", behaviour_methods=("forward",))
"""Module class -> handler ``fn(call: NodeCall) -> Value``."""

_PREFERS_CHANNELS_LAST: set = set()


def channels_last(handler):
    """Mark a handler whose op works channels-last (conv, pool ...): a model input it reads
    directly arrives channels-last, so no Permute is needed."""
    _PREFERS_CHANNELS_LAST.add(handler)
    return handler


_STRUCTURED: set = set()


def structured(handler):
    """Mark a handler that takes or returns :class:`Structured` values (a module's tuple
    output, a time-major tensor): it runs even when the fx node's output is not one
    batch-first tensor (``call.out_shape`` is then None)."""
    _STRUCTURED.add(handler)
    return handler


class Structured:
    """A traced value that is not one batch-first tensor: a tuple a module returns (an
    LSTM's ``(out, (h_n, c_n))``), a tensor whose batch is not its first axis (a time-major
    sequence) ... Only :func:`structured` handlers take it; :meth:`getitem` answers
    ``value[index]``; anything else is refused with :meth:`describe`."""

    def describe(self) -> str:
        """What the value is and how it may be used (ends a refusal message)."""
        raise NotImplementedError

    def getitem(self, call: NodeCall, index):
        raise call.refuse(
            f"indexing with [{spell_index(index)}] is not supported: the value is {self.describe()}"
        )


def spell_index(index) -> str:
    items = index if isinstance(index, tuple) else (index,)

    def one(i):
        if isinstance(i, slice):
            parts = ["" if v is None else str(v) for v in (i.start, i.stop, i.step)]
            return ":".join(parts[:2] if i.step is None else parts)
        return "..." if i is Ellipsis else repr(i)

    return ", ".join(one(i) for i in items)


def channels_last_perm(rank: int) -> tuple[int, ...]:
    """Axes of a channels-first per-sample shape ``(C, *spatial)`` in channels-last order."""
    return (*range(1, rank), 0) if rank > 1 else tuple(range(rank))


def display_name(fn) -> str:
    """``F.relu``, ``torch.cat``, ``operator.add`` ... for messages."""
    name = getattr(fn, "__name__", repr(fn))
    for prefix, home in (("F", torch.nn.functional), ("torch", torch), ("operator", operator)):
        if getattr(home, name, None) is fn:
            return f"{prefix}.{name}"
    return f"{getattr(fn, '__module__', '?')}.{name}"


class CallableRegistry:
    """Function object (or Tensor method name) -> handler."""

    def __init__(self, what: str, spell):
        self.what = what
        self._spell = spell
        self._handlers: dict[Any, Any] = {}

    def register(self, *keys):
        def deco(fn):
            for key in keys:
                if key in self._handlers and self._handlers[key] is not fn:
                    raise ValueError(f"{self._spell(key)} already has a handler in {self.what}")
                self._handlers[key] = fn
            return fn

        return deco

    def get(self, key):
        try:
            return self._handlers.get(key)
        except TypeError:  # an unhashable target
            return None

    def supported_names(self) -> list[str]:
        return sorted({self._spell(k) for k in self._handlers})


TORCH_FUNCTIONS = CallableRegistry("PyTorch functions", display_name)
TORCH_METHODS = CallableRegistry("Tensor methods", lambda name: f".{name}()")


class UnsupportedOperationError(ValueError):
    """A function or Tensor method of the model has no handler."""


def numpy(t) -> np.ndarray:
    """A torch tensor (parameter, buffer) as a new float64 numpy array (exact)."""
    return t.detach().cpu().to(torch.float64).numpy().copy()


@dataclass(frozen=True)
class Value:
    """A torch tensor of per-sample ``shape`` held by IR node ``node`` (module docstring)."""

    node: str
    shape: tuple[int, ...]
    layout: Layout | None = None


@dataclass(frozen=True)
class NonTensor:
    """A traced value that is not a tensor (``x.size(0)``, ``x.shape`` ...)."""

    name: str


_REQUIRED = object()


@dataclass
class NodeCall:
    """One fx node, as handed to its handler."""

    fx_node: fx.Node
    name: str  # C++-safe base name for the node(s) it adds
    what: str  # how messages name it: "'features.0' (Conv2d)", "F.relu (node 'relu')"
    module: torch.nn.Module | None
    args: tuple
    kwargs: dict
    out_shape: Any  # per-sample torch shape (tuple), or a list for several outputs
    layer_type: str  # for hls_config["LayerType"]
    converter: Any = field(repr=False)

    # -- arguments ---------------------------------------------------------------------
    def arg(self, index: int, key: str, default=_REQUIRED):
        """Positional argument ``index`` or keyword ``key`` (``default`` if absent)."""
        if index < len(self.args):
            return self.args[index]
        if key in self.kwargs:
            return self.kwargs[key]
        if default is _REQUIRED:
            raise self.refuse(f"argument {key!r} is missing")
        return default

    def input(self, index: int = 0, key: str = "input") -> Value:
        value = self.arg(index, key)
        if isinstance(value, Structured):
            raise self.refuse(f"argument {key!r} is {value.describe()}")
        if not isinstance(value, Value):
            raise self.refuse(f"argument {key!r} must be a tensor computed from the inputs")
        return value

    def const(self, index: int, key: str, default=_REQUIRED):
        """A Python constant argument (not a value computed at run time)."""
        value = self.arg(index, key, default)
        if isinstance(value, (Value, NonTensor)):
            raise self.refuse(f"argument {key!r} must be a constant, not computed at run time")
        return value

    def refuse(self, reason: str) -> ValueError:
        """An error for a supported operation used with settings we cannot export."""
        return ValueError(f"{self.what}: {reason}")

    # -- graph -------------------------------------------------------------------------
    def add(
        self,
        op: Op,
        inputs: list[Value | str],
        *,
        weights: dict | None = None,
        suffix: str = "",
        layer_type: str | None = None,
        given: dict | None = None,
        hints: dict | None = None,
        layer: str | None = None,
    ) -> str:
        """Add an IR node reading ``inputs``; returns its name (``name``/``name_suffix``).
        ``given``: the types the framework itself uses (its quantizers, ``Node.given``);
        ``hints``: role -> why that role's type cannot hold the values (``Node.hints``);
        ``layer``: the node's framework layer (default: this call's, "" with a suffix)."""
        base = f"{self.name}_{suffix}" if suffix else self.name
        names = [v.node if isinstance(v, Value) else v for v in inputs]
        if layer is None:
            layer = "" if suffix else self.layer
        return self.converter.add_node(
            op, names, base, weights, layer_type or self.layer_type, given=given, hints=hints,
            layer=layer,
        )  # fmt: skip

    @property
    def layer(self) -> str:
        """The framework name of this call: the module path, else the fx node name."""
        node = self.fx_node
        return str(node.target) if node.op == "call_module" else node.name

    def value(self, node: str, shape=None, layout: Layout | None = None) -> Value:
        """The Value of IR ``node`` (default shape: this fx node's output shape)."""
        shape = tuple(self.out_shape if shape is None else shape)
        return self.converter.make_value(node, shape, layout)

    def channels_last_value(self, node: str) -> Value:
        """The Value of IR ``node`` holding this fx node's output channels-last."""
        shape = tuple(self.out_shape)
        layout = Layout.make(shape, shape, channels_last_perm(len(shape)))
        return self.converter.make_value(node, shape, layout)

    def ir_shape(self, value: Value) -> tuple[int, ...]:
        return self.converter.graph[value.node].shape

    # -- layouts (see torch_plugin.layout) --------------------------------------------
    def channels_last(self, value: Value) -> Value:
        """``value`` held channels-last: torch ``(C, *S)`` as an IR node of shape ``(*S, C)``."""
        return self.to_layout(value, channels_last_perm(len(value.shape)))

    def to_layout(self, value: Value, perm) -> Value:
        """``value`` held as an IR node of shape ``[shape[p] for p in perm]``, torch axis
        ``perm[i]`` on IR axis ``i``."""
        return self.converter.layouts.to_layout(value, tuple(perm), self.name)

    def canonical(self, value: Value) -> Value:
        """``value`` in the torch order, IR shape = torch shape."""
        return self.to_layout(value, tuple(range(len(value.shape))))

    def like(self, value: Value, ref: Value) -> Value:
        """``value`` (same torch shape as ``ref``) in ``ref``'s layout and IR shape."""
        return self.converter.layouts.like(value, ref, self.name)

    def flat(self, value: Value) -> Value:
        """A 1-D ``value`` on a 1-D IR node (any flat order)."""
        return self.converter.layouts.reshaped(value, (int(np.prod(value.shape)),), self.name)

    def find_perm(self, value: Value) -> tuple[int, ...] | None:
        """The full axis permutation ``value`` is held in, if its IR shape shows one."""
        return self.converter.layouts.find_perm(value)


def _batch_free(meta, batch: int, what: str) -> tuple[int, ...]:
    shape = tuple(int(d) for d in meta.shape)
    if not shape or shape[0] != batch:
        raise ValueError(
            f"{what}: output of shape {shape} for a batch of {batch}: the batch dimension "
            "must stay the first axis (a reshape or reduction over the batch is not supported)"
        )
    return shape[1:]


def is_tensor_meta(meta) -> bool:
    return hasattr(meta, "shape") and hasattr(meta, "dtype")


# ---------------------------------------------------------------------- the walk


@dataclass
class InputSpec:
    """A model input: per-sample shape, the dtype of the example tensor (None: float32,
    or int64 ids when an Embedding reads the input) and the axis of the torch tensor that
    holds the batch (1: a time-major sequence (T, batch, F) of per-sample shape (T, F))."""

    shape: tuple[int, ...]
    dtype: torch.dtype | None = None
    batch_axis: int = 0

    def batched(self, batch: int) -> tuple[int, ...]:
        """The torch shape of ``batch`` samples."""
        shape = list(self.shape)
        shape.insert(self.batch_axis, batch)
        return tuple(shape)


SHAPE_BATCH = 2  # batch of the zero input the shapes are propagated with


class Converter:
    """Walks one traced model into a Graph (see the module docstring)."""

    def __init__(self, name: str, channels_last_io: bool):
        self.graph = Graph(name)
        self.layer_types: dict[str, str] = {}
        self.layouts = Layouts(self)
        self.channels_last_io = channels_last_io
        self.source = ""
        self._recorded: set[str] = set()

    # -- nodes and values ----------------------------------------------------------------
    def add_node(
        self,
        op: Op,
        inputs: list[str],
        base: str,
        weights,
        layer_type: str,
        given=None,
        hints=None,
        layer: str = "",
    ) -> str:
        name = self.graph.unique_name(identifier(base))
        node = Node(
            name,
            op,
            list(inputs),
            weights={k: np.asarray(v, dtype=np.float64) for k, v in (weights or {}).items()},
            given=dict(given or {}),
            hints=dict(hints or {}),
            source=self.source,
            layer=layer,
        )
        node.shape = tuple(
            int(d) for d in op.output_shape(node, [self.graph[i].shape for i in inputs])
        )
        self.graph.add(node)
        self.layer_types[name] = layer_type
        return name

    def make_value(self, node: str, shape, layout: Layout | None) -> Value:
        shape = tuple(int(d) for d in shape)
        held = self.graph[node].shape
        if int(np.prod(shape)) != int(np.prod(held)):
            raise AssertionError(f"{node}: torch shape {shape} does not fit IR shape {held}")
        if node not in self._recorded:  # the torch view of the node, for Firmware.trace
            self._recorded.add(node)
            view = layout or _reshape_view(shape, held)
            if view is not None:
                self.graph.layouts[node] = view
        return Value(node, shape, layout)

    # -- walk --------------------------------------------------------------------------
    def run(self, gm: fx.GraphModule, inputs: list[fx.Node], specs: list[InputSpec]) -> Graph:
        values: dict[fx.Node, Any] = {}
        modules = dict(gm.named_modules())
        live = live_nodes(gm)
        for node in gm.graph.nodes:
            if node not in live:
                continue  # computes nothing the outputs need (``_, (h, c) = lstm(x)``'s `_`)
            if node.op == "placeholder":
                if node in inputs:
                    values[node] = self.input(node, specs[inputs.index(node)])
                else:
                    values[node] = NonTensor(node.name)
            elif node.op == "output":
                self.outputs(node, values)
            elif node.op == "get_attr":
                raise ValueError(
                    f"node {node.name!r}{_where(node)} reads the attribute {node.target!r} of "
                    "the model directly: only layers with a handler carry weights (wrap the "
                    "computation in a module, or fold the tensor into a layer's weights)"
                )
            else:
                values[node] = self.convert(node, values, modules)
        self.graph.inputs = [_sequence(values[n]).node for n in inputs]
        self.graph.batch_axes = [s.batch_axis for s in specs]
        if self.channels_last_io:
            self.graph.layouts = {}  # the firmware's own (channels-last) view everywhere
        return self.graph

    def input(self, node: fx.Node, spec: InputSpec):
        """The Value of a model input (a TimeMajor of it when its batch axis is 1)."""
        shape = tuple(spec.shape)
        wants = self.channels_last_io or any(_prefers_channels_last(u) for u in node.users)
        if spec.batch_axis:  # a (T, F) sequence is channels-last already
            wants = False
        perm = channels_last_perm(len(shape)) if wants else tuple(range(len(shape)))
        name = self.graph.unique_name(identifier(node.name))
        self.graph.add(
            Node(
                name,
                Input(),
                shape=tuple(shape[p] for p in perm),
                source=f"input {node.name}",
                layer=node.name,
            )
        )
        self.layer_types[name] = "Input"
        value = self.make_value(name, shape, Layout.make(shape, shape, perm))
        if spec.batch_axis:
            from .time_major import TimeMajor

            return TimeMajor(value, f"model input {node.name!r} (batch_axis=1)")
        return value

    def convert(self, node: fx.Node, values: dict, modules: dict):
        meta = node.meta.get("tensor_meta")
        module = modules.get(node.target) if node.op == "call_module" else None
        args = map_arg(node.args, lambda a: values[a])
        kwargs = dict(map_arg(node.kwargs, lambda a: values[a]))
        reads_structured = any(isinstance(a, Structured) for a in _leaves((args, kwargs)))
        if node.op != "call_module" and not is_tensor_meta(meta) and not reads_structured:
            return NonTensor(node.name)  # x.size(0), x.shape, asserts of concrete_args ...
        handler, what, layer_type = self.handler(node, module)
        aware = handler in _STRUCTURED
        if not is_tensor_meta(meta) and not aware:
            raise ValueError(f"{what}: returns {type(meta).__name__}, not one tensor")
        if aware:  # per-sample shape when the output is a batch-first tensor, else None
            batch_first = is_tensor_meta(meta) and meta.shape and meta.shape[0] == SHAPE_BATCH
            out_shape = tuple(int(d) for d in meta.shape[1:]) if batch_first else None
        else:
            out_shape = _batch_free(meta, SHAPE_BATCH, what)
        call = NodeCall(
            fx_node=node,
            name=identifier(node.name),
            what=what,
            module=module,
            args=args,
            kwargs=kwargs,
            out_shape=out_shape,
            layer_type=layer_type,
            converter=self,
        )
        result = handler(call)
        if aware and isinstance(result, (Structured, NonTensor)):
            return result
        if isinstance(result, Value) and out_shape is None:
            _batch_free(meta, SHAPE_BATCH, what)  # raises: the batch is not the first axis
        if not isinstance(result, Value) or result.shape != call.out_shape:
            got = getattr(result, "shape", result)
            raise AssertionError(f"{what}: handler returned {got}, torch has {call.out_shape}")
        return result

    def handler(self, node: fx.Node, module):
        """(handler, how messages name the node, hls_config LayerType name)."""
        if node.op == "call_module":
            handler = TORCH_MODULES.lookup(module, name=node.target)  # UnsupportedLayerError
            what = f"{node.target!r} ({type(module).__name__})"
            self.source = what
            return handler, what, type(module).__name__
        if node.op == "call_function":
            handler = TORCH_FUNCTIONS.get(node.target)
            kind = f"function {display_name(node.target)}"
            layer_type = getattr(node.target, "__name__", str(node.target))
        else:
            handler = TORCH_METHODS.get(node.target)
            kind = f"Tensor method .{node.target}()"
            layer_type = str(node.target)
        what = f"{kind} (node {node.name!r}{_where(node)})"
        self.source = f"{kind} (node {node.name!r})"
        if handler is None:
            raise UnsupportedOperationError(
                f"{what} is not supported; supported functions: "
                f"{', '.join(TORCH_FUNCTIONS.supported_names())}; supported Tensor methods: "
                f"{', '.join(TORCH_METHODS.supported_names())}"
            )
        return handler, what, layer_type

    def outputs(self, node: fx.Node, values: dict) -> None:
        out = node.args[0]
        items = list(out) if isinstance(out, (tuple, list)) else [out]
        for i, item in enumerate(items):
            value = values.get(item) if isinstance(item, fx.Node) else None
            if isinstance(value, Structured):
                raise ValueError(
                    f"output {i} of the model ({item!r}) is {value.describe()}: return a "
                    "tensor (batch first) instead"
                )
            if not isinstance(value, Value):
                raise ValueError(
                    f"output {i} of the model ({item!r}) is not a tensor computed from the "
                    "inputs: only tensors can be firmware outputs"
                )
            if self.channels_last_io:
                self.source = f"output {i}"
                base = f"output_{i}" if len(items) > 1 else "output"
                value = self.layouts.to_layout(value, channels_last_perm(len(value.shape)), base)
            elif value.node in self.graph.outputs:
                if self.graph.layouts.get(value.node) != _io_layout(value, self.graph):
                    raise ValueError(
                        f"outputs {self.graph.outputs.index(value.node)} and {i} of the model "
                        "are views of one tensor with different shapes; return one of them"
                    )
            view = _io_layout(value, self.graph)
            if view is None:
                self.graph.layouts.pop(value.node, None)
            else:
                self.graph.layouts[value.node] = view
            self.graph.outputs.append(value.node)


def live_nodes(gm: fx.GraphModule) -> set[fx.Node]:
    """The placeholders and every node the graph's outputs depend on."""
    live = {n for n in gm.graph.nodes if n.op in ("placeholder", "output")}
    stack = [n for n in gm.graph.nodes if n.op == "output"]
    while stack:
        for arg in stack.pop().all_input_nodes:
            if arg not in live:
                live.add(arg)
                stack.append(arg)
    return live


def _leaves(obj):
    """The non-container items of nested tuples, lists and dicts."""
    if isinstance(obj, (tuple, list)):
        for o in obj:
            yield from _leaves(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _leaves(o)
    else:
        yield obj


def _sequence(value):
    """The batch-first Value of a model input's value (a TimeMajor's sequence)."""
    return getattr(value, "sequence", value)


def _io_layout(value: Value, graph: Graph) -> Layout | None:
    return value.layout or _reshape_view(value.shape, graph[value.node].shape)


def _reshape_view(shape, held) -> Layout | None:
    """The layout of a torch tensor held in its own order under another IR shape."""
    if tuple(shape) == tuple(held):
        return None
    return Layout(tuple(shape), (int(np.prod(shape)),), (0,))


def _where(node: fx.Node) -> str:
    """`` in 'block', file.py:12`` for messages (what is known of it)."""
    out = f" in {node.meta['fe_module']!r}" if node.meta.get("fe_module") else ""
    line = _source_line(node.meta.get("stack_trace") or "")
    return out + (f", {line}" if line else "")


def _source_line(stack: str) -> str:
    """``file:line`` of the innermost frame of an fx stack trace outside torch."""
    from .trace import _in_torch

    found = ""
    for line in stack.splitlines():
        line = line.strip()
        if line.startswith('File "'):
            path, _, rest = line[6:].partition('", line ')
            if not _in_torch(path):
                found = f"{path}:{rest.split(',')[0]}"
    return found


def _prefers_channels_last(user: fx.Node) -> bool:
    if user.op == "call_module":
        root = user.graph.owning_module
        found = TORCH_MODULES.resolve(type(root.get_submodule(user.target)))
        return found is not None and found[1] in _PREFERS_CHANNELS_LAST
    registry = TORCH_FUNCTIONS if user.op == "call_function" else TORCH_METHODS
    return registry.get(user.target) in _PREFERS_CHANNELS_LAST
