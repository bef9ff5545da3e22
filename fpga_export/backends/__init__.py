"""Vendor backends: type spelling, pragmas and project files. Vitis first, Vivado HLS,
Catapult HLS, Intel oneAPI, Intel HLS Compiler (Quartus)."""

from .catapult import CatapultBackend
from .oneapi import OneAPIBackend
from .quartus import QuartusBackend
from .vitis import VitisBackend
from .vivado import VivadoBackend

BACKENDS = {
    "vitis": VitisBackend,
    "vivado": VivadoBackend,
    "catapult": CatapultBackend,
    "oneapi": OneAPIBackend,
    "quartus": QuartusBackend,
}


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
    "OneAPIBackend",
    "QuartusBackend",
    "VitisBackend",
    "VivadoBackend",
    "get_backend",
]
