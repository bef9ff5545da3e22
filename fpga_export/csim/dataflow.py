"""Dataflow simulation of an io_stream firmware: its processes run concurrently over FIFOs of
the generated depths, so a deadlock the hardware would hit shows up in csim.

The csim library is built a second time with ``-DFPGA_EXPORT_DATAFLOW_SIM`` (a separate cached
library): every ``FE_PROCESS`` of the top's DATAFLOW region then runs on a thread of its own
and every ``hls::stream<T, DEPTH>`` is bounded by DEPTH (nnet_cpp/compat/fe_dataflow.h, which
documents the deterministic schedule). The vendor's hls_stream.h has no such mode, so this
needs our compat headers.
"""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .build import build_library
from .runtime import CSimLibrary, CSimRuntimeError

FLAG = "-DFPGA_EXPORT_DATAFLOW_SIM"


class DataflowDeadlockError(RuntimeError):
    """The io_stream processes deadlock on their bounded FIFOs (the message names each
    blocked process, the FIFO it waits on and its occupancy)."""


@dataclass(frozen=True)
class Fifo:
    name: str
    depth: int  # declared depth
    peak: int  # highest occupancy seen (deterministic lazy schedule)


@dataclass(frozen=True)
class DataflowReport:
    """What a dataflow simulation saw: every internal FIFO with its depth and peak occupancy."""

    fifos: dict[str, Fifo]

    def minimal_depths(self, floor: int = 2) -> dict[str, int]:
        """Depths that hold every FIFO's peak (and at least ``floor``, UG1399's default 2)."""
        return {n: max(floor, f.peak) for n, f in self.fifos.items()}

    def table(self) -> str:
        lines = [f"{'FIFO':<32} {'depth':>6} {'peak':>6}"]
        lines += [f"{f.name:<32} {f.depth:>6} {f.peak:>6}" for f in self.fifos.values()]
        return "\n".join(lines)


class DataflowLibrary(CSimLibrary):
    """A csim library built with FPGA_EXPORT_DATAFLOW_SIM: predict() runs the dataflow
    simulation; stats()/reset() read its FIFO statistics."""

    def __init__(self, path: Path, in_sizes: list[int], out_sizes: list[int]):
        super().__init__(path, in_sizes, out_sizes)
        self._lib.fe_dataflow_stats.restype = ctypes.c_long
        self._lib.fe_dataflow_stats.argtypes = [ctypes.c_char_p, ctypes.c_long]

    def reset(self) -> None:
        self._lib.fe_dataflow_reset()

    def stats(self) -> dict[str, Fifo]:
        n = self._lib.fe_dataflow_stats(None, 0)
        buf = ctypes.create_string_buffer(n + 1)
        self._lib.fe_dataflow_stats(buf, n + 1)
        fifos = {}
        for line in buf.value.decode().splitlines():
            name, depth, peak = line.rsplit(" ", 2)
            fifos[name] = Fifo(name, int(depth), int(peak))
        return fifos


def build(project: Path, name: str, in_sizes, out_sizes, *, verbose=False) -> DataflowLibrary:
    if os.environ.get("FPGA_EXPORT_VENDOR_INCLUDE"):
        raise RuntimeError(
            "the dataflow simulation needs fpga-export's compat headers (bounded hls::stream), "
            "but FPGA_EXPORT_VENDOR_INCLUDE points csim at the vendor's; unset it for "
            "check_dataflow()"
        )
    path, _ = build_library(project, name, verbose=verbose, extra_flags=(FLAG,))
    return DataflowLibrary(path, in_sizes, out_sizes)


def simulate(lib: DataflowLibrary, inputs: list[np.ndarray]) -> DataflowReport:
    """Runs the samples one by one (one thread calls the top; the processes of each call run
    on their own threads); raises DataflowDeadlockError on a deadlock."""
    lib.reset()
    try:
        lib.predict(inputs, 1)
    except CSimRuntimeError as e:
        text = str(e)
        if "dataflow deadlock" in text:
            raise DataflowDeadlockError(text.split(": ", 1)[1]) from None
        raise
    return DataflowReport(lib.stats())
