"""The oneAPI FPGA optimization report, read into a :class:`SynthReport`
(``backends.intel_report``): the ``.prj`` of ``make report`` (``build/<name>_report.prj``,
``-fsycl-link=early``) or of ``make fpga`` (its Quartus fit too), whichever is newer, or any
other ``.prj`` in the project folder or in its ``build/``.

The kernels are the layers of the report: ours are ``<name>_kernel_id`` (the model),
``<name>_producer_id`` and ``<name>_consumer_id`` (io_stream); the top is the whole design
("Total"). Latency and II: per loop only (the report has no per-kernel numbers).
"""

from __future__ import annotations

from pathlib import Path

from . import intel_report
from .vitis_report import SynthReport

TOOL = "Intel oneAPI FPGA (icpx -fintelfpga)"
PATTERNS = ("*.prj", "build/*.prj")


def read_report(folder, top: str | None = None) -> SynthReport:
    """The optimization report of a project folder (or of a ``.prj`` or its data folder)."""
    prj = f"build/{top or '<name>'}_report.prj"
    d = intel_report.find_report(
        Path(folder),
        PATTERNS,
        top,
        f"no oneAPI optimization report in {folder}: expected {prj}/reports/resources/json/"
        "summary.ndjson (or reports/lib/json/summary.json, before oneAPI 2025), written by "
        "build(synth=True): make report",
    )
    names = (f"{top}_kernel_id", top, top[:1].upper() + top[1:]) if top else ()
    return intel_report.read(d, top, names, TOOL)
