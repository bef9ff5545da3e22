"""Dataflow simulation of io_stream firmware (fpga_export/csim/dataflow.py,
nnet_cpp/compat/fe_dataflow.h): the top's processes run concurrently over FIFOs of their
declared depths, so deadlocks the hardware would hit are found in csim."""

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.csim.dataflow import DataflowDeadlockError
from fpga_export.firmware import Firmware
from fpga_export.layers.activation import Activation
from fpga_export.layers.merge import Concatenate
from fpga_export.layers.reshape import Permute
from graphs import branch_graph, late_skip_graph, mlp, residual_cnn

BRANCHES = {
    "concat_axis0": lambda: branch_graph(Activation(function="relu"), merge=Concatenate(axis=0)),
    "permute": lambda: branch_graph(Permute(dims=(2, 1, 3)), shape=(4, 4, 3)),
    "late_skip": late_skip_graph,
}


def firmware(graph, tmp_path, **kw) -> Firmware:
    return Firmware(graph, ExportConfig(output_dir=tmp_path / "p", io_type="io_stream", **kw))


def samples(fw, n=3):
    return np.random.default_rng(0).normal(0, 1, (n, *fw.input_shapes[0]))


def top(fw) -> str:
    return (fw.output_dir / "firmware" / f"{fw.name}.cpp").read_text()


def test_residual_cnn_deadlocks_with_depth_1_fifos(tmp_path):
    """The issue's bug: with depth-1 FIFOs the skip connection fills while the two convs read
    ahead, the fan-out blocks and the convs starve. csim (unbounded streams) cannot see it."""
    fw = firmware(residual_cnn(), tmp_path)
    fw.write()
    fw.graph.fifo_depths = dict.fromkeys(fw.backend.fifo_depths(fw.graph, _ctx(fw)), 1)
    fw.write()
    assert '"x_to_add");\n#pragma HLS STREAM variable=x_to_add depth=1' in top(fw)
    with pytest.raises(DataflowDeadlockError) as err:
        fw.check_dataflow(samples(fw))
    msg = str(err.value)
    assert msg.startswith("dataflow deadlock: every unfinished process is blocked on a FIFO\n")
    assert "  process x_clone waits to write full FIFO x_to_add (1/1 packets)\n" in msg
    assert "  process add waits to read empty FIFO conv_b_out (0/1 packets)\n" in msg
    assert msg.endswith(
        "raise the depth of the full FIFO(s) (hls::stream<T, DEPTH> and its STREAM pragma)"
    )
    np.testing.assert_array_equal(fw.predict(samples(fw)), fw.reference(samples(fw)))


def test_residual_cnn_runs_with_the_computed_depths_which_are_minimal(tmp_path):
    fw = firmware(residual_cnn(), tmp_path)
    report = fw.check_dataflow(samples(fw))
    skip = report.fifos["x_to_add"]
    assert (skip.depth, skip.peak) == (14, 14)  # 2 * (width 6 + 1): two 3x3 'same' convs
    assert all(f.depth == 2 for n, f in report.fifos.items() if n != "x_to_add")
    fw.graph.fifo_depths = {"x_to_add": 13}  # one less deadlocks
    fw.write()
    with pytest.raises(DataflowDeadlockError, match="x_clone waits to write full FIFO x_to_add"):
        fw.check_dataflow(samples(fw))


@pytest.mark.parametrize("case", sorted(BRANCHES))
def test_computed_depths_suffice_and_one_less_deadlocks(tmp_path, case):
    """The depth rule (codegen.fifo) is exact on these: the simulated peak is the depth."""
    fw = firmware(BRANCHES[case](), tmp_path)
    report = fw.check_dataflow(samples(fw))
    (var, depth), *_ = [(n, f.depth) for n, f in report.fifos.items() if f.depth > 2]
    assert report.fifos[var].peak == depth
    fw.graph.fifo_depths = {var: depth - 1}
    fw.write()
    with pytest.raises(DataflowDeadlockError, match=f"write full FIFO {var} "):
        fw.check_dataflow(samples(fw))


def test_minimize_fifo_depths_writes_the_peaks(tmp_path):
    fw = firmware(residual_cnn(), tmp_path)
    fw.graph.fifo_depths = {"x_to_add": 40, "conv_a_out": 8}  # generous, e.g. set by hand
    fw.write()
    depths = fw.minimize_fifo_depths(samples(fw))
    assert depths["x_to_add"] == 14 and depths["conv_a_out"] == 2
    assert "hls::stream<x_packet_t, 14> x_to_add(" in top(fw)
    assert fw.check_dataflow(samples(fw)).fifos["x_to_add"].depth == 14
    x = samples(fw, 20)
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))


def test_a_chain_needs_no_more_than_one_packet_per_fifo(tmp_path):
    fw = firmware(mlp((8, 6, 4)), tmp_path)
    report = fw.check_dataflow(samples(fw))
    assert {(f.depth, f.peak) for f in report.fifos.values()} == {(2, 1)}
    assert report.table().split("\n")[1].split() == ["dense_1_out", "2", "1"]


def test_check_dataflow_needs_io_stream(tmp_path):
    fw = Firmware(mlp((4, 2)), ExportConfig(output_dir=tmp_path / "p"))
    with pytest.raises(ValueError, match="check_dataflow simulates io_stream designs; 'mlp' is"):
        fw.check_dataflow(np.zeros((1, 4)))


def _ctx(fw):
    from fpga_export.codegen.context import EmitContext

    return EmitContext(fw.graph, fw.backend, "io_stream")
