"""The Keras implementations this plugin serves: Keras 3 (required) and the legacy Keras 2
package ``tf_keras`` (when installed).  Handlers are registered on the class objects of each.

The two differ in a few internals the walker needs (how a graph node lists its input
tensors) and in their activation functions (``hard_sigmoid`` is ``relu6(x + 3) / 6`` in
Keras 3 but ``clip(0.2 x + 0.5, 0, 1)`` in tf_keras), so each gets a :class:`Flavor`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

import keras

__all__ = ["FLAVORS", "Flavor", "each", "flavor_of"]


@dataclass(frozen=True)
class Flavor:
    name: str  # "keras" or "tf_keras": what users import
    module: ModuleType
    node_inputs: Callable  # graph node -> its input KerasTensors (flat list)
    node_outputs: Callable  # graph node -> its output KerasTensors (flat list)
    activations: dict = field(default_factory=dict)  # activation function -> (name, kwargs)

    @property
    def Model(self) -> type:  # noqa: N802
        return self.module.Model

    def activation(self, fn) -> tuple[str, dict] | None:
        """The IR activation (function name, Activation kwargs) of a Keras activation
        function object, or None if it has no IR equivalent."""
        return self.activations.get(fn)


def _activation_table(module: ModuleType, hard_sigmoid: dict) -> dict:
    """Keras activation function objects -> IR Activation (function, kwargs).

    Keyed by the function objects that ``activations.get(name)`` returns, which is what a
    layer built with ``activation="relu"`` holds; Keras' default parameters are explicit."""
    table = {
        "linear": {},
        "relu": {},
        "relu6": {},
        "leaky_relu": {"alpha": 0.2},  # keras.activations.leaky_relu / tf.nn.leaky_relu default
        "elu": {"alpha": 1.0},
        "selu": {},
        "sigmoid": {},
        "hard_sigmoid": hard_sigmoid,
        "tanh": {},
        "softplus": {},
        "softsign": {},
        "softmax": {},
    }
    out = {}
    for name, kwargs in table.items():
        fn = module.activations.get(name)
        out[fn] = (name, kwargs)
    return out


def _keras3_node_inputs(node) -> list:
    return list(node.input_tensors)


def _keras3_node_outputs(node) -> list:
    return list(node.output_tensors)


def _tf_keras_node_inputs(node) -> list:
    return list(node.keras_inputs)


def _tf_keras_node_outputs(node) -> list:
    import tensorflow as tf  # tf_keras is built on it

    return tf.nest.flatten(node.outputs)


# hard_sigmoid is clip(slope * x + 0.5, 0, 1) in both, with different slopes
_KERAS3_HARD_SIGMOID = {"slope": 1.0 / 6.0}
_TF_KERAS_HARD_SIGMOID = {"slope": 0.2}

FLAVORS: list[Flavor] = [
    Flavor(
        "keras",
        keras,
        _keras3_node_inputs,
        _keras3_node_outputs,
        _activation_table(keras, _KERAS3_HARD_SIGMOID),
    )
]

if importlib.util.find_spec("tf_keras") is not None:  # is tf_keras installed?
    import tf_keras

    FLAVORS.append(
        Flavor(
            "tf_keras",
            tf_keras,
            _tf_keras_node_inputs,
            _tf_keras_node_outputs,
            _activation_table(tf_keras, _TF_KERAS_HARD_SIGMOID),
        )
    )


def each(pick: Callable[[ModuleType], type]) -> tuple[type, ...]:
    """The class ``pick(module)`` of every installed Keras, for ``registry.register(*...)``:
    ``each(lambda k: k.layers.Dense)``."""
    return tuple(pick(f.module) for f in FLAVORS)


def flavor_of(model) -> Flavor | None:
    for f in FLAVORS:
        if isinstance(model, f.Model):
            return f
    return None
