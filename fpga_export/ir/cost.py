"""What one node of the generated firmware costs in hardware (``Op.cost``).

Vendor-neutral containers; the numbers come from a backend's cost primitives (for AMD:
``backends.vitis_cost``), which each op calls for the multipliers, adders, ROMs, FIFOs and
registers its C++ creates. ``fpga_export.estimate`` adds the nodes up.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

KINDS = ("dsp", "lut", "ff", "bram_18k", "uram")


@dataclass(frozen=True)
class Resources:
    dsp: float = 0
    lut: float = 0
    ff: float = 0
    bram_18k: float = 0
    uram: float = 0

    def __add__(self, other: Resources) -> Resources:
        return Resources(*(getattr(self, k) + getattr(other, k) for k in KINDS))

    def __mul__(self, k: float) -> Resources:
        return Resources(*(getattr(self, k_) * k for k_ in KINDS))

    __rmul__ = __mul__

    def rounded(self) -> Resources:
        """Whole units (a fraction of a LUT is still a LUT)."""
        return Resources(*(int(-(-getattr(self, k) // 1)) for k in KINDS))

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Cost:
    """One node: its resources, its latency (clock cycles from its first input to its last
    output, for one call) and its initiation interval (cycles between calls)."""

    resources: Resources = Resources()
    latency: int = 0
    ii: int = 1
    # io_stream: cycles from the first input packet to the first output packet (the rest of
    # ``latency`` overlaps with the next process); None: the whole latency (array in, out)
    fill: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
