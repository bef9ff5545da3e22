"""One self-contained HTML page about a firmware (``Firmware.report_html``, ``fpga-export
report DIR --html``): the settings, the graph as a diagram, every node's types and exactness,
the resource and latency estimate against the part, the profile plots when given, and the
vendor's synthesis numbers beside the estimate when a report is in the project folder.

The page needs nothing but a browser: inline CSS, inline SVG, no script, no URL. Every text
that reaches it passes through ``report_svg.esc``.

Writing (``write_report_file``): the file starts with a marker line holding the sha256 of the
rest, so a later report can tell its own file from anything else. An existing file is replaced
only when it is an fpga-export report unchanged since it was written, or, with
``overwrite=True``, an fpga-export report changed since; a file fpga-export did not write is
never replaced (``ReportFileError``). The write is atomic (temporary file, then rename).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path

from . import __version__, project
from .backends.vitis_report import Resources
from .ir.cost import KINDS
from .report_svg import esc, graph_svg

__all__ = ["ReportFileError", "render_html", "report_data", "write_html", "write_report_file"]

_MARK = re.compile(r"<!-- fpga-export report sha256:([0-9a-f]{64}) -->")
_PROFILE_JSON_LIMIT = 200_000  # characters of profile.to_dict() shown


class ReportFileError(FileExistsError):
    """The report path holds a file the report must not replace."""


# -- writing -----------------------------------------------------------------------------
def write_html(fw, path, *, x=None, profile=None, overwrite=False, project_dir=None) -> Path:
    """Render the report of ``fw`` (``render_html``) and write it to ``path``."""
    return write_report_file(
        path, render_html(fw, x=x, profile=profile, project_dir=project_dir), overwrite=overwrite
    )


def write_report_file(path, page: str, *, overwrite: bool = False) -> Path:
    """Write ``page`` (``render_html``) to ``path`` atomically (module docstring)."""
    path = Path(os.path.expanduser(os.fspath(path)))
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"cannot write the report {path}: folder {path.parent} does not exist"
        )
    data = f"<!DOCTYPE html>\n<!-- fpga-export report sha256:{project.sha256(page.encode())} -->\n"
    with project.locked(path.parent):  # another report or export of the folder waits
        state = _existing(path)
        if state == "foreign":
            raise ReportFileError(
                f"{path} exists and was not written by fpga-export; move it away or choose "
                "another path (fpga-export never replaces a file it did not write)"
            )
        if state == "changed" and not overwrite:
            raise ReportFileError(
                f"{path} is an fpga-export report changed since it was written; move it away "
                "or pass overwrite=True to replace it"
            )
        project._replace(path, (data + page).encode())
    return path


def _existing(path: Path) -> str | None:
    """None (no file), "ours" (a report, unchanged), "changed" (a report, edited), "foreign"."""
    if not path.exists() and not path.is_symlink():
        return None
    if path.is_symlink() or not path.is_file():
        return "foreign"
    with open(path, "rb") as f:
        head = f.read(256).decode("utf-8", "replace").split("\n")
    m = _MARK.fullmatch(head[1]) if len(head) > 2 and head[0] == "<!DOCTYPE html>" else None
    if m is None:
        return "foreign"
    rest = path.read_bytes().split(b"\n", 2)[2]
    return "ours" if project.sha256(rest) == m.group(1) else "changed"


# -- data ----------------------------------------------------------------------------------
def synthesis(fw, project_dir) -> tuple[object | None, str | None]:
    """(the synthesis report of ``fw`` in ``project_dir``, None) or (None, why there is none)."""
    from .backends.vitis_report import ReportNotFoundError

    if project_dir is None:
        return None, "no project folder: the project was not written"
    try:  # the backend's reader: Vitis/Vivado, oneAPI, i++ or Catapult reports
        return fw.backend.read_report(project_dir, top=fw.name), None
    except (ReportNotFoundError, NotImplementedError) as e:
        return None, str(e)
    except Exception as e:  # a malformed vendor file: shown on the page, not fatal
        return None, f"the synthesis report in {project_dir} could not be read: {e!r}"


def match_instances(graph, layers) -> dict[str, str]:
    """{instance: node name} for the report's instances (``read_report().layers``) that call a
    node's function: the C++ passes ``<node>_config`` as a template argument, which the tool
    keeps in the instance and module names. The longest matching node name wins."""
    keys = sorted((n.name for n in graph), key=len, reverse=True)
    out = {}
    for m in layers:
        text = f"{m.instance or ''} {m.name}".lower()
        for name in keys:
            if re.search(rf"{re.escape(name.lower())}_config(?![a-z0-9])", text):
                out[m.instance or m.name] = name
                break
    return out


def report_data(fw, project_dir=None) -> dict:
    """The report as JSON-ready data (``fpga-export report DIR --json``)."""
    est = fw.estimate()
    report, why = synthesis(fw, project_dir)
    return {
        "name": fw.name,
        "model": fw.graph.name,
        "backend": fw.config.backend,
        "io_type": fw.config.io_type,
        "part": fw.config.part,
        "clock_period": fw.config.clock_period,
        "exact": fw.exact,
        "fpga_export": __version__,
        "nodes": [
            {
                "name": n.name,
                "layer": n.layer,
                "op": n.op.kind,
                "inputs": list(n.inputs),
                "shape": list(n.shape),
                "types": {r: str(t) for r, t in n.types.items()},
                "reuse_factor": n.reuse_factor,
                "strategy": n.strategy,
                "exact": n.exact,
                "notes": list(n.notes),
            }
            for n in fw.graph
        ],
        "estimate": est.to_dict(),
        "synthesis": None if report is None else _jsonable(dataclasses.asdict(report)),
        "synthesis_note": why,
    }


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value) if isinstance(value, Path) else value


# -- the page --------------------------------------------------------------------------------
def render_html(fw, *, x=None, profile=None, project_dir=None) -> str:
    """The report page (without the first two lines ``write_report_file`` adds)."""
    est = fw.estimate()
    report, why = synthesis(fw, project_dir)
    sections = [
        _header(fw, est, project_dir),
        _section("graph", "Graph", f'<div class="scroll">{graph_svg(fw.graph)}</div>'),
        _section("nodes-section", "Nodes", _nodes_table(fw.graph)),
        _section("estimate-section", "Estimate", _estimate(est)),
        _section("profile", "Profile", _profile(fw, x, profile)),
        _section("synthesis", "Synthesis report", _synthesis(fw, est, report, why)),
    ]
    return (
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="generator" content="fpga-export">'
        f"<title>{esc(f'fpga-export report: {fw.name}')}</title><style>{_CSS}</style></head>"
        f'<body><div class="wrap">{"".join(sections)}'
        f"<footer>fpga-export {esc(__version__)}</footer></div></body></html>\n"
    )


def _section(id_: str, title: str, body: str) -> str:
    return f'<section id="{id_}"><h2>{esc(title)}</h2>{body}</section>'


def _n(v) -> str:
    """A number for a cell: thousands separated; None is "?"."""
    if v is None:
        return "?"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:,.3f}".rstrip("0").rstrip(".")
    return f"{int(v):,}"


def _table(id_: str, head: list[str], rows: list[list[str]], classes=None, wrap=()) -> str:
    """A table of escaped-already cells; ``classes`` per row (e.g. "total"); the columns in
    ``wrap`` may break lines (at spaces; a ``<code>`` never breaks); a column of numbers
    (``_num``) is aligned right."""
    classes = classes or [""] * len(rows)
    numeric = [
        all(r[i].startswith('<span class="num">') or r[i] in ("", "-") for r in rows)
        and any(r[i] for r in rows)
        for i in range(len(head))
    ]
    cls = [
        " ".join(c for c, on in (("n", numeric[i]), ("brk", i in wrap)) if on)
        for i in range(len(head))
    ]
    attr = [f' class="{c}"' if c else "" for c in cls]
    th = "".join(f"<th{a}>{h}</th>" for h, a in zip(head, attr, strict=True))
    body = "".join(
        f'<tr class="{c}">'
        + "".join(f"<td{a}>{cell}</td>" for cell, a in zip(r, attr, strict=True))
        + "</tr>"
        for r, c in zip(rows, classes, strict=True)
    )
    return (
        f'<div class="scroll"><table id="{id_}"><thead><tr>{th}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _num(v) -> str:
    return _num_text(_n(v))


def _num_text(text: str) -> str:
    return f'<span class="num">{esc(text)}</span>'


def _exactness(value) -> str:
    if value is None:
        return '<span class="muted">-</span>'
    return '<span class="ok">exact</span>' if value else '<span class="bad">NOT EXACT</span>'


def _header(fw, est, project_dir) -> str:
    c = fw.config
    exact = {
        True: '<span class="ok">exact</span>: csim == the framework\'s quantized model, bit '
        "for bit",
        False: '<span class="bad">NOT EXACT</span>: see the nodes marked below',
        None: '<span class="muted">float model</span> (no quantizers: csim follows the types)',
    }[fw.exact]
    part = esc(est.part) + (
        f" ({esc(est.capacity.device)})"
        if est.capacity
        else ' <span class="muted">(not in the part table: absolute numbers only)</span>'
    )
    items = [
        ("model", esc(fw.graph.name)),
        ("top function", esc(fw.name)),
        ("backend", esc(c.backend)),
        ("io_type", esc(c.io_type)),
        ("part", part),
        ("clock", f"{esc(_n(c.clock_period))} ns ({esc(_n(1000 / c.clock_period))} MHz)"),
        ("exactness", exact),
        (
            "estimate",
            f"latency {esc(_n(est.latency))} cycles = {esc(_n(est.latency_ns))} ns, "
            f"interval {esc(_n(est.ii))} cycles ({esc(est.style)})",
        ),
        ("nodes", esc(len(fw.graph))),
        ("project", esc(project_dir) if project_dir is not None else "(not written)"),
    ]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in items)
    return (
        f'<header><h1>fpga-export report: <span id="model-name">{esc(fw.name)}</span></h1>'
        f'<dl class="meta" id="summary">{dl}</dl></header>'
    )


def _nodes_table(graph) -> str:
    head = ["#", "name", "layer", "op", "inputs", "shape", "types", "reuse / strategy", "exact"]
    head.append("notes")
    rows = []
    for i, n in enumerate(graph):
        types = "<br>".join(f"{esc(r)}: <code>{esc(t)}</code>" for r, t in n.types.items())
        notes = [*n.notes, *(f"{r}: {h}" for r, h in n.hints.items())]
        rows.append(
            [
                esc(i),
                f"<code>{esc(n.name)}</code>",
                esc(n.layer or n.source or ""),
                esc(n.op.kind),
                esc(", ".join(n.inputs) or "-"),
                esc("(" + ", ".join(map(str, n.shape)) + ")"),
                types or "-",
                esc(f"{n.reuse_factor} / {n.strategy}") if "kernel" in n.types else "-",
                _exactness(n.exact),
                "<br>".join(esc(t) for t in notes),
            ]
        )
    return _table("nodes", head, rows, wrap=(4, 6, 9))


def _estimate(est) -> str:
    head = ["layer", "op", *(est.labels[k] for k in KINDS), "latency", "II", "notes"]
    rows, classes = [], []
    for e in est.layers:
        res = [_num(getattr(e.resources, k)) for k in KINDS]
        notes = "<br>".join(esc(t) for t in e.notes)
        rows.append([esc(e.name), esc(e.op), *res, _num(e.latency), _num(e.ii), notes])
        classes.append("")
    if any(getattr(est.fifos, k) for k in KINDS):
        rows.append(["(FIFOs)", "", *(_num(getattr(est.fifos, k)) for k in KINDS), "", "", ""])
        classes.append("fifos")
    total = [_num(getattr(est.total, k)) for k in KINDS]
    rows.append(["total", esc(est.style), *total, _num(est.latency), _num(est.ii), ""])
    classes.append("total")
    use = est.utilization()
    if est.capacity is not None:
        amounts = est.capacity.amounts()
        cap = [_num(amounts[k]) if amounts[k] is not None else "-" for k in KINDS]
        rows.append([f"part {esc(est.capacity.device)}", "", *cap, "", "", ""])
        classes.append("capacity")
        pct = [_num_text(f"{100 * use[k]:.1f}%") if k in use else "-" for k in KINDS]
        rows.append(["utilization", "", *pct, "", "", ""])
        classes.append("utilization")
    out = _table("estimate", head, rows, classes, wrap=(9,))
    out += (
        f"<p>latency {esc(_n(est.latency))} cycles = {esc(_n(est.latency_ns))} ns at "
        f"{esc(_n(est.clock_period))} ns; interval {esc(_n(est.ii))} cycles "
        f"({esc(_n(est.ii_ns))} ns)</p>"
    )
    if use:
        out += _bars(est, use)
    else:
        out += f'<p class="muted">{esc(est.part_note or _no_part(est.part))}</p>'
    out += "".join(f'<p class="note">note: {esc(t)}</p>' for t in est.notes)
    return out


def _no_part(part: str) -> str:
    return f"part {part} is not in the part table: no utilization"


def _bars(est, use: dict[str, float]) -> str:
    """One bar per resource: the total's share of the part (red beyond 100 %)."""
    rows = []
    for k in KINDS:
        if k not in use:
            continue
        pct = 100 * use[k]
        over = " over" if pct > 100 else ""
        rows.append(
            f'<div class="bar-row" data-kind="{k}"><span class="bar-label">{est.labels[k]}</span>'
            f'<span class="bar"><span class="fill{over}" style="width:{min(pct, 100):.2f}%">'
            f'</span></span><span class="bar-text">{esc(f"{pct:.1f}%")} '
            f"({esc(_n(getattr(est.total, k)))} of {esc(_n(est.capacity.amounts()[k]))})</span>"
            "</div>"
        )
    return f'<div class="bars" id="utilization">{"".join(rows)}</div>'


def _profile(fw, x, profile) -> str:
    if profile is None and x is not None:
        profile = fw.profile(x)
    if profile is None:
        return '<p class="muted">no profile: pass x= (sample inputs) or profile=</p>'
    svg = str(profile.to_svg()).strip()
    svg = svg.replace(' xmlns="http://www.w3.org/2000/svg"', "")  # implied inside HTML
    if not svg.startswith("<svg") or re.search(r"<script|<foreignobject|\bon\w+\s*=", svg, re.I):
        raise ValueError("profile.to_svg() must return one <svg> element without scripts")
    data = json.dumps(profile.to_dict(), indent=1, default=str)
    if len(data) > _PROFILE_JSON_LIMIT:
        data = data[:_PROFILE_JSON_LIMIT] + "\n..."
    return (
        f'<div class="scroll">{svg}</div>'
        f"<details><summary>profile data</summary><pre>{esc(data)}</pre></details>"
    )


def _synthesis(fw, est, report, why) -> str:
    if report is None:
        return f'<p class="muted" id="no-synthesis">{esc(why)}</p>'
    tool = " ".join(str(v) for v in (report.tool, report.version) if v) or "HLS"
    out = (
        f"<p>{esc(tool)} report of <code>{esc(report.top.name)}</code>, part "
        f"{esc(report.part or '?')}, clock target {esc(_n(report.clock_target))} ns, estimated "
        f"{esc(_n(report.clock_estimate))} ns ({esc(report.folder)})</p>"
    )
    if not isinstance(report.top.resources, Resources):
        return out + _vendor_synthesis(est, report)
    post = report.post_synthesis
    head = ["", "our estimate", "HLS (C synthesis)", "HLS / estimate"]
    if post is not None:
        head.append(f"Vivado post-synthesis ({esc(post.state or 'Vivado')})")
    top = report.top
    rows = [
        _compare("latency (cycles)", est.latency, (top.latency_min, top.latency_max)),
        _compare("II (cycles)", est.ii, (top.interval_min, top.interval_max)),
    ]
    if post is not None:
        rows = [r + [""] for r in rows]
    for k in KINDS:
        row = _compare(est.labels[k], getattr(est.total, k), (getattr(top.resources, k),) * 2)
        if post is not None:
            row.append(_num(getattr(post.used, k)))
        rows.append(row)
    out += _table("synthesis-top", head, rows)
    if report.layers:
        out += "<h3>Per instance</h3>" + _instances(fw, est, report)
    return out


def _vendor_synthesis(est, report) -> str:
    """A non-AMD report: latency and II beside the estimate; the vendor's resources in its
    own kinds, not beside the estimate (which counts AMD primitives)."""
    top, post = report.top, report.post_synthesis
    rows = [
        _compare("latency (cycles)", est.latency, (top.latency_min, top.latency_max)),
        _compare("II (cycles)", est.ii, (top.interval_min, top.interval_max)),
    ]
    out = _table("synthesis-top", ["", "our estimate", "HLS", "HLS / estimate"], rows)
    labels = report.resource_labels
    head = [esc("resources (vendor's kinds)"), *(esc(label) for label in labels)]
    rows = [["HLS estimate", *(_num(v) for v in top.resources.as_dict().values())]]
    if any(v is not None for v in report.available.as_dict().values()):
        rows.append(["available", *(_num(v) for v in report.available.as_dict().values())])
    if post is not None:
        fmax = f", fMAX {_n(post.fmax_mhz)} MHz" if post.fmax_mhz is not None else ""
        rows.append(
            [esc(f"{post.state or 'fit'}{fmax}"), *(_num(v) for v in post.used.as_dict().values())]
        )
    out += "<h3>Resources</h3>" + _table("synthesis-resources", head, rows)
    out += (
        '<p class="note">Not compared with our estimate: it counts AMD primitives '
        f"(LUT, FF, DSP, BRAM_18K), the report counts {esc(', '.join(labels))}.</p>"
    )
    if report.layers:
        head = ["unit", "latency", "II", *(esc(label) for label in labels)]
        rows = [
            [f"<code>{esc(m.name)}</code>", _num(m.latency_max), _num(m.interval_max)]
            + [_num(v) for v in m.resources.as_dict().values()]
            for m in report.layers
        ]
        out += "<h3>Per kernel, component or process</h3>" + _table(
            "synthesis-layers", head, rows, wrap=(0,)
        )
    if report.loops:
        head = ["loop", "in", "latency (cycles)", "II", "pipelined"]
        rows = [
            [
                f"<code>{esc(m.name)}</code>",
                f"<code>{esc(m.instance or '')}</code>",
                _num(m.latency_max),
                _num(m.interval_max),
                esc(m.pipeline or "?"),
            ]
            for m in report.loops
        ]
        out += "<h3>Loops</h3>" + _table("synthesis-loops", head, rows, wrap=(0, 1))
    out += "".join(f'<p class="note">{esc(n)}</p>' for n in report.notes)
    return out


def _compare(label: str, ours, theirs: tuple) -> list[str]:
    lo, hi = theirs
    cell = _num(lo) if lo == hi else f"{_num(lo)} - {_num(hi)}"
    ratio = "-" if not ours or hi is None else _num_text(f"{hi / ours:.2f}")
    return [esc(label), _num(ours), cell, ratio]


def _instances(fw, est, report) -> str:
    nodes = match_instances(fw.graph, report.layers)
    ours = {e.name: e for e in est.layers}
    head = ["instance", "node", "latency (HLS / ours)", "II (HLS / ours)"]
    head += [f"{est.labels[k]} (HLS / ours)" for k in KINDS]
    rows = []
    for m in report.layers:
        node = nodes.get(m.instance or m.name)
        e = ours.get(node)

        def pair(theirs, mine, e=e):
            return _num(theirs) + (f" / {_num(mine)}" if e is not None else "")

        lat = (
            _num(m.latency_min)
            if m.latency_min == m.latency_max
            else (f"{_num(m.latency_min)} - {_num(m.latency_max)}")
        )
        rows.append(
            [
                f'<code class="id" title="{esc(m.name)}">{esc(m.instance or m.name)}</code>',
                f"<code>{esc(node)}</code>" if node else '<span class="muted">-</span>',
                lat + (f" / {_num(e.latency)}" if e is not None else ""),
                pair(m.interval_max, e.ii if e else None),
                *(
                    pair(getattr(m.resources, k), getattr(e.resources, k) if e else None)
                    for k in KINDS
                ),
            ]
        )
    return _table("synthesis-layers", head, rows, wrap=(0,))


_CSS = """
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#212121;background:#fafafa}
.wrap{max-width:1180px;margin:0 auto;padding:16px 20px 40px}
h1{font-size:22px;margin:8px 0 12px;overflow-wrap:anywhere}
h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 8px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:0}
dl.meta dt{color:#616161}dl.meta dd{margin:0;overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%;border:1px solid #e0e0e0;background:#fff}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{padding:4px 7px;border-bottom:1px solid #eee;text-align:left;vertical-align:top;
white-space:nowrap}
th{background:#f1f3f5;position:sticky;top:0;white-space:normal;vertical-align:bottom}
td.brk{white-space:normal;min-width:6em}td.brk code{white-space:nowrap}
td.brk code.id{white-space:normal;overflow-wrap:anywhere;display:inline-block;min-width:18em}
th.n,td.n{text-align:right}
#synthesis-top{width:auto;min-width:60%}
tr.total td{font-weight:600;border-top:2px solid #bbb}
tr.capacity td,tr.utilization td{color:#555}
.num{font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}.muted{color:#757575}
.note{color:#5d4037;margin:4px 0}
.bars{margin:10px 0;max-width:640px}
.bar-row{display:flex;align-items:center;gap:8px;margin:3px 0}
.bar-label{width:80px;font-size:13px}
.bar{flex:1;height:14px;background:#e0e0e0;border-radius:3px;overflow:hidden}
.fill{display:block;height:100%;background:#43a047}.fill.over{background:#e53935}
.bar-text{width:190px;font-size:12px;color:#424242}
svg.graph,#profile svg{display:block;max-width:100%;height:auto;margin:0 auto}
svg.graph text{font:11px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:#263238}
svg.graph text.name{font:600 12px system-ui,sans-serif;fill:#000}
pre{max-height:320px;overflow:auto;background:#fff;border:1px solid #e0e0e0;padding:8px}
footer{margin-top:30px;color:#9e9e9e;font-size:12px}
@media (max-width:1100px){.wrap{padding:12px 10px 30px}th,td{padding:3px 5px}}
"""
