"""Keras frontend of fpga-export: walks live Keras 3 and tf_keras (legacy Keras 2) models.

Importing it adds ``export_fpga`` to ``keras.Model`` (and ``tf_keras.Model`` when installed)::

    import keras_plugin  # noqa: F401
    firmware = model.export_fpga("my_prj", precision="ap_fixed<16,6>")
"""

from fpga_export.profile import register_float_trace

from . import handlers  # noqa: F401  (registers the layer handlers)
from .callback import CSimCallback
from .convert import KERAS_LAYERS, LayerCall, convert, to_graph, weights_of
from .export import export_fpga, install
from .flavors import FLAVORS
from .layer import CSimLayer
from .profile import float_trace

install()
for _flavor in FLAVORS:
    register_float_trace(_flavor.Model, float_trace)

__all__ = [
    "CSimCallback",
    "CSimLayer",
    "FLAVORS",
    "KERAS_LAYERS",
    "LayerCall",
    "convert",
    "export_fpga",
    "float_trace",
    "install",
    "to_graph",
    "weights_of",
]
