"""Siemens Catapult HLS's solution report ``rtl.rpt``, read into a :class:`SynthReport`.

``build_prj.tcl``'s ``project new -name <name>_prj`` puts the solution in
``<name>_prj/<name>.v1/`` (a later run of the same project: ``.v2``, ...); ``go extract``
writes ``rtl.rpt`` there. Read from it (sections as in the real Catapult 10.4b reports of
tests/fixtures/vendor_reports; the header names the tool and its build):

- "Processes/Blocks in Design": per process (``/<top>/core``, ...) and for the "Design
  Total:" its Latency and Throughput in cycles (the top's latency and interval) and II,
- "Area Scores": the Total Area Score after assignment (Catapult's area unit, not a count of
  device primitives); "Bill Of Materials": the ``TOTAL AREA`` row's Area(LUTs) and, for
  libraries that have one, Area(DSP) columns,
- "Register-to-Variable Mappings": the register bits in total,
- "Timing Report": the critical path's Max Delay (the estimated clock) and the clock period
  constraint.

Catapult's numbers keep Catapult's names (``CatapultArea``): an area score is no LUT count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from .vitis_report import (
    ModuleReport,
    ReportNotFoundError,
    SynthReport,
    VendorResources,
    int_cell,
    text_after,
)

TOOL = "Catapult"


@dataclass
class CatapultArea(VendorResources):
    """Catapult's area figures: the total area score after assignment, the bill of
    materials' Area(LUTs) and Area(DSP) totals (operators from the technology library; the
    clusters, e.g. the layer functions, count in the score only), register bits."""

    area_score: float | None = None
    area_luts: float | None = None
    area_dsp: float | None = None
    reg_bits: int | None = None

    LABELS: ClassVar[tuple[str, ...]] = ("area score", "Area(LUTs)", "Area(DSP)", "reg bits")


def solution_dirs(folder: Path, top: str | None) -> list[Path]:
    """Solution folders holding an ``rtl.rpt`` below ``folder``, newest version first."""
    folder = Path(folder)
    name = f"{top}.v*" if top else "*.v*"
    found = [folder] if (folder / "rtl.rpt").is_file() else []
    for pattern in (name, f"*/{name}"):
        found += [p for p in folder.glob(pattern) if (p / "rtl.rpt").is_file()]
    return sorted(found, key=lambda p: (p != folder, -_version(p)))


def _version(p: Path) -> int:
    m = re.search(r"\.v(\d+)$", p.name)
    return int(m.group(1)) if m else 0


def read_report(folder, top: str | None = None) -> SynthReport:
    """The ``rtl.rpt`` of the newest solution of ``top`` below a project folder (or of a
    solution folder itself)."""
    dirs = solution_dirs(Path(folder), top)
    if not dirs:
        raise ReportNotFoundError(
            f"no Catapult report in {folder}: expected rtl.rpt in {top or '<top>'}_prj/"
            f"{top or '<top>'}.v1/ (written by go extract: build(synth=True))"
        )
    return read_rpt(dirs[0] / "rtl.rpt")


def read_rpt(path) -> SynthReport:
    path = Path(path)
    text = path.read_text(errors="replace")
    processes = _processes(text)
    total = processes.pop("Design Total:", None)
    if total is None:
        raise ReportNotFoundError(f"{path}: no 'Processes/Blocks in Design' table with a total")
    solution = _field(text, r"Solution Settings:\s*(\S+)")
    design = next((p.strip("/").split("/")[0] for p in processes), None)
    design = design or (solution or "").rsplit(".v", 1)[0] or None
    clock = _float(_field(text, r"Clock period or pin-to-reg delay constraint \(\w+\)\s*:\s*(\S+)"))
    registers = text_after(text, "Register-to-Variable Mappings")
    area = CatapultArea(
        area_score=_float(_field(text, r"Total Area Score:\s+\S+\s+\S+\s+(\S+)")),
        reg_bits=int_cell(_field(registers, r"\n\s*Total:\s+(\d+)")),
    )
    area.area_luts, area.area_dsp = _bom_totals(text)
    top = _module(design or "?", None, total, clock)
    top.resources = area
    layers = [_module(name, name, cells, clock) for name, cells in processes.items()]
    version = _field(text, r"-- Version:\s+(\S+)")
    library = _field(text, r"\[Lib: (mgc_[^\]]+)\]")
    notes = [
        "resources: Catapult's area score and its bill of materials' Area(LUTs)/Area(DSP) "
        "totals, not device utilization (run Vivado or Quartus synthesis for that)",
        "interval: Catapult's Throughput (cycles between inputs)",
    ]
    if library:
        notes.append(f"technology library: {library}")
    return SynthReport(
        folder=path.parent,
        tool=_field(text, r"^-- (.+?): Report", re.M) or TOOL,
        version=version.split("/")[0] if version else None,
        build=version.split("/")[1] if version and "/" in version else None,
        part=None,
        clock_target=clock,
        clock_estimate=_float(_field(text, r"Max Delay:\s*(\S+)")),
        clock_uncertainty=_float(_field(text, r"Clock uncertainty constraint \(\w+\)\s*:\s*(\S+)")),
        top=top,
        layers=layers,
        available=CatapultArea(),
        tops=[design] if design else [],
        notes=notes,
    )


def _processes(text: str) -> dict[str, list[int | None]]:
    """{process or "Design Total:": [ops, latency, throughput, reset length, II]}."""
    rows, table = {}, text_after(text, "Processes/Blocks in Design")
    for line in table.splitlines()[3:]:
        m = re.match(r"\s+(\S.*?)\s+((?:-?\d+\s+){4}-?\d+)\b", line)
        if not m:
            break
        rows[m.group(1)] = [int_cell(c) for c in m.group(2).split()]
    return rows


def _module(name: str, instance: str | None, cells, clock) -> ModuleReport:
    _, latency, throughput, _, ii = cells
    return ModuleReport(
        name=name,
        instance=instance,
        latency_min=latency,
        latency_max=latency,
        interval_min=throughput,
        interval_max=throughput,
        pipeline=f"II={ii}" if ii else None,
        resources=CatapultArea(),
        clock_period=clock,
    )


def _bom_totals(text: str) -> tuple[float | None, float | None]:
    """Area(LUTs) and Area(DSP) of the bill of materials' ``TOTAL AREA`` row (its area
    columns, in the header's order)."""
    bom = text_after(text, "Bill Of Materials")
    head = _field(bom, r"(Component Name.*)")
    total = _field(bom, r"TOTAL AREA[^:]*:(.*)")
    if not head or total is None:
        return None, None
    columns = re.findall(r"Area(?: Score|\([^)]*\))", head)
    values = dict(zip(columns, (_float(v) for v in total.split()), strict=False))
    return values.get("Area(LUTs)"), values.get("Area(DSP)")


def _field(text: str, pattern: str, flags: int = 0) -> str | None:
    m = re.search(pattern, text, flags)
    return m.group(1).strip() if m else None


def _float(text) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None
