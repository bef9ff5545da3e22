"""Conv1D/Conv2D: csim == Interpreter bit for bit, io_parallel and io_stream."""

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.layers.conv import Conv1D, Conv2D
from graphs import single

PRECISIONS = [
    # (result, accum, kernel/bias): default; saturating narrow accum with rounding
    ("ap_fixed<16,6>", "ap_fixed<16,6>", "ap_fixed<16,6>"),
    ("ap_fixed<8,3,AP_RND,AP_SAT>", "ap_fixed<9,3,AP_RND_CONV,AP_SAT>", "ap_fixed<6,1,AP_RND>"),
]

CASES = [
    # (op, input shape): padding/stride/dilation variety on tiny images
    (Conv2D(filters=3, kernel_size=(3, 3), padding="same"), (5, 4, 2)),
    (Conv2D(filters=2, kernel_size=(2, 3), strides=(2, 1), padding="valid"), (5, 6, 3)),
    (Conv2D(filters=2, kernel_size=(3, 2), strides=(2, 2), padding="same"), (6, 5, 1)),
    (Conv2D(filters=2, kernel_size=(2, 2), dilation=(2, 1), padding="same"), (4, 4, 2)),
    (Conv1D(filters=3, kernel_size=(3,), padding="same"), (7, 2)),
    (Conv1D(filters=2, kernel_size=(2,), strides=(3,), padding="valid"), (8, 3)),
    # explicit (PyTorch) padding and grouped convolutions
    (Conv2D(filters=4, kernel_size=(3, 3), padding=(1, 1), groups=2), (5, 4, 4)),
    (Conv2D(filters=6, kernel_size=(2, 3), strides=(2, 1), padding=((0, 1), 2), groups=3),
     (5, 5, 3)),
    (Conv2D(filters=4, kernel_size=(1, 1), groups=4), (3, 3, 8)),  # grouped pointwise
    (Conv1D(filters=4, kernel_size=(3,), padding=((2, 1),), dilation=(2,), groups=2), (7, 6)),
]  # fmt: skip


def conv_graph(op, in_shape, seed=0, types=None, **kw):
    rng = np.random.default_rng(seed)
    k = (*op.kernel_size, in_shape[-1], op.filters)
    if op.groups > 1:
        k = (op.groups, *op.kernel_size, in_shape[-1] // op.groups, op.filters // op.groups)
    w = {"kernel": rng.normal(0, 0.6, k), "bias": rng.normal(0, 0.5, op.filters)}
    g = single(op, in_shape, w, name="cnn", **kw)
    if types:
        r, a, wt = types
        g["layer"].precision.update(result=r, accum=a, kernel=wt, bias=wt)
    return g


def firmware(tmp_path, g, io_type):
    return Firmware(g, ExportConfig(output_dir=tmp_path / io_type, io_type=io_type)).compile()


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_csim_equals_interpreter(tmp_path, io_type, case):
    op, shape = CASES[case]
    types = PRECISIONS[case % 2]
    fw = firmware(tmp_path, conv_graph(op, shape, seed=case, types=types), io_type)
    x = np.random.default_rng(case).normal(0, 3, (64, *shape))
    got, want = fw.predict(x), fw.reference(x)
    assert got.shape == want.shape == (64, *fw.graph["layer"].shape)
    np.testing.assert_array_equal(got, want)


def test_resource_strategy_matches_latency(tmp_path):
    op = Conv2D(filters=4, kernel_size=(2, 2), padding="same")
    g = conv_graph(op, (3, 3, 2), seed=4, types=PRECISIONS[1])
    g["layer"].strategy, g["layer"].reuse_factor = "resource", 8
    fw = firmware(tmp_path, g, "io_parallel")
    x = np.random.default_rng(2).normal(0, 3, (64, 3, 3, 2))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))


def test_grouped_resource_strategy_matches_latency(tmp_path):
    op = Conv2D(filters=4, kernel_size=(2, 2), padding=(1, 1), groups=2)
    g = conv_graph(op, (3, 3, 2), seed=5, types=PRECISIONS[1])
    g["layer"].strategy, g["layer"].reuse_factor = "resource", 4
    fw = firmware(tmp_path, g, "io_parallel")
    x = np.random.default_rng(3).normal(0, 3, (64, 3, 3, 2))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))


def small_cnn(seed=0):
    """Input (6, 5, 2) -> Conv2D same -> relu -> AveragePool same -> Flatten -> Dense."""
    from fpga_export.ir import Graph, Node
    from fpga_export.layers.activation import Activation
    from fpga_export.layers.dense import Dense
    from fpga_export.layers.input import Input
    from fpga_export.layers.pool import Pooling2D
    from fpga_export.layers.reshape import Flatten

    rng = np.random.default_rng(seed)
    g = Graph("cnn")
    g.add(Node("x", Input(), shape=(6, 5, 2)))
    w = {"kernel": rng.normal(0, 0.5, (3, 3, 2, 3)), "bias": rng.normal(0, 0.3, 3)}
    g.add(Node("conv", Conv2D(filters=3, kernel_size=(3, 3), padding="same"), ["x"], weights=w))
    g.add(Node("relu", Activation("relu"), ["conv"]))
    g.add(Node("pool", Pooling2D("average", (2, 2), (2, 2), "same"), ["relu"]))
    g.add(Node("flat", Flatten(), ["pool"]))
    w = {"kernel": rng.normal(0, 0.5, (27, 4)), "bias": rng.normal(0, 0.3, 4)}
    g.add(Node("dense", Dense(units=4), ["flat"], weights=w))
    g.inputs, g.outputs = ["x"], ["dense"]
    return g


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_small_cnn_every_node(tmp_path, io_type):
    from fpga_export.ir import Interpreter

    fw = firmware(tmp_path, small_cnn(), io_type)
    x = np.random.default_rng(0).normal(0, 2, (40, 6, 5, 2))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))
    ref = Interpreter(fw.graph).run(x, trace=True)
    got = fw.trace(x)
    for name, values in ref.items():
        np.testing.assert_array_equal(got[name].reshape(values.shape), values, err_msg=name)


def test_testbench_compiles_and_passes_with_compiled_in_weights(tmp_path):
    import subprocess

    x = np.random.default_rng(0).normal(0, 2, (10, 6, 5, 2))
    for io_type in ("io_parallel", "io_stream"):
        cfg = ExportConfig(output_dir=tmp_path / io_type, io_type=io_type)
        out = Firmware(small_cnn(), cfg).write(tb_data=x)
        flags = ["-std=c++17", "-Ifirmware", "-Icompat", "-O1"]
        exe = subprocess.run(
            ["g++", *flags, "cnn_test.cpp", "firmware/cnn.cpp", "-o", "tb"], cwd=out
        )
        assert exe.returncode == 0
        run = subprocess.run(["./tb"], cwd=out, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout
        assert "10 samples, 0 output values differ" in run.stdout


# (op, input shape, parallelization factor): a run of columns, whole rows, the whole image
PARALLEL = [
    (Conv2D(filters=3, kernel_size=(3, 3), padding="same"), (4, 6, 2), 3),
    (Conv2D(filters=2, kernel_size=(2, 2), strides=(2, 1)), (9, 4, 2), 6),
    (Conv2D(filters=2, kernel_size=(3, 3), padding="same"), (3, 3, 1), 9),
    (Conv1D(filters=2, kernel_size=(3,), padding="same"), (8, 2), 4),
    (Conv2D(filters=4, kernel_size=(1, 1)), (4, 4, 3), 8),  # pointwise
    (Conv2D(filters=4, kernel_size=(2, 2), padding=(1, 1), groups=2), (3, 3, 2), 4),
]


@pytest.mark.parametrize("strategy", ["latency", "resource"])
@pytest.mark.parametrize("case", range(len(PARALLEL)))
def test_parallelization_factor_keeps_the_arithmetic(tmp_path, case, strategy):
    """io_parallel computes parallelization_factor pixels per step: same numbers."""
    op, shape, pf = PARALLEL[case]
    op.parallelization_factor = pf
    g = conv_graph(op, shape, seed=case, types=PRECISIONS[case % 2])
    g["layer"].strategy, g["layer"].reuse_factor = strategy, 2
    fw = firmware(tmp_path, g, "io_parallel")
    assert (
        f"parallelization_factor = {pf};" in (fw.output_dir / "firmware/parameters.h").read_text()
    )
    x = np.random.default_rng(case).normal(0, 3, (64, *shape))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_padded_1x1_conv_is_not_the_pointwise_fast_path(tmp_path, io_type):
    """A 1x1 window with explicit padding makes a larger output than its input (it once read
    past the input in io_parallel and waited on an empty stream in io_stream)."""
    op = Conv2D(filters=3, kernel_size=(1, 1), padding=((1, 1), (1, 1)))
    fw = firmware(tmp_path, conv_graph(op, (4, 4, 2), seed=3), io_type)
    x = np.random.default_rng(4).normal(0, 2, (32, 4, 4, 2))
    got, want = fw.predict(x), fw.reference(x)
    assert got.shape == (32, 6, 6, 3)
    np.testing.assert_array_equal(got, want)
