"""fw.estimate(): the resource / latency model (docs/estimate.md)."""

from __future__ import annotations

import numpy as np
import pytest

from fpga_export import Firmware
from fpga_export.backends.vitis_cost import VitisCost, _csd_digits
from fpga_export.config import ExportConfig
from fpga_export.ir import Graph, Node
from fpga_export.ir.cost import Resources
from fpga_export.layers.activation import Activation
from fpga_export.layers.dense import Dense
from fpga_export.layers.input import Input

MNIST_RF = {"dense_1": 112, "dense_2": 128, "dense_3": 128, "dense_4": 128}


def mlp(sizes, acts, seed=0, zero_fraction=0.0) -> Graph:
    rng = np.random.default_rng(seed)
    g = Graph("mlp")
    g.add(Node("input_1", Input(), shape=(sizes[0],)))
    prev = "input_1"
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        lim = np.sqrt(6 / (a + b))
        kernel = rng.uniform(-lim, lim, (a, b))
        kernel[rng.random((a, b)) < zero_fraction] = 0
        w = {"kernel": kernel, "bias": rng.normal(0, 0.05, b)}
        prev = g.add(Node(f"dense_{i + 1}", Dense(units=b), [prev], weights=w)).name
        if acts[i]:
            prev = g.add(Node(f"act_{i + 1}", Activation(function=acts[i]), [prev])).name
    g.inputs, g.outputs = ["input_1"], [prev]
    return g


def firmware(g: Graph, **kw) -> Firmware:
    cfg = ExportConfig(**kw)
    kinds = {"input": "InputLayer", "dense": "Dense", "activation": "Activation"}
    cfg.apply(g, {n.name: kinds[n.op.kind] for n in g})
    return Firmware(g, cfg)


def mnist(**kw) -> Firmware:
    layers = {k: {"reuse_factor": v} for k, v in MNIST_RF.items()}
    g = mlp((784, 128, 128, 128, 10), ["relu", "relu", "relu", None], **kw)
    return firmware(g, strategy="resource", part="xcku115-flvb2104-2-e", layers=layers)


@pytest.mark.parametrize("zero_fraction", [0.0, 0.5])
def test_mnist_example_matches_the_vendor_report(zero_fraction):
    """Issue 13's worked example: MNIST MLP 784-128-128-128-10, ap_fixed<16,6>, resource,
    RF 112 / 128, 5 ns, xcku115. Vendor C synthesis: 1,162 DSP, 169,979 FF, 222,623 LUT,
    latency 518-522, II 128. DSPs exactly (a ROM-fed lane is a multiplier whatever its
    weights, so pruned weights do not change it); FF and LUT within 30 %, latency within
    20 % (docs/estimate.md; BRAM_18K: see the note there)."""
    e = mnist(zero_fraction=zero_fraction).estimate()
    assert e.total.dsp == 784 * 128 // 112 + (2 * 128 * 128 + 128 * 10) // 128 == 1162
    assert abs(e.total.lut / 222_623 - 1) < 0.30
    assert abs(e.total.ff / 169_979 - 1) < 0.30
    assert abs(e.latency / 520 - 1) < 0.20
    assert e.style == "dataflow"
    assert e.ii == 128 + VitisCost.LANE_DEPTH  # our reuse loop does not rewind
    assert [r.dsp for r in (x.resources for x in e.layers if x.op == "dense")] == [
        896,
        128,
        128,
        10,
    ]
    assert e.capacity.dsp == 5520 and e.utilization()["dsp"] == pytest.approx(1162 / 5520)


def test_rom_blocks_follow_the_bram_geometry():
    """A resource-strategy kernel ROM of n/R words of R entries: ceil(width / 36) BRAM_18K
    per 512 words (the 2019.2 GRU report's 1,024-bit x 20 ROM takes 29)."""
    hw = VitisCost(ExportConfig())
    assert hw.rom(1024, 20) == Resources(bram_18k=29)
    assert hw.rom(32, 32) == Resources(lut=16)  # 1,024 bits: distributed RAM
    assert hw.rom(36, 513) == Resources(bram_18k=2)
    e = mnist().estimate()
    rom = {x.name: x.resources.bram_18k for x in e.layers}
    assert rom["dense_1"] == -(-896 * 16 // 36) == 399
    assert rom["dense_4"] == -(-10 * 16 // 36) == 5


def test_dsp_rule_by_width_and_constant():
    hw = VitisCost(ExportConfig())
    assert hw.dsps(16, 16) == 1 and hw.dsps(27, 18) == 1 and hw.dsps(9, 16) == 0
    assert hw.dsps(32, 32) == 2 * 2  # two by two DSP48E2 tiles
    assert VitisCost(ExportConfig(part="xc7z020-clg400-1")).dsps(26, 18) == 2  # 25 x 18
    # constants: 0 is free, one or two signed digits are shifts and adds (one tree term
    # per digit), denser constants take a DSP (one term) when the input is >= 10 bits
    raw = np.array([0, 1, -4, 512, 3, 5 * 64, 1023, -701, 85])
    dsp, terms = hw.constant_products(16, raw)
    assert dsp == 2  # 701 = 512 + 256 - 64 - 4 + 1 and 85 = 64 + 16 + 4 + 1
    assert terms == 3 + 2 + 2 + 2 + 2
    assert hw.constant_products(9, np.array([701])) == (0, 5)  # a 9-bit input: LUTs
    assert hw.constant_products(16, np.array([-1, 0, 1, 1])) == (0, 3)  # ternary: adds only
    assert list(_csd_digits(np.array([0, 1, 3, 7, 11, 1023]))) == [0, 1, 2, 2, 3, 2]


def test_zero_and_power_of_two_weights_cost_nothing_in_the_latency_strategy():
    g = mlp((32, 16), [None])
    dense = firmware(g, precision="ap_fixed<16,6>").estimate().layers[1]
    g2 = mlp((32, 16), [None])
    g2["dense_1"].weights["kernel"] = np.where(g2["dense_1"].weights["kernel"] > 0, 0.5, 0.0)
    sparse = firmware(g2, precision="ap_fixed<16,6>").estimate().layers[1]
    assert dense.resources.dsp > 0 and sparse.resources.dsp == 0
    assert sparse.resources.lut < dense.resources.lut / 2


def test_binary_and_ternary_kernels_take_no_dsp():
    g = mlp((64, 32), [None])
    k = g["dense_1"].weights["kernel"]
    g["dense_1"].weights["kernel"] = np.sign(k) * (np.abs(k) > 0.05)  # ternary -1, 0, 1
    ternary = {"dense_1": {"precision": {"kernel": "ap_fixed<2,2>"}}}
    e = firmware(g, layers=ternary).estimate().layers[1]
    assert e.resources.dsp == 0 and e.resources.lut > 0


def test_narrow_types_move_products_to_luts():
    wide = firmware(mlp((16, 32), [None])).estimate().total
    narrow = firmware(mlp((16, 32), [None]), precision="ap_fixed<8,3>").estimate().total
    assert wide.dsp > 0 and narrow.dsp == 0 and narrow.lut > 0


def test_reuse_factor_trades_dsps_for_cycles():
    one = mnist().estimate()
    layers = {k: {"reuse_factor": v // 2} for k, v in MNIST_RF.items()}
    g = mlp((784, 128, 128, 128, 10), ["relu", "relu", "relu", None])
    half = firmware(g, strategy="resource", part="xcku115", layers=layers).estimate()
    assert half.total.dsp == 2 * one.total.dsp
    assert half.latency < one.latency and half.ii < one.ii


def test_io_stream_overlaps_layers_and_prices_fifos():
    from fpga_export.layers.conv import Conv2D
    from fpga_export.layers.reshape import Flatten

    rng = np.random.default_rng(0)
    g = Graph("cnn")
    g.add(Node("input_1", Input(), shape=(16, 16, 3)))
    w = {"kernel": rng.normal(0, 0.3, (3, 3, 3, 8)), "bias": np.zeros(8)}
    g.add(Node("conv", Conv2D(filters=8, kernel_size=(3, 3)), ["input_1"], weights=w))
    g.add(Node("flat", Flatten(), ["conv"]))
    w = {"kernel": rng.normal(0, 0.1, (14 * 14 * 8, 4)), "bias": np.zeros(4)}
    g.add(Node("dense", Dense(units=4), ["flat"], weights=w))
    g.inputs, g.outputs = ["input_1"], ["dense"]
    kinds = {"input_1": "InputLayer", "conv": "Conv2D", "flat": "Flatten", "dense": "Dense"}
    cfg = ExportConfig(io_type="io_stream")
    cfg.apply(g, kinds)
    e = Firmware(g, cfg).estimate()
    conv = next(x for x in e.layers if x.name == "conv")
    assert conv.ii == 16 * 16  # one pixel per cycle
    assert e.style == "stream" and e.fifos.ff + e.fifos.lut + e.fifos.bram_18k > 0
    # the dense starts while the convolution still runs: less than the sum of the layers
    assert e.latency < sum(x.latency for x in e.layers) + 2
    assert e.latency >= conv.latency


def test_table_text_and_dict_agree():
    e = mnist().estimate()
    d = e.to_dict()
    assert d["total"]["dsp"] == e.total.dsp == 1162
    assert [x["name"] for x in d["layers"]] == [x.name for x in e.layers]
    text = e.table()
    assert "1,162" in text and "xcku115" in text and "dataflow" in text
    assert "utilization" in text


def test_unknown_part_gives_absolute_numbers_only():
    e = firmware(mlp((8, 4), [None]), part="xcmystery-1").estimate()
    assert e.capacity is None and e.utilization() == {} and e.fits() is None
    assert "not in the part table: absolute numbers only" in e.table()


def test_every_op_has_a_cost():
    """No op of the library falls back to the free default except pure wiring."""
    from every_op import every_op_graph

    for io in ("io_parallel", "io_stream"):
        e = Firmware(every_op_graph(), ExportConfig(io_type=io)).estimate()
        free = {x.op for x in e.layers if x.resources == Resources() and x.latency == 0}
        wiring = {"input", "identity", "flatten", "reshape", "permute", "concatenate"}
        wiring |= {"zeropad1d", "zeropad2d", "crop1d", "crop2d", "upsample1d", "upsample2d"}
        wiring |= {"timestep"}
        assert free <= wiring | {"activation"}, (io, free - wiring)


def test_io_stream_fifos_are_priced_at_the_depths_written():
    """The FIFOs' cost follows the depth of each stream the top declares (fifo_depths by
    stream variable): a deeper hand-set FIFO costs more by exactly that FIFO's difference."""
    base = firmware(mlp([8, 6, 4], ["relu", "linear"]), io_type="io_stream")
    deep = firmware(mlp([8, 6, 4], ["relu", "linear"]), io_type="io_stream")
    deep.graph.fifo_depths = {"dense_1_out": 64}  # the stream dense_1 -> act_1
    width = 6 * 16  # one packet: dense_1's 6 outputs of ap_fixed<16,6>
    hw = VitisCost(ExportConfig())
    two = hw.fifo(width, 2)  # depth 2: registers
    assert two == Resources(ff=2 * width)
    assert deep.estimate().fifos + two == base.estimate().fifos + hw.fifo(width, 64)
    assert hw.fifo(width, 64).bram_18k > 0  # 6 kbit: block RAM
