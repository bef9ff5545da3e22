"""Resources of common Intel (Altera) FPGAs, looked up by an ordering code or a family name
(the targets the oneapi backend passes to ``-Xstarget`` and the quartus backend to i++).

An ordering code names its device in its first characters; the package, speed grade and
temperature after them do not change the resources:

- Agilex 7: ``AG`` + series (F, I, M) + a variant letter + the density, e.g.
  ``AGIB027R29A1E2VR3`` -> product line AGI 027,
- Stratix 10: ``1S`` + variant (G for GX) + the density, e.g. ``1SG280HU2F50E2VG`` -> GX 2800,
- Arria 10: ``10A`` + variant (X for GX, T for GT) + the density, e.g. ``10AX115S2F45I1SG``
  -> GX 1150,
- Cyclone 10 GX: ``10CX`` + the density, e.g. ``10CX220YF780E5G`` -> 10CX220.

A family name (case, spaces, "-" and "_" ignored: "Agilex7", "Agilex 7", "Agilex",
"Stratix10", "Arria10", "Cyclone10GX") stands for one device of the family, the default
below (``FAMILIES``): Agilex 7 -> AGI 027, Stratix 10 -> GX 2800 (1SG280), Arria 10 -> GX 1150
(10AX115), Cyclone 10 GX -> 10CX220. The compilers compile a family target for a device of
their own choosing; these are the largest sourced device of each family here (for Arria 10
and Stratix 10 the one on Intel's development kit), so an estimate against a family is an
upper bound of what fits.

Every entry names its source. Of the Agilex 7 F-Series only AGF 014 (the development kit's
AGFB014R24B2E2V) is listed, from the "Available" row of a real oneAPI report; no M-Series
device is: their numbers could not be sourced here (see docs/estimate.md "Intel devices").
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class IntelPart:
    device: str  # e.g. "AGI027", "10AX115"
    name: str  # Intel's product-line name, e.g. "Agilex 7 I-Series AGI 027"
    dsp: int  # variable-precision DSP blocks (two 18 x 19 or one 27 x 27 multiplier each)
    alm: int  # adaptive logic modules
    registers: int  # ALM registers (4 per ALM)
    m20k: int  # M20K memory blocks (20 Kbit each)
    mlab: int | None  # MLABs (640 bits each), None when the source does not count them
    source: str

    def amounts(self) -> dict[str, int | None]:
        """The capacity in the estimate's resource slots (``ir.cost.KINDS``): DSP blocks,
        ALMs, ALM registers, M20K blocks, MLABs (``backends.intel_cost``)."""
        return {
            "dsp": self.dsp,
            "lut": self.alm,
            "ff": self.registers,
            "bram_18k": self.m20k,
            "uram": self.mlab,
        }


_CATALOG_I = "Intel FPGA Product Catalog, 'Intel Agilex 7 FPGA and SoC I-Series Features' table"
# A real oneAPI 2025.0 optimization report (tests/fixtures/vendor_reports/
# oneapi2025_0_hls4ml_dense_stream/summary.ndjson, hls4ml's test data): its "Available" row
# counts ALUTs (2 per ALM), FFs, RAMs (M20K), DSPs and MLABs of the device compiled for
_REPORT_AGF014 = "oneAPI 2025.0 optimization report, 'Available' row (ALUTs / 2 = ALMs)"
_A10_KIT = "Arria 10 FPGA Development Kit User Guide (683526), Table 'Board Components' (U28)"
_A10_DSP = "Arria 10 Core Fabric and General Purpose I/Os Handbook (683461), 3.2 Resources"
_S10_KIT = "Stratix 10 GX FPGA Development Kit User Guide (683674), 4.1 Board Overview (U1)"
_S10_ARK = "Intel ARK, Stratix 10 GX FPGA Development Kit (DSP Blocks, 1SG280LU2F50E2VG)"
_C10_KIT = (
    "Cyclone 10 GX FPGA Development Kit User Guide (683696), A.2 (10CX220YF780E5G); "
    "M20K blocks = its 11,740 Kb of M20K memory / 20 Kb"
)


def _agi(density: str, alm: int, m20k: int, mlab: int, dsp: int) -> IntelPart:
    return IntelPart(
        device=f"AGI{density}",
        name=f"Agilex 7 I-Series AGI {density}",
        dsp=dsp,
        alm=alm,
        registers=4 * alm,  # the catalog's "ALM registers" row: 4 x ALMs for each device
        m20k=m20k,
        mlab=mlab,
        source=_CATALOG_I,
    )


PARTS: dict[str, IntelPart] = {
    p.device: p
    for p in (
        # Agilex 7 I-Series: ALMs, M20K blocks, "MLAB memory count", DSP blocks
        _agi("019", 650_500, 8_500, 32_525, 1_354),
        _agi("022", 748_500, 10_900, 37_425, 6_250),
        _agi("023", 782_400, 10_464, 39_120, 1_640),
        _agi("027", 912_800, 13_272, 45_640, 8_528),
        _agi("035", 1_200_000, 14_931, 60_000, 9_594),
        _agi("040", 1_372_000, 19_908, 68_600, 12_792),
        # Available: 974,400 ALUTs, 1,948,800 FFs, 7,110 RAMs, 4,510 DSPs, 24,360 MLABs
        IntelPart(
            device="AGF014",
            name="Agilex 7 F-Series AGF 014",
            dsp=4_510,
            alm=487_200,
            registers=1_948_800,
            m20k=7_110,
            mlab=24_360,
            source=_REPORT_AGF014,
        ),
        IntelPart(
            device="1SG280",
            name="Stratix 10 GX 2800",
            dsp=5_760,
            alm=933_120,
            registers=3_732_480,
            m20k=11_721,
            mlab=None,
            source=f"{_S10_KIT}; DSP: {_S10_ARK}",
        ),
        IntelPart(
            device="10AX115",
            name="Arria 10 GX 1150",
            dsp=1_518,
            alm=427_200,
            registers=1_708_800,
            m20k=2_713,
            mlab=None,
            source=f"{_A10_KIT}; DSP: {_A10_DSP}",
        ),
        IntelPart(
            device="10CX220",
            name="Cyclone 10 GX 220",
            dsp=192,
            alm=80_330,
            registers=321_320,
            m20k=587,
            mlab=None,
            source=_C10_KIT,
        ),
    )
}

# family name -> its default device (module docstring)
FAMILY_DEFAULTS = {
    "Agilex7": "AGI027",
    "Stratix10": "1SG280",
    "Arria10": "10AX115",
    "Cyclone10GX": "10CX220",
}
# the same, by normalized name (lower case, no spaces, "-" or "_"); "Agilex" = Agilex 7
FAMILIES = {f.lower(): d for f, d in FAMILY_DEFAULTS.items()} | {"agilex": "AGI027"}

# ordering-code prefixes: (pattern, device from the match)
_CODES = (
    (re.compile(r"AG([FIM])[A-Z]?(\d{3})"), lambda m: f"AG{m[1]}{m[2]}"),
    (re.compile(r"1S([GXM])(\d{3})"), lambda m: f"1S{m[1]}{m[2]}"),
    (re.compile(r"10A([XTS])(\d{3})"), lambda m: f"10A{m[1]}{m[2]}"),
    (re.compile(r"10CX(\d{3})"), lambda m: f"10CX{m[1]}"),
)


def find_intel_part(name: str) -> IntelPart | None:
    """The resources of an Intel target: a family name (its default device, module
    docstring) or an ordering code / product line ("AGIB027R29A1E2VR3", "AGI 027",
    "1SG280HU2F50E2VG", "10AX115S2F45I1SG", "10CX220YF780E5G"); None when not in the table."""
    key = re.sub(r"[\s_\-]", "", str(name)).upper()
    if key.lower() in FAMILIES:
        return PARTS[FAMILIES[key.lower()]]
    for pattern, device in _CODES:
        m = pattern.match(key)
        if m:
            return PARTS.get(device(m))
    return None


def unknown_part_note(name: str) -> str:
    """What the estimate says about a target not in the table."""
    families = ", ".join(f"{f} ({d})" for f, d in FAMILY_DEFAULTS.items())
    devices = ", ".join(PARTS)
    return (
        f"Intel part {name!r} is not in the Intel part table (fpga_export/backends/"
        f"intel_parts.py): absolute numbers only. Known families: {families}; known devices "
        f"(ordering codes starting with): {devices}. Give config part= one of them, or add "
        "the device with its sourced resources to intel_parts.PARTS"
    )
