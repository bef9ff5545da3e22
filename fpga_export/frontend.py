"""Framework-neutral pieces of the frontends (``keras_plugin``, ``torch_plugin``).

A :class:`HandlerRegistry` maps framework classes (the class objects, never their names) to
the handler that converts a live object of that class into IR nodes.  Lookup walks the MRO
of the object's class, so a user's subclass of ``keras.layers.Dense`` is handled as a Dense,
unless the subclass redefines one of the registry's ``behaviour_methods`` (``call`` for
Keras, ``forward`` for PyTorch): then its computation may differ from the base class, and it
is refused rather than silently exported as the base class (a quantized subclass such as
QKeras' ``QDense`` needs its own handler).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "HandlerRegistry",
    "UnsupportedLayerError",
    "exact_weightless",
    "load_optional_handlers",
    "quantized_inputs",
]


def _class_names(classes: Iterable[type]) -> list[str]:
    return sorted({c.__name__ for c in classes})


class UnsupportedLayerError(ValueError):
    """A layer of the live model has no handler; the message names the layer, its class and
    the supported classes."""

    def __init__(self, name: str, cls: type, supported: Iterable[type], reason: str = ""):
        self.layer_name = name
        self.layer_class = cls
        self.supported = _class_names(supported)
        why = f": {reason}" if reason else ""
        super().__init__(
            f"layer {name!r} of class {cls.__name__} ({cls.__module__}) is not supported{why}; "
            f"supported classes: {', '.join(self.supported)}"
        )


class HandlerRegistry:
    """Class object -> handler, resolved along the MRO of a live object's class.

    >>> LAYERS = HandlerRegistry("Keras layers", behaviour_methods=("call",))
    >>> @LAYERS.register(keras.layers.Dense, tf_keras.layers.Dense)
    ... def dense(layer, call): ...
    >>> LAYERS.lookup(layer)   # the handler, or UnsupportedLayerError
    """

    def __init__(self, what: str = "layers", *, behaviour_methods: tuple[str, ...] = ()):
        self.what = what
        self.behaviour_methods = behaviour_methods
        self._handlers: dict[type, Callable[..., Any]] = {}

    def register(self, *classes: type) -> Callable[[Callable], Callable]:
        """Decorator registering the handler for each class object in ``classes``."""
        if not classes:
            raise TypeError("register() needs at least one class")
        for cls in classes:
            if not isinstance(cls, type):
                raise TypeError(f"register() takes class objects, got {cls!r}")

        def deco(fn: Callable) -> Callable:
            for cls in classes:
                if cls in self._handlers and self._handlers[cls] is not fn:
                    raise ValueError(
                        f"{cls.__module__}.{cls.__qualname__} already has a handler "
                        f"({self._handlers[cls].__name__}) in the {self.what} registry"
                    )
                self._handlers[cls] = fn
            return fn

        return deco

    def __contains__(self, cls: type) -> bool:
        return cls in self._handlers

    @property
    def classes(self) -> list[type]:
        return list(self._handlers)

    def supported_names(self) -> list[str]:
        return _class_names(self._handlers)

    def resolve(self, cls: type) -> tuple[type, Callable] | None:
        """(registered class, handler) for the nearest registered class in ``cls.__mro__``."""
        for base in cls.__mro__:
            if base in self._handlers:
                return base, self._handlers[base]
        return None

    def lookup(self, obj: Any, name: str | None = None) -> Callable:
        """The handler for ``obj`` (``name`` is used in the error message)."""
        cls = type(obj)
        name = name if name is not None else str(getattr(obj, "name", cls.__name__))
        found = self.resolve(cls)
        if found is None:
            raise UnsupportedLayerError(name, cls, self._handlers)
        base, handler = found
        for sub in cls.__mro__[: cls.__mro__.index(base)]:
            redefined = [m for m in self.behaviour_methods if m in vars(sub)]
            if redefined:
                raise UnsupportedLayerError(
                    name,
                    cls,
                    self._handlers,
                    f"it subclasses {base.__name__} but {sub.__name__} redefines "
                    f"{', '.join(m + '()' for m in redefined)}, so its computation may differ",
                )
        return handler


def quantized_inputs(graph) -> None:
    """Give a graph input the type of the quantizer that reads it, when that quantizer is its
    only reader and is a plain conversion (``Activation`` linear, or relu into a saturating
    type): the framework quantizes its float input there, and csim converting the input
    straight into that type rounds and saturates it the same way (then the quantizer node
    converts a value to its own type: a no-op; a relu then zeroes exactly the values that
    were negative, which no rounding or saturation makes positive)."""
    from .layers.activation import Activation
    from .types import FixedType, Overflow

    for name in graph.inputs:
        node = graph[name]
        users = graph.users(name)
        if node.given or len(users) != 1 or users[0].inputs.count(name) != 1:
            continue
        q = users[0]
        t = q.given.get("result")
        if not isinstance(q.op, Activation) or t is None or t == "auto":
            continue
        t = FixedType.parse(t)
        if q.op.function == "linear" or (
            q.op.function == "relu"
            and q.op.max_value is None
            and t.overflow in (Overflow.SAT, Overflow.SAT_SYM)
        ):
            node.given["result"] = t


def exact_weightless(graph) -> None:
    """In a model with quantizers (some node has ``given`` types), give the framework's plain
    layers without weights that compute exactly (merges, pooling, reshapes, concatenation,
    linear/relu activations) "auto" types: the smallest holding their exact outputs, so
    they pass on exactly what the framework computes. Layers with weights that have no
    quantizer keep the user's precision (and are reported as not exact)."""
    from .layers.activation import Activation

    if not any(n.given for n in graph):
        return
    for node in graph:
        if node.given or node.op.weight_roles or node.name in graph.inputs:
            continue
        if isinstance(node.op, Activation) and node.op.function not in ("linear", "relu"):
            continue
        node.given = {r: "auto" for r in node.op.roles if r in ("result", "accum")}


def load_optional_handlers(library: str, handlers: str, label: str, hint: str = "") -> None:
    """Import the handler module ``handlers`` of an optional layer library once ``library``
    is in the process (a model using its layers cannot exist before). A broken library or
    install gives an ImportError saying so, not an "unsupported layer" later."""
    if library not in sys.modules or handlers in sys.modules:
        return
    try:
        importlib.import_module(handlers)
    except Exception as e:
        raise ImportError(
            f"the model may use {label} layers, but fpga-export's {label} support failed to "
            f"load: {type(e).__name__}: {e}{hint}"
        ) from e
