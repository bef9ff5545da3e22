"""Custom layers: support your own Keras layer or PyTorch module without editing fpga-export.

You write three things, in your own package:

1. **An IR op**, a subclass of :class:`CustomOp` (a dataclass: annotated class attributes are
   its fields, saved with the firmware as data: numbers, bools, plain-word strings, tuples,
   lists, dicts). It has one output. Class attributes:

   - ``kind``: the op's name (a C++ identifier, not a built-in op's: ``"clip_scale"``);
   - ``header``: your C++ header (``"clip_scale.h"``: a path, relative to the folder of the
     module defining the class). Every export copies it into ``firmware/custom/`` of the
     project (the project stays self-contained for Vitis) and ``parameters.h`` includes it;
     the csim cache key covers its content. Write its pragmas as Vitis does: the other
     backends respell them (``backends.respelled``), or refuse one naming the header;
   - ``function``: the C++ function template in it (default: ``kind``);
   - ``roles`` (type roles, ``"result"`` first; default ``("result",)``), ``weight_roles``
     (weight name -> type role; default none), ``n_inputs`` (default 1, None: any);
   - ``elementwise``: True if the op works value by value (PyTorch: the input is then taken
     in whatever axis order the firmware holds it; otherwise in torch's own order).

   Methods (``node`` is the IR node: ``node.result`` its result type, ``node.types[role]``,
   ``node.weights[name]`` float64 arrays, ``node.shape`` per sample, channels last):

   - ``run(node, inputs) -> Tensor`` (required): the exact fixed-point semantics in numpy. A
     :class:`Tensor` holds raw integers and their :class:`FixedType`; build results with
     :func:`const`, :func:`convert`, :func:`mul`, :func:`add`, :func:`sub`, :func:`clip`
     and :func:`where` (exact, as ap_fixed computes), and :meth:`CustomOp.weight`;
   - ``exact_spans(node, graph) -> {role: Span}``: the exact values the op computes before
     converting them into its types (:func:`input_span`, :func:`const_span`, :class:`Span`
     arithmetic); gives ``"auto"`` types and marks the node exact. Default None: the op is
     reported as not exact and ``"auto"`` falls back to the default precision;
   - ``default_types(node, graph, ctx)``: types of roles the user did not set (default: the
     model's precision for every role);
   - ``output_shape(node, input_shapes)`` (default: the first input's shape);
   - ``cpp_constants(node) -> {name: int or bool}``: extra ``static const`` fields of the
     node's C++ config struct;
   - ``cost(node, ctx, hw)``: hardware cost for ``Firmware.estimate()`` (``ir.cost.Cost``
     from the backend's primitives ``hw``); default: nothing, with the note
     "no cost model for <kind>".

2. **The C++ header**, defining for io_parallel::

       template <class data_T, class res_T, typename CONFIG_T>
       void clip_scale(const data_T in[CONFIG_T::n_in], res_T out[CONFIG_T::n_out],
                       const typename CONFIG_T::param_t param[3]);   // one array per weight

   and ``clip_scale_stream`` with ``hls::stream<data_T> &in, hls::stream<res_T> &out`` for
   io_stream (``data_T``/``res_T`` are then packets, ``nnet::array<T, n_chan>``: one per
   ``n_in / n_chan``). A node reading several inputs gets one ``data_T`` and argument per
   input. ``CONFIG_T`` has ``n_in`` (values per sample of the first input), ``n_out``,
   ``n_chan`` (the last axis), ``reuse_factor``, your ``cpp_constants`` and a typedef
   ``<role>_t`` per role but ``result``. It must compute exactly what ``run`` computes.

3. **A registration** of the framework class:
   ``@register_keras_layer(MyLayer, MyTfKerasLayer)`` (Keras 3 and tf_keras classes alike) and
   ``@register_torch_module(MyModule)`` on a function ``convert(layer_or_module)`` that
   returns the op, or ``(op, weights)`` with weights ``{name: array}`` read from the live
   object (they are pushed into a compiled csim library again by ``refresh_from``). One
   function may serve all three frameworks.

A saved firmware (``Firmware.load``) stores the op's class by its import name
(``module:Class``) and imports it again when loading; define custom ops in an importable
module (not in ``__main__`` or inside a function) so that a project loads in a new process.
Nothing is unpickled. A module inside the project folder being loaded is never imported.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.util
import inspect
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import numpy as np

from . import layers  # noqa: F401  (registers the built-in ops first: their kinds are taken)
from .codegen import cpp, names
from .ir import arith
from .ir.cost import Cost
from .ir.op import OP_REGISTRY, Emission, Op, Tensor
from .ir.span import Span, const_span, input_span
from .types import FixedType

__all__ = [
    "CustomOp",
    "FixedType",
    "Span",
    "Tensor",
    "add",
    "clip",
    "const",
    "const_span",
    "convert",
    "input_span",
    "mul",
    "register_keras_layer",
    "register_torch_module",
    "sub",
    "where",
]

const = arith.const
convert = arith.convert
mul = arith.mul
add = arith.add
sub = arith.sub

_CONFIG_FIELDS = ("n_in", "n_out", "n_chan", "reuse_factor")
_CLASS_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


# ---------------------------------------------------------------------------- the op
class CustomOp(Op):
    """Base of a user's IR op (module docstring). Subclasses become dataclasses and are
    registered under their ``kind`` when defined."""

    kind: ClassVar[str] = ""
    header: ClassVar[str | os.PathLike] = ""
    function: ClassVar[str] = ""
    elementwise: ClassVar[bool] = False
    header_path: ClassVar[Path | None] = None  # the resolved header (set on definition)

    def __init_subclass__(cls, **kwargs):
        if "kind" not in vars(cls):
            raise TypeError(
                f"custom op {cls.__qualname__} sets no `kind` of its own (a name for the op, "
                "e.g. kind = 'clip_scale'); an abstract base sets kind = ''"
            )
        if cls.kind:
            _check_kind(cls)
            cls.header_path = _header_path(cls)
            cls.function = names.cpp_function(cls.function or cls.kind)
            old = OP_REGISTRY.get(cls.kind)
            if old is not None and class_path(old) == class_path(cls):
                del OP_REGISTRY[cls.kind]  # the same class defined again (a re-run cell)
        if "run" in vars(cls):
            cls.run = _checked_run(vars(cls)["run"])
        dataclasses.dataclass(cls)
        super().__init_subclass__(**kwargs)

    # -- helpers for run() --------------------------------------------------------------
    def weight(self, node, name: str) -> Tensor:
        """Weight ``name`` converted into its role's type, as the C++ holds it."""
        return const(node.weights[name], node.types[self.weight_roles[name]])

    # -- types --------------------------------------------------------------------------
    def default_types(self, node, graph, ctx):
        return {role: FixedType.parse(ctx.default_for(node, role)) for role in self.roles}

    def check(self, node, graph):
        rf = node.reuse_factor
        if not isinstance(rf, (int, np.integer)) or rf < 1:
            raise ValueError(f"{node.name}: reuse_factor must be an int >= 1, got {rf!r}")

    # -- C++ ------------------------------------------------------------------------------
    def cpp_constants(self, node) -> dict[str, int | bool]:
        """Extra ``static const`` fields of the node's config struct."""
        return {}

    def config_fields(self, node, ctx):
        first = ctx.input_node(node) if node.inputs else node
        fields = {
            "n_in": first.size,
            "n_out": node.size,
            "n_chan": node.shape[-1] if node.shape else 1,
            "reuse_factor": int(node.reuse_factor),
        }
        for key, value in self.cpp_constants(node).items():
            if key in fields or names.identifier(key) != key:
                raise ValueError(
                    f"{node.name}: config constant {key!r} of op {self.kind!r} is not a free "
                    f"C++ identifier (taken: {', '.join(_CONFIG_FIELDS)})"
                )
            if not isinstance(value, (bool, int, np.integer, np.bool_)):
                raise ValueError(
                    f"{node.name}: config constant {key!r} of op {self.kind!r} must be an int "
                    f"or a bool, got {value!r}"
                )
            fields[key] = value
        return fields

    def emit(self, node, ctx) -> Emission:
        types = {f"{role}_t": ctx.type_name(node, role) for role in self.roles if role != "result"}
        config = cpp.struct(ctx.config_name(node), None, self.config_fields(node, ctx), types)
        sources = [ctx.input_node(node, i) for i in range(len(node.inputs))]
        params = [ctx.data_type(s) for s in sources]
        params += [ctx.data_type(node), ctx.config_name(node)]
        args = [ctx.in_var(node, i) for i in range(len(node.inputs))]
        args += [ctx.out_var(node)] + [ctx.weight_var(node, w) for w in self.weight_roles]
        fn = self.function + ("_stream" if ctx.stream else "")
        call = f"{fn}<{', '.join(params)}>({', '.join(args)});"
        path = type(self).header_path
        return Emission(config=config, call=call, headers=((f"custom/{path.name}", path),))

    def cost(self, node, ctx, hw) -> Cost:
        return Cost(latency=0, ii=1, notes=(f"no cost model for {self.kind}",))


def _checked_run(run):
    """``run`` whose result must be what the C++ writes: the node's result type and shape."""
    if getattr(run, "_checked", False):
        return run

    @functools.wraps(run)
    def checked(self, node, inputs):
        out = run(self, node, inputs)
        batch = len(inputs[0].raw) if inputs else None
        want = None if batch is None else (batch, *node.shape)
        if (
            not isinstance(out, Tensor)
            or out.type != node.result
            or (want is not None and tuple(np.shape(out.raw)) != want)
        ):
            got = (
                f"a Tensor of type {out.type}, shape {tuple(np.shape(out.raw))}"
                if isinstance(out, Tensor)
                else type(out).__name__
            )
            raise TypeError(
                f"{node.name}: {type(self).__qualname__}.run must return a Tensor of the "
                f"node's result type {node.result} (extend.convert(value, node.result)) and "
                f"shape {want}, got {got}"
            )
        return out

    checked._checked = True
    return checked


def _check_kind(cls) -> None:
    kind = cls.kind
    if not isinstance(kind, str) or names.identifier(kind) != kind or "__" in kind:
        raise ValueError(
            f"custom op {cls.__qualname__}: kind {kind!r} is not allowed: use a C++ "
            "identifier (a letter, then letters, digits or single underscores; no keyword)"
        )
    words = [*cls.roles, *cls.weight_roles, *cls.weight_roles.values()]
    bad = [w for w in words if not isinstance(w, str) or names.identifier(w) != w or "__" in w]
    if bad or "result" not in cls.roles or not set(cls.weight_roles.values()) <= set(cls.roles):
        raise ValueError(
            f"custom op {cls.__qualname__}: roles {tuple(cls.roles)!r} and weight_roles "
            f"{dict(cls.weight_roles)!r} must be C++ identifiers, with 'result' among the "
            "roles and every weight's role too"
        )
    old = OP_REGISTRY.get(kind)
    if old is None or class_path(old) == class_path(cls):
        return
    if not issubclass(old, CustomOp):
        raise ValueError(
            f"custom op {cls.__qualname__}: kind {kind!r} clashes with the built-in op "
            f"{old.__module__}.{old.__qualname__}; choose another kind"
        )
    raise ValueError(
        f"custom op {cls.__qualname__}: kind {kind!r} is already the custom op "
        f"{class_path(old)}; choose another kind"
    )


def _header_path(cls) -> Path:
    if not cls.header:
        raise ValueError(
            f"custom op {cls.__qualname__} ({cls.kind!r}) names no C++ header: set "
            "header = 'my_op.h' (a path, relative to the folder of the module defining it)"
        )
    path = Path(os.fspath(cls.header)).expanduser()
    module_file = getattr(sys.modules.get(cls.__module__), "__file__", None)
    base = Path(module_file).parent if module_file else Path.cwd()
    if not path.is_absolute():
        path = base / path
    names.header_file(path.name)
    if not path.is_file():
        raise FileNotFoundError(
            f"custom op {cls.__qualname__} ({cls.kind!r}): C++ header {str(path)!r} not found "
            f"(a relative header path is taken from {str(base)!r})"
        )
    return path.resolve()


def class_path(cls) -> str:
    """``module:QualName``, how a saved firmware names a custom op's class."""
    return f"{cls.__module__}:{cls.__qualname__}"


def import_op(path: str, kind: str, project: Path | None = None) -> type[CustomOp]:
    """The custom op class saved as ``path`` (``module:QualName``) for ``kind``, imported;
    a module inside ``project`` (the folder being loaded) is refused. ValueError otherwise."""
    module, _, qualname = str(path).partition(":")
    hint = (
        "import the module that defines it before loading, or put it on PYTHONPATH "
        "(custom ops must be defined in an importable module)"
    )
    if not _CLASS_PATH.fullmatch(module) or not _CLASS_PATH.fullmatch(qualname):
        raise ValueError(f"custom op {kind!r}: {str(path)[:80]!r} is not a module:Class name")
    try:
        _refuse_inside(module, project)
        obj = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except ValueError:
        raise
    except Exception as exc:
        raise ValueError(
            f"custom op {kind!r} is defined by {path}, which cannot be imported "
            f"({type(exc).__name__}: {exc}): {hint}"
        ) from None
    if not (isinstance(obj, type) and issubclass(obj, CustomOp)) or obj.kind != kind:
        raise ValueError(f"{path} is not the custom op {kind!r}: {hint}")
    return obj


def _refuse_inside(module: str, project: Path | None) -> None:
    """Nothing runs that a user's op cannot need: a module not imported yet is refused when
    it (or a parent package) lies inside ``project`` or is part of the standard library
    (which defines no custom op, but has modules that act when imported)."""
    parts = module.split(".")
    if parts[0] not in sys.modules and parts[0] in sys.stdlib_module_names:
        raise ValueError(
            f"the saved firmware names module {module!r} of the standard library, which "
            "defines no custom op"
        )
    if project is None:
        return
    root = Path(project).resolve()
    for i in range(1, len(parts) + 1):
        name = ".".join(parts[:i])
        found = sys.modules.get(name)
        origin = getattr(found, "__file__", None) if found else None
        if found is None:
            spec = importlib.util.find_spec(name)
            if spec is None:
                raise ModuleNotFoundError(f"No module named {name!r}")
            origin = spec.origin
        if origin and Path(origin).resolve().is_relative_to(root):
            raise ValueError(
                f"the saved firmware names module {name!r}, which lies inside the project "
                f"folder {str(root)!r}: fpga-export does not run code from a project folder"
            )


# ---------------------------------------------------------------------------- numpy helpers
def _union(types: list[FixedType]) -> FixedType:
    signed = any(t.signed for t in types)
    integer = max(t.integer + (signed and not t.signed) for t in types)
    frac = max(t.frac for t in types)
    return FixedType(max(integer + frac, 1), integer, signed)


def _aligned(x: Tensor, t: FixedType) -> np.ndarray:
    raw = arith.as_wide(np.asarray(x.raw), t.width + 1)
    shift = t.frac - x.type.frac
    return raw * (1 << shift) if shift else raw


def where(cond, a: Tensor, b: Tensor) -> Tensor:
    """``cond ? a : b`` (broadcasting), exactly: in the smallest type holding both."""
    t = _union([a.type, b.type])
    raw = np.where(cond, _aligned(a, t), _aligned(b, t))
    return Tensor(raw if raw.dtype == object else raw.astype(np.int64), t)


def clip(x: Tensor, lo: Tensor | None = None, hi: Tensor | None = None) -> Tensor:
    """``x < lo ? lo : x > hi ? hi : x`` (broadcasting; lo <= hi), exactly: in the smallest
    type holding x, lo and hi."""
    parts = [v for v in (x, lo, hi) if v is not None]
    t = _union([v.type for v in parts])
    raw = _aligned(x, t)
    if lo is not None:
        low = _aligned(lo, t)
        raw = np.where(raw < low, low, raw)
    if hi is not None:
        high = _aligned(hi, t)
        raw = np.where(raw > high, high, raw)
    return Tensor(raw if raw.dtype == object else raw.astype(np.int64), t)


# ---------------------------------------------------------------------------- registration
Convert = Callable[[object], object]  # layer or module -> op, or (op, weights)
_HANDLERS: dict[tuple[str, Convert], Callable] = {}  # one handler per function and framework


def _made(result, fn: Convert, refuse) -> tuple[Op, dict]:
    """The (op, weights) a user's convert function returned, checked."""
    op, weights = result if isinstance(result, tuple) and len(result) == 2 else (result, {})
    if not isinstance(op, Op):
        raise TypeError(
            f"{fn.__qualname__} must return an IR op (a CustomOp instance) or (op, weights), "
            f"got {type(op).__name__}"
        )
    weights = dict(weights or {})
    if set(weights) != set(op.weight_roles):
        raise refuse(
            f"{fn.__qualname__} gives weights {sorted(weights)}, op {op.kind!r} has "
            f"{sorted(op.weight_roles)}"
        )
    return op, {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}


def _check_arity(op: Op, n: int, refuse) -> None:
    want = type(op).n_inputs
    if want is not None and want != n:
        raise refuse(f"op {op.kind!r} reads {want} input(s), the layer is called on {n}")


def _check_classes(classes) -> None:
    if not classes:
        raise TypeError("give the framework class(es) to register, e.g. (MyLayer)")
    for cls in classes:
        if not isinstance(cls, type):
            raise TypeError(f"register takes class objects, got {cls!r}")


def register_keras_layer(*classes: type) -> Callable[[Convert], Convert]:
    """Decorator: ``convert(layer) -> op | (op, weights)`` handles Keras layers of
    ``classes`` (Keras 3 and tf_keras classes alike; subclasses too, unless they redefine
    ``call``). The op's output shape must be the layer's."""
    _check_classes(classes)

    def deco(fn: Convert) -> Convert:
        from keras_plugin.convert import KERAS_LAYERS

        handler = _HANDLERS.get(("keras", fn))
        if handler is None:
            handler = _HANDLERS[("keras", fn)] = _keras_handler(fn)
        KERAS_LAYERS.register(*classes)(handler)
        return fn

    return deco


def _keras_handler(fn: Convert):
    def handler(layer, call):
        op, weights = _made(fn(layer), fn, call.refuse)
        _check_arity(op, len(call.inputs), call.refuse)
        name = call.add(op, weights=weights)
        node = call.converter.graph[name]
        shape = tuple(op.output_shape(node, [tuple(s) for s in call.input_shapes]))
        if shape != tuple(call.output_shape):
            raise call.refuse(
                f"op {op.kind!r} gives output shape {shape}, the layer {tuple(call.output_shape)}"
            )
        return name

    handler.__name__ = handler.__qualname__ = getattr(fn, "__name__", "custom")
    return handler


def register_torch_module(*classes: type) -> Callable[[Convert], Convert]:
    """Decorator: ``convert(module) -> op | (op, weights)`` handles PyTorch modules of
    ``classes`` (kept whole by the tracer; subclasses too, unless they redefine
    ``forward``). The module's tensor arguments are the op's inputs, in order. An
    ``elementwise`` op takes them as the firmware holds them; any other op in torch's own
    axis order (channels first), and its output shape must be torch's."""
    _check_classes(classes)

    def deco(fn: Convert) -> Convert:
        from torch_plugin.convert import TORCH_MODULES

        handler = _HANDLERS.get(("torch", fn))
        if handler is None:
            handler = _HANDLERS[("torch", fn)] = _torch_handler(fn)
        TORCH_MODULES.register(*classes)(handler)
        return fn

    return deco


def _torch_handler(fn: Convert):
    def handler(call):
        op, weights = _made(fn(call.module), fn, call.refuse)
        arg_names = list(inspect.signature(call.module.forward).parameters)
        n = type(op).n_inputs or len(call.args)
        _check_arity(op, len(call.args) + len(call.kwargs), call.refuse)
        values = [
            call.input(i, arg_names[i] if i < len(arg_names) else f"arg{i}") for i in range(n)
        ]
        graph = call.converter.graph
        if op.elementwise:
            ref = values[0]
            values = [ref] + [call.like(v, ref) for v in values[1:]]
            out = call.add(op, values, weights=weights)
            if graph[out].shape != graph[ref.node].shape or tuple(call.out_shape) != ref.shape:
                raise call.refuse(f"elementwise op {op.kind!r} changes the shape")
            return call.value(out, layout=ref.layout)
        values = [call.canonical(v) for v in values]
        out = call.add(op, values, weights=weights)
        if graph[out].shape != tuple(call.out_shape):
            raise call.refuse(
                f"op {op.kind!r} gives output shape {graph[out].shape}, torch "
                f"{tuple(call.out_shape)}"
            )
        return call.value(out)

    handler.__name__ = handler.__qualname__ = getattr(fn, "__name__", "custom")
    return handler
