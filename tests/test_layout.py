"""fpga_export.ir.Layout and the Firmware boundary conversion it drives (graph.layouts)."""

import re

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Graph, Layout, Node
from fpga_export.ir.layout import normalize
from fpga_export.layers.activation import Activation
from fpga_export.layers.input import Input
from fpga_export.layers.reshape import Flatten


@pytest.mark.parametrize(
    "base, perm, want",
    [
        ((3, 4, 5), (1, 2, 0), ((3, 20), (1, 0))),  # CHW stored HWC: one 2-D transpose
        ((3, 1, 1), (1, 2, 0), ((3,), (0,))),  # size-1 axes move nothing
        ((2, 3, 4), (0, 2, 1), ((2, 3, 4), (0, 2, 1))),
        ((2, 3, 4, 5), (2, 3, 0, 1), ((6, 20), (1, 0))),
        ((4, 5), (0, 1), ((20,), (0,))),
    ],
)
def test_normalize(base, perm, want):
    assert normalize(base, perm) == want


def test_make_returns_none_when_nothing_moves():
    assert Layout.make((3, 1, 1), (3, 1, 1), (1, 2, 0)) is None
    assert Layout.make((6,), (2, 3), (0, 1)) is None
    layout = Layout.make((3, 4, 5), (3, 4, 5), (1, 2, 0))
    assert (layout.base, layout.perm) == ((3, 20), (1, 0))


def test_conversions_roundtrip_and_index():
    layout = Layout.make((3, 4, 5), (3, 4, 5), (1, 2, 0))
    u = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    f = layout.to_firmware(u, (4, 5, 3))
    np.testing.assert_array_equal(f, u.transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(layout.from_firmware(f), u)
    flat = layout.to_firmware(u, (60,))  # a flattened channels-last map
    np.testing.assert_array_equal(flat[1], u[1].ravel()[layout.index()])
    np.testing.assert_array_equal(layout.from_firmware(flat), u)


def test_make_checks_sizes():
    with pytest.raises(ValueError, match=re.escape("layout base (3, 4) does not hold shape (5,)")):
        Layout.make((5,), (3, 4), (1, 0))


def relu_graph(io_shape=(2, 3, 4)):
    """Input (3, 4, 2) -> relu -> flatten; the framework sees (2, 3, 4) channels-first."""
    g = Graph("cf")
    c, h, w = io_shape
    g.add(Node("x", Input(), shape=(h, w, c)))
    g.add(Node("act", Activation("relu"), ["x"]))
    g.add(Node("flat", Flatten(), ["act"]))
    g.inputs, g.outputs = ["x"], ["act", "flat"]
    chw = Layout.make(io_shape, io_shape, (1, 2, 0))
    g.layouts = {"x": chw, "act": chw, "flat": Layout.make((c * h * w,), io_shape, (1, 2, 0))}
    return g


def test_firmware_takes_and_returns_the_framework_layout(tmp_path):
    fw = Firmware(relu_graph(), ExportConfig(output_dir=tmp_path / "p", io_type="io_stream"))
    assert fw.input_shapes == [(2, 3, 4)] and fw.output_shapes == [(2, 3, 4), (24,)]
    x = np.random.default_rng(1).normal(0, 2, (5, 2, 3, 4))
    want = np.maximum(np.floor(x * 1024) / 1024, 0)  # ap_fixed<16,6>: 10 fraction bits
    act, flat = fw.compile().predict(x)
    for got, ref in zip(fw.predict(x), fw.reference(x), strict=True):
        np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(act, want)
    # the firmware's Flatten keeps its channels-last order; its layout puts it back into the
    # framework's flatten order at the boundary
    np.testing.assert_array_equal(flat, want.reshape(5, -1))
    fw.graph.layouts.pop("flat")  # without: the firmware's own order, torch index[i] at i
    index = Layout.make((24,), (2, 3, 4), (1, 2, 0)).index()
    np.testing.assert_array_equal(fw.predict(x)[1], want.reshape(5, -1)[:, index])
    trace = fw.trace(x)
    np.testing.assert_array_equal(trace["x"], np.floor(x * 1024) / 1024)
    np.testing.assert_array_equal(trace["act"], want)
    one = fw.predict(x[0])  # a single sample
    np.testing.assert_array_equal(one[0], act[:1])


def test_input_shape_errors_name_the_framework_shape(tmp_path):
    fw = Firmware(relu_graph(), ExportConfig(output_dir=tmp_path / "p"))
    msg = "input 'x': expected shape (batch, 2, 3, 4), got (5, 3, 4, 2)"
    with pytest.raises(ValueError, match=re.escape(msg)):
        fw.reference(np.zeros((5, 3, 4, 2)))


def test_layouts_follow_renames_and_lint():
    g = relu_graph()
    g.replace("act", Node("act2", Activation("relu"), ["x"], shape=(3, 4, 2)))
    assert "act2" in g.layouts and "act" not in g.layouts
    g.layouts["nowhere"] = g.layouts["x"]
    assert "layout of 'nowhere': no such node" in g.lint()
