"""Load a csim library (ctypes) and run it: batch predict on threads, weight push, trace."""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

_DP = ctypes.POINTER(ctypes.c_double)


class CSimRuntimeError(RuntimeError):
    pass


class CSimLibrary:
    """One private instance of a compiled csim library.

    The file is copied before loading so that two Firmware objects built from the same
    cached library keep separate weights (dlopen shares one instance per path).
    """

    def __init__(self, path: Path, in_sizes: list[int], out_sizes: list[int]):
        fd, private = tempfile.mkstemp(suffix=".so", prefix="fe-csim-")
        os.close(fd)
        shutil.copyfile(path, private)
        try:
            self._lib = ctypes.CDLL(private, mode=ctypes.RTLD_LOCAL)
        finally:
            os.unlink(private)  # the mapping stays valid
        self.path = Path(path)
        self.in_sizes, self.out_sizes = in_sizes, out_sizes
        lib = self._lib
        lib.fe_last_error.restype = ctypes.c_char_p
        lib.fe_trace_size.restype = ctypes.c_long
        lib.fe_set_weight.argtypes = [ctypes.c_char_p, _DP, ctypes.c_long]
        lib.fe_predict.argtypes = [
            ctypes.POINTER(_DP),
            ctypes.POINTER(_DP),
            ctypes.c_long,
            ctypes.c_int,
        ]
        lib.fe_trace.argtypes = [ctypes.POINTER(_DP), _DP, ctypes.c_long]
        self.trace_size = int(lib.fe_trace_size())

    def _check(self, code: int, what: str) -> None:
        if code:
            raise CSimRuntimeError(f"csim {what} failed: {self._lib.fe_last_error().decode()}")

    def set_weight(self, name: str, values: np.ndarray) -> None:
        v = np.ascontiguousarray(values, dtype=np.float64).ravel()
        self._check(
            self._lib.fe_set_weight(name.encode(), v.ctypes.data_as(_DP), v.size),
            f"weight update of {name!r}",
        )

    @staticmethod
    def _pointers(arrays):
        return (_DP * len(arrays))(*[a.ctypes.data_as(_DP) for a in arrays])

    def predict(self, inputs: list[np.ndarray], threads: int) -> list[np.ndarray]:
        n = inputs[0].shape[0]
        xs = [np.ascontiguousarray(x, dtype=np.float64).reshape(n, -1) for x in inputs]
        ys = [np.empty((n, s)) for s in self.out_sizes]
        code = self._lib.fe_predict(self._pointers(xs), self._pointers(ys), n, threads)
        self._check(code, "predict")
        return ys

    def trace(self, inputs: list[np.ndarray]) -> np.ndarray:
        n = inputs[0].shape[0]
        xs = [np.ascontiguousarray(x, dtype=np.float64).reshape(n, -1) for x in inputs]
        out = np.empty((n, self.trace_size))
        self._check(self._lib.fe_trace(self._pointers(xs), out.ctypes.data_as(_DP), n), "trace")
        return out
