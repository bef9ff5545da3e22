"""Firmware.build with fake vendor tools: the commands, the options file, build_prj.tcl run
by a real Tcl interpreter (tclsh) with the vendor's commands stubbed, failure handling and
progress output. The fake tools live in a temporary folder put first on PATH by monkeypatch
(restored after each test)."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import sys
from pathlib import Path

import pytest

from fpga_export.backends.vitis_build import BuildError, BuildOptions
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from graphs import mlp

pytestmark = pytest.mark.skipif(shutil.which("tclsh") is None, reason="needs tclsh")

FAKE_TOOL = """#!{python}
# A fake {tool}: records its argv and cwd, then runs the given Tcl script in tclsh with the
# vendor's commands stubbed (stubs.tcl).
import json, os, subprocess, sys
tool = os.path.basename(sys.argv[0])
with open(os.environ["FAKE_RECORD"], "a") as f:
    f.write(json.dumps({{"tool": tool, "argv": sys.argv[1:], "cwd": os.getcwd()}}) + "\\n")
flag = "--tcl" if tool == "vitis-run" else "-f"
script = os.path.abspath(sys.argv[sys.argv.index(flag) + 1])
stubs = os.environ["FAKE_STUBS"]
code = subprocess.run(
    ["tclsh"], input=f"source {{{{{{stubs}}}}}}\\nsource {{{{{{script}}}}}}\\n", text=True
).returncode
if os.environ.get("FAKE_LOG_ERROR"):
    print(os.environ["FAKE_LOG_ERROR"], flush=True)
sys.exit(int(os.environ.get("FAKE_EXIT", code)))
"""

STUBS = """
proc fake_call {cmd args} {
    puts "CALL $cmd [join $args { }]"
    if {[info exists ::env(FAKE_FAIL)] && $::env(FAKE_FAIL) eq $cmd} {
        error "fake $cmd failed"
    }
}
foreach cmd {open_project set_top add_files open_solution set_part create_clock csim_design
             cosim_design export_design} {
    proc $cmd {args} "fake_call $cmd {*}\\$args"
}
proc open_project {args} { fake_call open_project {*}$args; set ::prj [lindex $args end] }
proc set_top {name} { fake_call set_top $name; set ::top $name }
proc csynth_design {} {
    fake_call csynth_design
    set dir [file join $::prj solution1 syn report]
    file mkdir $dir
    file copy -force $::env(FAKE_REPORT) [file join $dir ${::top}_csynth.xml]
}
"""

REPORT = """<profile>
<ReportVersion><Version>2024.1</Version></ReportVersion>
<UserAssignments><unit>ns</unit><Part>xcvu13p-flga2577-2-e</Part><TopModelName>mlp</TopModelName>
<TargetClockPeriod>5.00</TargetClockPeriod><ClockUncertainty>1.35</ClockUncertainty></UserAssignments>
<PerformanceEstimates><PipelineType>yes</PipelineType>
<SummaryOfTimingAnalysis><unit>ns</unit><EstimatedClockPeriod>3.100</EstimatedClockPeriod></SummaryOfTimingAnalysis>
<SummaryOfOverallLatency><unit>clock cycles</unit><Best-caseLatency>7</Best-caseLatency>
<Worst-caseLatency>9</Worst-caseLatency><Interval-min>1</Interval-min><Interval-max>1</Interval-max>
</SummaryOfOverallLatency></PerformanceEstimates>
<AreaEstimates><Resources><BRAM_18K>0</BRAM_18K><DSP>48</DSP><FF>1200</FF><LUT>3400</LUT><URAM>0</URAM></Resources>
<AvailableResources><BRAM_18K>5376</BRAM_18K><DSP>12288</DSP><FF>3456000</FF><LUT>1728000</LUT><URAM>1280</URAM></AvailableResources>
</AreaEstimates></profile>
"""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """Installs fake tools; returns a function (tools...) -> list of recorded calls."""
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
    tclsh = Path(shutil.which("tclsh")).parent
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{tclsh}")  # no real vendor tool

    def install(*tools):
        for tool in tools:
            path = bin_dir / tool
            path.write_text(FAKE_TOOL.format(python=sys.executable, tool=tool))
            path.chmod(path.stat().st_mode | stat.S_IEXEC)
        return lambda: [json.loads(line) for line in record.read_text().splitlines()]

    return install


def firmware(tmp_path) -> Firmware:
    return Firmware(mlp((8, 6, 3), seed=0), ExportConfig(output_dir=tmp_path / "prj"))


def calls(log: Path) -> list[str]:
    return [line[5:].strip() for line in log.read_text().splitlines() if line.startswith("CALL ")]


def test_vitis_run_command_options_file_and_tcl(tmp_path, fake):
    recorded = fake("vitis-run", "vitis_hls")  # vitis-run (2023.2+) is preferred
    fw = firmware(tmp_path)
    log = fw.build(csim=True, synth=True, cosim=False, export=False, vsynth=True, verbose=False)
    (call,) = recorded()
    assert call["tool"] == "vitis-run"
    assert call["argv"] == ["--mode", "hls", "--tcl", "build_prj.tcl"]  # no tcl arguments
    assert Path(call["cwd"]) == fw.output_dir
    assert (fw.output_dir / "build_opt.tcl").read_text() == (
        "# Build options written by fpga-export's Firmware.build(); build_prj.tcl sources it.\n"
        "array set opt {csim 1 synth 1 cosim 0 export 0 vsynth 1}\n"
    )
    root = str(fw.output_dir.resolve())
    assert calls(log) == [
        "open_project -reset mlp_prj",
        "set_top mlp",
        f"add_files {root}/firmware/mlp.cpp -cflags -std=c++14 -I{root}/firmware",
        f"add_files -tb {root}/mlp_test.cpp -cflags -std=c++14 -I{root}/firmware",
        f"add_files -tb {root}/tb_data",
        "open_solution -reset solution1 -flow_target vivado",
        "set_part xcvu13p-flga2577-2-e",
        "create_clock -period 5.0 -name default",
        "csim_design",
        "csynth_design",
        "export_design -flow syn -rtl verilog -format ip_catalog",
    ]
    assert log == fw.output_dir / "fpga_export_build.log"


def test_vitis_hls_command_and_steps(tmp_path, fake):
    recorded = fake("vitis_hls")
    fw = firmware(tmp_path)
    log = fw.build(csim=False, synth=True, cosim=True, export=True, verbose=False)
    (call,) = recorded()
    assert call["tool"] == "vitis_hls" and call["argv"] == ["-f", "build_prj.tcl"]
    assert calls(log)[-3:] == [
        "csynth_design",
        "cosim_design -trace_level all",
        "export_design -format ip_catalog",
    ]
    assert (
        "array set opt {csim 0 synth 1 cosim 1 export 1 vsynth 0}"
        in (fw.output_dir / "build_opt.tcl").read_text()
    )


def test_tcl_runs_from_any_folder(tmp_path, fake):
    """Paths in build_prj.tcl are relative to the script, not to where the tool started."""
    fake("vitis_hls")
    fw = firmware(tmp_path)
    fw.write()
    (fw.output_dir / "build_opt.tcl").write_text(BuildOptions(csim=False).tcl())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    import subprocess

    script = f"source {{{tmp_path / 'stubs.tcl'}}}\nsource {{{fw.output_dir / 'build_prj.tcl'}}}\n"
    out = subprocess.run(["tclsh"], input=script, text=True, cwd=elsewhere, capture_output=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (fw.output_dir / "mlp_prj" / "solution1" / "syn" / "report" / "mlp_csynth.xml").exists()
    assert not any(elsewhere.iterdir())


def test_failed_step_names_log_and_first_error(tmp_path, fake, monkeypatch):
    fake("vitis_hls")
    monkeypatch.setenv("FAKE_FAIL", "csim_design")
    fw = firmware(tmp_path)
    with pytest.raises(BuildError) as err:
        fw.build(verbose=False)
    log = fw.output_dir / "fpga_export_build.log"
    assert re.fullmatch(
        rf"vitis_hls failed \(exit code 1\) after \d+ s; log: {re.escape(str(log))}\n"
        r"first error: ERROR: fpga-export: C simulation failed: fake csim_design failed",
        str(err.value),
    )
    assert err.value.log == log
    assert "csynth_design" not in calls(log)  # the run stopped at the failed step


def test_error_in_log_with_exit_code_0(tmp_path, fake, monkeypatch):
    """Some versions end a failed C simulation with exit code 0: the log's ERROR lines count."""
    fake("vitis-run")
    monkeypatch.setenv(
        "FAKE_LOG_ERROR", "ERROR: [SIM 211-100] 'csim_design' failed: nonzero return value."
    )
    monkeypatch.setenv("FAKE_EXIT", "0")
    with pytest.raises(BuildError) as err:
        firmware(tmp_path).build(verbose=False)
    assert "vitis-run failed (exit code 0 but errors in the log)" in str(err.value)
    assert str(err.value).endswith(
        "first error: ERROR: [SIM 211-100] 'csim_design' failed: nonzero return value."
    )


def test_nonzero_exit_without_error_lines(tmp_path, fake, monkeypatch):
    fake("vitis_hls")
    monkeypatch.setenv("FAKE_EXIT", "3")
    with pytest.raises(
        BuildError, match=r"^vitis_hls failed \(exit code 3\) after \d+ s; log: \S+$"
    ):
        firmware(tmp_path).build(verbose=False)


def test_progress_shows_steps_and_elapsed_time(tmp_path, fake, capsys):
    fake("vitis-run")
    fw = firmware(tmp_path)
    fw.build(csim=True, synth=True)
    out = capsys.readouterr().out.splitlines()
    steps = [re.sub(r"^fpga-export build \[\s*\d+ s\] ", "", line) for line in out]
    assert all(re.match(r"^fpga-export build \[\s*\d+ s\] ", line) for line in out), out
    assert steps == [
        f"vitis-run --mode hls --tcl build_prj.tcl in {fw.output_dir}",
        "project setup",
        "C simulation",
        "C synthesis",
        "finished",
        f"done; log: {fw.output_dir / 'fpga_export_build.log'}",
    ]


def test_report_after_build(tmp_path, fake):
    fake("vitis-run")
    fw = firmware(tmp_path)
    fw.build(csim=False, verbose=False)
    r = fw.report()
    assert (r.top.name, r.top.latency_min, r.top.latency_max, r.part) == (
        "mlp",
        7,
        9,
        "xcvu13p-flga2577-2-e",
    )
    assert r.top.resources.dsp == 48 and r.available.dsp == 12288


def test_options_file_is_recorded_and_never_replaces_a_file_of_yours(tmp_path, fake):
    """build_opt.tcl goes through the project's manifest: a second build replaces our own
    copy, a file of the user's at that path is refused by name and left as it was."""
    import json as json_

    from fpga_export.project import MANIFEST, ProjectFolderError

    fake("vitis_hls")
    fw = firmware(tmp_path)
    fw.build(csim=False, synth=True, verbose=False)
    manifest = json_.loads((fw.output_dir / MANIFEST).read_text())
    assert "build_opt.tcl" in manifest["files"]
    fw.build(csim=True, synth=False, verbose=False)  # ours: replaced
    assert "csim 1 synth 0" in (fw.output_dir / "build_opt.tcl").read_text()

    other = firmware(tmp_path / "other")
    other.write()
    mine = other.output_dir / "build_opt.tcl"
    mine.write_text("# my own options\n")
    with pytest.raises(ProjectFolderError, match="build_opt.tcl"):
        other.build(verbose=False)
    assert mine.read_text() == "# my own options\n"
