"""Firmware.report_html / fpga_export.report_html: the page's content read back with
html.parser (diagram, node table, estimate, synthesis numbers, profile), self-containment,
escaping, the diagram's geometry, and the file-writing rules."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conformance import find_shared
from fpga_export import ExportConfig, Firmware
from fpga_export.backends.parts import find_part
from fpga_export.backends.vitis_report import ModuleReport
from fpga_export.estimate import Estimate, LayerEstimate
from fpga_export.ir.cost import KINDS, Resources
from fpga_export.report_html import ReportFileError, match_instances, render_html
from fpga_export.report_layout import BOX_H, BOX_W, MAX_W, layout
from graphs import mlp, residual_mlp
from html_page import Page, number

REPORTS = find_shared("shared/reports/README.md")
needs_reports = pytest.mark.skipif(REPORTS is None, reason="shared/reports/ not found")
LABELS = {"dsp": "DSP", "lut": "LUT", "ff": "FF", "bram_18k": "BRAM_18K", "uram": "URAM"}


def written(tmp_path, graph=None, **config) -> Firmware:
    config.setdefault("output_dir", tmp_path / "prj")
    fw = Firmware(graph or residual_mlp(), ExportConfig(**config))
    fw.write()
    return fw


def page_of(path: Path) -> Page:
    return Page(path.read_text())


def fake_estimate(fw) -> Estimate:
    """Distinct non-zero numbers in every cell; DSPs beyond the part."""
    layers = [
        LayerEstimate(
            n.name,
            n.op.kind,
            n.layer or n.name,
            Resources(dsp=3 * i + 1, lut=1000 * i + 7, ff=2000 * i + 11, bram_18k=i, uram=i % 2),
            latency=i + 2,
            ii=1 + i % 3,
            notes=(f"note {i}",),
        )  # fmt: skip
        for i, n in enumerate(fw.graph)
    ]
    return Estimate(
        layers=layers,
        total=Resources(dsp=20000, lut=123456, ff=234567, bram_18k=77, uram=3),
        latency=123, ii=4, clock_period=fw.config.clock_period, part=fw.config.part,
        capacity=find_part(fw.config.part), style="pipeline",
        fifos=Resources(lut=5, ff=6, bram_18k=2), notes=("a model note",),
    )  # fmt: skip


# -- content ---------------------------------------------------------------------------------
def test_every_node_in_the_diagram_and_the_table(tmp_path):
    fw = written(tmp_path)
    assert len(fw.graph) == 36
    page = page_of(fw.report_html())
    names = [n.name for n in fw.graph]
    assert list(page.nodes) == names  # one box per node, in topological order
    for n in fw.graph:
        shape = "(" + ", ".join(map(str, n.shape)) + ")"
        assert page.nodes[n.name] == [n.name, n.op.kind, shape, str(n.result)]
    assert page.column("nodes", "name") == names
    assert page.column("nodes", "layer") == [n.layer for n in fw.graph]
    assert page.column("nodes", "op") == [n.op.kind for n in fw.graph]
    assert page.column("nodes", "inputs") == [", ".join(n.inputs) or "-" for n in fw.graph]
    row = page.row("nodes", "0")  # rows start with their index
    assert row["name"] == "x" and row["exact"] == "-"  # a float model
    d0 = dict(zip(page.tables["nodes"][0], page.tables["nodes"][2], strict=True))
    assert d0["name"] == "d0" and d0["reuse / strategy"] == "1 / latency"
    assert d0["types"].split("\n") == [f"{r}: {t}" for r, t in fw.graph["d0"].types.items()]
    # one arrow per input edge
    assert len([t for t, a in page.tags if t == "path" and a.get("class") == "edge"]) == sum(
        len(n.inputs) for n in fw.graph
    )


def test_header(tmp_path):
    fw = written(tmp_path, mlp(), part="xcu250-figd2104-2L-e", clock_period=4.0)
    page = page_of(fw.report_html())
    text = page.text
    assert "fpga-export report: mlp" in text
    for fact in ("backend", "vitis", "io_parallel", "xcu250-figd2104-2L-e (xcu250)"):
        assert fact in text
    assert "4 ns (250 MHz)" in text
    assert "float model (no quantizers: csim follows the types)" in text
    assert str(tmp_path / "prj") in text


def test_exactness_shown(tmp_path):
    fw = written(tmp_path, mlp())
    for n in fw.graph:
        n.exact = True
    fw.graph["dense_4"].exact = False
    fw.graph["dense_4"].notes = ["kernel scale 0.3 is not a power of two"]
    page = page_of(fw.report_html())
    assert page.nodes["dense_4"][1] == "dense · NOT EXACT"
    assert page.nodes["dense_3"][1] == "dense · exact"
    row = page.row("nodes", "4")
    assert (row["exact"], row["notes"]) == ("NOT EXACT", "kernel scale 0.3 is not a power of two")
    assert page.row("nodes", "3")["exact"] == "exact"
    assert "NOT EXACT: see the nodes marked below" in page.text  # fw.exact is False
    fw.graph["dense_4"].exact = True
    assert (
        "exact: csim == the framework's quantized model, bit for bit"
        in page_of(fw.report_html()).text
    )


def test_estimate_numbers_equal_the_estimate(tmp_path):
    fw = written(tmp_path)
    est = fw.estimate()
    page = page_of(fw.report_html())
    for e in est.layers:
        row = page.row("estimate", e.name)
        assert row["op"] == e.op
        for k in KINDS:
            assert number(row[LABELS[k]]) == getattr(e.resources, k)
        assert (number(row["latency"]), number(row["II"])) == (e.latency, e.ii)
    total = page.row("estimate", "total")
    assert [number(total[LABELS[k]]) for k in KINDS] == [getattr(est.total, k) for k in KINDS]
    assert (number(total["latency"]), number(total["II"])) == (est.latency, est.ii)


def test_estimate_cells_and_bars(tmp_path, monkeypatch):
    fw = written(tmp_path)
    est = fake_estimate(fw)
    monkeypatch.setattr(fw, "estimate", lambda: est)
    page = page_of(fw.report_html())
    assert len(page.tables["estimate"]) == 1 + len(fw.graph) + 4  # head, layers, FIFOs, ...
    for e in est.layers:
        row = page.row("estimate", e.name)
        assert [number(row[LABELS[k]]) for k in KINDS] == [getattr(e.resources, k) for k in KINDS]
        assert (number(row["latency"]), number(row["II"]), row["notes"]) == (
            e.latency, e.ii, e.notes[0],
        )  # fmt: skip
    assert page.row("estimate", "total")["LUT"] == "123,456"
    assert page.row("estimate", "(FIFOs)")["BRAM_18K"] == "2"
    assert page.row("estimate", "part xcvu13p")["DSP"] == "12,288"
    use = est.utilization()
    row = page.row("estimate", "utilization")
    assert [row[LABELS[k]] for k in KINDS] == [f"{100 * use[k]:.1f}%" for k in KINDS]
    assert "latency 123 cycles = 615 ns at 5 ns; interval 4 cycles (20 ns)" in page.text
    assert "note: a model note" in page.text
    bars = {a["data-kind"]: a for t, a in page.tags if a.get("class") == "bar-row"}
    fills = [a for t, a in page.tags if a.get("class", "").startswith("fill")]
    assert list(bars) == list(KINDS)
    assert fills[0] == {"class": "fill over", "style": "width:100.00%"}  # 20000 of 12288 DSPs
    assert fills[1] == {"class": "fill", "style": f"width:{100 * use['lut']:.2f}%"}
    assert "162.8% (20,000 of 12,288)" in page.text


def test_number_columns_align_right_and_long_columns_wrap(tmp_path):
    fw = written(tmp_path, mlp())
    text = render_html(fw)
    head = re.search(r'<table id="estimate"><thead><tr>(.*?)</tr>', text).group(1)
    assert re.findall(r'<th class="n">([^<]+)</th>', head) == [
        "DSP", "LUT", "FF", "BRAM_18K", "URAM", "latency", "II",
    ]  # fmt: skip
    head = re.search(r'<table id="nodes"><thead><tr>(.*?)</tr>', text).group(1)
    assert re.findall(r'<th class="brk">([^<]+)</th>', head) == ["inputs", "types", "notes"]


def test_unknown_part_has_no_bars(tmp_path):
    fw = written(tmp_path, mlp(), part="xc9unknown-ff1-1")
    page = page_of(fw.report_html())
    assert "utilization" not in [r[0] for r in page.tables["estimate"]]
    assert "part xc9unknown-ff1-1 is not in the part table: no utilization" in page.text
    assert not [a for t, a in page.tags if a.get("class") == "bar-row"]


# -- the synthesis report ----------------------------------------------------------------------
def place_report(prj: Path, name: str) -> Path:
    """Copy a shared report set where Vitis writes it: <prj>/myproject_prj/solution1/...;
    a Vivado utilization report beside the project."""
    src = REPORTS.parent / name
    rdir = prj / "myproject_prj" / "solution1" / "syn" / "report"
    rdir.mkdir(parents=True)
    for f in src.glob("myproject_csynth.*"):
        shutil.copy(f, rdir / f.name)
    if (src / "vivado_synth.rpt").exists():
        shutil.copy(src / "vivado_synth.rpt", prj / "vivado_synth.rpt")
    return rdir


@needs_reports
def test_vendor_numbers_beside_the_estimate(tmp_path):
    fw = written(tmp_path, mlp((4, 8, 8, 3)), name="myproject")
    place_report(fw.output_dir, "vitis2025_1_iris_mlp")
    est = fw.estimate()
    page = page_of(fw.report_html())
    top = {r[0]: r for r in page.tables["synthesis-top"][1:]}
    assert page.tables["synthesis-top"][0] == [
        "",
        "our estimate",
        "HLS (C synthesis)",
        "HLS / estimate",
    ]
    assert [top["latency (cycles)"][1:3], top["II (cycles)"][1:3]] == [
        [str(est.latency), "32"], [str(est.ii), "1"],
    ]  # fmt: skip
    hls = {"BRAM_18K": "3", "DSP": "110", "FF": "13,240", "LUT": "4,725", "URAM": "0"}
    assert {k: top[k][2] for k in hls} == hls
    assert {k: number(top[k][1]) for k in hls} == {LABELS[k]: getattr(est.total, k) for k in KINDS}
    assert top["II (cycles)"][3] == "1.00"  # 1 / est.ii (1)
    assert "Vitis HLS 2025.1 report of myproject, part xc7z020-clg400-1" in page.text
    layers = page.tables["synthesis-layers"]
    assert len(layers) == 1 + 6
    dsp = [r[layers[0].index("DSP (HLS / ours)")] for r in layers[1:]]
    assert dsp == ["30", "0", "56", "0", "21", "3"]  # hls4ml's names: no node of ours matches
    assert layers[1][0].startswith(
        "grp_dense_latency_ap_fixed_16_6_5_3_0_ap_fixed_16_6_5_3_0_config2_s"
    )


@needs_reports
def test_post_synthesis_numbers(tmp_path):
    fw = written(tmp_path, mlp((16, 5)), name="myproject")
    place_report(fw.output_dir, "vivado2020_1_hls4ml_testreport_dense_stream")
    page = page_of(fw.report_html())
    head, *rows = page.tables["synthesis-top"]
    assert head[-1] == "Vivado post-synthesis (Synthesized)"
    post = {r[0]: r[-1] for r in rows}
    assert post == {
        "latency (cycles)": "", "II (cycles)": "", "DSP": "66", "LUT": "1,526", "FF": "2,428",
        "BRAM_18K": "0", "URAM": "?",
    }  # fmt: skip
    assert {r[0]: r[2] for r in rows}["DSP"] == "73"


def test_no_report_yet(tmp_path):
    fw = written(tmp_path, mlp())
    page = page_of(fw.report_html())
    assert "synthesis-top" not in page.tables
    assert f"no C-synthesis report in {fw.output_dir}" in page.text


def test_instances_are_matched_to_nodes(tmp_path, monkeypatch):
    g = residual_mlp(blocks=2)
    layers = [
        ModuleReport(
            "dense_latency_ap_fixed_8_2_d1_config_s", "grp_dense_latency_d1_config_s_fu_7"
        ),
        ModuleReport("relu_ap_fixed_r0_config_s", "call_ret_relu_ap_fixed_r0_config_s_fu_9"),
        ModuleReport("relu_ap_fixed_relu_config3_s", "call_ret2_relu_config3_s_fu_79"),  # hls4ml
        ModuleReport("add_m1_config_U0", None),
    ]
    assert match_instances(g, layers) == {
        "grp_dense_latency_d1_config_s_fu_7": "d1",
        "call_ret_relu_ap_fixed_r0_config_s_fu_9": "r0",
        "add_m1_config_U0": "m1",
    }
    g2 = mlp((4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3))  # dense_1 ... dense_12
    inst = [
        ModuleReport("x", "dense_latency_dense_12_config_s"),
        ModuleReport("x", "y_dense_1_config"),
    ]
    assert match_instances(g2, inst) == {
        "dense_latency_dense_12_config_s": "dense_12", "y_dense_1_config": "dense_1",
    }  # fmt: skip


# -- the profile -----------------------------------------------------------------------------
class FakeProfile:
    def __init__(self, svg='<svg width="10" height="10"><rect id="profile-plot"/></svg>'):
        self.svg = svg

    def to_svg(self):
        return self.svg

    def to_dict(self):
        return {"d0": {"median": 0.25}}


def test_profile_given(tmp_path):
    fw = written(tmp_path, mlp())
    page = page_of(fw.report_html(profile=FakeProfile()))
    assert ("rect", {"id": "profile-plot"}) in page.tags
    assert '"median": 0.25' in page.text


def test_profile_from_x(tmp_path, monkeypatch):
    fw = written(tmp_path, mlp())
    x = np.random.default_rng(0).normal(0, 1, (64, 16))
    page = page_of(fw.report_html(x=x))
    svgs = [a for t, a in page.tags if t == "svg"]
    assert len(svgs) == 2  # the graph diagram and the profile's box plots
    assert '"dense_1"' in page.text  # the profile data of every node
    assert "no profile" not in page.text
    seen = []
    monkeypatch.setattr(fw, "profile", lambda x: seen.append(x) or FakeProfile(), raising=False)
    page = page_of(fw.report_html(x="samples"))
    assert seen == ["samples"] and ("rect", {"id": "profile-plot"}) in page.tags
    assert "no profile: pass x= (sample inputs) or profile=" in Page(render_html(fw)).text


def test_profile_svg_with_a_script_is_refused(tmp_path):
    fw = written(tmp_path, mlp())
    for svg in ("<svg><script>alert(1)</script></svg>", '<svg onload="alert(1)"></svg>', "<b/>"):
        with pytest.raises(
            ValueError, match=r"^profile.to_svg\(\) must return one <svg> element without scripts$"
        ):
            fw.report_html(profile=FakeProfile(svg), overwrite=True)


# -- self-contained and escaped --------------------------------------------------------------
@needs_reports
def test_self_contained(tmp_path):
    fw = written(tmp_path, residual_mlp(), name="myproject")
    place_report(fw.output_dir, "vivado2020_1_hls4ml_testreport_dense_stream")
    text = fw.report_html(profile=FakeProfile()).read_text()
    assert "http" not in text and "//" not in text.replace("<!--", "")
    assert not re.search(r"\b(src|href|action|srcset)\s*=", text, re.I)
    assert re.findall(r"url\(([^)]*)\)", text) == ["#fe-arrow"] * len(
        re.findall("marker-end", text)
    )
    assert "@import" not in text and "<script" not in text and "<link" not in text


def test_user_strings_are_escaped(tmp_path):
    evil = "<script>alert(1)</script>"
    g = mlp(name=f"model {evil}")
    g["dense_1"].layer = evil
    fw = written(tmp_path, g)
    fw.graph["dense_2"].notes = ['<img src=x onerror="alert(2)">']
    fw.graph["dense_2"].exact = False
    path = fw.report_html()
    text = path.read_text()
    assert evil not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    page = Page(text)
    assert not [t for t, _ in page.tags if t in ("script", "img")]
    assert page.row("nodes", "1")["layer"] == evil  # shown as text
    assert page.row("nodes", "2")["notes"] == '<img src=x onerror="alert(2)">'
    assert f"model: model {evil}" not in text and f"model {evil}" in page.text


# -- the diagram's geometry ------------------------------------------------------------------
def diagram(text: str):
    """(svg width, svg height, {node: (x, y) of its box}, [(source, target, path points)]):
    the points sample each path's lines and curves every few px."""
    svg = re.search(r'<svg class="graph" width="([\d.]+)" height="([\d.]+)"', text)
    boxes = {
        name: (float(x), float(y))
        for name, x, y in re.findall(
            r'<g class="node" data-node="([^"]+)">.*?<rect x="([\d.]+)" y="([\d.]+)"', text, re.S
        )
    }
    edges = [
        (*title.split(" -&gt; "), sample(d))
        for d, title in re.findall(r'<path class="edge" d="([^"]+)"[^>]*><title>([^<]+)<', text)
    ]
    return float(svg.group(1)), float(svg.group(2)), boxes, edges


def sample(d: str) -> list[tuple[float, float]]:
    """Points along an SVG path of M, L and C commands (absolute coordinates)."""
    pts = []
    for cmd, args in re.findall(r"([MLC])([^MLC]*)", d):
        ps = [tuple(map(float, p.split(","))) for p in args.split()]
        if cmd == "M":
            pts.append(ps[0])
            continue
        p0 = pts[-1]
        for t in np.linspace(0, 1, 41)[1:]:
            if cmd == "L":
                pts.append(tuple(p0[i] + t * (ps[0][i] - p0[i]) for i in (0, 1)))
            else:  # cubic Bezier p0, ps[0], ps[1], ps[2]
                w = [(1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3]
                q = [p0, *ps]
                pts.append(tuple(sum(w[j] * q[j][i] for j in range(4)) for i in (0, 1)))
    return pts


def check_diagram(text: str, graph):
    """No two boxes overlap; every edge runs from the bottom of its source to the top of its
    target, entering it from above, and never through a box. Returns ``diagram(text)``."""
    width, height, boxes, edges = diagram(text)
    assert list(boxes) == [n.name for n in graph]
    assert len(edges) == sum(len(n.inputs) for n in graph)
    xy = list(boxes.values())
    for i, (x1, y1) in enumerate(xy):
        assert 0 <= x1 and x1 + BOX_W <= width and 0 <= y1 and y1 + BOX_H <= height
        for x2, y2 in xy[i + 1 :]:
            assert abs(x1 - x2) >= BOX_W or abs(y1 - y2) >= BOX_H
    for src, dst, pts in edges:
        (sx, sy), (dx, dy) = boxes[src], boxes[dst]
        assert sx < pts[0][0] < sx + BOX_W and pts[0][1] == sy + BOX_H
        assert dx < pts[-1][0] < dx + BOX_W and pts[-1][1] == dy
        assert pts[-2][1] < dy  # the arrow points down into the target
        for x, y in pts:
            assert 0 <= x <= width and 0 <= y <= height
            assert not any(
                bx + 0.5 < x < bx + BOX_W - 0.5 and by + 0.5 < y < by + BOX_H - 0.5 for bx, by in xy
            ), (src, dst, x, y)
    return width, height, boxes, edges


def columns(boxes: dict) -> list[list[str]]:
    """The nodes of each column of the diagram, left to right (a box's column: the boxes
    whose x ranges overlap it)."""
    cols: list[list[str]] = []
    for name, (x, _) in sorted(boxes.items(), key=lambda kv: kv[1][0]):
        if cols and x < boxes[cols[-1][-1]][0] + BOX_W:
            cols[-1].append(name)
        else:
            cols.append([name])
    return cols


def test_a_chain_is_folded_to_the_page_width(tmp_path):
    fw = written(tmp_path, mlp((4,) * 20))  # input + 19 Dense: 20 rows of one box
    width, height, boxes, edges = check_diagram(render_html(fw), fw.graph)
    assert width <= MAX_W and height <= 650  # 20 rows unfolded: 2,346 px
    cols = columns(boxes)
    assert [len(c) for c in cols] == [5, 5, 5, 5]
    assert sum(cols, []) == [n.name for n in fw.graph]  # down each column, left to right
    tops = sorted({y for _, y in boxes.values()})
    assert [boxes[c[0]][1] for c in cols] == [tops[0]] * 4  # columns start at the same row
    # between columns: down, right into the lane, up, right, down into the next column
    hop = [pts for src, _, pts in edges if src == "dense_4"][0]
    assert max(y for _, y in hop) > max(y for _, y in boxes.values()) + BOX_H
    assert min(y for _, y in hop) < tops[0]


def test_short_chains_stay_one_column(tmp_path):
    fw = written(tmp_path, mlp((4,) * 5))
    _, height, boxes, _ = check_diagram(render_html(fw), fw.graph)
    assert len(columns(boxes)) == 1 and len({x for x, _ in boxes.values()}) == 1


def test_branched_graph_folds_and_keeps_its_rows(tmp_path):
    fw = written(tmp_path, residual_mlp(blocks=8))
    geo = layout(fw.graph)
    assert len(fw.graph) == 41 and len(geo.rows) == 33 and geo.bands == [(0, 17), (17, 33)]
    width, height, boxes, edges = check_diagram(render_html(fw), fw.graph)
    assert width <= MAX_W and height < 17 * (BOX_H + 46) + 100
    depth = {}
    for n in fw.graph:
        depth[n.name] = 1 + max((depth[i] for i in n.inputs), default=-1)
    row_h = boxes["d0"][1] - boxes["x"][1]
    for n in fw.graph:  # each node in the row of its longest path from the input
        col = 0 if depth[n.name] < 17 else 1
        assert boxes[n.name][1] == boxes["x"][1] + (depth[n.name] - 17 * col) * row_h
        assert geo.band[n.name] == col
    first = [x for name, (x, _) in boxes.items() if geo.band[name] == 0]
    assert min(x for name, (x, _) in boxes.items() if geo.band[name] == 1) > max(first) + BOX_W
    # folding is only done within max_width: narrower, the graph stays one column
    assert layout(fw.graph, max_width=800).bands == [(0, 33)]


# -- writing the file ------------------------------------------------------------------------
def test_default_path_and_rewrite(tmp_path):
    fw = written(tmp_path, mlp())
    path = fw.report_html()
    assert path == tmp_path / "prj" / "report.html"
    first = path.read_text()
    assert first.startswith("<!DOCTYPE html>\n<!-- fpga-export report sha256:")
    fw = written(tmp_path, mlp(), clock_period=4.0)
    assert fw.report_html() == path  # our own report: replaced without overwrite=True
    assert path.read_text() != first and "4 ns (250 MHz)" in path.read_text()
    assert sorted(p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")) == []


def test_not_written_needs_a_path(tmp_path):
    fw = Firmware(mlp(), ExportConfig(output_dir=tmp_path / "prj"))
    with pytest.raises(ValueError) as err:
        fw.report_html()
    assert str(err.value) == (
        "the project was not written yet: pass a path (firmware.report_html('report.html')) or "
        "call firmware.write() first"
    )
    path = fw.report_html(tmp_path / "r.html")
    assert "(not written)" in path.read_text() and not (tmp_path / "prj").exists()


def test_a_file_we_did_not_write_is_never_replaced(tmp_path):
    fw = written(tmp_path, mlp())
    mine = tmp_path / "mine.html"
    mine.write_text("<!DOCTYPE html>\n<p>my notes</p>\n")
    for overwrite in (False, True):
        with pytest.raises(ReportFileError) as err:
            fw.report_html(mine, overwrite=overwrite)
        assert str(err.value) == (
            f"{mine} exists and was not written by fpga-export; move it away or choose another "
            "path (fpga-export never replaces a file it did not write)"
        )
    assert mine.read_text() == "<!DOCTYPE html>\n<p>my notes</p>\n"
    target = tmp_path / "target.txt"
    target.write_text("keep")
    (tmp_path / "link.html").symlink_to(target)
    with pytest.raises(ReportFileError):
        fw.report_html(tmp_path / "link.html", overwrite=True)
    assert target.read_text() == "keep"


def test_an_edited_report_needs_overwrite(tmp_path):
    fw = written(tmp_path, mlp())
    path = fw.report_html()
    path.write_text(path.read_text().replace("</footer>", " XYZZY</footer>"))
    with pytest.raises(ReportFileError) as err:
        fw.report_html()
    assert str(err.value) == (
        f"{path} is an fpga-export report changed since it was written; move it away or pass "
        "overwrite=True to replace it"
    )
    assert "XYZZY" in path.read_text()
    fw.report_html(overwrite=True)
    assert "XYZZY" not in path.read_text()


def test_missing_folder(tmp_path):
    fw = written(tmp_path, mlp())
    with pytest.raises(FileNotFoundError) as err:
        fw.report_html(tmp_path / "nope" / "r.html")
    assert str(err.value) == (
        f"cannot write the report {tmp_path / 'nope' / 'r.html'}: folder {tmp_path / 'nope'} "
        "does not exist"
    )


# -- a browser -------------------------------------------------------------------------------
def chromium() -> str | None:
    found = shutil.which("chromium")
    return found or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)


def test_screenshot_in_chromium(tmp_path):
    browser = chromium()
    if browser is None:
        pytest.skip("chromium is not installed: no screenshot of the report")
    fw = written(tmp_path, residual_mlp())
    path = fw.report_html()
    png = tmp_path / "shot.png"
    subprocess.run(
        [
            browser, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", f"--user-data-dir={tmp_path / 'chromium'}", f"--screenshot={png}",
            "--window-size=1366,900", path.resolve().as_uri(),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000
