"""AMD cost primitives: what a multiplier, an adder, a ROM, a FIFO or a register costs on an
UltraScale(+) / 7-series part as Vitis HLS builds it. Ops call these from ``Op.cost``;
``fpga_export.estimate`` adds them up. Every constant names its source here and in
docs/estimate.md.
"""

from __future__ import annotations

import math

from ..ir.cost import Resources

# -- sources ------------------------------------------------------------------------------
# DSP48E2 (UltraScale/UltraScale+, UG579 "DSP48E2 Slice"): a 27 x 18 signed multiplier.
# DSP48E1 (7-series, UG479): 25 x 18. Widths count the sign bit.
DSP_A, DSP_B = 27, 18
DSP_A_7SERIES = 25
# Vitis/Vivado HLS binds a product to a DSP only when both operands are at least this wide;
# narrower products are built from LUTs. Not documented by AMD; read off the reference
# reports (docs/estimate.md "DSP or LUT"): 9-bit x 10-bit products of the 2023.2 DeepSets
# tagger and the 6-bit products of the 2020.1 QKeras SVHN CNN are in LUTs, 16-bit products
# are in DSPs.
DSP_MIN_WIDTH = 10
# BRAM_18K as ROM (UG573 "UltraScale Architecture Memory Resources", RAMB18E2): 512 x 36 in
# simple dual port, the shape Vitis HLS uses for a wide ROM; the 2019.2 GRU report's
# 1,024-bit x 20-deep dense ROM takes 29 = ceil(1024 / 36) blocks.
BRAM_WIDTH, BRAM_DEPTH = 36, 512
# ROMs and FIFOs of at most this many bits stay in LUTs (LUTRAM / SRL): the GRU report's
# 32-bit x 32-deep ROM (1,024 bits) uses no BRAM.
LUTRAM_MAX_BITS = 1024


class VitisCost:
    """Cost primitives for one export (the part decides the DSP shape)."""

    def __init__(self, config):
        self.part = config.part.lower()
        self.clock_period = float(config.clock_period)
        self.dsp_a = DSP_A_7SERIES if self.part.startswith("xc7") else DSP_A

    # -- arithmetic ------------------------------------------------------------------------
    def dsps(self, wa: int, wb: int) -> int:
        """DSP slices of one wa x wb signed product bound to DSPs."""
        a, b = max(wa, wb), min(wa, wb)
        if a <= self.dsp_a and b <= DSP_B:
            return 1
        return math.ceil((a - 1) / (self.dsp_a - 1)) * math.ceil((b - 1) / (DSP_B - 1))

    # -- composition hooks used by fpga_export.estimate ----------------------------------
    def fifos(self, graph, ctx) -> Resources:
        return Resources()

    def top(self, graph, ctx, style: str) -> Resources:
        return Resources()

    def io_latency(self, style: str) -> int:
        return 0

    def notes(self, graph, ctx) -> list[str]:
        return []
