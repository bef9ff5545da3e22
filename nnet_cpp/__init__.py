"""The C++ HLS layer library (header-only), shipped with the Python package as data."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent
COMPAT_DIR = ROOT / "compat"  # our own ap_fixed.h / ap_int.h / hls_stream.h for csim
NNET_DIR = ROOT / "nnet"  # the layer headers, one per family


def include_dirs() -> list[Path]:
    """Include directories for a csim build with our compat vendor headers."""
    return [ROOT, COMPAT_DIR]
