"""Handlers for Keras' core layers: InputLayer, Dense, the activation layers,
BatchNormalization, LayerNormalization and the layers that are the identity at inference
(Dropout ...).

Each handler serves Keras 3 and tf_keras: it is registered on the class objects of every
installed Keras (``each``) and reads only what both have.
"""

from __future__ import annotations

import numpy as np

from fpga_export.layers.activation import Activation
from fpga_export.layers.conv import Conv1D
from fpga_export.layers.dense import Dense
from fpga_export.layers.input import Input
from fpga_export.layers.norm import BatchNormalization, LayerNormalization
from fpga_export.layers.reshape import Identity

from ..convert import KERAS_LAYERS, LayerCall, array
from ..flavors import each


@KERAS_LAYERS.register(*each(lambda k: k.layers.InputLayer))
def input_layer(layer, call: LayerCall) -> str:
    return call.add(Input(), inputs=[])


@KERAS_LAYERS.register(*each(lambda k: k.layers.Dense))
def dense(layer, call: LayerCall) -> str:
    mode = getattr(layer, "quantization_mode", None)  # Keras 3 only
    if mode is not None:
        raise call.refuse(
            f"Keras-quantized Dense (quantization_mode={mode!r}) is not supported; export "
            "the float model and set precision= instead"
        )
    (shape,) = call.input_shapes
    if len(shape) == 2:
        return dense_over_time(layer, call)
    if len(shape) != 1:
        raise call.refuse(
            f"Dense on an input of shape {shape} per sample is not supported: only 1-D inputs "
            "and sequences (timesteps, features)"
        )
    kernel = array(layer.kernel)
    bias = array(layer.bias) if layer.use_bias else np.zeros(layer.units)
    out = call.add(Dense(units=int(layer.units)), weights={"kernel": kernel, "bias": bias})
    return fused_activation(layer, call, out)


def dense_over_time(dense, call: LayerCall) -> str:
    """A Dense applied at every timestep of a (T, F) input (a Dense on a sequence, or
    TimeDistributed(Dense)): a Conv1D of kernel size 1 (kernel ``(1, F, U)``), then the
    Dense's activation."""
    units = int(dense.units)
    bias = array(dense.bias) if dense.use_bias else np.zeros(units)
    op = Conv1D(filters=units, kernel_size=(1,), strides=(1,), padding="valid", dilation=(1,))
    out = call.add(op, weights={"kernel": array(dense.kernel)[None], "bias": bias},
                   layer_type="Dense")  # fmt: skip
    return fused_activation(dense, call, out)


def fused_activation(layer, call: LayerCall, node: str) -> str:
    """A layer's own ``activation=``: a separate Activation node ``<layer>_<function>``
    after ``node`` (nothing for linear)."""
    name, kwargs = _activation(call, layer.activation)
    if name == "linear":
        return node
    return call.add(Activation(name, **kwargs), suffix=name, inputs=[node], layer_type="Activation")


def _activation(call: LayerCall, fn) -> tuple[str, dict]:
    """(IR function name, Activation kwargs) of a Keras activation function object."""
    spec = call.flavor.activation(fn)
    if spec is None:
        what = getattr(fn, "__name__", repr(fn))
        supported = sorted({name for name, _ in call.flavor.activations.values()})
        raise call.refuse(
            f"activation {what!r} is not supported; supported: {', '.join(supported)}"
        )
    return spec


@KERAS_LAYERS.register(*each(lambda k: k.layers.Activation))
def activation(layer, call: LayerCall) -> str:
    name, kwargs = _activation(call, layer.activation)
    return call.add(Activation(name, **kwargs))


def _scalar(value) -> float | None:
    """A float (tf_keras keeps some layer settings as numpy arrays); None stays None."""
    return None if value is None else float(np.asarray(value))


@KERAS_LAYERS.register(*each(lambda k: k.layers.ReLU))
def relu(layer, call: LayerCall) -> str:
    """``ReLU(max_value, negative_slope, threshold)``: relu, relu with a max_value
    (clipped relu) or leaky relu; a threshold, or a slope together with a max_value, is
    refused."""
    max_value = _scalar(layer.max_value)
    slope = _scalar(layer.negative_slope)
    threshold = _scalar(layer.threshold)
    if threshold != 0.0:
        raise call.refuse(f"ReLU with threshold={threshold} is not supported (only 0)")
    if slope != 0.0 and max_value is not None:
        raise call.refuse(
            f"ReLU with both negative_slope={slope} and max_value={max_value} is not supported"
        )
    if max_value is not None and not max_value > 0:
        raise call.refuse(f"ReLU with max_value={max_value} is not supported (only > 0)")
    if slope != 0.0:
        return call.add(Activation("leaky_relu", alpha=slope))
    return call.add(Activation("relu", max_value=max_value))


@KERAS_LAYERS.register(*each(lambda k: k.layers.LeakyReLU))
def leaky_relu(layer, call: LayerCall) -> str:
    # Keras 3 calls the slope negative_slope, tf_keras alpha
    slope = layer.negative_slope if hasattr(layer, "negative_slope") else layer.alpha
    return call.add(Activation("leaky_relu", alpha=_scalar(slope)))


@KERAS_LAYERS.register(*each(lambda k: k.layers.ELU))
def elu(layer, call: LayerCall) -> str:
    return call.add(Activation("elu", alpha=_scalar(layer.alpha)))


@KERAS_LAYERS.register(*each(lambda k: k.layers.Softmax))
def softmax(layer, call: LayerCall) -> str:
    (shape,) = call.input_shapes
    axes = layer.axis if isinstance(layer.axis, (list, tuple)) else [layer.axis]
    rank = len(shape) + 1  # with the batch dimension
    if [a % rank for a in axes] != [rank - 1]:
        raise call.refuse(f"Softmax over axis {layer.axis} is not supported: only the last axis")
    return call.add(Activation("softmax"))


@KERAS_LAYERS.register(*each(lambda k: k.layers.BatchNormalization))
def batch_normalization(layer, call: LayerCall) -> str:
    """Inference-mode batch normalization (moving statistics), over the last axis."""
    (shape,) = call.input_shapes
    axes = layer.axis if isinstance(layer.axis, (list, tuple)) else [layer.axis]
    rank = len(shape) + 1
    if [a % rank for a in axes] != [rank - 1]:
        raise call.refuse(
            f"BatchNormalization over axis {list(axes)} is not supported: only the last axis"
        )
    n = shape[-1]
    gamma = array(layer.gamma) if layer.scale else np.ones(n)
    beta = array(layer.beta) if layer.center else np.zeros(n)
    mean, var = array(layer.moving_mean), array(layer.moving_variance)
    op, weights = BatchNormalization.from_moments(gamma, beta, mean, var, float(layer.epsilon))
    return call.add(op, weights=weights)


@KERAS_LAYERS.register(*each(lambda k: k.layers.LayerNormalization))
def layer_normalization(layer, call: LayerCall) -> str:
    """Layer normalization over the last axis only (one row = the last axis); the inverse
    standard deviation comes from a table over [0, 8) (LayerNormalization's defaults)."""
    (shape,) = call.input_shapes
    axes = layer.axis if isinstance(layer.axis, (list, tuple)) else [layer.axis]
    rank = len(shape) + 1
    if [int(a) % rank for a in axes] != [rank - 1]:
        raise call.refuse(
            f"LayerNormalization over axis {list(axes)} is not supported: only the last axis "
            "(axis=-1)"
        )
    if getattr(layer, "rms_scaling", False):  # Keras 3 only
        raise call.refuse("LayerNormalization with rms_scaling=True is not supported")
    n = shape[-1]
    gamma = array(layer.gamma) if layer.scale else np.ones(n)
    beta = array(layer.beta) if layer.center else np.zeros(n)
    op = LayerNormalization(epsilon=float(layer.epsilon))
    return call.add(op, weights={"gamma": gamma, "beta": beta})


@KERAS_LAYERS.register(
    *each(lambda k: k.layers.Dropout),
    *each(lambda k: k.layers.AlphaDropout),
    *each(lambda k: k.layers.GaussianDropout),
    *each(lambda k: k.layers.GaussianNoise),
)
def inference_identity(layer, call: LayerCall) -> str:
    """Layers that only act in training are the identity in the firmware."""
    return call.add(Identity())
