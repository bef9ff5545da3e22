"""PyTorch frontend of fpga-export: traces live ``torch.nn.Module`` objects with torch.fx.

Importing it adds ``export_fpga`` to ``torch.nn.Module``::

    import torch_plugin  # noqa: F401
    firmware = model.export_fpga("my_prj", input_shape=(3, 32, 32), precision="ap_fixed<16,6>")
    firmware.predict(x_nchw)          # NCHW in, the torch model's output layout out

The firmware is channels-last; the export converts internally (``channels_last_io=True``
keeps a channels-last interface). ``CSimModule`` wraps the compiled csim as an
``nn.Module``; ``CSimValidator`` reports firmware accuracy once per epoch of a training loop.

Brevitas models export the same way: the Brevitas handlers (``handlers/brevitas.py``, reading
the live quantizers with ``quantizers.py``) are loaded at the first export once Brevitas is
imported; importing ``torch_plugin`` never imports Brevitas.
"""

import torch

from fpga_export.profile import register_float_trace

from . import handlers  # noqa: F401  (registers the handlers)
from .convert import (
    TORCH_FUNCTIONS,
    TORCH_METHODS,
    TORCH_MODULES,
    NodeCall,
    UnsupportedOperationError,
    Value,
)
from .export import export_fpga, input_specs, install, to_graph
from .module import CSimModule
from .profile import float_trace
from .trace import UntraceableModelError
from .validator import CSimValidator

install()
register_float_trace(torch.nn.Module, float_trace)

__all__ = [
    "CSimModule",
    "CSimValidator",
    "NodeCall",
    "TORCH_FUNCTIONS",
    "TORCH_METHODS",
    "TORCH_MODULES",
    "UnsupportedOperationError",
    "UntraceableModelError",
    "Value",
    "export_fpga",
    "float_trace",
    "input_specs",
    "install",
    "to_graph",
]
