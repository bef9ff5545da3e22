"""Running Vivado HLS (2019.2 - 2020.1) on a written project: ``vivado_hls -f build_prj.tcl``
in the project folder (UG902 "Using the Command Prompt and Tcl Interface").

Everything else is the Vitis flow's (``backends.vitis_build``): the options file
``build_opt.tcl`` that build_prj.tcl sources, stdin closed, each step caught and ended with an
``ERROR:`` line and exit code 1, and the log scanned for the tool's ``ERROR:`` lines (Vivado HLS
writes them in the same form: ``ERROR: [HLS 200-70] ...``).
"""

from __future__ import annotations

import shutil

from .vitis_build import VendorToolNotFoundError

TOOL = "vivado_hls"


def find_tool() -> str:
    if shutil.which(TOOL):
        return TOOL
    raise VendorToolNotFoundError(
        "Vivado HLS not found: 'vivado_hls' is not on PATH. build() with backend='vivado' runs "
        "Vivado HLS 2019.2 - 2020.1 (install Vivado Design Suite with Vivado HLS and source its "
        "settings64.sh, which puts vivado_hls on PATH); for Vitis HLS export with "
        "backend='vitis'. The C simulation needs no vendor tool: firmware.compile(); "
        "firmware.predict(x)."
    )


def command(tool: str = TOOL, script: str = "build_prj.tcl") -> list[str]:
    return [tool, "-f", script]
