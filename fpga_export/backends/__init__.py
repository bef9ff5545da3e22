"""Vendor backends: type spelling, pragmas and project files. Vitis first, Vivado HLS,
Catapult HLS."""

from .catapult import CatapultBackend
from .quartus import QuartusBackend
from .vitis import VitisBackend
from .vivado import VivadoBackend

BACKENDS = {"vitis": VitisBackend, "vivado": VivadoBackend, "catapult": CatapultBackend}
BACKENDS["quartus"] = QuartusBackend


def get_backend(name: str):
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ValueError(
            f"unknown backend {name!r}; available backends: {', '.join(BACKENDS)}"
        ) from None


__all__ = [
    "BACKENDS",
    "CatapultBackend",
    "QuartusBackend",
    "VitisBackend",
    "VivadoBackend",
    "get_backend",
]
