"""The oneAPI, i++ and Catapult report readers on the real reports of
tests/fixtures/vendor_reports (provenance in its README): the numbers in the files, exactly;
where each backend's project keeps them (fw.report()); the messages when they are missing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fpga_export import ExportConfig, Firmware
from fpga_export.backends import catapult_report, oneapi_report, quartus_report
from fpga_export.backends.catapult_report import CatapultArea
from fpga_export.backends.intel_report import IntelResources
from fpga_export.backends.vitis_report import ReportNotFoundError
from graphs import mlp

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "vendor_reports"


def place(folder: Path, fixture: str, rel: str, files=None) -> Path:
    """Copy a fixture's files into ``folder/rel`` (a tool's layout); returns ``folder``."""
    dest = folder / rel
    dest.mkdir(parents=True, exist_ok=True)
    for f in sorted((FIXTURES / fixture).iterdir()):
        if files is None or f.name in files:
            shutil.copy(f, dest / (files or {}).get(f.name, f.name))
    return folder


def intel(alut, ff, ram, dsp, mlab, alm=None) -> IntelResources:
    return IntelResources(alut=alut, ff=ff, ram=ram, dsp=dsp, mlab=mlab, alm=alm)


def loops(report) -> list[tuple]:
    return [
        (m.name, m.instance, m.latency_min, m.latency_max, m.interval_max, m.pipeline)
        for m in report.loops
    ]


# -- oneAPI ----------------------------------------------------------------------------------


def test_oneapi_2025_ndjson(tmp_path):
    rel = "build/myproject_report.prj/reports/resources/json"
    r = oneapi_report.read_report(
        place(tmp_path, "oneapi2025_0_hls4ml_dense_stream", rel), "myproject"
    )
    assert r.folder == tmp_path / rel
    assert (r.tool, r.version, r.build, r.part) == (
        "Intel oneAPI FPGA (icpx -fintelfpga)",
        None,
        None,
        None,
    )
    assert r.clock_target == 1000 / 480 and r.clock_estimate == 2.083
    assert r.top.name == "myproject"
    assert r.top.resources == intel(2462, 7938, 77, 0, 92)  # "Total"
    assert (r.top.latency_max, r.top.interval_max) == (None, None)
    assert r.available == intel(974400, 1948800, 7110, 4510, 24360)
    assert [(m.name, m.resources) for m in r.layers] == [
        ("relu_config3>()", intel(168, 162, 4, 0, 4)),
        ("bias_t)", intel(2134, 4436, 71, 0, 87)),
        ("Myproject", intel(95, 82, 2, 0, 1)),
    ]
    assert loops(r) == [
        ("Myproject.B1", "Myproject", 176, 176, 1, "yes"),
        ("relu_config3>().B1", "relu_config3>()", 159, 159, 1, "yes"),
        ("bias_t).B1", "bias_t)", 200, 200, 1, "yes"),
    ]
    fit = r.post_synthesis  # the kernel's node of the Quartus fit
    assert (fit.state, fit.fmax_mhz, fit.file.name) == ("Myproject", 597.73, "quartus.ndjson")
    assert fit.used == intel(4181, 16419, 36, 40, 52, alm=4520)
    assert r.loops[0].latency_max_ns == 176 * 1000 / 480


def test_oneapi_2021_json(tmp_path):
    rel = "build/bfs_report.prj/reports/lib/json"
    r = oneapi_report.read_report(place(tmp_path, "oneapi2021_4_stratix10_bfs", rel))
    assert (r.version, r.build, r.part) == ("2021.4.0", "157.4", "1SG280LU3F50E1VGS1")
    assert r.top.name == "const::'lambda'()"  # no top given: the only kernel
    assert r.top.resources == intel(29162, 60794, 383, 0, 117)
    assert [m.resources for m in r.layers] == [intel(13342.5, 33889.7, 251, 0, 117)]
    assert r.available == intel(1866240, 3732480, 11721, 5760, 0)
    k = "const::'lambda'()"
    assert loops(r) == [
        ("const::'lambda'().B1", k, 7, 7, None, "no"),  # ii "n/a"
        ("const::'lambda'().B3", k, 423, 423, 1, "yes"),
        ("const::'lambda'().B4", k, 663, 663, 648, "yes"),
        ("const::'lambda'().B7", k, 204, 204, 1, "yes"),
        ("const::'lambda'().B8", k, 256, 256, 218, "yes"),
    ]
    assert r.post_synthesis is None  # no quartus.json
    assert "ALUTs" in r.table() and "const::'lambda'().B4" in r.table()


# -- i++ -------------------------------------------------------------------------------------


def test_ipp_24_1(tmp_path):
    rel = "myproject-fpga.prj/reports/lib/json"
    r = quartus_report.read_report(place(tmp_path, "ipp_cyclonev_boostedx", rel), "myproject")
    assert (r.tool, r.version, r.build, r.part) == (
        "Intel HLS Compiler (i++)", "24.1.0", "115.1", "5CGXFC7C7F23C8",
    )  # fmt: skip
    assert (r.clock_target, r.clock_estimate) == (5.0, 5.0)  # fmax 200.00 MHz
    assert r.top.resources == intel(6270, 17932, 28, 21, 344)
    assert r.available == intel(109572, 219144, 514, 112, 0)
    assert (r.top.latency_max, r.top.interval_max) == (None, None)  # no co-simulation data
    assert loops(r) == [
        ("myproject.B1.start", "myproject", 202, 202, 196, "yes"),
        ("myproject.B5", "myproject", 14, 14, 2, "yes"),
        ("myproject.B4", "myproject", 12, 12, 2, "yes"),
    ]
    assert r.post_synthesis is None  # quartus.json says "TBD"


def test_ipp_19_2_with_cosimulation(tmp_path):
    folder = place(tmp_path, "ipp19_2_arria10_therwig", "myproject-fpga.prj/reports/lib/json")
    shutil.move(folder / "myproject-fpga.prj/reports/lib/json/verification_data.js",
                folder / "myproject-fpga.prj/reports/lib/verification_data.js")  # fmt: skip
    r = quartus_report.read_report(folder, "myproject")
    assert (r.version, r.build, r.part) == ("19.2.0", "57", "10AS066H2F34I1SG")
    assert (r.clock_target, r.clock_estimate) == (5.0, None)  # --clock 5ns; no loop_attr
    assert r.top.resources == intel(5063, 2520, 0, 55, 2)
    assert r.available == intel(854400, 1708800, 2713, 1518, 0)
    top = r.top  # from verification_data.js: latency 13,13,13 and II 1,1,1
    assert (top.latency_min, top.latency_max, top.interval_min, top.interval_max) == (13, 13, 1, 1)
    assert top.latency_max_ns == 65.0
    assert r.notes[0].startswith("latency and II of 'myproject': measured by co-simulation")
    assert r.loops == []


# -- Catapult --------------------------------------------------------------------------------

CATAPULT = "catapult10_4b_econv0_therwig"


def test_catapult_xilinx_library(tmp_path):
    folder = place(tmp_path, CATAPULT, "econV0_prj/econV0.v1", {"rtl.vivado.rpt": "rtl.rpt"})
    r = catapult_report.read_report(folder, "econV0")
    assert (r.tool, r.version, r.build) == ("Catapult Ultra Synthesis", "10.4b", "841621")
    assert (r.clock_target, r.clock_estimate, r.clock_uncertainty) == (5.0, 4.105505, 0.0)
    top = r.top
    assert (top.name, top.latency_min, top.latency_max, top.interval_max) == ("econV0", 10, 10, 11)
    assert top.resources == CatapultArea(area_score=689465.0, area_luts=881.0, reg_bits=1355)
    assert [(m.name, m.latency_max, m.interval_max) for m in r.layers] == [("/econV0/core", 10, 11)]
    assert "technology library: mgc_Xilinx-KINTEX-u-2_beh" in r.notes
    assert r.available == CatapultArea()


def test_catapult_intel_library_and_newest_solution(tmp_path):
    place(tmp_path, CATAPULT, "econV0_prj/econV0.v1", {"rtl.vivado.rpt": "rtl.rpt"})
    place(tmp_path, CATAPULT, "econV0_prj/econV0.v2", {"rtl.intel.rpt": "rtl.rpt"})
    r = catapult_report.read_report(tmp_path, "econV0")
    assert r.folder == tmp_path / "econV0_prj/econV0.v2"
    assert (r.top.latency_max, r.top.interval_max) == (19, 20)
    assert r.top.resources == CatapultArea(323910.3, 881.0, 0.0, 1355)  # with an Area(DSP)
    assert (r.clock_target, r.clock_estimate) == (None, 4.732303)  # the fixture ends at Slack
    assert r.table().splitlines()[5:7] == [
        "top: econV0                   19             ?  20    323910.3         881          0      1355",
        "  /econV0/core                19             ?  20           ?           ?          ?         ?",
    ]  # fmt: skip


# -- missing files ---------------------------------------------------------------------------


def test_missing_reports(tmp_path):
    cases = [
        (oneapi_report, "no oneAPI optimization report in {}: expected build/m_report.prj/reports/"
         "resources/json/summary.ndjson (or reports/lib/json/summary.json, before oneAPI 2025), "
         "written by build(synth=True): make report"),
        (quartus_report, "no i++ report in {}: expected m-fpga.prj/reports/lib/json/summary.json "
         "(written by build(synth=True): i++ -march=<part>)"),
        (catapult_report, "no Catapult report in {}: expected rtl.rpt in m_prj/m.v1/ (written by "
         "go extract: build(synth=True))"),
    ]  # fmt: skip
    for module, message in cases:
        with pytest.raises(ReportNotFoundError) as err:
            module.read_report(tmp_path, "m")
        assert str(err.value) == message.format(tmp_path)


# -- fw.report() on written projects ---------------------------------------------------------


@pytest.mark.parametrize(
    "backend, fixture, rel, missing",
    [
        ("oneapi", "oneapi2025_0_hls4ml_dense_stream", "build/myproject_report.prj/reports/resources/json",
         "no oneAPI optimization report in {0}: expected build/myproject_report.prj/reports/"
         "resources/json/summary.ndjson (or reports/lib/json/summary.json, before oneAPI 2025), "
         "written by build(synth=True): make report"),
        ("quartus", "ipp_cyclonev_boostedx", "myproject-fpga.prj/reports/lib/json",
         "no i++ report in {0}: expected myproject-fpga.prj/reports/lib/json/summary.json "
         "(written by build(synth=True): i++ -march=<part>)"),
    ],
)  # fmt: skip
def test_firmware_report_intel(tmp_path, backend, fixture, rel, missing):
    cfg = ExportConfig(output_dir=tmp_path / "p", backend=backend, name="myproject")
    fw = Firmware(mlp((4, 3)), cfg)
    fw.write()
    with pytest.raises(ReportNotFoundError) as err:
        fw.report()
    assert str(err.value) == (
        f"no synthesis report for 'myproject' in {fw.output_dir} yet: run "
        f"firmware.build(synth=True) first ({missing.format(fw.output_dir)})"
    )
    place(fw.output_dir, fixture, rel)
    r = fw.report()
    assert r.top.name == "myproject" and isinstance(r.top.resources, IntelResources)
    assert r.folder == fw.output_dir / rel


def test_firmware_report_catapult(tmp_path):
    cfg = ExportConfig(output_dir=tmp_path / "p", backend="catapult", name="econV0")
    fw = Firmware(mlp((4, 3)), cfg)
    fw.write()
    with pytest.raises(ReportNotFoundError) as err:
        fw.report()
    assert str(err.value) == (
        f"no synthesis report for 'econV0' in {fw.output_dir} yet: run firmware.build(synth=True) "
        f"first (no Catapult report in {fw.output_dir}: expected rtl.rpt in econV0_prj/econV0.v1/ "
        "(written by go extract: build(synth=True)))"
    )
    place(fw.output_dir, CATAPULT, "econV0_prj/econV0.v1", {"rtl.vivado.rpt": "rtl.rpt"})
    assert fw.report().top.resources.area_score == 689465.0


# -- the HTML page and the CLI ---------------------------------------------------------------


def test_html_and_cli_show_vendor_numbers_in_vendor_kinds(tmp_path, capsys):
    from fpga_export.cli import main
    from html_page import Page

    cfg = ExportConfig(output_dir=tmp_path / "p", backend="oneapi", name="myproject")
    fw = Firmware(mlp((4, 3)), cfg)
    fw.write()
    place(fw.output_dir, "oneapi2025_0_hls4ml_dense_stream",
          "build/myproject_report.prj/reports/resources/json")  # fmt: skip
    page = Page(fw.report_html().read_text())
    head, *rows = page.tables["synthesis-resources"]
    assert head == ["resources (vendor's kinds)", "ALUTs", "FFs", "RAMs", "DSPs", "MLABs", "ALMs"]
    assert rows == [
        ["HLS estimate", "2,462", "7,938", "77", "0", "92", "?"],
        ["available", "974,400", "1,948,800", "7,110", "4,510", "24,360", "?"],
        ["Myproject, fMAX 597.73 MHz", "4,181", "16,419", "36", "40", "52", "4,520"],
    ]
    assert "Not compared with our estimate: it counts AMD primitives" in page.text
    assert page.tables["synthesis-loops"][1] == ["Myproject.B1", "Myproject", "176", "1", "yes"]
    assert [r[0] for r in page.tables["synthesis-top"][1:]] == ["latency (cycles)", "II (cycles)"]

    assert main(["report", str(fw.output_dir)]) == 0
    out = capsys.readouterr().out
    assert fw.report().table() in out
    assert "Intel oneAPI FPGA (icpx -fintelfpga) report of 'myproject', part ?" in out
    assert main(["report", str(fw.output_dir), "--json"]) == 0
    synthesis = json.loads(capsys.readouterr().out)["synthesis"]
    assert synthesis["top"]["resources"] == {
        "alut": 2462, "ff": 7938, "ram": 77, "dsp": 0, "mlab": 92, "alm": None,
    }  # fmt: skip
    assert synthesis["loops"][0]["name"] == "Myproject.B1"
