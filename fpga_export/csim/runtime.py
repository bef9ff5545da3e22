"""Load a csim library (ctypes) and run it: batch predict on threads, weight push, trace.

Ctrl-C: a C++ call cannot be interrupted, so on the main thread a batch that may take long
runs in a worker thread while the main thread waits in short steps; on KeyboardInterrupt it
sets the stop flag the C++ loop checks before every sample, waits for the worker (at most
one sample) and re-raises. Short batches (by the measured time per sample) run directly.
"""

from __future__ import annotations

import ctypes
import threading
import time
from pathlib import Path

import numpy as np

from .build import checksum_path, corruption, remove, temp_file

_DP = ctypes.POINTER(ctypes.c_double)
_STOP = ctypes.POINTER(ctypes.c_int)
_ERROR = (ctypes.c_char_p, ctypes.c_long)  # every call's error message buffer
STOPPED = 4  # return code of a call stopped by its flag
DIRECT_SECONDS = 0.05  # batches expected to take less run on the calling thread
POLL_SECONDS = 0.05


class CSimRuntimeError(RuntimeError):
    pass


class CSimLibrary:
    """One private instance of a compiled csim library.

    The file is copied before loading so that two Firmware objects built from the same
    cached library keep separate weights (dlopen shares one instance per path); the copy is
    checked against the cache entry's checksum and removed once loaded.
    """

    def __init__(self, path: Path, in_sizes: list[int], out_sizes: list[int]):
        self.path = Path(path)
        self._lib = _load_private_copy(self.path)
        self.in_sizes, self.out_sizes = in_sizes, out_sizes
        lib = self._lib
        lib.fe_trace_size.restype = ctypes.c_long
        lib.fe_set_weight.argtypes = [ctypes.c_char_p, _DP, ctypes.c_long, *_ERROR]
        lib.fe_predict.argtypes = [
            ctypes.POINTER(_DP),
            ctypes.POINTER(_DP),
            ctypes.c_long,
            ctypes.c_int,
            _STOP,
            *_ERROR,
        ]
        lib.fe_trace.argtypes = [ctypes.POINTER(_DP), _DP, ctypes.c_long, _STOP, *_ERROR]
        self.trace_size = int(lib.fe_trace_size())
        self._seconds_per_sample: dict[str, float] = {}  # by call, from the last batch

    def set_weight(self, name: str, values: np.ndarray) -> None:
        v = np.ascontiguousarray(values, dtype=np.float64).ravel()
        error = ctypes.create_string_buffer(1024)
        code = self._lib.fe_set_weight(name.encode(), v.ctypes.data_as(_DP), v.size, error, 1024)
        if code:
            raise CSimRuntimeError(f"csim weight update of {name!r} failed: {_text(error)}")

    @staticmethod
    def _pointers(arrays):
        return (_DP * len(arrays))(*[a.ctypes.data_as(_DP) for a in arrays])

    def _batch(self, inputs: list[np.ndarray]) -> tuple[int, list[np.ndarray]]:
        """Inputs as contiguous float64 (n, size) arrays, checked: C++ trusts these sizes."""
        n = len(inputs[0])
        if len(inputs) != len(self.in_sizes):
            raise CSimRuntimeError(f"csim takes {len(self.in_sizes)} inputs, got {len(inputs)}")
        xs = []
        for i, (x, size) in enumerate(zip(inputs, self.in_sizes, strict=True)):
            x = np.ascontiguousarray(x, dtype=np.float64)
            if len(x) != n or x.size != n * size:
                raise CSimRuntimeError(
                    f"csim input {i}: expected {n} samples of {size} values, got shape {x.shape}"
                )
            xs.append(x.reshape(n, size))
        return n, xs

    def predict(self, inputs: list[np.ndarray], threads: int) -> list[np.ndarray]:
        n, xs = self._batch(inputs)
        ys = [np.empty((n, s)) for s in self.out_sizes]
        if n:
            args = (self._pointers(xs), self._pointers(ys), n, threads)
            self._call("predict", self._lib.fe_predict, args, n)
        return ys

    def trace(self, inputs: list[np.ndarray]) -> np.ndarray:
        n, xs = self._batch(inputs)
        out = np.empty((n, self.trace_size))
        if n:
            args = (self._pointers(xs), out.ctypes.data_as(_DP), n)
            self._call("trace", self._lib.fe_trace, args, n)
        return out

    def _call(self, what: str, fn, args: tuple, n: int) -> None:
        """One C++ batch call that Ctrl-C can stop (module docstring)."""
        stop = ctypes.c_int(0)
        error = ctypes.create_string_buffer(1024)
        per_sample = self._seconds_per_sample.get(what)
        direct = threading.current_thread() is not threading.main_thread() or (
            per_sample is not None and n * per_sample < DIRECT_SECONDS
        )
        start = time.perf_counter()
        code = _interruptible(lambda: fn(*args, ctypes.byref(stop), error, 1024), stop, direct)
        self._seconds_per_sample[what] = (time.perf_counter() - start) / n
        if code == STOPPED:  # stopped without our KeyboardInterrupt: cannot happen
            raise CSimRuntimeError(f"csim {what} was stopped")
        if code:
            raise CSimRuntimeError(f"csim {what} failed: {_text(error)}")


def _text(error) -> str:
    return error.value.decode(errors="replace")


def _interruptible(call, stop: ctypes.c_int, direct: bool) -> int:
    if direct:
        return call()
    result: list = []

    def work():
        try:
            result.append(call())
        except BaseException as exc:  # handed to the waiting thread
            result.append(exc)

    worker = threading.Thread(target=work, name="fpga-export-csim", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(POLL_SECONDS)  # short steps: the main thread sees signals promptly
    except BaseException:
        stop.value = 1
        while worker.is_alive():  # C++ still writes into our arrays: wait (one sample)
            try:
                worker.join(POLL_SECONDS)
            except KeyboardInterrupt:
                pass
        raise
    if isinstance(result[0], BaseException):
        raise result[0]
    return result[0]


def _load_private_copy(path: Path) -> ctypes.CDLL:
    """dlopen a private copy of ``path`` (checked against its checksum when it has one),
    removed again once loaded (the mapping stays valid)."""
    data = path.read_bytes()
    problem = corruption(path, data) if checksum_path(path).exists() else None
    if problem is not None:
        raise CSimRuntimeError(
            f"csim library {path} is corrupt ({problem}); delete it and compile again"
        )
    private = temp_file(path.parent, ".so")
    try:
        private.write_bytes(data)
        return ctypes.CDLL(str(private), mode=ctypes.RTLD_LOCAL)
    finally:
        remove(private)
