"""Walk a live Keras model (Keras 3 or tf_keras; Sequential or Functional) into an IR Graph.

The walk starts at the model's output tensors and follows each tensor's Keras history back
to the layer call that made it, so it sees exactly the graph Keras runs.  Every layer call
is converted by the handler registered for the layer's class in :data:`KERAS_LAYERS`
(``keras_plugin.handlers``); a model used as a layer is inlined.  Weights are read from the
live layer objects as float64.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fpga_export.codegen.names import identifier
from fpga_export.frontend import (
    HandlerRegistry,
    exact_weightless,
    load_optional_handlers,
    quantized_inputs,
)
from fpga_export.ir import Graph, Node
from fpga_export.ir.op import Op

from .flavors import Flavor, flavor_of

__all__ = ["KERAS_LAYERS", "LayerCall", "array", "convert", "to_graph", "weights_of"]

KERAS_LAYERS = HandlerRegistry("Keras layers", behaviour_methods=("call",))
"""Keras layer class -> handler ``fn(layer, call: LayerCall) -> output node name``."""


def array(value) -> np.ndarray:
    """A Keras/TF variable (or array) as a new float64 numpy array (exact for float32)."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.array(value, dtype=np.float64)


def _shape(tensor) -> tuple:
    """A KerasTensor's shape without the batch dimension (None for undefined sizes)."""
    return tuple(None if d is None else int(d) for d in tuple(tensor.shape)[1:])


@dataclass
class LayerCall:
    """One call of a layer in the model, as handed to its handler."""

    layer: Any
    name: str  # C++-safe base name for the node(s) of this call
    inputs: list[str]  # graph nodes feeding this call
    input_shapes: list[tuple]  # batch excluded
    output_shape: tuple  # batch excluded
    flavor: Flavor
    converter: _Converter = field(repr=False)

    @property
    def source(self) -> str:
        return f"{self.layer.name} ({type(self.layer).__name__})"

    def add(
        self,
        op: Op,
        *,
        weights: dict[str, np.ndarray] | None = None,
        suffix: str = "",
        inputs: list[str] | None = None,
        layer_type: str | None = None,
        shape: tuple | None = None,
        given: dict | None = None,
        hints: dict | None = None,
    ) -> str:
        """Add a node for this call; returns its name (``name`` or ``name_suffix``, made
        unique).  ``layer_type`` is the class name for ``hls_config["LayerType"]``
        (default: the layer's class name); ``given`` the types the framework itself uses
        (its quantizers: ``Node.given``), ``hints`` why such a type is lossy (``Node.hints``)."""
        base = f"{self.name}_{suffix}" if suffix else self.name
        return self.converter.add_node(
            Node(
                self.converter.graph.unique_name(identifier(base)),
                op,
                list(self.inputs if inputs is None else inputs),
                shape=tuple(self.output_shape if shape is None else shape),
                weights={k: np.asarray(v, dtype=np.float64) for k, v in (weights or {}).items()},
                given=dict(given or {}),
                hints=dict(hints or {}),
                source=self.source,
                layer="" if suffix else self.layer.name,
            ),
            layer_type or type(self.layer).__name__,
        )

    def part_of(self, node: str, owner: str) -> None:
        """``node`` is part of the layer whose main node is ``owner``: the settings given for
        the layer (``layers=``, ``LayerName``) apply to it too."""
        self.converter.parts[node] = owner

    def alias_roles(self, owner: str, aliases: dict[str, tuple[str, str]]) -> None:
        """Settings given for ``owner`` may name roles of the layer's other nodes:
        ``{"depthwise": ("sep_depthwise", "kernel")}``."""
        self.converter.role_aliases[owner] = dict(aliases)

    def refuse(self, reason: str) -> ValueError:
        """An error for a supported layer class used with settings we cannot export."""
        return ValueError(f"layer {self.layer.name!r} ({type(self.layer).__name__}): {reason}")


class _Converter:
    def __init__(self, model, flavor: Flavor, name: str):
        self.flavor = flavor
        self.graph = Graph(name)
        self.layer_types: dict[str, str] = {}
        self.parts: dict[str, str] = {}  # node -> the node whose layer settings it takes
        self.role_aliases: dict[str, dict[str, tuple[str, str]]] = {}
        self.model = model

    def add_node(self, node: Node, layer_type: str) -> str:
        self.graph.add(node)
        self.layer_types[node.name] = layer_type
        return node.name

    def run(self) -> Graph:
        inputs, outputs = _model_io(self.model)
        seeds: dict = {}
        for t in inputs:  # graph inputs first, in the model's order
            name = self.tensor(t, {})
            seeds[_key(t)] = name
            self.graph.inputs.append(name)
        self.graph.outputs = [self.tensor(t, seeds) for t in outputs]
        return self.graph

    def tensor(self, t, done: dict) -> str:
        """The graph node computing KerasTensor ``t`` (converting what it needs first).

        ``done`` maps (layer id, node index) to the node made for that call, per model
        scope (a nested model called twice is converted twice)."""
        layer, node_index, tensor_index = t._keras_history
        key = (id(layer), node_index)
        if key not in done:
            done[key] = self.call(layer, node_index, done)
        outs = done[key]
        if isinstance(outs, str):
            outs = [outs]
        if tensor_index >= len(outs):
            raise ValueError(
                f"layer {layer.name!r} ({type(layer).__name__}) has several outputs, "
                "which is not supported yet"
            )
        return outs[tensor_index]

    def call(self, layer, node_index: int, done: dict):
        node = layer._inbound_nodes[node_index]
        in_tensors = self.flavor.node_inputs(node)
        inputs = [self.tensor(t, done) for t in in_tensors]
        if isinstance(layer, self.flavor.Model):
            return self.inline(layer, inputs)
        handler = KERAS_LAYERS.lookup(layer)
        if node.is_input:
            out_shape = _input_shape(self.model, layer)
        else:
            out_shape = _shape(self.flavor.node_outputs(node)[0])
        call = LayerCall(
            layer=layer,
            name=identifier(layer.name),
            inputs=inputs,
            input_shapes=[_shape(t) for t in in_tensors],
            output_shape=out_shape,
            flavor=self.flavor,
            converter=self,
        )
        return handler(layer, call)

    def inline(self, model, inputs: list[str]) -> list[str]:
        """A model used as a layer: convert its own graph, fed by ``inputs``."""
        sub_in, sub_out = _model_io(model)
        seeds = {_key(t): name for t, name in zip(sub_in, inputs, strict=True)}
        return [self.tensor(t, seeds) for t in sub_out]


def _key(t) -> tuple[int, int]:
    layer, node_index, _ = t._keras_history
    return (id(layer), node_index)


def _model_io(model) -> tuple[list, list]:
    try:
        inputs, outputs = model.inputs, model.outputs
    except AttributeError:  # Keras 3: Sequential not built yet, or a subclassed model
        inputs = outputs = None
    if not inputs or not outputs:
        raise ValueError(
            f"model {model.name!r} ({type(model).__name__}) has no defined inputs and outputs. "
            "A Sequential model needs an input shape: start it with keras.Input(shape=...), "
            "or call model.build((None, n_features)) or call it once on data. Subclassed "
            "models (a custom call()) cannot be walked: write them as Functional models."
        )
    return list(inputs), list(outputs)


def _input_shape(model, layer) -> tuple:
    shape = _shape(layer.output)
    if any(d is None for d in shape) or not shape:
        full = "(batch, " + ", ".join("None" if d is None else str(d) for d in shape) + ")"
        raise ValueError(
            f"model {model.name!r}: input {layer.name!r} has shape {full} with an undefined "
            "size; give every dimension but the batch a size, e.g. keras.Input(shape=(16,))"
        )
    return shape


def _check_model(model) -> Flavor:
    flavor = flavor_of(model)
    if flavor is None:
        raise ValueError(
            f"expected a Keras model (keras.Model or tf_keras.Model), got "
            f"{type(model).__module__}.{type(model).__name__}"
        )
    return flavor


def _convert(model) -> _Converter:
    flavor = _check_model(model)
    _load_optional_handlers()
    conv = _Converter(model, flavor, identifier(model.name))
    conv.run()
    quantized_inputs(conv.graph)
    exact_weightless(conv.graph)
    return conv


def _load_optional_handlers() -> None:
    """QKeras' and HGQ2's handlers, once QKeras / HGQ2 is in the process."""
    hint = ". QKeras needs legacy Keras: set TF_USE_LEGACY_KERAS=1 before TensorFlow is imported"
    load_optional_handlers("qkeras", "keras_plugin.handlers.qkeras", "QKeras", hint)
    load_optional_handlers("hgq", "keras_plugin.handlers.hgq", "HGQ2")


def convert(model) -> tuple[Graph, dict[str, str]]:
    """(graph, {node name: framework class name}) of a live model; no config applied."""
    conv = _convert(model)
    return conv.graph, conv.layer_types


def to_graph(model, config=None) -> Graph:
    """The IR graph of a live Keras model, with ``config`` (an ExportConfig) applied.

    Node names are the Keras layer names made C++-safe; a Dense layer's activation becomes
    a separate Activation node named ``<layer>_<activation>``.  The graph is untyped: the
    pass pipeline (``fpga_export.passes.run_pipeline``) types it.
    """
    conv = _convert(model)
    graph = conv.graph
    if config is not None:
        if config.name is not None:
            graph.name = identifier(config.name)
        config.apply(graph, conv.layer_types, parts=conv.parts, role_aliases=conv.role_aliases)
    return graph


def weights_of(model, graph: Graph) -> dict[str, dict[str, np.ndarray]]:
    """The current weights of the live ``model``, keyed by the node names of ``graph``.

    ``graph`` is a graph made from this model by :func:`to_graph` (before or after the pass
    pipeline).  The model is walked again, so the names are the same.  The weights are the
    *raw per-layer* ones (float64): a BatchNormalization node that the pipeline fused into
    the Dense before it is returned under its own original name with its own weights, and
    the Dense under its name with its unfused kernel/bias; applying such fusions is the
    firmware's job.  Raises ValueError if the model no longer has a node of the graph.
    """
    fresh, _ = convert(model)
    out = {n.name: n.weights for n in fresh if n.weights}
    for node in graph:
        if not node.weights:
            continue
        if node.name not in fresh:
            raise ValueError(
                f"the model no longer matches the graph: it has no layer for node "
                f"{node.name!r} ({node.source}); export it again"
            )
        for w, value in out.get(node.name, {}).items():
            if w in node.weights and np.shape(node.weights[w]) != value.shape:
                raise ValueError(
                    f"the model no longer matches the graph: {node.name}.{w} has shape "
                    f"{value.shape}, the graph has {np.shape(node.weights[w])}; export it again"
                )
    return out
