"""The Intel HLS Compiler's (i++) reports, read into a :class:`SynthReport`
(``backends.intel_report``): the ``<name>-fpga.prj`` the Makefile's ``synth`` step writes
(or any other ``.prj`` i++ wrote in the project folder), its ``reports/lib/json`` data.

The component's latency and II come from co-simulation (``reports/lib/verification_data.js``,
``var verifJSON``: per component "Invocations", "Latency (min,max,avg)", "II (min,max,avg)"
as quoted strings), when the ``.prj`` holds one; the optimization report has only per-loop
numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import intel_report
from .vitis_report import SynthReport, int_cell

TOOL = "Intel HLS Compiler (i++)"
PATTERNS = ("*.prj",)


def read_report(folder, top: str | None = None) -> SynthReport:
    """The i++ report of a project folder (or of a ``.prj`` or its report-data folder).

    The top is the whole design; ``top`` (or ``<top>_component``, our io_parallel component)
    names the component whose co-simulated latency and II it takes."""
    prj = f"{top or '<name>'}-fpga.prj"
    d = intel_report.find_report(
        Path(folder),
        PATTERNS,
        top,
        f"no i++ report in {folder}: expected {prj}/reports/lib/json/summary.json "
        "(written by build(synth=True): i++ -march=<part>)",
    )
    names = (f"{top}_component", top) if top else ()
    report = intel_report.read(d, top, names, TOOL)
    unit = next((n for n in names if n in report.tops), None)
    if unit is None and len(report.tops) == 1:
        unit = report.tops[0]
    sim = verification(d.parent / "verification_data.js") or verification(
        d / "verification_data.js"
    )
    if unit in sim:
        (lo, hi), (ii_lo, ii_hi) = sim[unit]
        report.top.latency_min, report.top.latency_max = lo, hi
        report.top.interval_min, report.top.interval_max = ii_lo, ii_hi
        report.notes[0] = (
            f"latency and II of {unit!r}: measured by co-simulation (verification_data.js); "
            "the optimization report has per-loop numbers only"
        )
    return report


_ROW = re.compile(
    r'"name"\s*:\s*"([^"]*)"\s*,\s*"data"\s*:\s*\[\s*' + r"'([^']*)'\s*,\s*" * 2 + r"'([^']*)'\s*\]"
)


def verification(path: Path) -> dict[str, tuple[tuple, tuple]]:
    """{component: ((latency min, max), (II min, max))} of a ``verification_data.js``
    (components with no invocations left out)."""
    if not path.is_file():
        return {}
    out = {}
    for name, calls, latency, ii in _ROW.findall(path.read_text(errors="replace")):
        lat, rate = latency.split(","), ii.split(",")
        if calls.strip() in ("", "0") or len(lat) < 2 or len(rate) < 2:
            continue
        out[name] = ((int_cell(lat[0]), int_cell(lat[1])), (int_cell(rate[0]), int_cell(rate[1])))
    return out
