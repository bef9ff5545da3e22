"""Vendor backends: type spelling, pragmas and project files. Vitis first, Vivado HLS."""

from .vitis import VitisBackend
from .vivado import VivadoBackend

BACKENDS = {"vitis": VitisBackend, "vivado": VivadoBackend}


def get_backend(name: str):
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ValueError(
            f"unknown backend {name!r}; available backends: {', '.join(BACKENDS)}"
        ) from None


__all__ = ["BACKENDS", "VitisBackend", "VivadoBackend", "get_backend"]
