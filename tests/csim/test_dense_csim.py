"""Dense: csim == Interpreter bit for bit, over precisions, strategies and io types."""

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from graphs import mlp

PRECISIONS = [
    # (result, accum, kernel/bias): default, narrow wrapping, saturating+rounding, RND modes
    ("ap_fixed<16,6>", "ap_fixed<16,6>", "ap_fixed<16,6>"),
    ("ap_fixed<6,2>", "ap_fixed<8,3>", "ap_fixed<5,1>"),
    ("ap_fixed<8,3,AP_RND,AP_SAT>", "ap_fixed<10,4,AP_RND_CONV,AP_SAT>", "ap_fixed<6,1,AP_RND>"),
    ("ap_ufixed<8,4,AP_RND_ZERO,AP_SAT_ZERO>", "ap_fixed<12,5,AP_TRN,AP_SAT_SYM>", "ap_fixed<8,2>"),
    ("ap_fixed<24,10,AP_RND_INF>", "ap_fixed<40,16,AP_RND_MIN_INF,AP_SAT>", "ap_fixed<18,4>"),
]


def build(tmp_path, graph, io_type="io_parallel", **kw):
    cfg = ExportConfig(output_dir=tmp_path / io_type, io_type=io_type, **kw)
    return Firmware(graph, cfg)


def set_precision(graph, result, accum, weights):
    for node in graph:
        if node.op.kind == "dense":
            node.precision.update(result=result, accum=accum, kernel=weights, bias=weights)


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("types", PRECISIONS, ids=lambda t: t[0])
def test_csim_equals_interpreter(tmp_path, io_type, types):
    g = mlp((12, 20, 8, 4), seed=3, scale=0.8)
    set_precision(g, *types)
    fw = build(tmp_path, g, io_type).compile()
    x = np.random.default_rng(1).normal(0, 4, (500, 12))  # wide enough to saturate/wrap
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))
    trace = fw.trace(x[:50])
    for node in fw.graph:  # every node, not only the output
        want = fw.reference(x[:50]) if node.name == g.outputs[0] else None
        if want is not None:
            np.testing.assert_array_equal(trace[node.name], want)
    assert set(trace) == {n.name for n in fw.graph}


@pytest.mark.parametrize("reuse", [1, 4, 20, 240])
def test_resource_strategy_matches_latency(tmp_path, reuse):
    # saturating accumulator: order of accumulation matters, both strategies keep it
    g = mlp((12, 20), seed=5, scale=1.5, strategy="resource", reuse_factor=reuse)
    set_precision(g, "ap_fixed<8,3,AP_RND,AP_SAT>", "ap_fixed<9,3,AP_TRN,AP_SAT>", "ap_fixed<6,2>")
    fw = build(tmp_path, g).compile()
    x = np.random.default_rng(2).normal(0, 3, (300, 12))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))


def test_interpreter_trace_equals_csim_trace(tmp_path):
    from fpga_export.ir import Interpreter

    g = mlp((6, 5, 3), seed=9)
    fw = build(tmp_path, g).compile()
    x = np.random.default_rng(0).normal(0, 2, (40, 6))
    ref = Interpreter(fw.graph).run(x, trace=True)
    got = fw.trace(x)
    for name, values in ref.items():
        np.testing.assert_array_equal(got[name], values, err_msg=name)


def test_float_model_within_type_tolerance(tmp_path):
    """With wide types the firmware is close to float math: error bound from the LSBs."""
    g = mlp((16, 64, 32, 5), seed=4, scale=0.3)
    set_precision(g, "ap_fixed<32,12>", "ap_fixed<40,14>", "ap_fixed<24,6>")
    fw = build(tmp_path, g).compile()
    x = np.random.default_rng(3).uniform(-2, 2, (200, 16))
    h = fw.graph["input_1"].result.quantize(x)
    bound = 0.0
    for node in list(fw.graph)[1:]:
        w = node.types["kernel"].quantize(node.weights["kernel"])
        b = node.types["bias"].quantize(node.weights["bias"])
        h = h @ w + b
        # per layer: one result LSB, plus n_in+1 accum LSBs, propagated by |W|
        bound = (
            bound * np.abs(w).sum(0).max()
            + node.result.lsb
            + (w.shape[0] + 1) * node.types["accum"].lsb
        )
    assert np.abs(fw.predict(x) - h).max() <= bound


def test_set_weights_without_recompiling(tmp_path, monkeypatch):
    import fpga_export.firmware as fwmod

    g = mlp((8, 6, 3), seed=1)
    fw = build(tmp_path, g).compile()
    builds = []
    real = fwmod.build_library
    monkeypatch.setattr(fwmod, "build_library", lambda *a, **k: builds.append(1) or real(*a, **k))
    x = np.random.default_rng(0).normal(0, 1, (64, 8))
    before = fw.predict(x)
    new = {"kernel": fw.graph["dense_1"].weights["kernel"] * -0.5, "bias": np.ones(6)}
    fw.set_weights({"dense_1": new})
    after = fw.predict(x)
    assert not builds
    assert not np.array_equal(before, after)
    np.testing.assert_array_equal(after, fw.reference(x))
    with pytest.raises(ValueError, match=r"dense_1\.bias: expected shape \(6,\), got \(5,\)"):
        fw.set_weights({"dense_1": {"bias": np.ones(5)}})


def test_two_firmwares_from_one_cached_library_keep_their_weights(tmp_path):
    fw1 = Firmware(mlp((4, 3), seed=1), ExportConfig(output_dir=tmp_path / "a")).compile()
    fw2 = Firmware(mlp((4, 3), seed=2), ExportConfig(output_dir=tmp_path / "b")).compile()
    assert fw1._lib.path == fw2._lib.path  # same architecture and types: one build
    x = np.random.default_rng(0).normal(0, 1, (10, 4))
    np.testing.assert_array_equal(fw1.predict(x), fw1.reference(x))
    np.testing.assert_array_equal(fw2.predict(x), fw2.reference(x))


def test_threads_give_identical_results(tmp_path):
    fw = build(tmp_path, mlp((16, 32, 5), seed=2)).compile()
    x = np.random.default_rng(5).normal(0, 2, (5000, 16))
    np.testing.assert_array_equal(fw.predict(x, threads=1), fw.predict(x, threads=4))


def test_testbench_compiles_and_passes_with_compiled_in_weights(tmp_path):
    import subprocess

    for io_type in ("io_parallel", "io_stream"):
        fw = build(tmp_path, mlp((10, 7, 3), seed=8), io_type)
        out = fw.write(tb_data=np.random.default_rng(0).normal(0, 2, (20, 10)))
        flags = ["-std=c++17", "-Ifirmware", "-Icompat"]  # compat headers need C++17
        syntax = subprocess.run(["g++", *flags, "-fsyntax-only", "mlp_test.cpp"], cwd=out)
        assert syntax.returncode == 0
        exe = subprocess.run(
            ["g++", *flags, "-O1", "mlp_test.cpp", "firmware/mlp.cpp", "-o", "tb"], cwd=out
        )
        assert exe.returncode == 0
        run = subprocess.run(["./tb"], cwd=out, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout
        assert "20 samples, 0 output values differ" in run.stdout


TINY_KERNELS = [  # 1- and 2-bit kernel types take the multiplier-free product in C++
    "ap_fixed<2,2>",  # {-2, -1, 0, 1}: ternary weights and -2
    "ap_fixed<2,0>",  # {-0.5, -0.25, 0, 0.25}
    "ap_ufixed<2,1>",  # {0, 0.5, 1, 1.5}
    "ap_fixed<1,1>",  # {-1, 0}
    "ap_ufixed<1,-2>",  # {0, 0.125}
    "ap_int<2>",
    "ap_uint<1>",
]


@pytest.mark.parametrize("strategy", ["latency", "resource"])
@pytest.mark.parametrize("kernel", TINY_KERNELS)
def test_tiny_kernel_types_multiplier_free(tmp_path, kernel, strategy):
    """Every raw value of the tiny kernel type appears; the select-based product equals the
    multiplication exactly (csim == Interpreter), also through conv and depthwise."""
    from fpga_export.layers.conv import Conv2D
    from fpga_export.layers.depthwise import DepthwiseConv2D
    from graphs import single

    rng = np.random.default_rng(7)
    t = __import__("fpga_export").FixedType.parse(kernel)
    levels = t.from_raw(np.arange(t.raw_min, t.raw_max + 1))
    g = mlp((12, 20, 4), seed=3, scale=0.8, strategy=strategy, reuse_factor=4)
    for node in g:
        if node.op.kind == "dense":
            node.weights["kernel"] = rng.choice(levels, node.weights["kernel"].shape)
            node.precision.update(kernel=kernel, accum="ap_fixed<24,10>")
    x = rng.normal(0, 4, (200, 12))
    fw = build(tmp_path, g).compile()
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))
    for op, k_shape in ((Conv2D(filters=3), (3, 3, 2, 3)), (DepthwiseConv2D(), (3, 3, 2, 1))):
        w = {
            "kernel": rng.choice(levels, k_shape),
            "bias": rng.normal(0, 1, k_shape[-1] * (1 if op.kind == "conv2d" else 2)),
        }
        gc = single(op, (5, 5, 2), w, precision={"kernel": kernel, "accum": "ap_fixed<24,10>"})
        fc = build(tmp_path / op.kind, gc).compile()
        xc = rng.normal(0, 4, (50, 5, 5, 2))
        np.testing.assert_array_equal(fc.predict(xc), fc.reference(xc))


def test_63_bit_wrapping_accumulator(tmp_path):
    """A signed 63-bit WRAP accum (the widest the int64 path takes) wraps like the C++;
    the reference once raised OverflowError computing 2**63 in int64."""
    g = mlp((12, 8), seed=3)
    set_precision(g, "ap_fixed<24,10>", "ap_fixed<63,2>", "ap_fixed<18,4>")
    fw = build(tmp_path, g).compile()
    x = np.random.default_rng(1).normal(0, 4, (200, 12))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))
    assert np.abs(fw.reference(x)).max() < 2  # the sums wrapped into [-2, 2)


def test_multiplier_limits_live_with_the_weights(tmp_path):
    """The ALLOCATION cap counts nonzero weights; it is written into the kernel's weight
    header, so firmwares differing only in (zero) weights still share one csim library."""
    g1, g2 = mlp((4, 3), seed=1), mlp((4, 3), seed=2)
    g2["dense_1"].weights["kernel"][:2] = 0.0  # 6 of 12 weights pruned
    fw1 = Firmware(g1, ExportConfig(output_dir=tmp_path / "a")).compile()
    fw2 = Firmware(g2, ExportConfig(output_dir=tmp_path / "b")).compile()
    assert fw1._lib.path == fw2._lib.path
    header = (fw2.output_dir / "firmware/weights/dense_1_kernel.h").read_text()
    assert "static const unsigned dense_1_kernel_multiplier_limit = 6;" in header
    params = (fw2.output_dir / "firmware/parameters.h").read_text()
    assert "static const unsigned multiplier_limit = dense_1_kernel_multiplier_limit;" in params
