"""Firmware.build with backend="quartus": make runs the project's Makefile with a fake ``i++``
first on PATH. The fake records its argv and cwd and checks what it is handed (every source
and include folder exists, the component's headers beside it); ``-march=x86-64`` compiles the
component and testbench with g++ and our compat headers (standing in for Intel's), so ``make
csim`` really runs the testbench against tb_data; an FPGA ``-march`` writes a stub project
folder (and a stub co-simulation program unless ``--simulator none``)."""

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

COMPAT = Path(__file__).parents[2] / "nnet_cpp" / "compat"
pytestmark = pytest.mark.skipif(
    shutil.which("make") is None or shutil.which("g++") is None, reason="needs make and g++"
)

FAKE_TOOL = """#!{python}
# A fake i++: records argv and cwd, checks its inputs, then emulates (-march=x86-64: g++ with
# the compat headers) or writes a stub FPGA project.
import json, os, subprocess, sys
args = sys.argv[1:]
with open(os.environ["FAKE_RECORD"], "a") as f:
    f.write(json.dumps({{"argv": args, "cwd": os.getcwd()}}) + "\\n")
march = [a for a in args if a.startswith("-march=")][0].split("=", 1)[1]
if os.environ.get("FAKE_FAIL") == march:
    print("Error: fake i++ failed for " + march)
    sys.exit(1)
out = args[args.index("-o") + 1]
incs = [a[2:] for a in args if a.startswith("-I")]
sources = [a for a in args if a.endswith(".cpp")]
for path in incs + sources:
    if not os.path.exists(path):
        sys.exit("fake i++: " + path + " does not exist")
for h in ("defines.h", "parameters.h", "nnet/types.h", "nnet/common.h"):
    if not os.path.exists(os.path.join("firmware", h)):
        sys.exit("fake i++: firmware/" + h + " missing")
if march == "x86-64":
    cmd = ["g++", "-std=c++17", "-O1", *("-I" + i for i in incs), "-I", {compat!r}, *sources]
    sys.exit(subprocess.run(cmd + ["-o", out]).returncode)
if "--clock" not in args:
    sys.exit("fake i++: --clock missing")
if "--component" in args:  # needs an extern "C" function; ours has the component keyword
    sys.exit("fake i++: --component given")
if not any("component " in open(s).read() for s in sources):
    sys.exit("fake i++: no function with the component keyword")
os.makedirs(os.path.join(out + ".prj", "reports"), exist_ok=True)
open(os.path.join(out + ".prj", "reports", "report.html"), "w").write("fake report")
if "--simulator" not in args:
    with open(out, "w") as f:
        f.write("#!/bin/sh\\necho fake co-simulation\\n")
    os.chmod(out, 0o755)
"""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A fake i++ first on PATH, then the folder of make and g++; returns the recorded calls."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    record = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_RECORD", str(record))
    monkeypatch.delenv("FAKE_FAIL", raising=False)
    system = {str(Path(shutil.which(t)).parent) for t in ("make", "g++", "as", "sh")}
    monkeypatch.setenv("PATH", os.pathsep.join([str(bin_dir), *sorted(system)]))
    tool = bin_dir / "i++"
    tool.write_text(FAKE_TOOL.format(python=sys.executable, compat=str(COMPAT)))
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    return lambda: [json.loads(line) for line in record.read_text().splitlines()]


def _firmware(tmp_path, **kw) -> Firmware:
    cfg = ExportConfig(output_dir=tmp_path / "prj", backend="quartus", **kw)
    return Firmware(mlp((8, 6, 3), seed=0), cfg)


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_make_runs_emulation_and_synthesis(tmp_path, fake, io_type):
    fw = _firmware(tmp_path, io_type=io_type)
    log = fw.build(csim=True, synth=True, cosim=True, verbose=False)
    sources = ["firmware/mlp.cpp", "mlp_test.cpp"]
    fpga = ["-march=Arria10", "--clock", "5.0ns"]
    calls = fake()
    assert [c["argv"] for c in calls] == [
        ["-march=x86-64", "-Ifirmware", *sources, "-o", "mlp-emu"],
        [*fpga, "--simulator", "none", "-Ifirmware", *sources, "-o", "mlp-fpga"],
        [*fpga, "-Ifirmware", *sources, "-o", "mlp-cosim"],
    ]
    assert {Path(c["cwd"]) for c in calls} == {fw.output_dir}
    text = log.read_text()
    assert "fpga-export testbench: 8 samples, 0 output values differ" in text
    assert "fake co-simulation" in text
    assert (fw.output_dir / "mlp-fpga.prj" / "reports" / "report.html").is_file()


def test_export_runs_a_quartus_compile(tmp_path, fake):
    _firmware(tmp_path, part="Agilex7").build(csim=False, synth=False, export=True, verbose=False)
    (call,) = fake()
    assert call["argv"][:4] == ["-march=Agilex7", "--clock", "5.0ns", "--simulator"]
    assert "--quartus-compile" in call["argv"] and call["argv"][-1] == "mlp-quartus"


def test_a_failing_step_fails_the_build(tmp_path, fake, monkeypatch):
    monkeypatch.setenv("FAKE_FAIL", "Arria10")
    fw = _firmware(tmp_path)
    with pytest.raises(BuildError) as err:
        fw.build(csim=True, synth=True, verbose=False)
    assert "make failed (exit code 2)" in str(err.value)
    assert str(err.value).endswith(
        "first error: ERROR: fpga-export: synthesis failed (exit code 1)"
    )
    assert "fpga-export testbench: 8 samples, 0 output values differ" in err.value.log.read_text()


def test_missing_tool_is_a_clear_error(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "make").symlink_to(shutil.which("make"))
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(VendorToolNotFoundError) as err:
        _firmware(tmp_path).build(verbose=False)
    assert str(err.value) == (
        "Intel HLS Compiler not found: 'i++' is not on PATH. build() with backend='quartus' runs "
        "make with the project's Makefile, which calls i++ (install Quartus Prime Pro 21.3 or "
        "later with the HLS Compiler and source its init_hls.sh, which puts i++ on PATH). The C "
        "simulation needs no vendor tool: firmware.compile(); firmware.predict(x)."
    )
