"""Running the Intel HLS Compiler on a written project: ``make <steps>`` in the project
folder, whose Makefile calls ``i++`` (``templates/quartus/Makefile.j2``; Intel HLS Compiler Pro
Edition User Guide and Reference Manual, "i++ Command-Line Arguments").

Steps: ``csim`` (``i++ -march=x86-64`` and the testbench run: emulation), ``synth``
(``i++ -march=<part> --clock``: RTL and reports), ``cosim`` (the testbench against the RTL),
``quartus`` (``--quartus-compile``, for ``export``/``vsynth``). Everything else is the Vitis
flow's (``backends.vitis_build.run_build``): stdin closed, ``fpga-export:`` step lines printed,
the exit code and the log's ``ERROR:`` lines checked.
"""

from __future__ import annotations

import shutil

from .vitis_build import VendorToolNotFoundError

TOOL = "i++"


def find_tool() -> str:
    missing = [t for t in (TOOL, "make") if not shutil.which(t)]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise VendorToolNotFoundError(
            f"Intel HLS Compiler not found: {' and '.join(repr(t) for t in missing)} {verb} not "
            "on PATH. build() with backend='quartus' runs make with the project's Makefile, which "
            "calls i++ (install Quartus Prime Pro 21.3 or later with the HLS Compiler and source "
            "its init_hls.sh, which puts i++ on PATH). The C simulation needs no vendor tool: "
            "firmware.compile(); firmware.predict(x)."
        )
    return TOOL


def command(options) -> list[str]:
    """``make`` with the Makefile's targets for the steps ``options`` asks for."""
    targets = [step for step in ("csim", "synth", "cosim") if getattr(options, step)]
    if options.export or options.vsynth:
        targets.append("quartus")
    return ["make", *targets]
