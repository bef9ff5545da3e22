"""A node read by several consumers (and/or a graph output) in both io types."""

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Graph, Node
from fpga_export.layers.activation import Activation
from fpga_export.layers.dense import Dense
from fpga_export.layers.input import Input


def two_heads() -> Graph:
    """input fans out to two denses; trunk is both an output and read by two heads."""
    rng = np.random.default_rng(0)

    def dense(n_in, n_out):
        return {"kernel": rng.normal(0, 0.5, (n_in, n_out)), "bias": rng.normal(0, 0.5, n_out)}

    g = Graph("heads")
    g.add(Node("x", Input(), shape=(6,)))
    g.add(Node("trunk", Dense(units=5), ["x"], weights=dense(6, 5)))
    g.add(Node("side", Dense(units=2), ["x"], weights=dense(6, 2)))
    g.add(Node("relu", Activation(function="relu"), ["trunk"]))
    g.add(Node("cls", Dense(units=3), ["trunk"], weights=dense(5, 3)))
    g.add(Node("reg", Dense(units=1), ["relu"], weights=dense(5, 1)))
    g.inputs, g.outputs = ["x"], ["cls", "reg", "trunk", "side"]
    return g


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_fan_out_and_several_outputs(tmp_path, io_type):
    fw = Firmware(two_heads(), ExportConfig(output_dir=tmp_path / io_type, io_type=io_type))
    fw.compile()
    x = np.random.default_rng(1).normal(0, 2, (200, 6))
    got, want = fw.predict(x), fw.reference(x)
    assert [a.shape for a in got] == [(200, 3), (200, 1), (200, 5), (200, 2)]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    trace = fw.trace(x[:20])
    np.testing.assert_array_equal(trace["trunk"], want[2][:20])
    if io_type == "io_stream":
        top = (fw.output_dir / "firmware" / "heads.cpp").read_text()
        # a clone process per fanned-out stream; the output port gets its copy too
        assert (
            "FE_PROCESS(trunk_clone, nnet::clone_stream<trunk_packet_t, 1>"
            "(trunk_fanout, trunk_to_relu, trunk_to_cls, trunk_out));" in top
        )
        assert "nnet::clone_stream<x_packet_t, 1>(x_out, x_to_trunk, x_to_side));" in top


def test_fan_out_in_an_io_parallel_dataflow_top(tmp_path):
    """A resource-strategy layer makes the io_parallel top a DATAFLOW region, where an array
    has one reader: fan-out copies feed the consumers and the output port."""
    g = two_heads()
    g["side"].strategy, g["side"].reuse_factor = "resource", 3
    fw = Firmware(g, ExportConfig(output_dir=tmp_path / "p", io_type="io_parallel")).compile()
    top = (fw.output_dir / "firmware" / "heads.cpp").read_text()
    assert "#pragma HLS DATAFLOW" in top
    assert "nnet::fan_out_2<x_result_t, 6>(x_out, x_to_trunk, x_to_side);" in top
    # trunk: read by relu and cls and written to its port: a chain of two copies
    assert "nnet::fan_out_2<trunk_result_t, 5>(trunk_fanout, trunk_to_relu, trunk_fanout_1);" in top
    assert "nnet::fan_out_2<trunk_result_t, 5>(trunk_fanout_1, trunk_to_cls, trunk_out);" in top
    x = np.random.default_rng(1).normal(0, 2, (200, 6))
    for got, want in zip(fw.predict(x), fw.reference(x), strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(fw.trace(x[:20])["trunk"], fw.reference(x[:20])[2])


def test_one_clone_process_feeds_any_number_of_readers(tmp_path):
    """io_stream: a stream read by six consumers is copied by one nnet::clone_stream process
    (variadic), checked against the reference and by the bounded-FIFO dataflow simulation."""
    g = Graph("wide")
    g.add(Node("x", Input(), shape=(3,)))
    g.add(Node("d", Dense(units=3), ["x"], weights={"kernel": np.eye(3), "bias": np.zeros(3)}))
    heads = [f"relu_{i}" for i in range(6)]
    for h in heads:
        g.add(Node(h, Activation(function="relu"), ["d"]))
    g.inputs, g.outputs = ["x"], heads
    fw = Firmware(g, ExportConfig(output_dir=tmp_path / "p", io_type="io_stream")).compile()
    top = (fw.output_dir / "firmware" / "wide.cpp").read_text()
    copies = ", ".join(f"d_to_relu_{i}" for i in range(6))
    assert f"FE_PROCESS(d_clone, nnet::clone_stream<d_packet_t, 1>(d_fanout, {copies}));" in top
    x = np.random.default_rng(3).normal(0, 2, (50, 3))
    for got, want in zip(fw.predict(x), fw.reference(x), strict=True):
        np.testing.assert_array_equal(got, want)
    fw.check_dataflow(x[:5])
