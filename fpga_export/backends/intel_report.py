"""The report data Intel's FPGA HLS compilers write, read into a :class:`SynthReport`: shared by
the Intel HLS Compiler (i++, ``quartus_report``) and the oneAPI FPGA flow (``oneapi_report``).

Both write an HTML report whose numbers sit in JSON files below ``<name>.prj/reports/``:
``lib/json/*.json`` (i++ 19.2 - 24.1, oneAPI 2021.4) or ``resources/json/*.ndjson`` (oneAPI
2025.0: one JSON record per line, records pointing at their ``parent``). Read here:

- ``summary``: "Estimated Resource Usage" (``estimatedResources``): one row per kernel or
  component (ALUTs, FFs, RAMs, DSPs, MLABs; oneAPI 2025 adds "Frac. DSPs", not read), then
  highlighted summary rows (``classes`` ``summary-highlight``: "Total", "Available", "Kernel
  Subtotal", "Pipe resources", "Global Interconnect", ...);
- ``loop_attr``: per kernel or component its scheduling target ``fmax`` (MHz) and its blocks:
  ``type`` "loop" or "bb" (a basic block), ``ii``, ``lt`` (latency, cycles), ``af`` (the
  block's scheduled fMAX), ``pl`` (pipelined "Yes"/"No"); nested loops are ``children``;
- ``info``: tool version, target family and device (``compileInfo`` nodes, or the older
  ``rows`` table with "i++ Version" and "Command");
- ``quartus``: the Quartus fit (ALMs, ALUTs, registers, DSPs, RAMs, MLABs; the clock fMAX),
  "TBD" until Quartus has run.

The optimization report gives no latency or II per kernel or component (the loops have
them); i++'s co-simulation adds them (``verification_data.js``, read by ``quartus_report``).
Facts seen in the real reports of tests/fixtures/vendor_reports (README there).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from .vitis_report import (
    ModuleReport,
    PostSynthesis,
    ReportNotFoundError,
    SynthReport,
    VendorResources,
)

JSON_DIRS = ("reports/resources/json", "reports/lib/json", "resources/json", "lib/json", ".")
_COLUMNS = {"aluts": "alut", "ffs": "ff", "rams": "ram", "dsps": "dsp", "mlabs": "mlab"}
_FIT = {"alut": "alut", "ff": "reg", "ram": "ram", "dsp": "dsp", "mlab": "mlab", "alm": "alm"}


@dataclass
class IntelResources(VendorResources):
    """Intel FPGA resources under Intel's names: ALUTs, FFs (registers), RAMs (block RAMs:
    M20K, M10K on Cyclone V), DSPs, MLABs; ALMs only in a Quartus fit. Fractions occur
    (the estimate counts half ALUTs)."""

    alut: float | None = None
    ff: float | None = None
    ram: float | None = None
    dsp: float | None = None
    mlab: float | None = None
    alm: float | None = None

    LABELS: ClassVar[tuple[str, ...]] = ("ALUTs", "FFs", "RAMs", "DSPs", "MLABs", "ALMs")


def _number(value) -> float | int | None:
    """A report number (int, float or numeric string; "TBD", "n/a" and "" are None)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return int(x) if x.is_integer() else x


# -- the files -------------------------------------------------------------------------------


def json_dir(prj: Path) -> Path | None:
    """The folder of the report data below a ``.prj`` folder (or the folder itself)."""
    for rel in JSON_DIRS:
        d = prj / rel
        if any((d / f"summary.{ext}").is_file() for ext in ("ndjson", "json")):
            return d
    return None


def find_report(folder: Path, patterns: tuple[str, ...], top: str | None, missing: str) -> Path:
    """The report-data folder of the newest ``.prj`` below ``folder`` matching ``patterns``
    (or ``folder`` itself when it is one); a ``.prj`` named after ``top`` wins. None found:
    ``ReportNotFoundError(missing)``."""
    folder = Path(folder)
    found = [d for d in [json_dir(folder)] if d is not None]
    for pattern in patterns:
        for prj in sorted(folder.glob(pattern)):
            d = json_dir(prj)
            if d is not None and d not in found:
                found.append(d)
    if not found:
        raise ReportNotFoundError(missing)
    named = [d for d in found if top and _prj_of(d).name.startswith(top)]
    return max(named or found, key=lambda d: _summary(d).stat().st_mtime)


def _prj_of(d: Path) -> Path:
    for rel in JSON_DIRS:
        if rel != "." and d.as_posix().endswith(rel):
            return Path(d.as_posix()[: -len(rel)].rstrip("/"))
    return d


def _summary(d: Path) -> Path:
    return d / "summary.ndjson" if (d / "summary.ndjson").is_file() else d / "summary.json"


def load(d: Path, stem: str):
    """``stem.ndjson`` as a list of records, else ``stem.json`` as one object; None if absent."""
    nd = d / f"{stem}.ndjson"
    if nd.is_file():
        text = nd.read_text(errors="replace")
        try:  # a one-record file (quartus.ndjson) is one object
            return json.loads(text)
        except json.JSONDecodeError:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
    js = d / f"{stem}.json"
    return json.loads(js.read_text(errors="replace")) if js.is_file() else None


# -- summary: estimated resources ------------------------------------------------------------


def estimated_resources(d: Path) -> tuple[dict[str, IntelResources], dict[str, IntelResources]]:
    """({kernel or component: resources}, {summary row ("Total", "Available", ...): resources})."""
    data = load(d, "summary")
    if isinstance(data, list):
        head = next((r for r in data if r.get("summary_type") == "estimatedResources"), {})
        rows = [r for r in data if r.get("parent") == "estimatedResources"]
    else:
        head = (data or {}).get("estimatedResources", {})
        rows = head.get("children", [])
    keys = [_COLUMNS.get(c.strip().lower()) for c in head.get("columns", [])[1:]]
    units, summary = {}, {}
    for row in rows:
        res = IntelResources()
        for key, value in zip(keys, row.get("data", []), strict=False):
            if key:
                setattr(res, key, _number(value))
        into = summary if "summary-highlight" in row.get("classes", []) else units
        into[row["name"]] = res
    return units, summary


# -- loop_attr: loops ------------------------------------------------------------------------


def loops(data) -> tuple[dict[str, float | None], list[ModuleReport]]:
    """({kernel or component: its scheduling target fMAX in MHz}, every loop, outer first) of
    the loop_attr data (None: no such file)."""
    if data is None:
        return {}, []
    if isinstance(data, list):  # ndjson: children are ids
        by_id = {r.get("id"): r for r in data}
        tops = [by_id[i] for i in data[0].get("nodes", []) if i in by_id]

        def children(node):
            return [by_id[i] for i in node.get("children", []) if i in by_id]
    else:
        tops = data.get("nodes", [])

        def children(node):
            return node.get("children", [])

    fmax, out = {}, []

    def walk(node, unit: str, clock: float | None):
        for child in children(node):
            if child.get("type") == "loop":
                lt, ii = _number(child.get("lt")), _number(child.get("ii"))
                pl = {"Yes": "yes", "No": "no"}.get(child.get("pl"))
                out.append(
                    ModuleReport(
                        name=child["name"],
                        instance=unit,
                        latency_min=None if lt is None else round(lt),
                        latency_max=None if lt is None else round(lt),
                        interval_min=ii,
                        interval_max=ii,
                        pipeline=pl,
                        clock_period=clock,
                    )
                )
            walk(child, unit, clock)

    for node in tops:
        f = _number(node.get("fmax"))
        fmax[node["name"]] = f
        walk(node, node["name"], 1000 / f if f else None)
    return fmax, out


def block_fmax(data) -> float | None:
    """The lowest scheduled fMAX (``af``, MHz) of any block of the loop_attr data: the
    design's estimated clock."""
    if data is None:
        return None
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "af" in node and _number(node["af"]):
                found.append(_number(node["af"]))
            for child in node.get("children", []):
                walk(child)

    for node in data if isinstance(data, list) else data.get("nodes", []):
        walk(node)
    return min(found) if found else None


# -- info ------------------------------------------------------------------------------------


def info(d: Path) -> dict:
    """version, build, family, part, board, quartus, command, product (what the file has)."""
    data = load(d, "info")
    if isinstance(data, list):
        data = data[0] if data else None
    if not data:
        return {}
    out = {}
    if "compileInfo" in data:
        node = (data["compileInfo"].get("nodes") or [{}])[0]
        version, family = node.get("version", ""), node.get("family", "")
        out |= {k: node.get(k) or None for k in ("quartus", "command", "product")}
    else:  # i++ 19.2: a table of rows
        rows = {r.get("name"): (r.get("data") or [""])[0] for r in data.get("rows", [])}
        version = rows.get("i++ Version", "")
        family = rows.get("Target Family, Device", "")
        out |= {"quartus": rows.get("Quartus Version"), "command": rows.get("Command")}
        out["product"] = "HLS" if "i++ Version" in rows else None
    if m := re.match(r"\s*(\S+)(?:\s+Build\s+(\S+))?", version):
        out["version"], out["build"] = m.group(1), m.group(2)
    parts = [p.strip() for p in family.split(",") if p.strip()]
    out["family"] = parts[0] if parts else None
    out["part"] = parts[1] if len(parts) > 1 else None
    out["board"] = parts[2] if len(parts) > 2 else None
    if m := re.search(r"--clock[= ](\d+(?:\.\d+)?)\s*ns\b", out.get("command") or ""):
        out["clock_ns"] = float(m.group(1))
    return out


# -- quartus: the Quartus fit ----------------------------------------------------------------


def quartus_fit(d: Path, unit: str | None, tool_version: str | None) -> PostSynthesis | None:
    """The Quartus fit of ``unit`` (its kernel or component node; else the whole design's),
    None while the report says "TBD" (Quartus has not run)."""
    data = load(d, "quartus")
    if not isinstance(data, dict):
        return None
    nodes = data.get("quartusFitResourceUsageSummary", {}).get("nodes", [])
    node = next((n for n in nodes if unit and n.get("name", "").lower() == unit.lower()), None)
    node = node or next((n for n in nodes if n.get("type") == "system"), None)
    if node is None or _number(node.get("alm")) is None:
        return None
    clocks = data.get("quartusFitClockSummary", {}).get("nodes", [{}])
    clock = clocks[0] if clocks else {}
    file = next(p for p in (d / "quartus.ndjson", d / "quartus.json") if p.is_file())
    return PostSynthesis(
        file=file,
        state=node.get("name"),
        tool_version=tool_version,
        used=IntelResources(**{k: _number(node.get(v)) for k, v in _FIT.items()}),
        available=IntelResources(),
        fmax_mhz=_number(clock.get("clock fmax", clock.get("clock"))),
    )


# -- the report ------------------------------------------------------------------------------


def read(d: Path, top: str | None, names: tuple[str, ...], tool: str) -> SynthReport:
    """The report in the data folder ``d``: ``top`` is the whole design ("Total" row) named
    after the first of ``names`` (the kernel or component names of the top, in order of
    preference) found, else after ``top``; each kernel or component a layer."""
    units, summary = estimated_resources(d)
    loop_attr = load(d, "loop_attr")  # read once: it grows with the design
    fmax, loop_rows = loops(loop_attr)
    meta = info(d)
    unit = next((n for n in names if n in units), None)
    if unit is None and len(units) == 1:
        unit = next(iter(units))
    target = fmax.get(unit) if unit else None
    target = target or next((f for f in fmax.values() if f), None)
    clock = meta.get("clock_ns") or (1000 / target if target else None)
    low = block_fmax(loop_attr)
    layers = [
        ModuleReport(name=n, instance=None, resources=r, clock_period=clock)
        for n, r in units.items()
    ]
    whole = ModuleReport(
        name=top or unit or "Total",
        resources=summary.get("Total", IntelResources()),
        clock_period=clock,
    )
    notes = [
        "latency and II per kernel or component: not in the optimization report (its loops "
        "have them, below; i++ co-simulation measures them)",
        "resources: Intel's estimate (ALUTs, FFs, RAMs, DSPs, MLABs) of the whole design; "
        "ALMs come only from a Quartus fit",
    ]
    return SynthReport(
        folder=d,
        tool=tool,
        version=meta.get("version"),
        build=meta.get("build"),
        part=meta.get("part") or meta.get("family"),
        clock_target=clock,
        clock_estimate=round(1000 / low, 3) if low else None,
        clock_uncertainty=None,
        top=whole,
        layers=layers,
        available=summary.get("Available", IntelResources()),
        tops=sorted(units),
        post_synthesis=quartus_fit(d, unit, meta.get("quartus")),
        loops=loop_rows,
        notes=notes,
    )
