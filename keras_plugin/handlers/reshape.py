"""Handlers for Keras' layout layers: ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D
(nearest), Reshape and Permute (Keras 3 and tf_keras). Flatten is in :mod:`.conv`.

Only ``data_format="channels_last"`` is supported (the firmware's data are channels-last);
channels-first layers are refused with a clear message.
"""

from __future__ import annotations

from fpga_export.layers.reshape import (
    Cropping1D,
    Cropping2D,
    Permute,
    Reshape,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)

from ..convert import KERAS_LAYERS, LayerCall
from ..flavors import each


def _channels_last(layer, call: LayerCall) -> None:
    fmt = getattr(layer, "data_format", "channels_last")
    if fmt != "channels_last":
        raise call.refuse(
            f'data_format="{fmt}" is not supported: only "channels_last" (rebuild the model '
            'with data_format="channels_last", or transpose its input)'
        )


def _ints(value) -> tuple[int, ...]:
    return tuple(int(v) for v in (value if isinstance(value, (list, tuple)) else (value,)))


def _pairs(value) -> tuple:
    """Keras' ``((top, bottom), (left, right))`` (2-D) or ``(left, right)`` (1-D) as ints."""
    if all(isinstance(v, (list, tuple)) for v in value):
        return tuple(_ints(v) for v in value)
    return _ints(value)


@KERAS_LAYERS.register(*each(lambda k: k.layers.ZeroPadding1D))
def zero_padding_1d(layer, call: LayerCall) -> str:
    return call.add(ZeroPadding1D(padding=_pairs(layer.padding)))


@KERAS_LAYERS.register(*each(lambda k: k.layers.ZeroPadding2D))
def zero_padding_2d(layer, call: LayerCall) -> str:
    _channels_last(layer, call)
    return call.add(ZeroPadding2D(padding=_pairs(layer.padding)))


@KERAS_LAYERS.register(*each(lambda k: k.layers.Cropping1D))
def cropping_1d(layer, call: LayerCall) -> str:
    return call.add(Cropping1D(cropping=_pairs(layer.cropping)))


@KERAS_LAYERS.register(*each(lambda k: k.layers.Cropping2D))
def cropping_2d(layer, call: LayerCall) -> str:
    _channels_last(layer, call)
    return call.add(Cropping2D(cropping=_pairs(layer.cropping)))


@KERAS_LAYERS.register(*each(lambda k: k.layers.UpSampling1D))
def upsampling_1d(layer, call: LayerCall) -> str:
    return call.add(UpSampling1D(size=_ints(layer.size)))


@KERAS_LAYERS.register(*each(lambda k: k.layers.UpSampling2D))
def upsampling_2d(layer, call: LayerCall) -> str:
    _channels_last(layer, call)
    interpolation = getattr(layer, "interpolation", "nearest")
    if interpolation != "nearest":
        raise call.refuse(f"interpolation={interpolation!r} is not supported (only 'nearest')")
    return call.add(UpSampling2D(size=_ints(layer.size)))


@KERAS_LAYERS.register(*each(lambda k: k.layers.Reshape))
def reshape(layer, call: LayerCall) -> str:
    # the resolved output shape (a -1 in target_shape already inferred by Keras)
    return call.add(Reshape(target_shape=tuple(int(v) for v in call.output_shape)))


@KERAS_LAYERS.register(*each(lambda k: k.layers.Permute))
def permute(layer, call: LayerCall) -> str:
    return call.add(Permute(dims=_ints(layer.dims)))
