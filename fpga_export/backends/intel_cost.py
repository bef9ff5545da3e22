"""Intel cost primitives (oneapi and quartus backends): the operation counts of the AMD model
(``backends.vitis_cost``: products with their operand widths, adders, multiplexers, registers,
memories) priced in Intel resources, so the ops' ``Op.cost`` formulas stay the same for both
vendors. The estimate's resource slots (``ir.cost.KINDS``) then hold, for Intel:

    dsp -> DSP blocks, lut -> ALMs, ff -> ALM registers, bram_18k -> M20K blocks, uram -> MLABs

UNCALIBRATED: no Intel synthesis report exists in the project's reference set; only the
AMD model is fitted to real reports. The rules below are Intel's documented block geometry
applied to the AMD model's counts; the fitted AMD constants (LUTs around a DSP product, a
resource-strategy lane's logic, the operator delays, the DSP width threshold) are carried over
unchanged, which Intel's compilers need not follow. docs/estimate.md "Intel devices".

Sources (Intel documents; each rule below names its own):
- DSP: the variable-precision DSP block takes two 18 x 19 or one 27 x 27 multiplier; 19 x 36
  takes one block, 36 x 36 two, 54 x 54 four (Agilex 7 Device Overview 683458 "Variable-
  Precision DSP", Table 22; the same table in the Stratix 10 and Arria 10 overviews).
- ALM: an 8-input fracturable LUT implementing any 6-input function or two smaller ones,
  two dedicated adders and four registers (Agilex 7 Device Overview 683458 1.10 "Adaptive
  Logic Module"; Arria 10 Handbook 683461 1.1.5 "ALM Resources").
- LAB / MLAB: 10 ALMs per LAB; an MLAB is a LAB used as memory (Stratix 10 LAB and ALM User
  Guide 683699 3.1); MLAB 32 x 20 (Cyclone 10 GX Device Overview 683485, "Embedded Memory
  Configurations for Single-port Mode").
- M20K: 20 Kbit, 512 x 40, 1K x 20, 2K x 10, 4K x 5, 8K x 2, 16K x 1 (the same table).
"""

from __future__ import annotations

import math

from ..ir.cost import Resources
from .vitis_cost import LUTRAM_MAX_BITS, SRL_DEPTH, VitisCost

# DSP block shapes (larger x smaller operand, sign bits counted) and blocks per product,
# Intel's "Variable-Precision DSP Block Configurations" table; beyond 54 x 54: four blocks per
# 54 x 54 tile (our extrapolation).
DSP_SHAPES = ((19, 18, 0.5), (27, 27, 1), (36, 19, 1), (36, 36, 2), (54, 54, 4))
# An ALM holds two adder bits (its two dedicated full adders): a carry-chain LUT of the AMD
# model (one LUT6 per adder bit on CARRY8) is half an ALM.
ALM_PER_ADD_LUT = 0.5
# Other logic: one ALM per LUT6 function (an ALM implements any one 6-input function; two
# functions share an ALM only when small enough, which we do not assume).
ALM_PER_LUT = 1.0
# A 2-to-1 select per bit is a 3-input function: two per ALM.
ALM_PER_SELECT_BIT = 0.5
# MLAB: 32 words of 20 bits, the memory of one LAB of 10 ALMs.
MLAB_WIDTH, MLAB_DEPTH, ALM_PER_MLAB = 20, 32, 10
# M20K shapes (depth, width) in ROM / single-port mode.
M20K_SHAPES = ((512, 40), (1024, 20), (2048, 10), (4096, 5), (8192, 2), (16384, 1))

LABELS = {"dsp": "DSP", "lut": "ALM", "ff": "REG", "bram_18k": "M20K", "uram": "MLAB"}
UNCALIBRATED = (
    "Intel estimate UNCALIBRATED: Intel resources derived from the AMD model's operation "
    "counts by Intel's block geometry (docs/estimate.md 'Intel devices'); no Intel "
    "synthesis report has checked them"
)


class IntelCost(VitisCost):
    """The AMD cost primitives' operation counts, priced in Intel resources (module
    docstring). Timing (operator delays, clock uncertainty) is the AMD model's."""

    LABELS = LABELS
    LANE_LUT = VitisCost.LANE_LUT * ALM_PER_LUT

    # -- arithmetic --------------------------------------------------------------------------
    def dsp_tiles(self, wa: int, wb: int) -> float:
        """DSP blocks of one wa x wb product: 0.5 (one of a block's two 18 x 19 multipliers),
        1 (27 x 27 or 19 x 36), 2 (36 x 36), 4 (54 x 54), larger: 4 per 54 x 54 tile."""
        a, b = max(wa, wb), min(wa, wb)
        for big, small, blocks in DSP_SHAPES:
            if a <= big and b <= small:
                return blocks
        return 4 * math.ceil(a / 54) * math.ceil(b / 54)

    def multiplier(self, wa: int, wb: int) -> Resources:
        res = super().multiplier(wa, wb)
        return Resources(dsp=res.dsp, lut=res.lut * ALM_PER_ADD_LUT)

    def constant_product_luts(self, dsp: float) -> Resources:
        """The AMD model's fitted logic around each DSP product, one ALM per LUT, per block."""
        return super().constant_product_luts(dsp) * ALM_PER_LUT

    def adder_tree(self, terms: int, width: int, outputs: int = 1) -> Resources:
        res = super().adder_tree(terms, width, outputs)
        return Resources(lut=res.lut * ALM_PER_ADD_LUT, ff=res.ff)

    def adders(self, count: int, width: int) -> Resources:
        return super().adders(count, width) * ALM_PER_ADD_LUT

    def muxes(self, count: int, inputs: int, width: int) -> Resources:
        return super().muxes(count, inputs, width) * ALM_PER_LUT  # a 4:1 mux: 6 inputs

    # -- memories ----------------------------------------------------------------------------
    def mlabs(self, width: int, depth: int) -> Resources:
        """MLABs of a ``width`` x ``depth`` memory, with the ALMs they take."""
        n = math.ceil(width / MLAB_WIDTH) * math.ceil(depth / MLAB_DEPTH)
        return Resources(uram=n, lut=ALM_PER_MLAB * n)

    def m20ks(self, width: int, depth: int) -> int:
        """M20K blocks of a ``width`` x ``depth`` memory: the best of the block's shapes."""
        return min(math.ceil(width / w) * math.ceil(depth / d) for d, w in M20K_SHAPES)

    def rom(self, width: int, depth: int, copies: int = 1) -> Resources:
        """Up to the AMD model's distributed-RAM size (1,024 bits) in MLABs, else M20Ks."""
        if width * depth <= LUTRAM_MAX_BITS:
            return self.mlabs(width, depth) * copies
        return Resources(bram_18k=copies * self.m20ks(width, depth))

    def fifo(self, width: int, depth: int) -> Resources:
        """Depth <= 2: registers; up to the AMD model's shift-register depth (32) or 1,024
        bits: MLABs (no SRL in an ALM) and the output register; deeper: M20Ks."""
        if depth <= 2:
            return Resources(ff=width * depth)
        if depth <= SRL_DEPTH or width * depth <= LUTRAM_MAX_BITS:
            return self.mlabs(width, depth) + Resources(ff=width)
        return Resources(bram_18k=self.m20ks(width, depth), ff=width)

    # -- composition -------------------------------------------------------------------------
    def top(self, graph, ctx, style: str) -> Resources:
        res = super().top(graph, ctx, style)  # its LUTs are one 2:1 select per channel bit
        return Resources(ff=res.ff, lut=res.lut * ALM_PER_SELECT_BIT)

    def notes(self, graph, ctx) -> list[str]:
        return [UNCALIBRATED, *super().notes(graph, ctx)]


class IntelEstimate:
    """The estimate hooks of the Intel backends (mixed in before ``VitisBackend``): Intel cost
    primitives, the target looked up in ``backends.intel_parts``."""

    def cost_model(self, config):
        return IntelCost(config)

    def part_capacity(self, config):
        from .intel_parts import find_intel_part

        return find_intel_part(self.target_part(config))

    def unknown_part_note(self, part: str) -> str:
        from .intel_parts import unknown_part_note

        return unknown_part_note(part)
