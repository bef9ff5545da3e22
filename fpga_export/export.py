"""``fpga_export.export(model, ...)``: one entry point for every supported framework."""

from __future__ import annotations

import sys


def export(model, output_dir=None, **kwargs):
    """Export a live Keras (Keras 3 / tf_keras) model or ``torch.nn.Module``; same options as
    ``model.export_fpga`` (PyTorch: ``input_shape=`` or ``example_input=`` too).

    Dispatches on the framework the model belongs to. Only frameworks that are already
    imported can own ``model``, so nothing heavy is imported to find out.
    """
    if any(m in sys.modules for m in ("keras", "tf_keras")):
        from keras_plugin.export import export_fpga
        from keras_plugin.flavors import flavor_of

        if flavor_of(model) is not None:
            return export_fpga(model, output_dir, **kwargs)
    if "torch" in sys.modules:
        import torch

        if isinstance(model, torch.nn.Module):
            from torch_plugin.export import export_fpga as torch_export_fpga

            return torch_export_fpga(model, output_dir, **kwargs)
    cls = type(model)
    raise TypeError(
        f"cannot export an object of type {cls.__module__}.{cls.__qualname__}: "
        "expected a live keras.Model, tf_keras.Model or torch.nn.Module"
    )
