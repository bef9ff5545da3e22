"""Running Siemens Catapult HLS on a written project: ``catapult -shell -file build_prj.tcl``
in the project folder (Catapult's shell mode runs a Tcl script without the GUI).

Everything else is the Vitis flow's (``backends.vitis_build``): the options file
``build_opt.tcl`` that build_prj.tcl sources, stdin closed, each step caught and ended with an
``ERROR:`` line and exit code 1, and the log scanned for ``ERROR:`` lines.
"""

from __future__ import annotations

import shutil

from .vitis_build import VendorToolNotFoundError

TOOL = "catapult"


def find_tool() -> str:
    if shutil.which(TOOL):
        return TOOL
    raise VendorToolNotFoundError(
        "Catapult HLS not found: 'catapult' is not on PATH. build() with backend='catapult' runs "
        "Siemens Catapult HLS (install it and put its bin folder, $MGC_HOME/bin, on PATH). The C "
        "simulation needs no vendor tool: firmware.compile(); firmware.predict(x)."
    )


def command(tool: str = TOOL, script: str = "build_prj.tcl") -> list[str]:
    return [tool, "-shell", "-file", script]
