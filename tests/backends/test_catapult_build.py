"""Firmware.build with backend="catapult" and a fake ``catapult`` on PATH: it records its argv
and cwd and runs build_prj.tcl in tclsh with Catapult's commands stubbed; the stubs check the
files the script hands the tool (``solution file add``) and the stage order (``go``)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from fpga_export.backends.vitis_build import BuildError, VendorToolNotFoundError
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from graphs import mlp

pytestmark = pytest.mark.skipif(shutil.which("tclsh") is None, reason="needs tclsh")

FAKE_TOOL = """#!{python}
# A fake catapult: records its argv and cwd, then runs the -file script in tclsh with
# Catapult's commands stubbed (stubs.tcl).
import json, os, subprocess, sys
with open(os.environ["FAKE_RECORD"], "a") as f:
    f.write(json.dumps({{"argv": sys.argv[1:], "cwd": os.getcwd()}}) + "\\n")
script = os.path.abspath(sys.argv[sys.argv.index("-file") + 1])
stubs = os.environ["FAKE_STUBS"]
code = subprocess.run(
    ["tclsh"], input=f"source {{{{{{stubs}}}}}}\\nsource {{{{{{script}}}}}}\\n", text=True
).returncode
sys.exit(code)
"""

STUBS = """
proc fake_call {cmd args} {
    puts "CALL $cmd [join $args { }]"
    if {[info exists ::env(FAKE_FAIL)] && $::env(FAKE_FAIL) eq $cmd} {
        error "fake $cmd failed"
    }
}
foreach cmd {options project flow directive} {
    proc $cmd {args} "fake_call $cmd {*}\\$args"
}
set ::stages {}
proc go {stage} {
    # Catapult's stages run in this order; a later one needs the earlier ones
    set order {compile libraries assembly architect allocate schedule extract}
    set i [lsearch $order $stage]
    if {$i < 0 || $i != [llength $::stages]} { error "go $stage after: $::stages" }
    lappend ::stages $stage
    fake_call go $stage
}
proc solution {what args} {
    if {$what eq "file"} {
        set path [lindex $args 1]
        if {![file exists $path]} { error "solution file add: $path does not exist" }
        foreach inc {defines.h parameters.h nnet/types.h} {
            if {![file exists [file join [file dirname $path] $inc]] && [string match *.cpp $path]
                && [string match */firmware/* $path]} { error "missing $inc beside $path" }
        }
    }
    fake_call solution $what {*}$args
}
"""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """Installs a fake catapult first on PATH (and nothing else of the vendors'); returns a
    function giving the recorded calls."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    (tmp_path / "stubs.tcl").write_text(STUBS)
    record = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_STUBS", str(tmp_path / "stubs.tcl"))
    monkeypatch.setenv("FAKE_RECORD", str(record))
    monkeypatch.delenv("FAKE_FAIL", raising=False)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{Path(shutil.which('tclsh')).parent}")
    tool = bin_dir / "catapult"
    tool.write_text(FAKE_TOOL.format(python=sys.executable))
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    return lambda: [json.loads(line) for line in record.read_text().splitlines()]


def _calls(log: Path) -> list[str]:
    return [line[5:].strip() for line in log.read_text().splitlines() if line.startswith("CALL ")]


def _firmware(tmp_path, **kw) -> Firmware:
    cfg = ExportConfig(output_dir=tmp_path / "prj", backend="catapult", **kw)
    return Firmware(mlp((8, 6, 3), seed=0), cfg)


def test_command_and_tcl(tmp_path, fake):
    fw = _firmware(tmp_path)
    log = fw.build(csim=True, synth=True, cosim=False, verbose=False)
    (call,) = fake()
    assert call["argv"] == ["-shell", "-file", "build_prj.tcl"]
    assert Path(call["cwd"]) == fw.output_dir
    root = str(fw.output_dir.resolve())
    assert (
        _calls(log)
        == [
            "options set Input/CppStandard c++11",
            f"options set Input/SearchPath {root}/firmware",
            "project new -name mlp_prj",
            "flow package require /SCVerify",
            f"solution file add {root}/firmware/mlp.cpp -type C++",
            f"solution file add {root}/mlp_test.cpp -type C++ -exclude true",
            "directive set -DESIGN_HIERARCHY mlp",
            "go compile",
            "flow run /SCVerify/launch_make ./scverify/Verify_orig_cxx_osci.mk  SIMTOOL=osci sim",  # {}: empty
            "solution library add mgc_Xilinx-VIRTEX-uplus-2_beh -- -rtlsyntool Vivado -manufacturer "
            "Xilinx -family VIRTEX-uplus -speed -2 -part xcvu13p-flga2577-2-e",
            "go libraries",
            "directive set -CLOCKS clk {-CLOCK_PERIOD 5.0}",  # one list argument, printed bare
            "go assembly",
            "directive set /mlp/core/main -PIPELINE_INIT_INTERVAL 1",
            "go architect",
            "go allocate",
            "go schedule",
            "go extract",
        ]
    )


def test_a_failing_step_fails_the_build(tmp_path, fake, monkeypatch):
    monkeypatch.setenv("FAKE_FAIL", "directive")
    fw = _firmware(tmp_path)
    with pytest.raises(BuildError) as err:
        fw.build(csim=False, synth=True, verbose=False)
    assert "catapult failed (exit code 1)" in str(err.value)
    assert "first error: ERROR: fpga-export: project setup failed: fake directive failed" in str(
        err.value
    )


def test_missing_tool_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(VendorToolNotFoundError) as err:
        _firmware(tmp_path).build(verbose=False)
    assert str(err.value) == (
        "Catapult HLS not found: 'catapult' is not on PATH. build() with backend='catapult' runs "
        "Siemens Catapult HLS (install it and put its bin folder, $MGC_HOME/bin, on PATH). The C "
        "simulation needs no vendor tool: firmware.compile(); firmware.predict(x)."
    )
