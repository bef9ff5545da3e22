"""Dense's csim-only kernel (nnet/dense.h, FE_CSIM_KERNELS: wrapping accumulators summed on raw
integers, wrapped once) == the firmware code path compiled with g++ == the Interpreter, bit for
bit, on random types (wrapping and saturating accumulators, every rounding mode, 1-2 bit and
wide kernels, accumulators of 8 to 70 bits), both strategies, reuse factors and io types."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.layers.conv import Conv2D
from fpga_export.layers.dense import divisors
from graphs import mlp, single

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE_PATH = "-UFPGA_EXPORT_CSIM_KERNELS"  # CXXFLAGS: csim runs the firmware code
QUANT = ("AP_TRN", "AP_TRN_ZERO", "AP_RND", "AP_RND_ZERO", "AP_RND_MIN_INF", "AP_RND_INF")
QUANT += ("AP_RND_CONV",)
SATURATE = ("AP_SAT", "AP_SAT_ZERO", "AP_SAT_SYM")


def random_type(rng, width, signed=True, overflow=None, quant=None) -> str:
    w = int(width)
    i = int(rng.integers(-2, w + 3))
    kind = "ap_fixed" if signed else "ap_ufixed"
    q = quant or str(rng.choice(QUANT))
    o = overflow or ("AP_WRAP" if rng.random() < 0.5 else str(rng.choice(SATURATE)))
    return f"{kind}<{w},{i},{q},{o}>"


def random_graph(seed: int, sizes=(12, 20, 8, 6, 10, 4)):
    """A chain of Dense layers, each with its own random types, strategy and reuse factor;
    most accumulators wrap (the fast path), some saturate (the firmware path)."""
    rng = np.random.default_rng(seed)
    g = mlp(sizes, seed=seed, scale=1.2)
    g["input_1"].precision.update(result=random_type(rng, rng.integers(4, 17)))
    for k, node in enumerate(n for n in g if n.op.kind == "dense"):
        n_in = node.weights["kernel"].shape[0]
        kernel_width = rng.choice([1, 2, 3, 6, 8, 12, 16, 20])
        accum_width = rng.choice([8, 12, 16, 17, 24, 32, 33, 48, 64, 70])
        wrap = k % 3 != 2  # layers 0, 1, 3, 4: wrapping accumulators
        node.precision.update(
            kernel=random_type(rng, kernel_width, signed=kernel_width > 1 or rng.random() < 0.5),
            bias=random_type(rng, rng.integers(2, 17)),
            accum=random_type(
                rng,
                accum_width,
                signed=rng.random() < 0.8,
                overflow="AP_WRAP" if wrap else None,
                quant="AP_TRN" if rng.random() < 0.5 else None,  # raw_term's floor shift
            ),
            result=random_type(rng, rng.integers(4, 20)),
        )
        node.strategy = "resource" if rng.random() < 0.5 else "latency"
        node.reuse_factor = int(rng.choice(divisors(n_in * node.op.units)))
    return g


def firmware_pair(tmp_path, graph, io_type, monkeypatch):
    """The same project compiled with the csim kernels (default) and with the firmware path."""
    cfg = ExportConfig(output_dir=tmp_path / io_type, io_type=io_type)
    fast = Firmware(graph, cfg).compile()
    monkeypatch.setenv("CXXFLAGS", FIRMWARE_PATH)
    plain = Firmware(graph, ExportConfig(output_dir=tmp_path / "plain", io_type=io_type))
    plain.compile()
    monkeypatch.delenv("CXXFLAGS")
    assert fast._lib.path != plain._lib.path  # two libraries
    return fast, plain


@pytest.mark.parametrize(
    ("seed", "io_type"), [(0, "io_parallel"), (1, "io_parallel"), (2, "io_stream")]
)
def test_kernel_equals_firmware_code_and_interpreter(tmp_path, monkeypatch, seed, io_type):
    g = random_graph(seed)
    fast, plain = firmware_pair(tmp_path, g, io_type, monkeypatch)
    x = np.random.default_rng(seed).normal(0, 6, (400, 12))  # wide enough to wrap/saturate
    want = fast.reference(x)
    np.testing.assert_array_equal(fast.predict(x), want)
    np.testing.assert_array_equal(plain.predict(x), want)
    got, ref = fast.trace(x[:100]), plain.trace(x[:100])
    for name in ref:  # every layer, not only the output
        np.testing.assert_array_equal(got[name], ref[name], err_msg=name)


# (input, kernel, accum) for each way raw_term makes a term (d: product minus accum fraction bits)
BRANCHES = [
    ("ap_fixed<16,6>", "ap_fixed<16,6>", "ap_fixed<16,6>"),  # 16-bit halves, d = 10
    ("ap_fixed<8,3>", "ap_fixed<6,1>", "ap_fixed<24,8>"),  # d = -6: exact, shifted left
    ("ap_fixed<8,3>", "ap_fixed<6,1>", "ap_fixed<24,8,AP_RND_CONV>"),  # same, any mode
    ("ap_fixed<20,5>", "ap_fixed<18,2>", "ap_fixed<32,12>"),  # d = 11, int64 product
    ("ap_ufixed<16,6>", "ap_fixed<16,6>", "ap_fixed<16,6>"),  # unsigned 16 bits: int64 product
    ("ap_fixed<16,6>", "ap_fixed<16,6>", "ap_fixed<16,6,AP_RND>"),  # firmware term (weighted)
    ("ap_fixed<16,6>", "ap_fixed<2,1>", "ap_fixed<12,4>"),  # 2-bit kernel: d = 3, halves
    ("ap_fixed<4,2>", "ap_fixed<4,2>", "ap_fixed<8,-10>"),  # d = -14: 0 modulo 2^8 (last)
]


def test_every_kind_of_term_equals_the_firmware_code(tmp_path, monkeypatch):
    """One layer per BRANCHES entry (its input: the previous layer's result), one build."""
    sizes = (10, 40, 24, 30, 16, 28, 20, 32, 6)
    g = mlp(sizes, seed=7, scale=1.5)
    g["input_1"].precision.update(result=BRANCHES[0][0])
    dense = [n for n in g if n.op.kind == "dense"]
    for k, node in enumerate(dense):
        _, kernel, accum = BRANCHES[k]
        result = BRANCHES[(k + 1) % len(BRANCHES)][0]
        node.precision.update(kernel=kernel, bias=kernel, accum=accum, result=result)
    fast, plain = firmware_pair(tmp_path, g, "io_parallel", monkeypatch)
    x = np.random.default_rng(3).normal(0, 8, (300, 10))
    np.testing.assert_array_equal(fast.predict(x), fast.reference(x))
    got, ref = fast.trace(x), plain.trace(x)
    for node in dense:
        if node.types["accum"].spell() != "ap_fixed<8,-10>":  # that one sums to 0 (d = -14)
            assert len(np.unique(ref[node.name])) > 8, node.name  # values, not one saturated
        np.testing.assert_array_equal(got[node.name], ref[node.name], err_msg=node.name)


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_conv_products_take_the_kernel_too(tmp_path, monkeypatch, io_type):
    """Conv calls dense per pixel (and group): the same kernel, the same values."""
    op = Conv2D(filters=6, kernel_size=(3, 3), padding="same", groups=3)
    rng = np.random.default_rng(4)
    w = {"kernel": rng.normal(0, 0.6, (3, 3, 3, 1, 2)), "bias": rng.normal(0, 0.5, 6)}
    g = single(op, (5, 4, 3), w, name="cnn")
    g["layer"].precision.update(result="ap_fixed<10,4>", accum="ap_fixed<14,5>")
    fast, plain = firmware_pair(tmp_path, g, io_type, monkeypatch)
    x = rng.normal(0, 3, (64, 5, 4, 3))
    want = fast.reference(x)
    np.testing.assert_array_equal(fast.predict(x), want)
    np.testing.assert_array_equal(plain.predict(x), want)


CHECK = """
#include "nnet/dense.h"
static_assert(nnet::csim::wrapping_accum<ap_fixed<16, 6> >::value, "");
static_assert(nnet::csim::wrapping_accum<ap_ufixed<70, 3, AP_RND, AP_WRAP> >::value, "");
static_assert(!nnet::csim::wrapping_accum<ap_fixed<16, 6, AP_TRN, AP_SAT> >::value, "");
static_assert(!nnet::csim::wrapping_accum<ap_int<16> >::value, "");
typedef ap_fixed<16, 6> f16;
static_assert(nnet::csim::raw_term<f16, f16, f16>::halves, "");
static_assert(nnet::csim::raw_term<ap_ufixed<16, 6>, f16, f16>::ok, "");
static_assert(!nnet::csim::raw_term<ap_ufixed<16, 6>, f16, f16>::halves, "");
static_assert(!nnet::csim::raw_term<f16, f16, ap_fixed<16, 6, AP_RND> >::ok, "");
static_assert(nnet::csim::raw_term<f16, f16, ap_fixed<32, 12, AP_RND> >::ok, "");
"""


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_which_accumulators_and_terms_take_the_kernel():
    cmd = ["g++", "-std=c++17", "-fsyntax-only", "-DFPGA_EXPORT_CSIM_KERNELS", "-x", "c++", "-"]
    cmd += [f"-I{ROOT / 'nnet_cpp'}", f"-I{ROOT / 'nnet_cpp' / 'compat'}"]
    proc = subprocess.run(cmd, input=CHECK, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
