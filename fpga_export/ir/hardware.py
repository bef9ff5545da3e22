"""What an op's emitted C++ asks of the synthesis tool (``Op.hardware``): the arrays it
partitions completely, the loops it unrolls, the ROMs it reshapes and the multipliers it
instantiates. Vendor-neutral facts; a backend compares them with its tool's limits and the
part's resources (``backends.vitis_limits``)."""

from __future__ import annotations

from dataclasses import dataclass

PARTITION = "partition"  # an array completely partitioned into registers: size = elements
UNROLL = "unroll"  # a loop (nest) unrolled completely: size = copies of its body
RESHAPE = "reshape"  # a ROM reshaped into wide words: size = bits of one word
MULTIPLIERS = "multipliers"  # multipliers instantiated: size = count


@dataclass(frozen=True)
class HwUse:
    kind: str  # PARTITION, UNROLL, RESHAPE or MULTIPLIERS
    what: str  # the array or loop in the generated C++, e.g. "dense_1_kernel"
    size: int
    fix: str = ""  # what to change when the size crosses its limit
    # > 0: the size is proportional to 1 / reuse_factor, and reuse_factor must divide this
    # count: the check then names the least reuse factor that brings it within the limit
    reuse_work: int = 0

    def __post_init__(self):
        object.__setattr__(self, "size", int(self.size))
        object.__setattr__(self, "reuse_work", int(self.reuse_work))
