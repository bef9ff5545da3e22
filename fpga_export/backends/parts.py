"""Resources of common AMD parts, looked up by device (the part name's prefix: package and
speed grade do not change the resources).

Sources: where a real synthesis report in the project's reference set lists the part's
"Available" resources (csynth.rpt / csynth.xml), those numbers; otherwise the vendor's
product tables (UltraScale / UltraScale+ product selection guides; BRAM given there in
36 Kb blocks, two BRAM_18K each). Each entry names its source.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ir.cost import KINDS


@dataclass(frozen=True)
class Part:
    device: str  # e.g. "xcvu13p"
    dsp: int
    lut: int
    ff: int
    bram_18k: int
    uram: int
    source: str

    def amounts(self) -> dict[str, int]:
        """The capacity in the estimate's resource slots (``ir.cost.KINDS``: its fields)."""
        return {k: getattr(self, k) for k in KINDS}


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
        Part("xcvu3p", 2280, 394080, 788160, 1440, 320, _TABLE + " (Virtex UltraScale+)"),
        Part("xcvu5p", 3474, 600577, 1201154, 2048, 470, _TABLE + " (Virtex UltraScale+)"),
        Part("xcvu7p", 4560, 788160, 1576320, 2880, 640, _TABLE + " (Virtex UltraScale+)"),
        Part("xcvu11p", 9216, 1296000, 2592000, 4032, 960, _TABLE + " (Virtex UltraScale+)"),
        Part("xcvu19p", 3840, 4085760, 8171520, 4320, 320, _TABLE + " (Virtex UltraScale+)"),
        Part("xcu200", 6840, 1182240, 2364480, 4320, 960, _TABLE + " (Alveo U200: VU9P)"),
        Part("xcu280", 9024, 1303680, 2607360, 4032, 960, _TABLE + " (Alveo U280)"),
        Part("xcu55c", 9024, 1303680, 2607360, 4032, 960, _TABLE + " (Alveo U55C)"),
        Part("xcku5p", 1824, 216960, 433920, 960, 64, _TABLE + " (Kintex UltraScale+)"),
        Part("xcku15p", 1968, 522720, 1045440, 1968, 128, _TABLE + " (Kintex UltraScale+)"),
        Part("xczu3eg", 360, 70560, 141120, 432, 0, _TABLE + " (Zynq UltraScale+ MPSoC)"),
        Part("xczu7ev", 1728, 230400, 460800, 624, 96, _TABLE + " (Zynq UltraScale+ MPSoC)"),
        Part("xc7vx690t", 3600, 433200, 866400, 2940, 0, _TABLE + " (Virtex-7)"),
        Part("xc7k325t", 840, 203800, 407600, 890, 0, _TABLE + " (Kintex-7)"),
        Part("xc7a100t", 240, 63400, 126800, 270, 0, _TABLE + " (Artix-7)"),
        Part("xc7a200t", 740, 134600, 269200, 730, 0, _TABLE + " (Artix-7)"),
        Part("xc7z020", 220, 53200, 106400, 280, 0, _REPORT + " (Vitis HLS 2025.1)"),
        Part("xc7z007s", 66, 14400, 28800, 100, 0, _REPORT + " (Vitis HLS 2021.1)"),
    )
}


def find_part(name: str) -> Part | None:
    """The resources of part ``name`` (e.g. "xcku115-flvb2104-2-e", or a 7-series name with
    the package right after the device, "xc7a100tcsg324-1"), None when not in the table."""
    name = name.lower()
    for device in sorted(PARTS, key=len, reverse=True):
        if name == device:
            return PARTS[device]
        rest = name[len(device) :] if name.startswith(device) else ""
        if rest[:1] == "-" or (device.startswith("xc7") and rest[:1].isalpha()):
            return PARTS[device]
    return None
