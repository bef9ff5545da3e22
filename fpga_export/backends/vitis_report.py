"""Synthesis reports of Vivado HLS / Vitis HLS runs, read into typed results.

``read_report(folder)`` takes a project folder (``<name>_prj/solution1/syn/report/`` below
it, or vitis-run's ``<name>/hls/syn/report/``) or a report folder itself, and returns a
:class:`SynthReport`: the top function's latency, interval and resources from
``<top>_csynth.xml`` (or, when only the text report exists, ``<top>_csynth.rpt``), one row per
instance of the top function from the ``Detail / Instance`` tables of ``<top>_csynth.rpt``
(the layers), and, when a Vivado ``report_utilization`` file is found (``vivado_synth.rpt``
beside the project, or one under ``solution1/impl/``), the post-synthesis utilization.

Report facts relied on (seen in real reports of Vivado HLS 2019.2-2020.1 and Vitis HLS
2021.1-2025.1, see tests/backends/test_vitis_report.py): Vivado HLS names the DSP column
``DSP48E``, Vitis ``DSP``; ``csynth.xml`` is the tool's top (the AXI wrapper when there is
one); the ``.rpt`` header names the tool ("Vivado HLS Report" / "Vitis HLS Report") and its
build; a latency or interval the tool cannot bound is ``?`` (None here).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import ClassVar

RESOURCES = ("bram_18k", "dsp", "ff", "lut", "uram")
_XML_TAGS = {"bram_18k": "BRAM_18K", "dsp": ("DSP", "DSP48E"), "ff": "FF", "lut": "LUT"}
_XML_TAGS["uram"] = "URAM"


class ReportNotFoundError(FileNotFoundError):
    pass


@dataclass
class Resources:
    """Counts per resource kind (None: not reported)."""

    bram_18k: int | None = None
    dsp: int | None = None
    ff: int | None = None
    lut: int | None = None
    uram: int | None = None

    LABELS: ClassVar[tuple[str, ...]] = ("BRAM_18K", "DSP", "FF", "LUT", "URAM")

    def as_dict(self) -> dict[str, int | None]:
        return {r: getattr(self, r) for r in RESOURCES}


class VendorResources:
    """Base of the resource counts of a non-AMD report, in the vendor's own kinds
    (``LABELS``, as its report names them). No AMD kind stands in for another vendor's."""

    LABELS: ClassVar[tuple[str, ...]] = ()

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class ModuleReport:
    """Latency (cycles), initiation interval and resources of one function or instance."""

    name: str  # module (function) name
    instance: str | None = None  # instance name in its parent (None for the top)
    latency_min: int | None = None
    latency_max: int | None = None
    interval_min: int | None = None
    interval_max: int | None = None
    pipeline: str | None = None  # "function", "dataflow", "yes", "no", ...
    resources: Resources = field(default_factory=Resources)
    clock_period: float | None = None  # ns, the target clock the cycles run at

    def _ns(self, cycles):
        return None if cycles is None or self.clock_period is None else cycles * self.clock_period

    @property
    def latency_min_ns(self) -> float | None:
        return self._ns(self.latency_min)

    @property
    def latency_max_ns(self) -> float | None:
        return self._ns(self.latency_max)


@dataclass
class PostSynthesis:
    """Vivado report_utilization numbers (used, and available on the device)."""

    file: Path
    state: str | None  # "Synthesized", "Routed", ...
    tool_version: str | None
    used: Resources
    available: Resources
    fmax_mhz: float | None = None  # the fitter's clock fMAX (Intel Quartus reports)


@dataclass
class SynthReport:
    """One C-synthesis run: the top function, its instances (layers), the part, the clock."""

    folder: Path
    tool: str | None  # "Vivado HLS" or "Vitis HLS"
    version: str | None  # "2019.2", "2023.2" ...
    build: str | None  # "2704478"
    part: str | None
    clock_target: float | None  # ns
    clock_estimate: float | None  # ns
    clock_uncertainty: float | None  # ns
    top: ModuleReport
    layers: list[ModuleReport]
    available: Resources
    tops: list[str]  # every top function with a report in the folder
    post_synthesis: PostSynthesis | None = None
    loops: list[ModuleReport] = field(default_factory=list)  # per loop (instance: its kernel)
    notes: list[str] = field(default_factory=list)  # what the vendor's report does not give

    @property
    def resource_labels(self) -> tuple[str, ...]:
        return type(self.top.resources).LABELS

    def table(self) -> str:
        """A readable summary: header, the top, one row per instance, post-synthesis."""
        tool = " ".join(str(x) for x in (self.tool, self.version) if x) or "HLS"
        build = f" (build {self.build})" if self.build else ""
        lines = [
            f"{tool}{build} report of {self.top.name!r}, part {self.part or '?'}",
            f"clock: target {_num(self.clock_target)} ns, estimated {_num(self.clock_estimate)} ns"
            + (
                f", uncertainty {_num(self.clock_uncertainty)} ns" if self.clock_uncertainty else ""
            ),
            "",
        ]
        labels = list(self.resource_labels)
        head = ["module", "latency (cycles)", "latency (ns)", "II", *labels]
        rows = [_row(self.top, "top: " + self.top.name)]
        rows += [_row(m, "  " + (m.instance or m.name)) for m in self.layers]
        available = self.available.as_dict()
        if isinstance(self.available, Resources) or any(v is not None for v in available.values()):
            rows.append(["available", "", "", "", *(_num(v) for v in available.values())])
        if any(available.values()):
            used = self.top.resources.as_dict()
            pct = [
                f"{100 * used[r] / a:.0f} %" if a and used[r] is not None else "-"
                for r, a in available.items()
            ]
            rows.append(["utilization", "", "", "", *pct])
        lines += _grid(head, rows)
        if self.loops:
            lines += ["", "loops:"]
            lines += _grid(
                ["loop", "in", "latency (cycles)", "II", "pipelined"],
                [
                    [
                        m.name,
                        m.instance or "",
                        _range(m.latency_min, m.latency_max),
                        _range(m.interval_min, m.interval_max),
                        m.pipeline or "?",
                    ]
                    for m in self.loops
                ],
            )
        if self.post_synthesis is not None:
            p = self.post_synthesis
            fmax = f", fMAX {_num(p.fmax_mhz)} MHz" if p.fmax_mhz is not None else ""
            lines += ["", f"post-synthesis ({p.state or 'Vivado'}, {p.file.name}{fmax}):"]
            lines += _grid(
                ["", *type(p.used).LABELS],
                [
                    ["used", *(_num(v) for v in p.used.as_dict().values())],
                    ["available", *(_num(v) for v in p.available.as_dict().values())],
                ][: 2 if any(v is not None for v in p.available.as_dict().values()) else 1],
            )
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _num(v) -> str:
    if v is None:
        return "?"
    return f"{round(v, 4):.12g}" if isinstance(v, float) else str(v)


def _range(lo, hi) -> str:
    return _num(lo) if lo == hi else f"{_num(lo)}-{_num(hi)}"


def _ns(v: float | None) -> str:
    return "?" if v is None else f"{v:.3f}".rstrip("0").rstrip(".")


def _row(m: ModuleReport, label: str) -> list[str]:
    lo, hi = _ns(m.latency_min_ns), _ns(m.latency_max_ns)
    return [
        label,
        _range(m.latency_min, m.latency_max),
        lo if lo == hi else f"{lo}-{hi}",
        _range(m.interval_min, m.interval_max),
        *(_num(v) for v in m.resources.as_dict().values()),
    ]


def _grid(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    fmt = lambda r: "  ".join(  # noqa: E731
        c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
    ).rstrip()
    return [fmt(head), "  ".join("-" * w for w in widths), *map(fmt, rows)]


# -- finding the reports ---------------------------------------------------------------------


def report_dirs(folder: Path) -> list[Path]:
    """Where C-synthesis reports may be below a project folder, in order of preference."""
    folder = Path(folder)
    found = [folder] if _tops(folder) else []
    # vitis_hls -f / vitis-run --tcl with open_project: <prj>/solution1/syn/report (UG1399);
    # v++ -c --mode hls components: <component>/hls/syn/report
    for pattern in ("*_prj/*/syn/report", "*/hls/syn/report", "*/*/syn/report"):
        found += [p for p in sorted(folder.glob(pattern)) if p not in found and _tops(p)]
    return found


def _tops(report_dir: Path) -> list[str]:
    """Top functions with a report of their own: ``<top>_csynth.xml`` or ``.rpt``."""
    names = set()
    for f in report_dir.glob("*_csynth.*"):
        if f.suffix in (".xml", ".rpt") and f.is_file():
            names.add(f.name[: -len("_csynth" + f.suffix)])
    return sorted(names)


def read_report(folder, top: str | None = None) -> SynthReport:
    """Read the C-synthesis report of a project folder (or of a report folder).

    ``top`` chooses the top function when the folder holds several (an AXI wrapper and the
    network); by default the tool's top (``csynth.xml``) or the only one.
    """
    folder = Path(folder)
    dirs = report_dirs(folder)
    if top is not None:
        dirs = [d for d in dirs if top in _tops(d)] or dirs
    if not dirs:
        raise ReportNotFoundError(
            f"no C-synthesis report in {folder}: expected <top>_csynth.xml or <top>_csynth.rpt "
            "there or in <name>_prj/solution1/syn/report/ below it; run the synthesis first "
            "(firmware.build(synth=True))"
        )
    rdir = dirs[0]
    tops = _tops(rdir)
    if top is None:
        top = _default_top(rdir, tops)
    elif top not in tops:
        raise ReportNotFoundError(
            f"no report of top function {top!r} in {rdir}; it has: {', '.join(tops)}"
        )
    xml, rpt = rdir / f"{top}_csynth.xml", rdir / f"{top}_csynth.rpt"
    text = rpt.read_text(errors="replace") if rpt.is_file() else ""
    header = _rpt_header(text)
    if xml.is_file():
        report = _from_xml(ET.parse(xml).getroot(), header)
    else:
        report = _from_rpt(text, header, top)
    report.folder, report.tops = rdir, tops
    report.layers = _instances(text, report.clock_target)
    report.post_synthesis = _post_synthesis(folder, rdir)
    return report


def _default_top(rdir: Path, tops: list[str]) -> str:
    if len(tops) == 1:
        return tops[0]
    whole = rdir / "csynth.xml"
    if whole.is_file():
        name = ET.parse(whole).getroot().findtext("UserAssignments/TopModelName")
        if name in tops:
            return name
    raise ReportNotFoundError(
        f"{rdir} holds reports of several top functions ({', '.join(tops)}); pass top="
    )


# -- the top function ------------------------------------------------------------------------


def int_cell(text) -> int | None:
    """A report cell's whole number (digits only: "-", "n/a", "" and None are None); the
    vendor readers share it."""
    text = (text or "").strip()
    return int(text) if re.fullmatch(r"\d+", text) else None


def _float(text) -> float | None:
    m = re.match(r"\s*([\d.]+)", text or "")
    return float(m.group(1)) if m else None


def _xml_resources(node) -> Resources:
    res = Resources()
    if node is None:
        return res
    for r, tags in _XML_TAGS.items():
        for tag in (tags,) if isinstance(tags, str) else tags:
            if node.find(tag) is not None:
                setattr(res, r, int_cell(node.findtext(tag)))
    return res


def _from_xml(root, header: dict) -> SynthReport:
    ua, perf = root.find("UserAssignments"), root.find("PerformanceEstimates")
    lat = perf.find("SummaryOfOverallLatency")
    area = root.find("AreaEstimates")
    clock = _float(ua.findtext("TargetClockPeriod"))
    dsp_tag = "DSP48E" if area.find("Resources/DSP48E") is not None else "DSP"
    top = ModuleReport(
        name=ua.findtext("TopModelName"),
        latency_min=int_cell(lat.findtext("Best-caseLatency")),
        latency_max=int_cell(lat.findtext("Worst-caseLatency")),
        interval_min=int_cell(lat.findtext("Interval-min")),
        interval_max=int_cell(lat.findtext("Interval-max")),
        pipeline=perf.findtext("PipelineType"),
        resources=_xml_resources(area.find("Resources")),
        clock_period=clock,
    )
    return SynthReport(
        folder=Path(),
        tool=header.get("tool") or ("Vivado HLS" if dsp_tag == "DSP48E" else "Vitis HLS"),
        version=header.get("version") or root.findtext("ReportVersion/Version"),
        build=header.get("build"),
        part=ua.findtext("Part"),
        clock_target=clock,
        clock_estimate=_float(perf.findtext("SummaryOfTimingAnalysis/EstimatedClockPeriod")),
        clock_uncertainty=_float(ua.findtext("ClockUncertainty")),
        top=top,
        layers=[],
        available=_xml_resources(area.find("AvailableResources")),
        tops=[],
    )


def _rpt_header(text: str) -> dict:
    out = {}
    if m := re.search(r"==\s*(Vivado HLS|Vitis HLS) Report for '([^']+)'", text):
        out["tool"], out["top"] = m.group(1), m.group(2)
    if m := re.search(r"\* Version:\s*(\S+)(?:\s*\(Build (\d+))?", text):
        out["version"], out["build"] = m.group(1), m.group(2)
    if m := re.search(r"\* Target device:\s*(\S+)", text):
        out["part"] = m.group(1)
    return out


def _section(text: str, title: str) -> str:
    """The text of a ``== title`` section of a .rpt, up to the next ``== `` heading."""
    m = re.search(rf"^== {re.escape(title)}\s*$(.*?)(?=^== |\Z)", text, re.M | re.S)
    return m.group(1) if m else ""


def _tables(text: str) -> list[list[list[str]]]:
    """Every ``+---+`` ruled table of a text: a list of rows, each a list of cells."""
    tables, rows, inside = [], [], False
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("+-"):
            inside = True
            continue
        if inside and s.startswith("|"):
            rows.append([c.strip() for c in s.strip("|").split("|")])
            continue
        if inside:
            tables.append(rows)
            rows, inside = [], False
    if rows:
        tables.append(rows)
    return tables


def text_after(text: str, marker: str) -> str:
    """What follows the first ``marker`` ("" without one)."""
    i = text.find(marker)
    return text[i + len(marker) :] if i >= 0 else ""


def _from_rpt(text: str, header: dict, top: str) -> SynthReport:
    perf, util = _section(text, "Performance Estimates"), _section(text, "Utilization Estimates")
    timing = _tables(text_after(perf, "+ Timing:"))[0]
    clock_row = next(r for r in timing if r[0].startswith("ap_clk") or r[0] == "default")
    latency = _tables(text_after(perf, "+ Latency:"))[0][-1]
    summary = _tables(text_after(util, "* Summary:"))[0]
    names = [c.upper() for c in summary[0][1:]]
    total = next(r for r in summary if r[0] == "Total")
    available = next(r for r in summary if r[0].startswith("Available"))
    clock = _float(clock_row[1])
    top_module = ModuleReport(
        name=header.get("top", top),
        **_latency_cells(latency),
        resources=_resources_cells(names, total[1:]),
        clock_period=clock,
    )
    return SynthReport(
        folder=Path(),
        tool=header.get("tool"),
        version=header.get("version"),
        build=header.get("build"),
        part=header.get("part"),
        clock_target=clock,
        clock_estimate=_float(clock_row[2]),
        clock_uncertainty=_float(clock_row[3]),
        top=top_module,
        layers=[],
        available=_resources_cells(names, available[1:]),
        tops=[],
    )


def _latency_cells(cells: list[str]) -> dict:
    """The last 7 cells of a latency row: min, max, abs min, abs max, II min, II max, type."""
    lo, hi, _, _, ii_lo, ii_hi, kind = cells[-7:]
    return {
        "latency_min": int_cell(lo),
        "latency_max": int_cell(hi),
        "interval_min": int_cell(ii_lo),
        "interval_max": int_cell(ii_hi),
        "pipeline": kind or None,
    }


def _resources_cells(names: list[str], cells: list[str]) -> Resources:
    res = Resources()
    for name, cell in zip(names, cells, strict=False):
        key = {"DSP48E": "dsp", "DSP": "dsp"}.get(name, name.lower())
        if key in RESOURCES:
            setattr(res, key, int_cell(cell) if cell.strip() not in ("-", "") else 0)
    return res


def _instances(text: str, clock: float | None) -> list[ModuleReport]:
    """One row per instance of the top function: latency from the Performance section's
    ``Detail / Instance`` table, resources from the Utilization section's, by instance."""
    perf, util = _section(text, "Performance Estimates"), _section(text, "Utilization Estimates")
    rows: dict[str, ModuleReport] = {}
    lat_tables = _tables(
        text_after(text_after(text_after(perf, "+ Latency:"), "+ Detail:"), "* Instance:")
    )
    for r in lat_tables[0] if lat_tables else []:
        if len(r) >= 9 and r[0] not in ("", "Instance") and re.fullmatch(r"\d+|\?", r[-7]):
            rows[r[0]] = ModuleReport(
                name=r[1], instance=r[0], **_latency_cells(r), clock_period=clock
            )
    res_tables = _tables(text_after(text_after(util, "+ Detail:"), "* Instance:"))
    if res_tables:
        table = res_tables[0]
        names = [c.upper() for c in table[0][2:]]
        for r in table[1:]:
            if not r[0] or r[0] == "Total":
                continue
            m = rows.setdefault(r[0], ModuleReport(name=r[1], instance=r[0], clock_period=clock))
            m.resources = _resources_cells(names, r[2:])
    return list(rows.values())


# -- Vivado post-synthesis utilization -----------------------------------------------------


def _post_synthesis(folder: Path, rdir: Path) -> PostSynthesis | None:
    candidates = [folder / "vivado_synth.rpt", rdir / "vivado_synth.rpt"]
    for base in {folder, *rdir.parents[:3]}:
        candidates += sorted(base.glob("*_prj/*/impl/**/*utilization*.rpt"))
        candidates += sorted(base.glob("*/impl/**/*utilization*.rpt"))
    for f in candidates:
        if f.is_file():
            text = f.read_text(errors="replace")
            if "Utilization Design Information" in text:
                return read_utilization(f, text)
    return None


def read_utilization(path, text: str | None = None) -> PostSynthesis:
    """A Vivado ``report_utilization`` file: LUTs, registers, block RAM (in 18K halves), DSPs,
    URAM used and available (the first table row of each kind: the whole design)."""
    path = Path(path)
    text = path.read_text(errors="replace") if text is None else text

    def site(pattern: str) -> tuple[int | None, int | None]:
        m = re.search(
            rf"^\|\s*(?:{pattern})\*?\s*\|\s*(\d+)\s*\|\s*\d*\s*\|\s*(\d*)\s*\|", text, re.M
        )
        return (int(m.group(1)), int_cell(m.group(2))) if m else (None, None)

    lut, ff = site("CLB LUTs|Slice LUTs"), site("CLB Registers|Slice Registers")
    ramb36, ramb18, tiles = site("RAMB36/FIFO"), site("RAMB18"), site("Block RAM Tile")
    dsp, uram = site("DSPs"), site("URAM")
    bram = None if ramb18[0] is None else ramb18[0] + 2 * (ramb36[0] or 0)
    bram_avail = None if tiles[1] is None else 2 * tiles[1]
    state = re.search(r"\| Design State\s*:\s*(\S+)", text)
    version = re.search(r"\| Tool Version\s*:\s*(.+?)\s*$", text, re.M)
    return PostSynthesis(
        file=path,
        state=state.group(1) if state else None,
        tool_version=version.group(1) if version else None,
        used=Resources(bram, dsp[0], ff[0], lut[0], uram[0]),
        available=Resources(bram_avail, dsp[1], ff[1], lut[1], uram[1]),
    )
