"""Dense: the hardware choices computed from the weights (the csim tests check the numbers)."""

import numpy as np

from fpga_export.ir import Node
from fpga_export.layers.dense import Dense, multiplier_limit
from fpga_export.types import FixedType


def node(strategy="latency", rf=1, kernel_type="ap_fixed<8,3>"):
    n = Node("d", Dense(units=3), ["x"], reuse_factor=rf, strategy=strategy)
    n.types = {"kernel": FixedType.parse(kernel_type)}
    return n


def test_multiplier_limit_counts_the_nonzero_quantized_weights():
    k = np.array([[0.5, 0.0, 0.01], [1.0, -2.0, 0.0], [0.0, 0.25, 3.0], [0.0, 0.0, 0.0]])
    # 0.01 quantizes to 0 in ap_fixed<8,3> (5 fraction bits): 5 nonzero of 12
    assert multiplier_limit(node(rf=1), k.reshape(1, -1), rom=False) == 5
    assert multiplier_limit(node(rf=2), k.reshape(1, -1), rom=False) == 3  # ceil(5 / 2)
    assert multiplier_limit(node(rf=4), k.reshape(1, -1), rom=False) == 2
    # per instance (e.g. conv groups): the busiest block
    assert multiplier_limit(node(rf=1), k.reshape(2, -1), rom=False) == 3


def test_rom_kernels_need_a_multiplier_per_weight_and_step():
    k = np.zeros((4, 3))  # zeros are read from the ROM like any value
    assert multiplier_limit(node("resource", 4), k.reshape(1, -1), rom=True) == 3


def test_hardware_lists_the_kernel_partition_or_rom_and_the_multipliers():
    from fpga_export import ExportConfig, Firmware
    from fpga_export.ir.hardware import MULTIPLIERS, PARTITION, RESHAPE, UNROLL, HwUse
    from tests.graphs import mlp

    def uses(**kw):
        fw = Firmware(mlp((8, 4), **kw), ExportConfig())
        ctx = fw.backend.context(fw.graph, fw.config)
        node = fw.graph["dense_1"]
        return node.op.hardware(node, ctx)

    fix = "use strategy='resource' (the kernel becomes a ROM read over reuse_factor cycles)"
    assert uses() == [
        HwUse(MULTIPLIERS, "dense_1", 32),
        HwUse(PARTITION, "dense_1_kernel", 32, fix),
    ]
    assert uses(strategy="resource", reuse_factor=4) == [
        HwUse(MULTIPLIERS, "dense_1", 8),
        HwUse(RESHAPE, "dense_1_kernel", 8 * 16, reuse_work=32),  # 8 weights of 16 bits a word
        HwUse(UNROLL, "reuse step", 8, reuse_work=32),
    ]


def test_reference_in_blocks_of_outputs_equals_one_block(monkeypatch):
    """Dense.run takes a block of outputs at a time; the blocks change no value (wrapping
    and saturating accumulators, the latter summed step by step)."""
    import fpga_export.layers.dense as dense
    from fpga_export import ExportConfig, Firmware
    from tests.graphs import mlp

    x = np.random.default_rng(0).normal(0, 3, (40, 12))
    for accum in ("ap_fixed<12,4>", "ap_fixed<12,4,AP_RND,AP_SAT>"):
        layers = {"dense_1": {"accum": accum}}
        fw = Firmware(mlp((12, 7), scale=1.0), ExportConfig(layers=layers))
        whole = fw.reference(x)
        monkeypatch.setattr(dense, "_PRODUCTS", 40 * 12 * 2)  # two outputs per block
        np.testing.assert_array_equal(fw.reference(x), whole)
        monkeypatch.undo()
