"""Running AMD's HLS tool on a written project: the command, the options file, the log check.

Two ways to run a Tcl script are supported (UG1399 "vitis_hls Command"; UG1702 "vitis-run
Command", 2023.2 and later):

- ``vitis-run --mode hls --tcl build_prj.tcl`` (Vitis 2023.2+; it passes no arguments to the
  script, so the options go into ``build_opt.tcl``, which build_prj.tcl sources),
- ``vitis_hls -f build_prj.tcl`` (Vitis HLS 2020.2 - 2024.x; the same options file).

``vitis_hls -f`` stays in interactive mode when a script ends without ``exit`` (UG1399 2022.2,
"vitis_hls Command"), so the tool runs with stdin closed and build_prj.tcl catches every
step's error, prints it as an ``ERROR:`` line and exits with code 1. The exit code alone is
not trusted (a failing step does not end every version's run with a non-zero code): the log
is also scanned for the tool's ``ERROR:`` lines.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass, fields
from pathlib import Path

TOOLS = ("vitis-run", "vitis_hls")
OPTIONS_FILE = "build_opt.tcl"
LOG_FILE = "fpga_export_build.log"
_STEP = "fpga-export: "  # build_prj.tcl announces each step with this prefix
_ERROR = re.compile(r"^ERROR:")  # vendor messages: "ERROR: [HLS 200-70] ..."


class VendorToolNotFoundError(RuntimeError):
    pass


class BuildError(RuntimeError):
    def __init__(self, message: str, log: Path):
        super().__init__(message)
        self.log = log


@dataclass
class BuildOptions:
    """Steps of a build: C simulation, C synthesis, C/RTL co-simulation, IP export, and
    Vivado logic synthesis of the RTL (``export_design -flow syn``, UG1399 export_design)."""

    csim: bool = True
    synth: bool = True
    cosim: bool = False
    export: bool = False
    vsynth: bool = False

    def tcl(self) -> str:
        values = " ".join(f"{f.name} {int(bool(getattr(self, f.name)))}" for f in fields(self))
        return (
            "# Build options written by fpga-export's Firmware.build(); build_prj.tcl sources it.\n"
            f"array set opt {{{values}}}\n"
        )


def find_tool() -> str:
    """The first of vitis-run / vitis_hls on PATH."""
    for tool in TOOLS:
        if shutil.which(tool):
            return tool
    raise VendorToolNotFoundError(
        "Vitis HLS not found: neither 'vitis-run' nor 'vitis_hls' is on PATH. build() runs the "
        "vendor tool (source Vitis' settings64.sh first). The C simulation needs no vendor tool: "
        "firmware.compile(); firmware.predict(x)."
    )


def command(tool: str, script: str = "build_prj.tcl") -> list[str]:
    if tool == "vitis-run":
        return ["vitis-run", "--mode", "hls", "--tcl", script]
    return ["vitis_hls", "-f", script]


def log_errors(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if _ERROR.match(line.strip())]


def run_build(
    project: Path, options: BuildOptions, *, log=None, verbose: bool = True, cmd=None
) -> Path:
    """Run the tool in the project folder (its ``build_opt.tcl`` written), check it; returns
    the log. ``cmd``: the command line (default: Vitis HLS, ``command(find_tool())``; the
    vivado backend passes ``vivado_hls -f build_prj.tcl``).

    With ``verbose`` each step build_prj.tcl announces is printed with the elapsed time.
    """
    cmd = list(cmd) if cmd else command(find_tool())
    tool = cmd[0]
    project = Path(project)
    if not (project / OPTIONS_FILE).is_file():  # Firmware.build writes it (recorded)
        raise FileNotFoundError(f"{project / OPTIONS_FILE} missing (Firmware.build writes it)")
    log_path = Path(log) if log else project / LOG_FILE
    start = time.perf_counter()

    def say(text: str) -> None:
        if verbose:
            print(f"fpga-export build [{time.perf_counter() - start:6.0f} s] {text}", flush=True)

    say(f"{' '.join(cmd)} in {project}")
    with open(log_path, "w") as f:
        proc = subprocess.Popen(
            cmd,
            cwd=project,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        for line in proc.stdout:
            f.write(line)
            if line.startswith(_STEP):
                say(line[len(_STEP) :].strip())
        code = proc.wait()
    elapsed = time.perf_counter() - start
    errors = log_errors(log_path.read_text(errors="replace"))
    if code != 0 or errors:
        why = f"exit code {code}" if code != 0 else "exit code 0 but errors in the log"
        first = f"\nfirst error: {errors[0]}" if errors else ""
        raise BuildError(
            f"{tool} failed ({why}) after {elapsed:.0f} s; log: {log_path}{first}", log_path
        )
    say(f"done; log: {log_path}")
    return log_path
