"""Compile a written project into the csim shared library, cached by content hash."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

FLAGS = (
    "-std=c++17",
    "-O2",
    "-fPIC",
    "-shared",
    "-pthread",
    "-DFPGA_EXPORT_RUNTIME_WEIGHTS",
    "-DFPGA_EXPORT_TRACE",
)


class CompilerNotFoundError(RuntimeError):
    pass


class CompileError(RuntimeError):
    def __init__(self, message: str, log: Path):
        super().__init__(message)
        self.log = log


def find_compiler() -> str:
    cxx = os.environ.get("CXX") or "g++"
    path = shutil.which(cxx)
    if path is None:
        raise CompilerNotFoundError(
            f"C++ compiler {cxx!r} not found on PATH: the csim library needs g++ (C++17). "
            "Install it (Debian/Ubuntu: apt-get install g++) or set CXX to a compiler."
        )
    return path


def cache_dir() -> Path:
    root = os.environ.get("FPGA_EXPORT_CACHE") or Path.home() / ".cache" / "fpga-export"
    path = Path(root) / "csim"
    path.mkdir(parents=True, exist_ok=True)
    return path


def include_dirs(project: Path) -> list[Path]:
    """firmware/ and csim/ of the project, then vendor headers (FPGA_EXPORT_VENDOR_INCLUDE)
    if the user points at them, then our compat headers: a vendor folder's ap_fixed.h and
    ap_int.h win, and our hls_stream.h fills in where it has none (the Xilinx ap types
    published on GitHub ship without one)."""
    vendor = os.environ.get("FPGA_EXPORT_VENDOR_INCLUDE")
    types = [Path(vendor).resolve()] if vendor else []
    return [project / "firmware", project / "csim", *types, project / "compat"]


def source_hash(project: Path, name: str, compiler: str, flags) -> str:
    """Hash of everything that affects the library except weight values (pushed at run time)."""
    h = hashlib.sha256()
    h.update(compiler.encode())
    h.update(" ".join(flags).encode())
    for inc in include_dirs(project):
        h.update(str(inc.relative_to(project) if inc.is_relative_to(project) else inc).encode())
        for f in sorted(inc.rglob("*.h")) + sorted(inc.rglob("*.cpp")):
            rel = f.relative_to(inc)
            if rel.parts[0] == "weights":
                continue
            h.update(str(rel).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:20]


def build_library(
    project: Path, name: str, *, verbose: bool = False, extra_flags: tuple[str, ...] = ()
) -> tuple[Path, bool]:
    """Returns (library path, built): built is False when the cache already had it.
    ``extra_flags`` (e.g. ``-DFPGA_EXPORT_DATAFLOW_SIM``) make a different library (hash)."""
    compiler = find_compiler()
    flags = (*FLAGS, *extra_flags)
    digest = source_hash(project, name, compiler, flags)
    lib = cache_dir() / f"lib{name}-{digest}.so"
    if lib.exists():
        return lib, False
    log = project / "csim" / "build.log"
    source = project / "csim" / f"{name}_bridge.cpp"
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=lib.parent)
    os.close(fd)
    cmd = [compiler, *flags, *[f"-I{d}" for d in include_dirs(project)], str(source), "-o", tmp]
    start = time.perf_counter()
    if verbose:
        print(f"fpga-export: compiling csim library for {name!r} ...", flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    log.write_text(" ".join(cmd) + "\n\n" + proc.stdout + proc.stderr)
    if proc.returncode != 0:
        os.unlink(tmp)
        raise CompileError(
            f"csim compilation of {name!r} failed (g++ exit code {proc.returncode}); "
            f"full log: {log}\nfirst error: {first_error(proc.stderr)}",
            log,
        )
    os.replace(tmp, lib)  # atomic: concurrent builders of the same hash are fine
    if verbose:
        print(f"fpga-export: compiled in {time.perf_counter() - start:.1f} s -> {lib}", flush=True)
    return lib, True


def first_error(stderr: str) -> str:
    for line in stderr.splitlines():
        if re.search(r"\berror\b", line):
            return line.strip()
    lines = stderr.strip().splitlines()
    return lines[0] if lines else "(no compiler output)"
