"""FIFO depths of io_stream designs (fpga_export/codegen/fifo.py): the rule, without a compiler.
The dataflow simulation (tests/csim/test_dataflow_csim.py) checks the depths really suffice."""

import numpy as np
import pytest

from fpga_export.backends.vitis import VitisBackend
from fpga_export.codegen.context import EmitContext
from fpga_export.codegen.fifo import DEFAULT_DEPTH, stream_depths
from fpga_export.config import ExportConfig
from fpga_export.ir import Graph
from fpga_export.layers.activation import Activation
from fpga_export.layers.conv import Conv2D
from fpga_export.layers.merge import Concatenate
from fpga_export.layers.reshape import Permute
from fpga_export.passes import run_pipeline
from graphs import branch_graph, late_skip_graph, mlp, residual_cnn


def depths(g: Graph) -> dict[str, int]:
    typed = run_pipeline(g, ExportConfig(io_type="io_stream"))
    return stream_depths(EmitContext(typed, VitisBackend(), "io_stream"))


def test_a_chain_gets_the_default_depth_2():
    assert set(depths(mlp((8, 6, 4, 2))).values()) == {DEFAULT_DEPTH}


@pytest.mark.parametrize("width", [4, 6, 9])
def test_the_skip_fifo_of_a_residual_block_holds_the_lag_of_two_same_convs(width):
    """Each 3x3 'same' conv writes output pixel k after reading input pixel k + width + 1,
    so the skip FIFO waits for 2 * (width + 1) packets; every other FIFO keeps depth 2."""
    d = depths(residual_cnn(h=5, w=width))
    assert d.pop("x_to_add") == 2 * (width + 1)
    assert set(d.values()) == {DEFAULT_DEPTH}


def test_a_pointwise_conv_has_no_lag():
    g = branch_graph(Conv2D(filters=3, kernel_size=(1, 1)))
    g["b"].weights = {"kernel": np.ones((1, 1, 3, 3)), "bias": np.zeros(3)}
    assert depths(g)["x_to_m"] == DEFAULT_DEPTH


def test_concatenate_on_axis_0_holds_the_second_block_while_the_first_drains():
    """concatenate_stream reads all 20 packets of input 0 before input 1. The clone writes
    each packet to the relu branch first, so when the skip FIFO holds 19 packets the 20th
    still reaches the relu, the concat drains input 0 and then reads the skip FIFO."""
    d = depths(branch_graph(Activation(function="relu"), merge=Concatenate(axis=0)))
    assert d["x_to_m"] == 19 and d["b_out"] == DEFAULT_DEPTH


def test_a_permute_branch_makes_the_skip_fifo_hold_all_but_the_last_packet():
    assert depths(branch_graph(Permute(dims=(2, 1, 3)), shape=(4, 4, 3)))["x_to_m"] == 15


def test_a_clone_that_also_writes_an_output_port():
    """r is a graph output too: its clone writes r_to_b, r_to_m, then the output port."""
    assert depths(late_skip_graph())["r_to_m"] == 15


def test_an_op_without_a_stream_schedule_makes_the_fifo_hold_the_whole_tensor():
    g = branch_graph(Permute(dims=(2, 1, 3)), shape=(4, 4, 3))
    g["b"].op.stream_need = lambda node, ctx: None  # unknown schedule
    assert depths(g)["x_to_m"] == 16


def test_depth_overrides_replace_the_computed_depths_and_are_checked():
    g = run_pipeline(residual_cnn(), ExportConfig(io_type="io_stream"))
    ctx = EmitContext(g, VitisBackend(), "io_stream")
    g.fifo_depths = {"x_to_add": 3}
    assert VitisBackend().fifo_depths(g, ctx)["x_to_add"] == 3
    g.fifo_depths = {"nope": 3}
    with pytest.raises(ValueError, match="fifo_depths names 'nope', not an internal stream"):
        VitisBackend().fifo_depths(g, ctx)
    g.fifo_depths = {"x_to_add": 0}
    with pytest.raises(ValueError, match=r"fifo_depths\['x_to_add'\] = 0: a FIFO depth must be"):
        VitisBackend().fifo_depths(g, ctx)
