"""DepthwiseConv1D/2D and separable (depthwise + 1x1 Conv2D): csim == Interpreter bit for
bit, io_parallel and io_stream."""

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Graph, Interpreter, Node
from fpga_export.layers.conv import Conv1D, Conv2D
from fpga_export.layers.depthwise import DepthwiseConv1D, DepthwiseConv2D
from fpga_export.layers.input import Input
from graphs import single

PRECISIONS = [
    # (result, accum, kernel/bias): default; saturating narrow accum with rounding
    ("ap_fixed<16,6>", "ap_fixed<16,6>", "ap_fixed<16,6>"),
    ("ap_fixed<8,3,AP_RND,AP_SAT>", "ap_fixed<9,3,AP_RND_CONV,AP_SAT>", "ap_fixed<6,1,AP_RND>"),
]

CASES = [
    # (op, input shape): padding/stride/dilation/multiplier variety on tiny images
    (DepthwiseConv2D(kernel_size=(3, 3), padding="same"), (5, 4, 3)),
    (DepthwiseConv2D(kernel_size=(2, 3), depth_multiplier=2, strides=(2, 1)), (5, 6, 2)),
    (DepthwiseConv2D(kernel_size=(3, 2), strides=(2, 2), padding="same"), (6, 5, 1)),
    (
        DepthwiseConv2D(kernel_size=(2, 2), depth_multiplier=3, dilation=(2, 1), padding="same"),
        (4, 4, 2),
    ),  # fmt: skip
    (DepthwiseConv1D(kernel_size=(3,), depth_multiplier=2, padding="same"), (7, 2)),
    (DepthwiseConv1D(kernel_size=(2,), strides=(3,), padding="valid"), (8, 3)),
]


def dw_weights(op, c, seed):
    rng = np.random.default_rng(seed)
    m = op.depth_multiplier
    return {
        "kernel": rng.normal(0, 0.6, (*op.kernel_size, c, m)),
        "bias": rng.normal(0, 0.5, c * m),
    }


def dw_graph(op, in_shape, seed=0, types=None, **kw):
    g = single(op, in_shape, dw_weights(op, in_shape[-1], seed), name="dw", **kw)
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
    fw = firmware(tmp_path, dw_graph(op, shape, seed=case, types=types), io_type)
    x = np.random.default_rng(case).normal(0, 3, (64, *shape))
    got, want = fw.predict(x), fw.reference(x)
    assert got.shape == want.shape == (64, *fw.graph["layer"].shape)
    np.testing.assert_array_equal(got, want)


def test_saturating_accum_actually_saturates(tmp_path):
    # the narrow saturating accum of PRECISIONS[1] clips: some outputs sit at its bounds
    op, shape = CASES[1]
    fw = firmware(tmp_path, dw_graph(op, shape, seed=1, types=PRECISIONS[1]), "io_parallel")
    x = np.random.default_rng(1).normal(0, 3, (64, *shape))
    got = fw.predict(x)
    np.testing.assert_array_equal(got, fw.reference(x))
    assert np.isin(got, [-4.0, 3.96875]).any()


def test_resource_strategy_matches_latency(tmp_path):
    op = DepthwiseConv2D(kernel_size=(2, 2), depth_multiplier=2, padding="same")
    g = dw_graph(op, (3, 3, 2), seed=4, types=PRECISIONS[1])
    g["layer"].strategy, g["layer"].reuse_factor = "resource", 4
    fw = firmware(tmp_path, g, "io_parallel")
    x = np.random.default_rng(2).normal(0, 3, (64, 3, 3, 2))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))


def separable(rank=2, seed=0):
    """Input -> depthwise (no bias) -> pointwise 1x1 conv: what SeparableConvND exports."""
    rng = np.random.default_rng(seed)
    g = Graph("sep")
    shape = (6, 5, 3) if rank == 2 else (9, 3)
    k = (3, 3) if rank == 2 else (3,)
    one = (1, 1) if rank == 2 else (1,)
    g.add(Node("x", Input(), shape=shape))
    dw = (DepthwiseConv2D if rank == 2 else DepthwiseConv1D)(
        kernel_size=k, depth_multiplier=2, padding="same"
    )
    w = {"kernel": rng.normal(0, 0.5, (*k, 3, 2)), "bias": np.zeros(6)}
    g.add(Node("sep_depthwise", dw, ["x"], weights=w))
    pw = (Conv2D if rank == 2 else Conv1D)(filters=4, kernel_size=one, strides=one, dilation=one)
    w = {"kernel": rng.normal(0, 0.5, (*one, 6, 4)), "bias": rng.normal(0, 0.3, 4)}
    g.add(Node("sep", pw, ["sep_depthwise"], weights=w))
    g.inputs, g.outputs = ["x"], ["sep"]
    g["sep_depthwise"].precision.update(result="ap_fixed<10,4,AP_RND,AP_SAT>")
    return g


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("rank", [1, 2])
def test_separable_every_node(tmp_path, io_type, rank):
    g = separable(rank)
    fw = firmware(tmp_path, g, io_type)
    x = np.random.default_rng(0).normal(0, 2, (40, *g["x"].shape))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))
    ref = Interpreter(fw.graph).run(x, trace=True)
    got = fw.trace(x)
    for name, values in ref.items():
        np.testing.assert_array_equal(got[name].reshape(values.shape), values, err_msg=name)
    assert str(fw.graph["sep_depthwise"].result) == "ap_fixed<10,4,AP_RND,AP_SAT>"


def test_generated_configs_match_header_defaults(tmp_path):
    from test_meta import check_configs

    for io_type in ("io_parallel", "io_stream"):
        cfg = ExportConfig(output_dir=tmp_path / io_type, io_type=io_type)
        out = Firmware(separable(2), cfg).write()
        parameters = (out / "firmware" / "parameters.h").read_text()
        assert "struct sep_depthwise_config : nnet::depthwise_config {" in parameters
        assert check_configs(parameters) == 2


POINTWISE = [
    # 1x1 stride 1 takes conv.h's pointwise fast path; 1x1 stride 2 the general path
    (Conv2D(filters=5, kernel_size=(1, 1)), (4, 3, 6)),
    (Conv2D(filters=3, kernel_size=(1, 1), strides=(2, 2), padding="same"), (5, 4, 2)),
    (Conv1D(filters=4, kernel_size=(1,)), (7, 3)),
]


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("case", range(len(POINTWISE)))
def test_pointwise_csim_equals_interpreter(tmp_path, io_type, case):
    op, shape = POINTWISE[case]
    rng = np.random.default_rng(case)
    w = {
        "kernel": rng.normal(0, 0.6, (*op.kernel_size, shape[-1], op.filters)),
        "bias": rng.normal(0, 0.5, op.filters),
    }
    g = single(op, shape, w, name="pw")
    r, a, wt = PRECISIONS[1]  # saturating accum
    g["layer"].precision.update(result=r, accum=a, kernel=wt, bias=wt)
    fw = firmware(tmp_path, g, io_type)
    x = rng.normal(0, 3, (64, *shape))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))


def test_testbench_compiles_and_passes_with_compiled_in_weights(tmp_path):
    import subprocess

    x = np.random.default_rng(0).normal(0, 2, (10, 6, 5, 3))
    for io_type in ("io_parallel", "io_stream"):
        cfg = ExportConfig(output_dir=tmp_path / io_type, io_type=io_type)
        out = Firmware(separable(2), cfg).write(tb_data=x)
        flags = ["-std=c++17", "-Ifirmware", "-Icompat", "-O1"]
        exe = subprocess.run(
            ["g++", *flags, "sep_test.cpp", "firmware/sep.cpp", "-o", "tb"], cwd=out
        )
        assert exe.returncode == 0
        run = subprocess.run(["./tb"], cwd=out, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout
        assert "10 samples, 0 output values differ" in run.stdout


@pytest.mark.parametrize("pf", [2, 4, 12])
def test_parallelization_factor_keeps_the_arithmetic(tmp_path, pf):
    """io_parallel computes parallelization_factor pixels per step: same numbers."""
    op = DepthwiseConv2D(kernel_size=(3, 3), depth_multiplier=2, padding="same")
    op.parallelization_factor = pf
    g = dw_graph(op, (3, 4, 3), seed=pf, types=PRECISIONS[1])
    g["layer"].reuse_factor = 3
    fw = firmware(tmp_path, g, "io_parallel")
    params = (fw.output_dir / "firmware/parameters.h").read_text()
    assert f"parallelization_factor = {pf};" in params
    x = np.random.default_rng(pf).normal(0, 3, (64, 3, 4, 3))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))
