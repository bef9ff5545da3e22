"""fpga-export: live Keras / PyTorch models to FPGA HLS firmware with a bit-accurate csim."""

__version__ = "0.1.0"

from . import layers  # noqa: E402,F401  (registers every op)
from .backends.vitis_limits import HardwareLimitError, ResourceUseWarning  # noqa: E402
from .backends.vitis_report import SynthReport, read_report  # noqa: E402
from .config import ExportConfig  # noqa: E402
from .estimate import Estimate  # noqa: E402
from .export import export  # noqa: E402
from .firmware import Firmware  # noqa: E402
from .ir import Graph, Interpreter, Node  # noqa: E402
from .load import LoadedModel, ModelLoadError, load_model  # noqa: E402
from .profile import Profile  # noqa: E402
from .report_html import ReportFileError  # noqa: E402
from .types import FixedType, Overflow, Rounding  # noqa: E402

__all__ = [
    "Estimate",
    "ExportConfig",
    "Firmware",
    "FixedType",
    "Graph",
    "HardwareLimitError",
    "Interpreter",
    "LoadedModel",
    "ModelLoadError",
    "Node",
    "Overflow",
    "Profile",
    "ReportFileError",
    "ResourceUseWarning",
    "Rounding",
    "SynthReport",
    "__version__",
    "export",
    "load_model",
    "read_report",
]
