"""Running the Intel oneAPI FPGA flow on a written project: CMake, then make targets, as
Intel's samples document them (oneAPI-samples ``fpga_compile``: ``cmake ..``, ``make fpga_emu``,
``make report``, ``make fpga``), in ``<project>/build``.

``Firmware.build`` steps map onto the targets:

- ``csim``: ``make fpga_emu`` and the emulator run (``./<name>.fpga_emu <project>``: the host
  testbench against tb_data/, which prints PASSED or FAILED),
- ``synth``: ``make report`` (the optimization report; ``-fsycl-link=early`` stops after RTL
  generation, oneAPI's counterpart of C synthesis),
- ``cosim``: ``make fpga_sim`` and the simulator run,
- ``export`` or ``vsynth``: ``make fpga`` (the full hardware compile with Quartus).

Every command's output goes into one log; a command that fails (non-zero exit code) ends the
build with ``BuildError`` naming the log and the first error line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

from .vitis_build import LOG_FILE, BuildError, VendorToolNotFoundError

TOOLS = ("cmake", "make", "icpx")
BUILD_DIR = "build"
_ERROR = re.compile(r"error\b|FAILED", re.IGNORECASE)


def find_tool() -> str:
    """cmake, make and icpx (the oneAPI DPC++/C++ compiler) on PATH."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if not missing:
        return "icpx"
    raise VendorToolNotFoundError(
        f"Intel oneAPI FPGA flow not found: {', '.join(repr(t) for t in missing)} not on PATH. "
        "build() with backend='oneapi' runs cmake, make and icpx (install the oneAPI Base "
        "Toolkit with the FPGA support package and source /opt/intel/oneapi/setvars.sh; for "
        "the report and hardware targets also Quartus Prime). The C simulation needs no vendor "
        "tool: firmware.compile(); firmware.predict(x)."
    )


def commands(project: Path, options) -> list[tuple[str, list[str], Path]]:
    """(step title, argv, working folder) of each command the options ask for."""
    project = Path(project)
    build = project / BUILD_DIR
    name = _name(project)
    steps = [("cmake", ["cmake", "-S", ".", "-B", BUILD_DIR], project)]
    if options.csim:
        steps.append(("emulator build", ["make", "fpga_emu"], build))
        steps.append(("emulator run", [f"./{name}.fpga_emu", ".."], build))
    if options.synth:
        steps.append(("optimization report", ["make", "report"], build))
    if options.cosim:
        steps.append(("simulator build", ["make", "fpga_sim"], build))
        steps.append(("simulator run", [f"./{name}.fpga_sim", ".."], build))
    if options.export or options.vsynth:
        steps.append(("hardware compile", ["make", "fpga"], build))
    return steps


def _name(project: Path) -> str:
    """The top's name, from CMakeLists.txt's project() line."""
    text = (project / "CMakeLists.txt").read_text()
    m = re.search(r"^project\((\w+) CXX\)", text, re.MULTILINE)
    if m is None:
        raise ValueError(f"{project / 'CMakeLists.txt'}: no project(<name> CXX) line")
    return m.group(1)


def run_build(project: Path, options, *, log=None, verbose: bool = True) -> Path:
    """Run the commands in order (stdin closed), all output into the log; returns the log."""
    find_tool()
    project = Path(project)
    log_path = Path(log) if log else project / LOG_FILE
    start = time.perf_counter()

    def say(text: str) -> None:
        if verbose:
            print(f"fpga-export build [{time.perf_counter() - start:6.0f} s] {text}", flush=True)

    with open(log_path, "w") as f:
        for title, argv, cwd in commands(project, options):
            say(f"{title}: {' '.join(argv)} in {cwd}")
            f.write(f"fpga-export: {title}: {' '.join(argv)}\n")
            f.flush()
            code = subprocess.run(
                argv,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=f,
                stderr=subprocess.STDOUT,
            ).returncode
            if code != 0:
                f.close()
                lines = log_path.read_text(errors="replace").splitlines()
                tail = lines[lines.index(f"fpga-export: {title}: {' '.join(argv)}") + 1 :]
                errors = [line.strip() for line in tail if _ERROR.search(line)]
                first = f"\nfirst error: {errors[0]}" if errors else ""
                raise BuildError(
                    f"{title} failed ({argv[0]}: exit code {code}) after "
                    f"{time.perf_counter() - start:.0f} s; log: {log_path}{first}",
                    log_path,
                )
    say(f"done; log: {log_path}")
    return log_path
