"""fpga-export: live Keras / PyTorch models to FPGA HLS firmware with a bit-accurate csim."""

__version__ = "0.1.0"

from .types import FixedType, Overflow, Rounding  # noqa: E402

__all__ = ["FixedType", "Overflow", "Rounding", "__version__"]
