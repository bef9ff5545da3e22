"""Float per-layer outputs of a live Keras model, for ``Firmware.profile(x, model)``."""

from __future__ import annotations

import numpy as np

from .flavors import flavor_of


def float_trace(model, x) -> dict[str, np.ndarray]:
    """``{layer name: float output}`` for ``x`` (as the model takes it), from one Keras model
    whose outputs are the layers' outputs. Left out: input layers (the profile has ``x``),
    nested models, layers called more than once and layers with several outputs."""
    flavor = flavor_of(model)
    input_layer = flavor.module.layers.InputLayer
    names, outputs = [], []
    for layer in model.layers:
        if isinstance(layer, (flavor.Model, input_layer)) or len(layer._inbound_nodes) != 1:
            continue
        try:
            out = layer.output
        except (AttributeError, ValueError):  # not connected / several outputs
            continue
        if isinstance(out, (list, tuple, dict)):
            continue
        names.append(layer.name)
        outputs.append(out)
    if not outputs:
        return {}
    probe = flavor.Model(model.inputs, outputs)
    xs = x if isinstance(x, (list, tuple)) else [x]
    xs = [np.asarray(a, dtype=np.float32) for a in xs]
    got = probe(xs, training=False)  # a list, as model.inputs is
    got = got if isinstance(got, (list, tuple)) else [got]
    return {name: np.asarray(v, dtype=np.float64) for name, v in zip(names, got, strict=True)}
