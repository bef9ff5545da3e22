"""Dense's csim-only kernel (nnet/dense.h, FE_CSIM_KERNELS: wrapping accumulators summed on raw
integers, wrapped once) == the firmware code path compiled with g++ == the Interpreter, bit for
bit, on random types (wrapping and saturating accumulators, every rounding mode, 1-2 bit and
wide kernels, accumulators of 8 to 70 bits), both strategies, reuse factors and io types; its
vector lanes (8 to 64 bits, every kind of term, blocks and tails of outputs, zero inputs) on
AVX-512, AVX2 and the portable build."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Graph, Interpreter, Node
from fpga_export.layers.activation import Activation
from fpga_export.layers.conv import Conv2D
from fpga_export.layers.dense import Dense, divisors
from fpga_export.layers.input import Input
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


# (units, input, kernel, accum, relu before the layer) per layer of the lanes test; the input
# type is the previous layer's result (or its relu's). Lanes: the accumulator's storage bits.
LANES = [
    (600, "ap_fixed<16,6>", "ap_fixed<16,6>", "ap_fixed<16,6>", False),  # halves: a block of 16
    # vectors (AVX-512), a remainder block and a tail (600 = 18 * 32 + 24)
    (23, "ap_ufixed<16,6>", "ap_fixed<16,6>", "ap_fixed<16,6>", True),  # halves, unsigned x
    (37, "ap_fixed<8,3>", "ap_fixed<8,2>", "ap_fixed<32,24>", True),  # exact, 32-bit lanes, d = 3
    (70, "ap_fixed<6,3>", "ap_fixed<4,1>", "ap_fixed<8,2>", True),  # shift (d = 0), 8-bit lanes
    (13, "ap_fixed<16,6>", "ap_fixed<16,2>", "ap_fixed<48,20>", True),  # shift, 64-bit lanes
    (5, "ap_fixed<8,4>", "ap_fixed<6,2>", "ap_fixed<16,12>", True),  # exact, 16-bit, 8 lanes
    (19, "ap_fixed<16,6>", "ap_fixed<2,1>", "ap_fixed<12,4>", False),  # 2-bit kernel, halves
]
TARGETS = {"native": {}, "avx2": {"CXXFLAGS": "-mno-avx512f"}}
TARGETS["portable"] = {"FPGA_EXPORT_CSIM_PORTABLE": "1"}


def lanes_graph() -> Graph:
    rng = np.random.default_rng(11)
    g = Graph("lanes")
    prev = g.add(Node("input_1", Input(), shape=(20,))).name
    g[prev].precision.update(result=LANES[0][1])
    n_in = 20
    for k, (units, x_type, kernel, accum, relu) in enumerate(LANES):
        if relu:  # about half of the inputs 0: skipped rows
            prev = g.add(Node(f"relu_{k}", Activation(function="relu"), [prev])).name
            g[prev].precision.update(result=x_type)
        w = {"kernel": rng.normal(0, 1.5, (n_in, units)), "bias": rng.normal(0, 1, units)}
        node = g.add(Node(f"dense_{k}", Dense(units=units), [prev], weights=w))
        node.precision.update(kernel=kernel, bias=kernel, accum=accum, result=x_type)
        if k + 1 < len(LANES):
            node.precision.update(result=LANES[k + 1][1])
        prev, n_in = node.name, units
    g.inputs, g.outputs = ["input_1"], [prev]
    return g


@pytest.mark.parametrize("target", list(TARGETS))
def test_vector_lanes_equal_the_interpreter(tmp_path, monkeypatch, target):
    """Every layer's csim output (trace) == the Interpreter's, built for AVX-512 (64-byte
    vectors), AVX2 (32) and the portable target (16); natively also == the firmware code."""
    for key, value in TARGETS[target].items():
        monkeypatch.setenv(key, value)
    g = lanes_graph()
    cfg = ExportConfig(output_dir=tmp_path / target)
    fast = Firmware(g, cfg).compile()
    x = np.random.default_rng(5).normal(0, 4, (200, 20))
    got = fast.trace(x)
    want = Interpreter(fast.graph).run(x, trace=True)
    for name in got:
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
        if name.startswith("dense"):
            assert len(np.unique(got[name])) > 4, name  # values, not one wrapped constant
    if target == "native":
        monkeypatch.setenv("CXXFLAGS", FIRMWARE_PATH)
        plain = Firmware(g, ExportConfig(output_dir=tmp_path / "plain")).compile()
        ref = plain.trace(x)
        for name in ref:
            np.testing.assert_array_equal(got[name], ref[name], err_msg=name)


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
using nnet::csim::vector_term;
static_assert(vector_term<f16, f16, f16, 600>::halves, "");
static_assert(vector_term<ap_fixed<8, 3>, ap_fixed<8, 2>, ap_fixed<32, 24>, 37>::exact, "");
static_assert(vector_term<ap_fixed<6, 3>, ap_fixed<4, 1>, ap_fixed<8, 2>, 70>::shift, "");
static_assert(vector_term<f16, ap_fixed<16, 2>, ap_fixed<48, 20>, 13>::shift, "");
static_assert(vector_term<ap_fixed<8, 4>, ap_fixed<6, 2>, ap_fixed<16, 12>, 5>::exact, "");
static_assert(vector_term<f16, ap_fixed<2, 1>, ap_fixed<12, 4>, 19>::halves, "");
static_assert(vector_term<ap_fixed<12, 5>, ap_fixed<2, 1>, f16, 19>::shift, "");  // d = -2
static_assert(vector_term<ap_fixed<8, 4>, ap_fixed<6, 2>, ap_fixed<16, 12>, 5>::lanes == 8, "");
static_assert(vector_term<ap_ufixed<16, 6>, f16, f16, 23>::halves, "");  // unsigned x
static_assert(!vector_term<f16, ap_ufixed<16, 6>, f16, 8>::ok, "");  // int64 products: scalar
static_assert(!vector_term<f16, f16, ap_fixed<70, 30>, 8>::ok, "");  // 128-bit lanes: scalar
"""


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_which_accumulators_and_terms_take_the_kernel():
    cmd = ["g++", "-std=c++17", "-fsyntax-only", "-DFPGA_EXPORT_CSIM_KERNELS", "-x", "c++", "-"]
    cmd += [f"-I{ROOT / 'nnet_cpp'}", f"-I{ROOT / 'nnet_cpp' / 'compat'}"]
    proc = subprocess.run(cmd, input=CHECK, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
