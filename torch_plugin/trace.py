"""Tracing a live ``torch.nn.Module`` with torch.fx, and the shapes of every traced value.

:class:`Tracer` keeps as leaves (one ``call_module`` node, converted as a whole) every module
whose class has a handler in :data:`torch_plugin.convert.TORCH_MODULES` (so registering a
module class, e.g. a Brevitas quant layer, makes it a leaf) and the ``torch.nn`` modules fx
keeps anyway (an unsupported one then fails with a clear message instead of being traced
into). It records, on every node, the qualified name of the module whose ``forward`` created
it (``node.meta["fe_module"]``) and the Python stack (``node.meta["stack_trace"]``).

A model whose ``forward`` cannot be traced (data-dependent control flow ...) raises
:class:`UntraceableModelError` naming the module and the source line fx failed on, with the
two ways out: a handler for the module class (so it becomes a leaf) or ``concrete_args``.
"""

from __future__ import annotations

import contextlib
import inspect
import linecache
import os
import traceback

import torch
import torch.fx as fx
from torch.fx.passes.shape_prop import _extract_tensor_metadata

__all__ = [
    "WRAPPED_TENSORS",
    "Tracer",
    "UntraceableModelError",
    "inference_mode",
    "propagate_shapes",
    "trace",
    "unwrap",
]

WRAPPED_TENSORS: dict[type, object] = {}
"""Class of an object that stands for a tensor (Brevitas' ``QuantTensor``: a value with its
quantization metadata) -> ``fn(obj) -> torch.Tensor`` (its value). Filled by the frontends of
such libraries; a traced value of such a class counts as that tensor."""


def unwrap(obj):
    """``obj``'s tensor if it is a wrapped tensor (:data:`WRAPPED_TENSORS`), else ``obj``."""
    for cls in type(obj).__mro__:
        if cls in WRAPPED_TENSORS:
            return WRAPPED_TENSORS[cls](obj)
    return obj


_OURS = (os.path.dirname(torch.__file__), os.path.dirname(__file__))  # not the user's code


class UntraceableModelError(ValueError):
    """torch.fx cannot trace the model (see the message for where and what to do)."""


class Tracer(fx.Tracer):
    """fx tracer whose leaves are the module classes we convert (module docstring)."""

    def __init__(self, modules):
        super().__init__()
        self.record_stack_traces = True
        self._modules = modules  # a HandlerRegistry keyed by module class
        self._stack: list[tuple[str, type]] = []

    def is_leaf_module(self, m: torch.nn.Module, module_qualified_name: str) -> bool:
        if self._modules.resolve(type(m)) is not None:
            return True
        return super().is_leaf_module(m, module_qualified_name)

    def call_module(self, m, forward, args, kwargs):
        self._stack.append((self.path_of_module(m), type(m)))
        try:
            return super().call_module(m, forward, args, kwargs)
        except Exception as exc:
            if not hasattr(exc, "_fe_module"):
                exc._fe_module = self._stack[-1]  # the innermost module being traced
            raise
        finally:
            self._stack.pop()

    def create_node(self, *args, **kwargs):
        node = super().create_node(*args, **kwargs)
        node.meta["fe_module"] = self._stack[-1][0] if self._stack else ""
        return node


def _user_frame(exc: BaseException) -> traceback.FrameSummary | None:
    """The innermost frame of the traceback outside torch (the user's source line)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not _in_torch(f.filename)]
    return frames[-1] if frames else None


def _in_torch(filename: str) -> bool:
    """A frame of torch (fx) or of this plugin, not of the user's model."""
    return filename.startswith(_OURS) or filename.startswith("<eval_with_key")


def trace(model: torch.nn.Module, modules, concrete_args=None) -> fx.GraphModule:
    """The fx GraphModule of ``model`` (UntraceableModelError if fx cannot trace it)."""
    tracer = Tracer(modules)
    try:
        graph = tracer.trace(model, concrete_args=concrete_args)
    except Exception as exc:
        raise UntraceableModelError(_trace_message(model, exc)) from exc
    return fx.GraphModule(tracer.root, graph, type(model).__name__)


def _trace_message(model, exc: Exception) -> str:
    qualname, cls = getattr(exc, "_fe_module", ("", type(model)))
    where = f"module {qualname!r} ({cls.__name__})" if qualname else f"{cls.__name__}.forward"
    frame = _user_frame(exc)
    if frame is not None:
        line = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
        where += f", {frame.filename}:{frame.lineno}: `{line}`"
    fix_leaf = (
        f"register a handler for {cls.__name__} (torch_plugin.TORCH_MODULES.register("
        f"{cls.__name__})) so the tracer keeps it as a leaf and converts it as a whole"
        if qualname
        else "move that code into a submodule and register a handler for its class "
        "(torch_plugin.TORCH_MODULES.register(...)) so the tracer keeps it as a leaf"
    )
    control_flow = "control flow" in str(exc)
    why = (
        "Python control flow that depends on tensor values cannot be exported"
        if control_flow
        else "torch.fx traces forward() with symbolic tensors, and this code needs real ones"
    )
    return (
        f"cannot trace {type(model).__name__} with torch.fx: in {where}: "
        f"{type(exc).__name__}: {exc}. {why}. Either {fix_leaf}, or fix the arguments the code "
        "depends on with export_fpga(..., concrete_args={'name': value})"
    )


def tensor_placeholders(gm: fx.GraphModule, model, concrete_args) -> list[fx.Node]:
    """The placeholders that are model inputs (not fixed by ``concrete_args``)."""
    names = list(inspect.signature(model.forward).parameters)
    fixed = set(concrete_args or {})
    out = []
    for i, node in enumerate(n for n in gm.graph.nodes if n.op == "placeholder"):
        if i < len(names) and names[i] in fixed:
            continue
        out.append(node)
    return out


def propagate_shapes(gm: fx.GraphModule, model, concrete_args, inputs: list[torch.Tensor]):
    """Run ``gm`` on ``inputs`` (eval mode, no gradient), recording every node's
    ``meta["tensor_meta"]``; the model's training flag is restored afterwards.

    Also recorded: ``meta["fe_value"]``, a node's output when it is a wrapped tensor (a
    Brevitas ``QuantTensor``, whose metadata handlers read), and ``meta["fe_args"]``, the
    ``(args, kwargs)`` a leaf module was called with (so a handler can evaluate the module's
    parts, e.g. quantizers that depend on the input, as its ``forward`` does)."""
    names = list(inspect.signature(model.forward).parameters)
    fixed = concrete_args or {}
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    args, feed = [], iter(inputs)
    for i, _ in enumerate(placeholders):
        name = names[i] if i < len(names) else None
        args.append(fixed[name] if name in fixed else next(feed))
    prop = _ShapeProp(gm)
    try:
        with inference_mode(model, gm):
            prop.run(*args)
    except Exception as exc:
        node, cause = prop.current, exc.__cause__ or exc
        where = f"{node.target!r}" if node.op == "call_module" else f"node {node.name!r}"
        raise ShapeError(f"in {where}: {type(cause).__name__}: {cause}") from cause


class ShapeError(RuntimeError):
    """Running the model to find the shapes failed (the message names the node)."""


class _ShapeProp(fx.Interpreter):
    current = None

    def run_node(self, n):
        self.current = n
        try:
            result = super().run_node(n)
        except Exception as exc:  # keep the cause's message clean of fx's node dump
            raise RuntimeError(f"running node {n.name!r} failed") from exc
        found = False

        def meta(obj):
            nonlocal found
            obj = unwrap(obj)
            if isinstance(obj, torch.Tensor):
                found = True
                return _extract_tensor_metadata(obj)
            if isinstance(obj, (tuple, list)) and not hasattr(obj, "_fields"):
                return type(obj)(meta(o) for o in obj)
            return obj

        tensor_meta = meta(result)
        if found:
            n.meta["tensor_meta"] = tensor_meta
        if unwrap(result) is not result:
            n.meta["fe_value"] = result
        n.meta["type"] = type(result)
        return result

    def call_module(self, target, args, kwargs):
        self.current.meta["fe_args"] = (args, kwargs)
        return super().call_module(target, args, kwargs)


@contextlib.contextmanager
def inference_mode(*modules: torch.nn.Module):
    """eval() and no gradient; afterwards every submodule gets its own training flag back
    (a BatchNorm frozen in eval stays in eval)."""
    modes = [(m, m.training) for root in modules for m in root.modules()]
    for root in modules:
        root.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for m, training in modes:
            m.training = training
