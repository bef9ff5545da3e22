"""Vendor backends: type spelling, pragmas and project files. Vitis first."""

from .vitis import VitisBackend

BACKENDS = {"vitis": VitisBackend}


def get_backend(name: str):
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ValueError(
            f"unknown backend {name!r}; available backends: {', '.join(BACKENDS)}"
        ) from None


__all__ = ["BACKENDS", "VitisBackend", "get_backend"]
