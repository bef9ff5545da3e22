"""Resources of common AMD parts, looked up by device (the part name's prefix: package and
speed grade do not change the resources).

Sources: where a real synthesis report in the project's reference set lists the part's
"Available" resources (csynth.rpt / csynth.xml), those numbers; otherwise the vendor's
product tables (UltraScale / UltraScale+ product selection guides; BRAM given there in
36 Kb blocks, two BRAM_18K each). Each entry names its source.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    device: str  # e.g. "xcvu13p"
    dsp: int
    lut: int
    ff: int
    bram_18k: int
    uram: int
    source: str


_REPORT = "Vitis/Vivado HLS csynth report, 'Available' row"
_TABLE = "AMD product table"

PARTS = {
    p.device: p
    for p in (
        # the default part; same die as the Alveo U250 (its report numbers below agree)
        Part("xcvu13p", 12288, 1728000, 3456000, 5376, 1280, _TABLE + " (Virtex UltraScale+)"),
        Part("xcu250", 12288, 1728000, 3456000, 5376, 1280, _REPORT + " (Vivado HLS 2019.2)"),
        Part("xcvu9p", 6840, 1182240, 2364480, 4320, 960, _REPORT + " (Vitis HLS 2023.2)"),
        Part("xcvu37p", 9024, 1303680, 2607360, 4032, 960, _TABLE + " (Virtex UltraScale+ HBM)"),
        Part("xcku115", 5520, 663360, 1326720, 4320, 0, _TABLE + " (Kintex UltraScale)"),
        Part("xcku035", 1700, 203128, 406256, 1080, 0, _TABLE + " (Kintex UltraScale)"),
        Part("xczu9eg", 2520, 274080, 548160, 1824, 0, _TABLE + " (Zynq UltraScale+ MPSoC)"),
        Part("xc7z020", 220, 53200, 106400, 280, 0, _REPORT + " (Vitis HLS 2025.1)"),
        Part("xc7z007s", 66, 14400, 28800, 100, 0, _REPORT + " (Vitis HLS 2021.1)"),
    )
}


def find_part(name: str) -> Part | None:
    """The resources of part ``name`` (e.g. "xc7z020-clg400-1"), None when not in the table."""
    name = name.lower()
    for device in sorted(PARTS, key=len, reverse=True):
        if name == device or name.startswith(device + "-"):
            return PARTS[device]
    return None
