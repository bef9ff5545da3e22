"""read_report on the real Vivado HLS / Vitis HLS reports in ``shared/reports`` (found beside
the repository like the conformance vectors): the headline numbers of its README table,
exactly; per-layer rows; post-synthesis utilization; the readable table; errors."""

from __future__ import annotations

import shutil

import pytest

from conformance import find_shared
from fpga_export import read_report
from fpga_export.backends.vitis_report import ReportNotFoundError, read_utilization

REPORTS = find_shared("shared/reports/README.md")
needs_reports = pytest.mark.skipif(
    REPORTS is None,
    reason="report fixtures not found: no ancestor of the repository (or of the one it was "
    "cloned from) holds shared/reports/",
)

# folder, top: tool, version, build, part, clock target, estimate,
#   latency min/max, II min/max, BRAM_18K, DSP, FF, LUT, URAM   (README "HLS headline numbers")
HEADLINES = {
    ("vivado2019_2_jet_mlp", None): (
        "Vivado HLS", "2019.2", "2704478", "xcu250-figd2104-2L-e", 5.0, 4.357,
        13, 13, 1, 1, 4, 1450, 10961, 84942, 0,
    ),
    ("vivado2019_2_jet_mlp_rf2", None): (
        "Vivado HLS", "2019.2", "2704478", "xcu250-figd2104-2L-e", 5.0, 4.357,
        12, 12, 2, 2, 4, 1444, 8878, 87251, 0,
    ),
    ("vivado2019_2_1_deepcalo_cnn_stream_rf64", None): (  # the tool's top: the AXI wrapper
        "Vivado HLS", "2019.2.1", "2724168", "xc7z020-clg400-1", 5.0, 4.974,
        2883526, 2885133, 30802, 2885101, 94, 22, 211149, 194636, 0,
    ),
    ("vivado2019_2_1_deepcalo_cnn_stream_rf64", "myproject"): (
        "Vivado HLS", "2019.2.1", "2724168", "xc7z020-clg400-1", 5.0, 4.974,
        2883520, 2885127, 30802, 2885101, 86, 22, 209378, 192359, 0,
    ),
    ("vivado2019_2_yolov3tiny_cnn_stream", "myproject_axi"): (
        "Vivado HLS", "2019.2", "2704478", "xc7z020-clg400-1", 5.0, 7.162,
        7788162, 7861648, 344066, 4123601, 366, 42, 132450, 149767, 0,
    ),
    ("vivado2019_2_yolov3tiny_cnn_stream", "myproject"): (
        "Vivado HLS", "2019.2", "2704478", "xc7z020-clg400-1", 5.0, 7.162,
        7788159, 7861645, 176450, 4123601, 234, 42, 130220, 145108, 0,
    ),
    ("vivado2019_2_toptag_gru_resource", None): (
        "Vivado HLS", "2019.2", "2704478", "xcu250-figd2104-2L-e", 5.0, 4.366,
        856, 878, 802, 822, 93, 198, 15194, 82840, 0,
    ),
    ("vivado2020_1_svhn_cnn_stream", None): (  # only the .rpt (no XML)
        "Vivado HLS", "2020.1", "2897737", "xcu250-figd2104-2L-e", 5.0, 4.363,
        1044, 1044, 1028, 1028, 100, 5414, 52549, 245466, 0,
    ),
    ("vivado2020_1_svhn_qkeras_cnn_stream", None): (
        "Vivado HLS", "2020.1", "2897737", "xcu250-figd2104-2L-e", 5.0, 4.373,
        1044, 1044, 1028, 1028, 100, 340, 43847, 263280, 0,
    ),
    ("vivado2020_1_cifar_sepcnn_stream_rf16", None): (
        "Vivado HLS", "2020.1", "2897737", "xc7z020-clg400-1", 2.5, 18.982,
        14409, 14409, 14403, 14403, 293, 1170, 682850, 415081, 0,
    ),
    ("vivado2020_1_hls4ml_testreport_dense_stream", None): (
        "Vivado HLS", "2020.1", "2897737", "xc7z020-clg400-1", 5.0, 4.049,
        10, 10, 8, 8, 0, 73, 7969, 2532, 0,
    ),
    ("vitis2021_1_jet_mlp_rf2", None): (
        "Vitis HLS", "2021.1", "3247384", "xc7z007s-clg225-2", 3.33, 3.236,
        54, 54, 2, 2, 5, 796, 60582, 62431, 0,
    ),
    ("vitis2023_2_jettagger_deepsets", None): (  # top function JetTaggerNN
        "Vitis HLS", "2023.2", "4023990", "xcvu9p-flga2104-2L-e", 2.8, 2.435,
        78, 80, 23, 24, 10, 667, 197198, 370104, 0,
    ),
    ("vitis2025_1_iris_mlp", None): (
        "Vitis HLS", "2025.1", "6135595", "xc7z020-clg400-1", 5.0, 3.624,
        32, 32, 1, 1, 3, 110, 13240, 4725, 0,
    ),
}  # fmt: skip

# README "post-synth": LUT, FF, RAMB18 (18K blocks), DSP, URAM; design state
POST_SYNTH = {
    "vivado2019_2_toptag_gru_resource": (22702, 18521, 78, 198, 0, "Synthesized"),
    "vivado2020_1_svhn_cnn_stream": (123948, 43435, 84, 5386, 0, "Synthesized"),
    "vivado2020_1_svhn_qkeras_cnn_stream": (118931, 30702, 68, 353, 0, "Synthesized"),
    "vivado2020_1_hls4ml_testreport_dense_stream": (1526, 2428, 0, 66, None, "Synthesized"),
}


@needs_reports
def test_every_set_is_covered():
    sets = {p.name for p in REPORTS.parent.iterdir() if p.is_dir()}
    assert sets == {folder for folder, _ in HEADLINES}


@needs_reports
@pytest.mark.parametrize(("folder", "top"), list(HEADLINES), ids=lambda v: str(v))
def test_headline_numbers(folder, top):
    r = read_report(REPORTS.parent / folder, top=top)
    t, res = r.top, r.top.resources
    got = (
        r.tool, r.version, r.build, r.part, r.clock_target, r.clock_estimate,
        t.latency_min, t.latency_max, t.interval_min, t.interval_max,
        res.bram_18k, res.dsp, res.ff, res.lut, res.uram,
    )  # fmt: skip
    assert got == HEADLINES[folder, top]
    assert t.latency_min_ns == pytest.approx(t.latency_min * r.clock_target)
    assert t.latency_max_ns == pytest.approx(t.latency_max * r.clock_target)
    assert r.available.dsp > 0 and r.available.lut > 0
    if folder in POST_SYNTH:
        p = r.post_synthesis
        assert (p.used.lut, p.used.ff, p.used.bram_18k, p.used.dsp, p.used.uram, p.state) == (
            POST_SYNTH[folder]
        )
    else:
        assert r.post_synthesis is None


@needs_reports
def test_default_top_and_top_names():
    assert read_report(REPORTS.parent / "vitis2023_2_jettagger_deepsets").top.name == "JetTaggerNN"
    r = read_report(REPORTS.parent / "vivado2019_2_yolov3tiny_cnn_stream")
    assert (r.top.name, r.tops) == ("myproject_axi", ["myproject", "myproject_axi"])


@needs_reports
def test_layers_of_a_vivado_hls_report():
    r = read_report(REPORTS.parent / "vivado2019_2_toptag_gru_resource")
    rows = {m.instance: m for m in r.layers}
    assert len(rows) == 5
    gru = rows["gru_stack_ap_fixed_16_6_5_3_0_ap_fixed_16_6_5_3_0_config2_U0"]
    assert (gru.latency_min, gru.latency_max, gru.interval_min, gru.interval_max) == (
        801, 821, 801, 821,
    )  # fmt: skip
    assert gru.resources.as_dict() == {
        "bram_18k": 63, "dsp": 132, "ff": 8589, "lut": 67743, "uram": 0,
    }  # fmt: skip
    assert gru.latency_max_ns == pytest.approx(4105.0)


@needs_reports
def test_layers_of_a_vitis_report():
    r = read_report(REPORTS.parent / "vitis2025_1_iris_mlp")
    dense = [m for m in r.layers if m.name.startswith("dense_latency")]
    assert [(m.latency_min, m.latency_max) for m in dense] == [(4, 4), (5, 5), (5, 5)]
    assert sum(m.resources.dsp for m in r.layers) == 110  # all DSPs sit in the instances
    assert len(r.layers) == 6


@needs_reports
@pytest.mark.parametrize(("folder", "top"), list(HEADLINES), ids=lambda v: str(v))
def test_every_set_has_layer_rows(folder, top):
    r = read_report(REPORTS.parent / folder, top=top)
    assert r.layers, "no per-layer rows"
    assert all(m.instance and m.name for m in r.layers)


@needs_reports
def test_table():
    text = read_report(REPORTS.parent / "vivado2019_2_toptag_gru_resource").table()
    lines = text.splitlines()
    assert lines[0] == (
        "Vivado HLS 2019.2 (build 2704478) report of 'myproject', part xcu250-figd2104-2L-e"
    )
    assert lines[1] == "clock: target 5 ns, estimated 4.366 ns, uncertainty 0.62 ns"
    assert lines[3].split() == [
        "module", "latency", "(cycles)", "latency", "(ns)", "II",
        "BRAM_18K", "DSP", "FF", "LUT", "URAM",
    ]  # fmt: skip
    assert lines[5].split() == ["top:", "myproject", "856-878", "4280-4390", "802-822"] + [
        "93", "198", "15194", "82840", "0",
    ]  # fmt: skip
    assert lines[6].split() == [
        "gru_stack_ap_fixed_16_6_5_3_0_ap_fixed_16_6_5_3_0_config2_U0",
        "801-821", "4005-4105", "801-821", "63", "132", "8589", "67743", "0",
    ]  # fmt: skip
    assert lines[11].split() == ["available", "5376", "12288", "3456000", "1728000", "1280"]
    assert any(line.split() == ["utilization", "2", "%", "2", "%", "0", "%", "5", "%", "0", "%"]
               for line in lines)  # fmt: skip
    assert "post-synthesis (Synthesized, vivado_synth.rpt):" in lines
    assert lines[-1].split() == ["available", "5376", "12288", "3456000", "1728000", "1280"]
    assert lines[-2].split() == ["used", "78", "198", "18521", "22702", "0"]
    assert str(read_report(REPORTS.parent / "vivado2019_2_toptag_gru_resource")) == text


@needs_reports
def test_project_folder_layout(tmp_path):
    """A project folder: the report is found in <name>_prj/solution1/syn/report/ and the
    post-synthesis report beside the project."""
    src = REPORTS.parent / "vivado2020_1_hls4ml_testreport_dense_stream"
    rdir = tmp_path / "myproject_prj" / "solution1" / "syn" / "report"
    rdir.mkdir(parents=True)
    for f in ("myproject_csynth.xml", "myproject_csynth.rpt"):
        shutil.copy(src / f, rdir / f)
    shutil.copy(src / "vivado_synth.rpt", tmp_path / "vivado_synth.rpt")
    r = read_report(tmp_path)
    assert r.folder == rdir and r.top.resources.dsp == 73
    assert r.post_synthesis.used.dsp == 66


@needs_reports
def test_read_utilization_seven_series():
    p = read_utilization(
        REPORTS.parent / "vivado2020_1_hls4ml_testreport_dense_stream" / "vivado_synth.rpt"
    )
    assert p.tool_version.startswith("Vivado v.2020.1 (lin64) Build 2902540")
    assert p.available.as_dict() == {
        "bram_18k": 280, "dsp": 220, "ff": 106400, "lut": 53200, "uram": None,
    }  # fmt: skip


def test_no_report_yet(tmp_path):
    msg = (
        f"no C-synthesis report in {tmp_path}: expected <top>_csynth.xml or <top>_csynth.rpt "
        "there or in <name>_prj/solution1/syn/report/ below it; run the synthesis first "
        "(firmware.build(synth=True))"
    )
    with pytest.raises(ReportNotFoundError) as err:
        read_report(tmp_path)
    assert str(err.value) == msg


def test_firmware_report_before_build(tmp_path):
    from fpga_export.config import ExportConfig
    from fpga_export.firmware import Firmware
    from graphs import mlp

    fw = Firmware(mlp((4, 3)), ExportConfig(output_dir=tmp_path / "prj"))
    with pytest.raises(
        ReportNotFoundError,
        match=r"^no synthesis report yet: the project was not written; run firmware.build\(synth=True\) first$",
    ):
        fw.report()
    fw.write()
    with pytest.raises(
        ReportNotFoundError,
        match=r"^no synthesis report for 'mlp' in .*prj yet: run firmware.build\(synth=True\) first",
    ):
        fw.report()


@needs_reports
def test_several_tops_need_a_choice(tmp_path):
    src = REPORTS.parent / "vivado2019_2_yolov3tiny_cnn_stream"
    for f in ("myproject_csynth.xml", "myproject_axi_csynth.xml"):
        shutil.copy(src / f, tmp_path / f)
    with pytest.raises(
        ReportNotFoundError,
        match=r"holds reports of several top functions \(myproject, myproject_axi\); pass top=",
    ):
        read_report(tmp_path)
    with pytest.raises(
        ReportNotFoundError,
        match=r"no report of top function 'nope' in .*; it has: myproject, myproject_axi",
    ):
        read_report(tmp_path, top="nope")
