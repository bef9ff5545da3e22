"""Compile a written project into the csim shared library, cached by content hash.

A cache entry is ``lib<name>-<hash>.so`` plus ``lib<name>-<hash>.so.sha256`` (its size and
SHA-256). Both are written under temporary names (``.tmp-<pid>-*``) and renamed into place
once complete, so a reader never sees a partial entry; an entry that does not match its
checksum (a truncated file, a disk error) is rebuilt with a warning instead of being loaded
(a truncated library kills the process with SIGBUS). Temporary files are removed when the
build ends, however it ends; those of killed processes are swept by the next build.

The compiler command is ``CXX`` (default ``g++``; split like a shell line, so ``ccache g++``
works), followed by our flags and then ``CXXFLAGS`` (so ``CXXFLAGS=-O0`` overrides our
``-O2``), as make does. Both are part of the hash. No shell is involved.

Speed: ``-DFPGA_EXPORT_CSIM_KERNELS`` lets layers take csim-only kernels that give the firmware
code's values faster (nnet/common.h; ``CXXFLAGS=-UFPGA_EXPORT_CSIM_KERNELS`` runs the firmware
code path instead), and ``-march=native`` builds for this CPU, whose identity is then part of
the hash (cpu.py; ``FPGA_EXPORT_CSIM_PORTABLE=1``: a portable build).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

from .cpu import native_flags

FLAGS = (
    "-std=c++17",
    "-O2",
    "-fPIC",
    "-shared",
    "-pthread",
    # statics of inline functions and templates become STB_GNU_UNIQUE symbols by default,
    # which the loader shares across every library in the process even with RTLD_LOCAL: two
    # csim libraries with the same layer names would share (kernel caches, buffers) state
    "-fno-gnu-unique",
    "-DFPGA_EXPORT_RUNTIME_WEIGHTS",
    "-DFPGA_EXPORT_TRACE",
    "-DFPGA_EXPORT_CSIM_KERNELS",
)
TEMP_PREFIX = ".tmp-"  # .tmp-<pid of the writer>-<random>: files we may sweep
STALE_SECONDS = 3600  # a temporary file this old is left over, whoever wrote it


class CompilerNotFoundError(RuntimeError):
    pass


class CompileError(RuntimeError):
    def __init__(self, message: str, log: Path):
        super().__init__(message)
        self.log = log


def compiler_command() -> list[str]:
    """``CXX`` as a command (program resolved on PATH, then its own arguments)."""
    cxx = os.environ.get("CXX") or "g++"
    try:
        words = shlex.split(cxx)
    except ValueError as exc:
        raise CompilerNotFoundError(
            f"CXX={cxx!r} is not a valid command ({exc}): set CXX to the compiler command "
            "(e.g. g++ or 'ccache g++'); compiler flags go in CXXFLAGS"
        ) from None
    path = shutil.which(words[0]) if words else None
    if path is None:
        raise CompilerNotFoundError(
            f"C++ compiler {cxx!r} not found on PATH: the csim library needs g++ (C++17). "
            "Install it (Debian/Ubuntu: apt-get install g++) or set CXX to a compiler."
        )
    return [path, *words[1:]]


def find_compiler() -> str:
    return compiler_command()[0]


def user_flags() -> list[str]:
    try:
        return shlex.split(os.environ.get("CXXFLAGS", ""))
    except ValueError as exc:
        raise ValueError(f"CXXFLAGS is not a valid list of compiler flags ({exc})") from None


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


def source_hash(project: Path, name: str, compiler: list[str], flags, cpu: str = "") -> str:
    """Hash of everything that affects the library except weight values (pushed at run time);
    ``cpu``: the CPU's identity when the flags build for it (cpu.py)."""
    h = hashlib.sha256()
    h.update(" ".join(compiler).encode())
    h.update(" ".join(flags).encode())
    if cpu:
        h.update(b"\0cpu\0" + cpu.encode())
    for inc in include_dirs(project):
        h.update(str(inc.relative_to(project) if inc.is_relative_to(project) else inc).encode())
        for f in sorted(inc.rglob("*.h")) + sorted(inc.rglob("*.cpp")):
            rel = f.relative_to(inc)
            if rel.parts[0] == "weights":
                continue
            h.update(str(rel).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:20]


# -- checksums -------------------------------------------------------------------------------
def checksum_path(lib: Path) -> Path:
    return lib.with_name(lib.name + ".sha256")


def checksum(data: bytes) -> tuple[int, str]:
    return len(data), hashlib.sha256(data).hexdigest()


def read_checksum(lib: Path) -> tuple[int, str] | None:
    """(size, sha256) recorded for ``lib``; None when missing or unreadable."""
    try:
        size, digest = checksum_path(lib).read_text().split()
        return int(size), digest
    except (OSError, ValueError):
        return None


def corruption(lib: Path, data: bytes | None = None) -> str | None:
    """Why ``lib`` (or ``data`` read from it) does not match its checksum; None if it does."""
    want = read_checksum(lib)
    if want is None:
        return "no checksum"
    try:
        data = lib.read_bytes() if data is None else data
    except OSError as exc:
        return f"unreadable: {exc.strerror}"
    size, digest = checksum(data)
    if size != want[0]:
        return f"size {size} bytes, its checksum says {want[0]}"
    if digest != want[1]:
        return "SHA-256 differs from its checksum"
    return None


# -- temporary files ------------------------------------------------------------------------
def temp_file(folder: Path, suffix: str) -> Path:
    """A new empty file in ``folder`` that :func:`sweep` recognises as ours."""
    fd, path = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=suffix, dir=folder)
    os.close(fd)
    return Path(path)


def remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def sweep(folder: Path) -> None:
    """Remove temporary files left by killed processes: their writer is gone, or they are
    older than STALE_SECONDS."""
    now = time.time()
    for path in folder.glob(f"{TEMP_PREFIX}*"):
        match = re.match(rf"{re.escape(TEMP_PREFIX)}(\d+)-", path.name)
        if match is None:
            continue
        try:
            stale = now - path.stat().st_mtime > STALE_SECONDS
        except FileNotFoundError:
            continue
        if stale or not _alive(int(match.group(1))):
            remove(path)


def _publish(tmp: Path, lib: Path) -> None:
    """Move a complete library and then its checksum into place (each rename is atomic)."""
    data = tmp.read_bytes()
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    size, digest = checksum(data)
    side = temp_file(lib.parent, ".sha256")
    try:
        with open(side, "w") as f:
            f.write(f"{size} {digest}\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, lib)
        os.replace(side, checksum_path(lib))
    finally:
        remove(side)
    try:
        fd = os.open(lib.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:  # not every file system syncs folders
        pass


def _run_compiler(cmd: list[str]) -> subprocess.CompletedProcess:
    """Runs the compiler in its own process group, so an interrupt stops all of it (the
    linker included) before we remove its output."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        while True:  # short waits: a Ctrl-C the OS hands to another thread (numpy's) is only
            try:  # seen when the main thread runs Python again
                out, err = proc.communicate(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                continue
    except BaseException:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def build_library(
    project: Path, name: str, *, verbose: bool = False, extra_flags: tuple[str, ...] = ()
) -> tuple[Path, bool]:
    """Returns (library path, built): built is False when the cache already had it.
    ``extra_flags`` (e.g. ``-DFPGA_EXPORT_DATAFLOW_SIM``) make a different library (hash)."""
    compiler = compiler_command()
    native, cpu = native_flags(compiler)
    flags = [*FLAGS, *native, *extra_flags, *user_flags()]
    digest = source_hash(project, name, compiler, flags, cpu)
    lib = cache_dir() / f"lib{name}-{digest}.so"
    if lib.exists():
        problem = corruption(lib)
        if problem is None:
            return lib, False
        if problem != "no checksum":  # none: an older version's entry, or a writer at work
            warnings.warn(
                f"csim cache entry {lib} is corrupt ({problem}): rebuilding it",
                RuntimeWarning,
                stacklevel=3,
            )
    sweep(lib.parent)
    log = project / "csim" / "build.log"
    source = (project / "csim" / f"{name}_bridge.cpp").resolve()  # never read as an option
    tmp = temp_file(lib.parent, ".so")
    try:
        cmd = [*compiler, *flags, *[f"-I{d}" for d in include_dirs(project)], str(source)]
        cmd += ["-o", str(tmp)]
        start = time.perf_counter()
        if verbose:
            print(f"fpga-export: compiling csim library for {name!r} ...", flush=True)
        proc = _run_compiler(cmd)
        log.write_text(" ".join(cmd) + "\n\n" + proc.stdout + proc.stderr)
        if proc.returncode != 0:
            raise CompileError(
                f"csim compilation of {name!r} failed ({Path(compiler[0]).name} exit code "
                f"{proc.returncode}); full log: {log}\nfirst error: {first_error(proc.stderr)}",
                log,
            )
        _publish(tmp, lib)  # concurrent builders of the same hash are fine
    finally:
        remove(tmp)
    if verbose:
        print(f"fpga-export: compiled in {time.perf_counter() - start:.1f} s -> {lib}", flush=True)
    return lib, True


def first_error(stderr: str) -> str:
    for line in stderr.splitlines():
        if re.search(r"\berror\b", line):
            return line.strip()
    lines = stderr.strip().splitlines()
    return lines[0] if lines else "(no compiler output)"
