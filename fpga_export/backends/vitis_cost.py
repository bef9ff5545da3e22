"""AMD cost primitives: what a multiplier, an adder, a ROM, a FIFO or a register costs on an
UltraScale(+) / 7-series part as Vitis HLS builds it, and how many clock cycles a chain of
operators takes. Ops call these from ``Op.cost`` (their family file); ``fpga_export.estimate``
adds the nodes up. Every constant names its source here; docs/estimate.md collects them.

"Fitted" constants are not published by AMD: they were chosen so that the estimate of the
reference designs in ../shared/reports (and the MNIST example of issue 13) lands on the
vendor's C-synthesis numbers; the README's estimate table shows the result.
"""

from __future__ import annotations

import math

import numpy as np

from ..ir.cost import Resources

# -- sources ------------------------------------------------------------------------------
# DSP48E2 (UltraScale/UltraScale+, UG579 "DSP48E2 Slice"): a 27 x 18 signed multiplier.
# DSP48E1 (7-series, UG479 "DSP48E1 Slice"): 25 x 18. Widths count the sign bit.
DSP_A, DSP_B = 27, 18
DSP_A_7SERIES = 25
# Vitis/Vivado HLS binds a product to a DSP only when both operands are at least this wide
# (declared widths); narrower products become LUT logic. AMD does not document the rule; it
# is read off the reference reports: the 2023.2 DeepSets tagger's 9-bit products and the
# 2020.1 QKeras SVHN CNN's 6-bit products are in LUTs, 16-bit products are in DSPs
# (docs/estimate.md "DSP or LUT").
DSP_MIN_WIDTH = 10
# A product by a constant of at most this many nonzero digits (canonical signed-digit form)
# is shifts and adds (HLS strength-reduces it); denser constants take a multiplier. Read off
# the reports: the 16-bit SVHN CNN (2020.1) puts 80 % of its trained, pruned weights'
# products in DSPs, the Iris MLP (2025.1) 92 %: the weights of 3 or more digits.
SHIFT_ADD_DIGITS = 2
# BRAM_18K as ROM or FIFO (UG573 "UltraScale Architecture Memory Resources", RAMB18E2):
# 512 x 36 in simple dual port. The 2019.2 GRU report's 1,024-bit x 20-deep dense ROM takes
# 29 = ceil(1024 / 36) blocks.
BRAM_WIDTH, BRAM_DEPTH = 36, 512
# Memories of at most this many bits stay in LUTs (distributed RAM, UG574 "CLB": a LUT6 holds
# 64 bits): the GRU report's 32-bit x 32-deep ROM (1,024 bits) uses no BRAM.
LUTRAM_MAX_BITS = 1024
LUTRAM_BITS_PER_LUT = 64
# FIFOs up to this depth are shift registers (SRL32: 32 bits per LUT, UG574), deeper ones
# BRAM (or LUTRAM when small); depth <= 2 FIFOs are registers.
SRL_DEPTH = 32
# A carry-chain adder costs one LUT per result bit (UG574 "Carry Logic": CARRY8 with one
# LUT6 per bit).
LUT_PER_ADD_BIT = 1.0
# Fitted: LUTs per bit of an adder in a constant-weight adder tree. HLS merges and trims the
# shifted partial products of LUT-built constant products, so a tree term costs less than a
# full adder (jet MLP 2019.2 RF 1, Iris MLP 2025.1).
LUT_PER_TREE_BIT = 1.0
# A LUT-built multiplier of two variables, a x b bits: about a*b/2 LUTs (two partial-product
# bits per LUT6 on the carry chain, UG574), fitted 0.6 with the QKeras SVHN CNN.
LUT_PER_MUL_BIT2 = 0.6
# Fitted: LUTs around each DSP-bound product of a constant (operand sign extension, the
# product's rounding into the accumulator type, the DSP's input routing): the per-layer
# numbers of the 2020.1 SVHN CNN (about 30 LUTs per DSP product with its adder), Iris MLP.
LUT_PER_DSP_PRODUCT = 16
# Vitis HLS's default clock uncertainty: 27 % of the period (UG1399 "Specifying the Clock
# Frequency": "the default clock uncertainty is 27% of the clock period").
UNCERTAINTY = 0.27
# Operator delays (ns) in the HLS scheduler's model. Fitted to the reports' latencies:
# a DSP multiply, one adder level of the tree, a table (ROM) read, a comparison / mux.
T_DSP = 3.6
T_ADD = 1.8
T_ROM = 3.0
T_CMP = 0.8
# Fitted: a resource-strategy dense step (ROM read, multiply, accumulate, with the index
# and control logic of the reuse loop) costs these per multiplier lane; MNIST example.
LANE_LUT = 160
LANE_FF = 90
# Fitted: flip-flops per bit of each adder-tree term (Vitis registers the partial sums of
# every tree level it schedules in a new cycle; Iris MLP 2025.1, jet MLP 2021.1).
FF_PER_TREE_BIT = 0.5
# The reuse loop's pipeline depth (ROM read 2, DSP 3, accumulate 1, result 1).
LANE_DEPTH = 7


class VitisCost:
    """Cost primitives for one export (the part decides the DSP shape, the clock the stages)."""

    LABELS = {"dsp": "DSP", "lut": "LUT", "ff": "FF", "bram_18k": "BRAM_18K", "uram": "URAM"}
    T_DSP, T_ADD, T_ROM, T_CMP = T_DSP, T_ADD, T_ROM, T_CMP
    LANE_LUT, LANE_FF, LANE_DEPTH = LANE_LUT, LANE_FF, LANE_DEPTH

    def __init__(self, config):
        self.part = str(config.part).lower()
        self.clock_period = float(config.clock_period)
        self.dsp_a = DSP_A_7SERIES if self.part.startswith("xc7") else DSP_A
        self.t_eff = self.clock_period * (1 - UNCERTAINTY)

    # -- timing ------------------------------------------------------------------------------
    def cycles(self, ns: float) -> int:
        """Clock cycles a chain of operators of ``ns`` takes (each register stage holds at most
        the period minus the uncertainty); 0 for no logic."""
        return 0 if ns <= 0 else max(1, math.ceil(ns / self.t_eff - 1e-9))

    def tree_ns(self, terms: int) -> float:
        """Delay of an adder tree summing ``terms`` values."""
        return T_ADD * math.ceil(math.log2(terms)) if terms > 1 else 0.0

    # -- arithmetic --------------------------------------------------------------------------
    def dsps(self, wa: int, wb: int) -> int:
        """DSP slices of one wa x wb product of two variables (0 when either is narrower
        than DSP_MIN_WIDTH: LUTs)."""
        if min(wa, wb) < DSP_MIN_WIDTH:
            return 0
        return self.dsp_tiles(wa, wb)

    def dsp_tiles(self, wa: int, wb: int) -> int:
        """DSP slices of one wa x wb signed product bound to DSPs."""
        a, b = max(wa, wb), min(wa, wb)
        if a <= self.dsp_a and b <= DSP_B:
            return 1
        return math.ceil((a - 1) / (self.dsp_a - 1)) * math.ceil((b - 1) / (DSP_B - 1))

    def multiplier(self, wa: int, wb: int) -> Resources:
        """A multiplier of two variables (a ROM weight, a shared constant, a data product)."""
        d = self.dsps(wa, wb)
        return Resources(dsp=d) if d else Resources(lut=LUT_PER_MUL_BIT2 * wa * wb)

    def constant_products(self, width: int, raw: np.ndarray) -> tuple[int, int]:
        """Products of a ``width``-bit variable by the constant integers ``raw`` (the weights'
        raw codes): (DSP slices, adder-tree terms). A zero costs nothing; a constant of at
        most ``SHIFT_ADD_DIGITS`` nonzero digits in canonical signed-digit form is shifts
        and adds (one tree term per digit); a denser one takes a DSP (one term) when the
        variable is at least ``DSP_MIN_WIDTH`` bits wide, else it is built from LUTs (one
        term per digit)."""
        raw = np.abs(np.asarray(raw, dtype=np.int64).ravel())
        raw = raw[raw != 0]
        if raw.size == 0:
            return 0, 0
        digits = _csd_digits(raw)
        wide = (digits > SHIFT_ADD_DIGITS) & (width >= DSP_MIN_WIDTH)
        dsp = 0
        if wide.any():
            odd = raw[wide] >> _trailing_zeros(raw[wide])
            widths, count = np.unique(_bit_length(odd) + 1, return_counts=True)
            dsp = sum(
                self.dsp_tiles(width, int(b)) * int(n) for b, n in zip(widths, count, strict=True)
            )
        terms = int(np.count_nonzero(wide)) + int(digits[~wide].sum())
        return dsp, terms  # whole slices for AMD; Intel counts half blocks

    def constant_product_luts(self, dsp: int) -> Resources:
        """The fabric logic around ``dsp`` DSP-bound constant products."""
        return Resources(lut=LUT_PER_DSP_PRODUCT * dsp)

    def adder_tree(self, terms: int, width: int, outputs: int = 1) -> Resources:
        """Summing ``terms`` partial products of about ``width`` bits into ``outputs`` sums:
        the adders, and the registers where the schedule cuts the tree into clock cycles (a
        cut after every ``t_eff / T_ADD`` levels holds the partial sums alive there)."""
        t = max(terms - outputs, 0)
        per = max(1, -(-terms // max(outputs, 1)))
        levels = math.ceil(math.log2(per)) if per > 1 else 0
        step = max(1, int(self.t_eff // T_ADD))
        live = sum(math.ceil(per / 2**k) for k in range(step, levels, step))
        ff = FF_PER_TREE_BIT * live * width * outputs
        return Resources(lut=LUT_PER_TREE_BIT * t * width, ff=ff)

    def adders(self, count: int, width: int) -> Resources:
        """``count`` carry-chain adders (or comparators, subtractors) of ``width`` bits."""
        return Resources(lut=LUT_PER_ADD_BIT * count * width)

    def muxes(self, count: int, inputs: int, width: int) -> Resources:
        """``count`` ``inputs``-to-1 multiplexers of ``width`` bits (a LUT6 is a 4:1 mux)."""
        if inputs <= 1:
            return Resources()
        luts = 0
        n = inputs
        while n > 1:
            n = math.ceil(n / 4)
            luts += n
        return Resources(lut=count * width * luts)

    def registers(self, bits: int) -> Resources:
        return Resources(ff=bits)

    def elementwise(self, node, ctx, per_value: Resources, ns: float, ii: int = 1):
        """An op computing every value the same way: io_parallel all values in one pipelined
        call, io_stream one packet of values per cycle (``Cost`` with its registers)."""
        from ..ir.cost import Cost

        n = ctx.packet(node) if ctx.stream else node.size
        depth = self.cycles(ns) + (1 if ns > 0 else 0)
        res = per_value * n + self.registers(n * node.result.width * (ns > 0))
        if not ctx.stream:
            return Cost(res, latency=depth, ii=ii)
        calls = ctx.packets(node)
        return Cost(res, latency=depth + calls * ii, ii=calls * ii, fill=depth + 1)

    # -- memories ----------------------------------------------------------------------------
    def rom(self, width: int, depth: int, copies: int = 1) -> Resources:
        """A ROM of ``depth`` words of ``width`` bits (``copies`` of it, e.g. one per two
        parallel lookups: a BRAM has two ports)."""
        bits = width * depth
        if bits <= LUTRAM_MAX_BITS:
            return Resources(lut=copies * math.ceil(bits / LUTRAM_BITS_PER_LUT))
        blocks = math.ceil(width / BRAM_WIDTH) * math.ceil(depth / BRAM_DEPTH)
        return Resources(bram_18k=copies * blocks)

    def fifo(self, width: int, depth: int) -> Resources:
        """An hls::stream FIFO of ``depth`` packets of ``width`` bits."""
        if depth <= 2:
            return Resources(ff=width * depth)
        if depth <= SRL_DEPTH:
            return Resources(lut=width, ff=width)  # one SRL32 per bit, the output register
        if width * depth <= LUTRAM_MAX_BITS:
            return Resources(lut=math.ceil(width * depth / LUTRAM_BITS_PER_LUT), ff=width)
        return self.rom(width, depth) + Resources(ff=width)

    # -- composition hooks used by fpga_export.estimate ----------------------------------
    def fifos(self, graph, ctx) -> Resources:
        """The io_stream FIFOs between processes, at the depths the backend writes
        (``backend.streams``)."""
        total = Resources()
        for _, node, depth in ctx.backend.streams(graph, ctx):
            total += self.fifo(ctx.packet(node) * node.result.width, depth)
        return total

    def top(self, graph, ctx, style: str) -> Resources:
        """The top function's own logic. io_parallel registers its inputs and outputs; in a
        DATAFLOW region every array between two processes is a ping-pong channel of two
        register banks and a select (UG1399 "Specifying Arrays as Ping-Pong Buffers or
        FIFOs": arrays between processes become ping-pong buffers; ours are completely
        partitioned, so registers)."""
        if ctx.stream:
            return Resources()
        bits = sum(graph[n].size * graph[n].result.width for n in (*graph.inputs, *graph.outputs))
        res = Resources(ff=bits)
        if style == "dataflow":
            channel = sum(graph[i].size * graph[i].result.width for n in graph for i in n.inputs)
            res += Resources(ff=2 * channel, lut=channel)
        return res

    def io_latency(self, style: str) -> int:
        """Cycles of the top function around its layers: reading the input ports and writing
        the outputs (one each)."""
        return 2

    def notes(self, graph, ctx) -> list[str]:
        return []


def _bit_length(a: np.ndarray) -> np.ndarray:
    out = np.zeros(a.shape, dtype=np.int64)
    v = a.copy()
    while np.any(v):
        nz = v != 0
        out[nz] += 1
        v >>= 1
    return out


def _trailing_zeros(a: np.ndarray) -> np.ndarray:
    out = np.zeros(a.shape, dtype=np.int64)
    v = a.copy()
    mask = (v != 0) & ((v & 1) == 0)
    while np.any(mask):
        out[mask] += 1
        v[mask] >>= 1
        mask = (v != 0) & ((v & 1) == 0)
    return out


def _csd_digits(a: np.ndarray) -> np.ndarray:
    """Nonzero digits of the canonical signed-digit form of each (non-negative) integer."""
    v = a.astype(np.int64).copy()
    count = np.zeros(v.shape, dtype=np.int64)
    while np.any(v):
        odd = (v & 1) == 1
        digit = np.where(odd, 2 - (v & 3), 0)  # +1 when v % 4 == 1, -1 when v % 4 == 3
        count += digit != 0
        v = (v - digit) >> 1
    return count
