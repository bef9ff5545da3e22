"""Firmware.build with backend="vivado" and a fake ``vivado_hls`` (tests/backends/
test_vitis_build.py's fake: records its argv and cwd, runs build_prj.tcl in tclsh with the
vendor's commands stubbed). The stubs here also check the files the script hands the tool
and the Vivado HLS options; the report is a Vivado HLS 2019.2 csynth.xml (DSP48E)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
from pathlib import Path

import pytest
from test_vitis_build import FAKE_TOOL, calls

from fpga_export.backends.vitis_build import BuildError, VendorToolNotFoundError
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from graphs import mlp

pytestmark = pytest.mark.skipif(shutil.which("tclsh") is None, reason="needs tclsh")

STUBS = """
proc fake_call {cmd args} {
    puts "CALL $cmd [join $args { }]"
    if {[info exists ::env(FAKE_FAIL)] && $::env(FAKE_FAIL) eq $cmd} {
        error "fake $cmd failed"
    }
}
foreach cmd {set_part create_clock csim_design cosim_design export_design config_compile
             config_array_partition} {
    proc $cmd {args} "fake_call $cmd {*}\\$args"
}
proc open_project {args} { fake_call open_project {*}$args; set ::prj [lindex $args end] }
proc set_top {name} { fake_call set_top $name; set ::top $name }
proc open_solution {args} {
    # Vivado HLS has no -flow_target (Vitis HLS 2020.2 and later)
    if {[lsearch $args -flow_target] >= 0} { error "open_solution: unknown option -flow_target" }
    fake_call open_solution {*}$args
}
proc add_files {args} {
    # the tool reads what it is given: every file or folder must exist
    set path [lindex [lsearch -all -inline -not -regexp $args {^-}] 0]
    if {[lsearch $args -cflags] >= 0} { set path [lindex $args [lsearch $args -cflags]-1] }
    if {![file exists $path]} { error "add_files: $path does not exist" }
    fake_call add_files {*}$args
}
proc csynth_design {} {
    fake_call csynth_design
    set dir [file join $::prj solution1 syn report]
    file mkdir $dir
    file copy -force $::env(FAKE_REPORT) [file join $dir ${::top}_csynth.xml]
}
"""

REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<profile>
<ReportVersion><Version>2019.2</Version></ReportVersion>
<UserAssignments><unit>ns</unit><ProductFamily>zynq</ProductFamily><Part>xc7z020-clg400-1</Part>
<TopModelName>mlp</TopModelName><TargetClockPeriod>10.00</TargetClockPeriod>
<ClockUncertainty>1.25</ClockUncertainty></UserAssignments>
<PerformanceEstimates><PipelineType>function</PipelineType>
<SummaryOfTimingAnalysis><unit>ns</unit><EstimatedClockPeriod>7.812</EstimatedClockPeriod>
</SummaryOfTimingAnalysis>
<SummaryOfOverallLatency><unit>clock cycles</unit><Best-caseLatency>4</Best-caseLatency>
<Average-caseLatency>4</Average-caseLatency><Worst-caseLatency>4</Worst-caseLatency>
<Interval-min>1</Interval-min><Interval-max>1</Interval-max></SummaryOfOverallLatency>
</PerformanceEstimates>
<AreaEstimates><Resources><BRAM_18K>0</BRAM_18K><DSP48E>21</DSP48E><FF>640</FF><LUT>1890</LUT>
<URAM>0</URAM></Resources><AvailableResources><BRAM_18K>280</BRAM_18K><DSP48E>220</DSP48E>
<FF>106400</FF><LUT>53200</LUT><URAM>0</URAM></AvailableResources></AreaEstimates>
</profile>
"""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """Installs a fake vivado_hls first on PATH (and nothing else of the vendors'); returns
    a function giving the recorded calls."""
    import json

    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    (tmp_path / "stubs.tcl").write_text(STUBS)
    (tmp_path / "report.xml").write_text(REPORT)
    record = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_STUBS", str(tmp_path / "stubs.tcl"))
    monkeypatch.setenv("FAKE_REPORT", str(tmp_path / "report.xml"))
    monkeypatch.setenv("FAKE_RECORD", str(record))
    for var in ("FAKE_FAIL", "FAKE_EXIT", "FAKE_LOG_ERROR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{Path(shutil.which('tclsh')).parent}")
    tool = bin_dir / "vivado_hls"
    tool.write_text(FAKE_TOOL.format(python=sys.executable, tool="vivado_hls"))
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    return lambda: [json.loads(line) for line in record.read_text().splitlines()]


def firmware(tmp_path, **kw) -> Firmware:
    cfg = ExportConfig(
        output_dir=tmp_path / "prj",
        backend="vivado",
        part="xc7z020-clg400-1",
        clock_period=10,
        **kw,
    )
    return Firmware(mlp((8, 6, 3), seed=0), cfg)


def test_command_options_and_tcl(tmp_path, fake):
    fw = firmware(tmp_path)
    log = fw.build(csim=True, synth=True, cosim=True, vsynth=True, verbose=False)
    (call,) = fake()
    assert call["tool"] == "vivado_hls" and call["argv"] == ["-f", "build_prj.tcl"]
    assert Path(call["cwd"]) == fw.output_dir
    assert (
        "array set opt {csim 1 synth 1 cosim 1 export 0 vsynth 1}"
        in (fw.output_dir / "build_opt.tcl").read_text()
    )
    root = str(fw.output_dir.resolve())
    assert calls(log) == [
        "open_project -reset mlp_prj",
        "set_top mlp",
        f"add_files {root}/firmware/mlp.cpp -cflags -std=c++0x -I{root}/firmware",
        f"add_files -tb {root}/mlp_test.cpp -cflags -std=c++0x -I{root}/firmware",
        f"add_files -tb {root}/tb_data",
        "open_solution -reset solution1",
        "set_part xc7z020-clg400-1",
        "create_clock -period 10.0 -name default",
        "config_array_partition -maximum_size 4096",
        "config_compile -name_max_length 256",
        "csim_design",
        "csynth_design",
        "cosim_design -trace_level all",
        "export_design -flow syn -rtl verilog -format ip_catalog",
    ]


def test_report_after_build(tmp_path, fake):
    fw = firmware(tmp_path)
    fw.build(csim=False, verbose=False)
    r = fw.report()
    assert (r.top.name, r.top.latency_min, r.top.interval_max, r.part) == (
        "mlp",
        4,
        1,
        "xc7z020-clg400-1",
    )
    assert (r.top.resources.dsp, r.available.dsp, r.available.lut) == (21, 220, 53200)


def test_failed_step_names_log_and_first_error(tmp_path, fake, monkeypatch):
    monkeypatch.setenv("FAKE_FAIL", "csynth_design")
    fw = firmware(tmp_path)
    with pytest.raises(BuildError) as err:
        fw.build(verbose=False)
    log = fw.output_dir / "fpga_export_build.log"
    assert re.fullmatch(
        rf"vivado_hls failed \(exit code 1\) after \d+ s; log: {re.escape(str(log))}\n"
        r"first error: ERROR: fpga-export: C synthesis failed: fake csynth_design failed",
        str(err.value),
    )


def test_missing_vivado_hls_says_what_to_install(tmp_path, monkeypatch):
    """Vitis' tools on PATH do not count: the vivado backend runs vivado_hls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("vitis_hls", "vitis-run"):
        (bin_dir / tool).write_text("#!/bin/sh\nexit 0\n")
        (bin_dir / tool).chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    fw = firmware(tmp_path)
    with pytest.raises(VendorToolNotFoundError) as err:
        fw.build(verbose=False)
    assert str(err.value) == (
        "Vivado HLS not found: 'vivado_hls' is not on PATH. build() with backend='vivado' runs "
        "Vivado HLS 2019.2 - 2020.1 (install Vivado Design Suite with Vivado HLS and source its "
        "settings64.sh, which puts vivado_hls on PATH); for Vitis HLS export with "
        "backend='vitis'. The C simulation needs no vendor tool: firmware.compile(); "
        "firmware.predict(x)."
    )
    assert not (tmp_path / "prj").exists()  # refused before anything was written


def test_fake_tool_checks_the_files_it_is_given(tmp_path, fake):
    fw = firmware(tmp_path)
    fw.write()
    shutil.rmtree(fw.output_dir / "tb_data")
    with pytest.raises(BuildError) as err:
        fw.build(verbose=False)
    assert str(err.value).endswith(
        f"first error: ERROR: fpga-export: project setup failed: add_files: "
        f"{fw.output_dir.resolve()}/tb_data does not exist"
    )


def test_command_line_build_of_a_saved_vivado_project(tmp_path, fake, capsys, monkeypatch):
    """`fpga-export build DIR` runs the saved project's backend tool: vivado_hls."""
    from fpga_export.cli import main

    prj = firmware(tmp_path).write()
    assert main(["build", str(prj), "--no-csim", "-q"]) == 0
    (call,) = fake()
    assert call["tool"] == "vivado_hls" and Path(call["cwd"]) == prj
    assert capsys.readouterr().out == f"build log: {prj / 'fpga_export_build.log'}\n"
    monkeypatch.setenv("PATH", str(tmp_path))  # no vendor tool
    assert main(["build", str(prj)]) == 2
    assert capsys.readouterr().err.startswith(
        "fpga-export build: error: Vivado HLS not found: 'vivado_hls' is not on PATH."
    )
