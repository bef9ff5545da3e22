"""Firmware.build with backend="oneapi": the real cmake and make run the generated CMakeLists.txt
with a fake ``icpx`` first on PATH. The fake records its argv, checks the oneAPI flags it is
given and compiles with g++ against the stand-in SYCL headers (tests/backends/oneapi_sycl), so
``make fpga_emu`` builds the host testbench and the kernel and the emulator run compares every
output with tb_data/ (PASSED), as the oneAPI emulator would."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

import nnet_cpp
from fpga_export.backends.oneapi_build import commands
from fpga_export.backends.vitis_build import BuildError, BuildOptions, VendorToolNotFoundError
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from graphs import mlp

pytestmark = pytest.mark.skipif(
    not (shutil.which("cmake") and shutil.which("make") and shutil.which("g++")),
    reason="needs cmake, make and g++",
)

FAKE_ICPX = """#!{python}
# A fake icpx: records its argv, checks the oneAPI FPGA flags, compiles with g++ against the
# stand-in SYCL headers (the FPGA flags dropped).
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_RECORD"], "a") as f:
    f.write(json.dumps({{"argv": args, "cwd": os.getcwd()}}) + "\\n")
if os.environ.get("FAKE_FAIL") and any(a.endswith(os.environ["FAKE_FAIL"]) for a in args):
    print("fake-icpx: error: failing as asked")
    sys.exit(1)
sycl = "-fsycl" in args
if sycl and not ("-fintelfpga" in args and "-qactypes" in args):
    print("fake-icpx: error: -fsycl without -fintelfpga -qactypes")
    sys.exit(1)
if any(a.startswith("-Xs") for a in args) and not any(a.startswith("-Xstarget=") for a in args):
    print("fake-icpx: error: FPGA back-end flags without -Xstarget")
    sys.exit(1)
if sycl and "-c" in args and "-fconstexpr-steps=2147483647" not in args:
    print("fake-icpx: error: a SYCL compile without the raised -fconstexpr-steps")
    sys.exit(1)
# g++ spells Clang's -fconstexpr-steps as -fconstexpr-ops-limit
args = [a.replace("-fconstexpr-steps=", "-fconstexpr-ops-limit=") for a in args]
keep = [a for a in args if not a.startswith(("-fsycl", "-fintelfpga", "-qactypes", "-Xs"))]
extra = ["-I" + os.environ["FAKE_SYCL"], "-I" + os.environ["FAKE_COMPAT"]] if sycl else []
os.execvp("g++", ["g++", *extra, *keep])
"""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A fake icpx first on PATH; returns a function giving its recorded calls."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    record = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_RECORD", str(record))
    monkeypatch.setenv("FAKE_SYCL", str(Path(__file__).parent / "oneapi_sycl"))
    monkeypatch.setenv("FAKE_COMPAT", str(nnet_cpp.COMPAT_DIR))
    monkeypatch.delenv("FAKE_FAIL", raising=False)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    tool = bin_dir / "icpx"
    tool.write_text(FAKE_ICPX.format(python=sys.executable))
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    return lambda: [json.loads(line) for line in record.read_text().splitlines()]


def _firmware(tmp_path, io_type="io_parallel") -> Firmware:
    cfg = ExportConfig(output_dir=tmp_path / "prj", backend="oneapi", io_type=io_type)
    return Firmware(mlp((8, 6, 3), seed=0), cfg)


def test_commands_per_step(tmp_path):
    fw = _firmware(tmp_path)
    fw.write()
    out, build = fw.output_dir, fw.output_dir / "build"
    every = BuildOptions(csim=True, synth=True, cosim=True, export=True)
    assert commands(out, every) == [
        ("cmake", ["cmake", "-S", ".", "-B", "build"], out),
        ("emulator build", ["make", "fpga_emu"], build),
        ("emulator run", ["./mlp.fpga_emu", ".."], build),
        ("optimization report", ["make", "report"], build),
        ("simulator build", ["make", "fpga_sim"], build),
        ("simulator run", ["./mlp.fpga_sim", ".."], build),
        ("hardware compile", ["make", "fpga"], build),
    ]
    assert [c[0] for c in commands(out, BuildOptions(csim=False, synth=True))] == [
        "cmake",
        "optimization report",
    ]


def test_emulator_and_report_through_cmake(tmp_path, fake):
    fw = _firmware(tmp_path, "io_stream")
    log = fw.build(csim=True, synth=True, verbose=False)
    assert "8 samples, 0 differences: PASSED" in log.read_text()  # the emulator's testbench run
    calls = [c["argv"] for c in fake() if "-fsycl" in c["argv"]]
    compiles = [a for a in calls if "-c" in a]
    links = [a for a in calls if "-c" not in a]
    sources = sorted(Path(a[a.index("-c") + 1]).name for a in compiles)
    assert sources == ["mlp_kernel.cpp", "mlp_kernel.cpp", "mlp_test.cpp", "mlp_test.cpp"]
    assert {d for a in compiles for d in a if d.startswith("-DFPGA_")} == {
        "-DFPGA_EMULATOR",
        "-DFPGA_REPORT",
    }
    (emu,) = [a for a in links if "-Xshardware" not in a]
    (report,) = [a for a in links if "-Xshardware" in a]
    assert not any(a.startswith("-Xs") for a in emu)
    for flag in ("-Xstarget=Agilex7", "-Xsclock=200MHz", "-fsycl-link=early", "-qactypes"):
        assert flag in report
    assert report[report.index("-o") + 1] == "mlp_report.a"


def test_emulator_io_parallel(tmp_path, fake):
    log = _firmware(tmp_path).build(csim=True, synth=False, verbose=False)
    assert "8 samples, 0 differences: PASSED" in log.read_text()
    assert not [c for c in fake() if "-Xshardware" in c["argv"]]


def test_a_failing_step_fails_the_build(tmp_path, fake, monkeypatch):
    monkeypatch.setenv("FAKE_FAIL", "mlp_kernel.cpp")
    fw = _firmware(tmp_path)
    with pytest.raises(BuildError) as err:
        fw.build(csim=True, synth=False, verbose=False)
    message = str(err.value)
    assert message.startswith("emulator build failed (make: exit code 2) after ")
    assert message.endswith("first error: fake-icpx: error: failing as asked")
    assert f"log: {fw.output_dir / 'fpga_export_build.log'}" in message


def test_missing_tool_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(VendorToolNotFoundError) as err:
        _firmware(tmp_path).build(verbose=False)
    assert str(err.value) == (
        "Intel oneAPI FPGA flow not found: 'cmake', 'make', 'icpx' not on PATH. build() with "
        "backend='oneapi' runs cmake, make and icpx (install the oneAPI Base Toolkit with the "
        "FPGA support package and source /opt/intel/oneapi/setvars.sh; for the report and "
        "hardware targets also Quartus Prime). The C simulation needs no vendor tool: "
        "firmware.compile(); firmware.predict(x)."
    )
