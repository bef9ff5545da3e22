"""``fpga_export.export(model, ...)``: one entry point for every supported framework."""

from __future__ import annotations

import sys


def export(model, output_dir=None, **kwargs):
    """Export a live Keras (Keras 3 / tf_keras) model; same options as ``model.export_fpga``.

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
            raise NotImplementedError(
                "PyTorch export is not available yet (torch_plugin is planned); "
                "export a Keras model, or build an fpga_export.ir.Graph by hand"
            )
    cls = type(model)
    raise TypeError(
        f"cannot export an object of type {cls.__module__}.{cls.__qualname__}: "
        "expected a live keras.Model or tf_keras.Model"
    )
