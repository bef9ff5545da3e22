"""csim.build: the content-hash cache survives truncation, interrupts and kill -9; CXX and
CXXFLAGS are read as make reads them; compile errors name the compiler."""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.csim import CompileError, CompilerNotFoundError, build_library
from fpga_export.csim.build import read_checksum
from fpga_export.firmware import Firmware
from graphs import mlp

ROOT = Path(__file__).resolve().parents[2]

# compiles, checks and runs the mlp project given as argv[1] (a crash cannot kill pytest)
CHILD = """
import sys, warnings
import signal
signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
import numpy as np
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from graphs import mlp
fw = Firmware(mlp((8, 6, 3)), ExportConfig(output_dir=sys.argv[1]))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        fw.compile()
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(0)
for w in caught:
    print("warning:", w.message)
x = np.random.default_rng(0).normal(size=(50, 8))
print("equal" if (fw.predict(x) == fw.reference(x)).all() else "different")
"""


def child_env(cache, **extra):
    env = dict(os.environ, FPGA_EXPORT_CACHE=str(cache), **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests")])
    return env


def firmware(tmp_path, name="prj"):
    return Firmware(mlp((8, 6, 3)), ExportConfig(output_dir=tmp_path / name))


def cache_files(cache) -> set[str]:
    return {p.name for p in (cache / "csim").iterdir()}


def test_entry_has_a_checksum(tmp_path, monkeypatch):
    monkeypatch.setenv("FPGA_EXPORT_CACHE", str(tmp_path / "cache"))
    lib, built = build_library(firmware(tmp_path).write(), "mlp")
    assert built
    data = lib.read_bytes()
    assert read_checksum(lib) == (len(data), hashlib.sha256(data).hexdigest())
    assert cache_files(tmp_path / "cache") == {lib.name, lib.name + ".sha256"}


def test_truncated_entry_is_rebuilt(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("FPGA_EXPORT_CACHE", str(cache))
    fw = firmware(tmp_path).compile()
    lib = fw._lib.path
    size = lib.stat().st_size
    with open(lib, "r+b") as f:
        f.truncate(size // 2)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "again")],
        env=child_env(cache),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"warning: csim cache entry {lib} is corrupt (size {size // 2} bytes, its checksum "
        f"says {size}): rebuilding it",
        "equal",
    ]
    assert lib.stat().st_size == size


def test_stale_temporary_files_are_swept(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("FPGA_EXPORT_CACHE", str(cache))
    folder = cache / "csim"
    folder.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()  # its pid is free now: the writer of this file is gone
    (folder / f".tmp-{dead.pid}-abc123.so").write_bytes(b"half a library")
    old = folder / f".tmp-{os.getpid()}-old123.so"
    old.write_bytes(b"left by a writer that hung")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    live = folder / f".tmp-{os.getpid()}-new123.so"  # a writer at work: kept
    live.write_bytes(b"being written")
    (folder / "notes.txt").write_text("not ours: kept")
    lib, built = build_library(firmware(tmp_path).write(), "mlp")
    assert built
    assert cache_files(cache) == {lib.name, lib.name + ".sha256", live.name, "notes.txt"}


def test_interrupted_build_leaves_no_temporary_file(tmp_path):
    cache = tmp_path / "cache"
    marker = tmp_path / "compiler.pid"
    slow = tmp_path / "slow-cxx"
    # the -march=native probe (csim/cpu.py, runs -E) is answered at once: the build is slow
    probe = 'case "$*" in *" -E "*) exit 0;; esac\n'
    slow.write_text(f'#!/bin/sh\n{probe}echo $$ > "{marker}"\nexec sleep 60\n')
    slow.chmod(0o755)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "prj")],
        env=child_env(cache, CXX=str(slow)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (marker.exists() and marker.read_text().strip()):
            assert time.monotonic() < deadline and child.poll() is None, child.stderr.read()
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert out == "interrupted\n", err
    assert stopped(int(marker.read_text())), "the compiler was not stopped"
    assert [f for f in cache_files(cache) if f.startswith((".tmp", "tmp"))] == []


def stopped(pid: int, wait: float = 10.0) -> bool:
    """The process is gone or a zombie (killed; its reaping is up to the machine's init,
    which may be late under load) within ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_cxx_is_a_command_and_cxxflags_are_used(tmp_path, monkeypatch):
    monkeypatch.setenv("FPGA_EXPORT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CXX", "g++ -O0")
    monkeypatch.setenv("CXXFLAGS", "-DFE_FROM_CXXFLAGS=1 -O1")
    fw = firmware(tmp_path).compile()
    x = np.random.default_rng(0).normal(size=(20, 8))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))
    command = (fw.output_dir / "csim" / "build.log").read_text().splitlines()[0].split()
    assert command[:2] == [shutil.which("g++"), "-O0"]
    assert command.index("-O2") < command.index("-DFE_FROM_CXXFLAGS=1") < command.index("-O1")
    monkeypatch.delenv("CXXFLAGS")  # other flags, another library
    lib, built = build_library(fw.output_dir, "mlp")
    assert built and lib != fw._lib.path


def test_bad_cxx_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("CXX", 'g++ "-O0')
    msg = (
        "CXX='g++ \"-O0' is not a valid command (No closing quotation): set CXX to the "
        "compiler command (e.g. g++ or 'ccache g++'); compiler flags go in CXXFLAGS"
    )
    with pytest.raises(CompilerNotFoundError, match=re.escape(msg)):
        build_library(firmware(tmp_path).write(), "mlp")


def test_compile_error_names_the_compiler(tmp_path, monkeypatch):
    monkeypatch.setenv("FPGA_EXPORT_CACHE", str(tmp_path / "cache"))
    fake = tmp_path / "my-cxx"
    fake.write_text('#!/bin/sh\necho "mlp_bridge.cpp:1:2: error: no luck" >&2\nexit 4\n')
    fake.chmod(0o755)
    monkeypatch.setenv("CXX", str(fake))
    out = firmware(tmp_path).write()
    with pytest.raises(CompileError) as err:
        build_library(out, "mlp")
    assert str(err.value) == (
        f"csim compilation of 'mlp' failed (my-cxx exit code 4); full log: "
        f"{out / 'csim' / 'build.log'}\nfirst error: mlp_bridge.cpp:1:2: error: no luck"
    )
    assert [f for f in cache_files(tmp_path / "cache") if f.startswith((".tmp", "tmp"))] == []


def test_a_project_folder_named_like_an_option_is_not_read_as_one(tmp_path, monkeypatch):
    """A relative output_dir such as '-o' reaches g++ as an absolute path, never as an
    option."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FPGA_EXPORT_CACHE", str(tmp_path / "cache"))  # really compile
    fw = Firmware(mlp((4, 3), seed=5), ExportConfig(output_dir="-o")).compile()
    x = np.random.default_rng(0).normal(size=(8, 4))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))
    assert (tmp_path / "-o" / "csim").is_dir()


def test_native_build_is_keyed_by_the_cpu_and_portable_on_request(tmp_path, monkeypatch):
    from fpga_export.csim import cpu

    monkeypatch.setenv("FPGA_EXPORT_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("FPGA_EXPORT_CSIM_PORTABLE", raising=False)
    out = firmware(tmp_path).write()
    log = out / "csim" / "build.log"
    native, built = build_library(out, "mlp")
    assert built and " -march=native " in log.read_text()
    assert build_library(out, "mlp") == (native, False)
    monkeypatch.setattr(cpu, "cpu_identity", lambda: "another CPU")
    other, built = build_library(out, "mlp")  # another CPU kind: its own library
    assert built and other != native
    monkeypatch.setenv("FPGA_EXPORT_CSIM_PORTABLE", "1")
    portable, built = build_library(out, "mlp")
    assert built and portable not in (native, other)
    assert "-march" not in log.read_text()


STATIC_IN_TEMPLATE = """
template <class T> int &counter() { static int c = 0; return c; }
extern "C" int bump() { return ++counter<int>(); }
"""


def test_two_libraries_do_not_share_template_statics(tmp_path):
    """A static inside a template (a kernel cache, a scratch buffer) is an STB_GNU_UNIQUE symbol
    by default, one object for every library in the process even with RTLD_LOCAL; csim's
    flags keep each library's own."""
    import ctypes

    from fpga_export.csim.build import FLAGS

    src = tmp_path / "s.cpp"
    src.write_text(STATIC_IN_TEMPLATE)
    libs = []
    for name in ("a", "b"):
        out = tmp_path / f"lib{name}.so"
        flags = [f for f in FLAGS if not f.startswith("-D")]
        subprocess.run(["g++", *flags, str(src), "-o", str(out)], check=True)
        libs.append(ctypes.CDLL(str(out), mode=ctypes.RTLD_LOCAL))
    assert [libs[0].bump(), libs[0].bump(), libs[1].bump()] == [1, 2, 1]
