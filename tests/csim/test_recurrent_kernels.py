"""The recurrent layers' csim-only matrix-vector kernel (nnet/recurrent.h, FE_CSIM_KERNELS:
wrapping accumulators summed on raw integers by dense.h's vectors, wrapped once) == the
firmware code path compiled with g++ == the Interpreter, bit for bit: SimpleRNN, LSTM, GRU
(reset_after both ways: the z, r product over 2U columns and the reset state's product from
column 2U), static and unrolled, round_state_on_read, return_sequences, random types
(wrapping accumulators of 8 to 70 bits, AP_TRN and other rounding; saturating accumulators
take the firmware path), zero inputs; both io types, and the AVX2 and portable vectors."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from test_dense_kernels import QUANT, SATURATE, TARGETS, firmware_pair

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Graph, Interpreter, Node
from fpga_export.layers.activation import Activation
from fpga_export.layers.input import Input
from fpga_export.layers.recurrent import GRU, LSTM, SimpleRNN
from graphs import recurrent_weights

ROOT = Path(__file__).resolve().parents[2]
T, F = 5, 7
INPUT = "ap_fixed<12,4>"
RELU = "ap_ufixed<16,6>"  # the relu's result: unsigned 16-bit inputs, about half 0

# (name, op, reads the relu, fixed precision): the rest of the types are random per seed
CHAINS = [
    ("rnn", SimpleRNN(units=5), False, {}),
    ("rnn_seq", SimpleRNN(units=4, activation="relu", return_sequences=True), True, {}),
    ("lstm_seq", LSTM(units=6, return_sequences=True), False, {}),
    ("lstm_read", LSTM(units=3, round_state_on_read=True), True, {}),
    ("gru_after", GRU(units=5, return_sequences=True), False, {}),
    ("gru_before", GRU(units=5, reset_after=False), True, {}),
    ("gru_before_read", GRU(units=4, reset_after=False, round_state_on_read=True), False, {}),
    ("gru_after_read", GRU(units=3, round_state_on_read=True), False, {}),
    # 4U = 160 64-bit lanes: a block of 16 AVX-512 vectors, a remainder block and a tail
    (
        "lstm_wide",
        LSTM(units=40),
        False,
        {
            "accum": "ap_fixed<48,20>",
            "kernel": "ap_fixed<16,2>",
            "recurrent_kernel": "ap_fixed<16,2>",
            "state": "ap_fixed<16,2>",
        },
    ),
    # 16-bit halves from signed and unsigned (relu) inputs: the benchmark's default types
    ("lstm_halves", LSTM(units=9, return_sequences=True), True, {"accum": "ap_fixed<16,6>"}),
]
ACCUM_WIDTHS = [8, 12, 16, 16, 17, 24, 32, 33, 48, 64, 70]  # 11: 3 k + seed visits all


def fixed(rng, width, integer_bits, overflow="AP_WRAP", quant=None, signed=True) -> str:
    q = quant or str(rng.choice(QUANT))
    kind = "ap_fixed" if signed else "ap_ufixed"
    return f"{kind}<{width},{integer_bits},{q},{overflow}>"


def random_precision(rng, seed: int, k: int, op) -> dict:
    """The k-th chain's accumulator (every width over the chains; wrapping but every fourth
    chain, AP_TRN on every second), random weights and state types; the rest are the
    defaults."""
    accum_bits = ACCUM_WIDTHS[(3 * k + seed) % len(ACCUM_WIDTHS)]
    prec = {
        "accum": fixed(
            rng,
            accum_bits,
            int(rng.integers(3, min(accum_bits, 9))),
            overflow="AP_WRAP" if k % 4 != 3 else str(rng.choice(SATURATE)),
            quant="AP_TRN" if k % 2 == 0 else None,
            signed=rng.random() < 0.8,
        ),
        "state": f"ap_fixed<{rng.choice([8, 12, 16])},{rng.integers(1, 4)}>",
    }
    for role in ("kernel", "recurrent_kernel", "bias"):
        width = int(rng.choice([2, 4, 8, 12, 16]))
        prec[role] = fixed(rng, width, int(rng.integers(1, 3)))
    if "recurrent_bias" in op.roles:
        prec["recurrent_bias"] = fixed(rng, 10, 2)
    if op.round_state_on_read:
        prec["state_read"] = f"ap_fixed<{rng.choice([6, 10, 16])},2,AP_RND,AP_SAT>"
    return prec


def random_graph(seed: int) -> Graph:
    """Every chain side by side on one input (and its relu), implementations alternating."""
    rng = np.random.default_rng(seed)
    g = Graph("rnn_kernels")
    g.add(Node("x", Input(), shape=(T, F), precision={"result": INPUT}))
    g.add(Node("relu", Activation(function="relu"), ["x"], precision={"result": RELU}))
    for k, (name, op, relu, fixed) in enumerate(CHAINS):
        implementation = ("static", "unrolled")[(k + seed) % 2]
        op = type(op)(**{**op.attributes(), "implementation": implementation})
        node = Node(name, op, ["relu" if relu else "x"], weights=recurrent_weights(op, F, rng, 0.7))
        node.precision.update({**random_precision(rng, seed, k, op), **fixed})
        g.add(node)
        g.outputs.append(name)
    g.inputs = ["x"]
    return g


def inputs(seed: int, n: int) -> np.ndarray:
    """Normal values with zeros: single features, a whole timestep, whole samples."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 2.5, (n, T, F))
    x[rng.random(x.shape) < 0.2] = 0
    x[:, 2] = 0
    x[: n // 10] = 0
    return x


@pytest.mark.parametrize(("seed", "io_type"), [(0, "io_parallel"), (1, "io_stream")])
def test_kernel_equals_firmware_code_and_interpreter(tmp_path, monkeypatch, seed, io_type):
    fast, plain = firmware_pair(tmp_path, random_graph(seed), io_type, monkeypatch)
    x = inputs(seed, 300)
    want = fast.reference(x)
    for got in (fast.predict(x), plain.predict(x)):
        for name, g_, w_ in zip(fast.graph.outputs, got, want, strict=True):
            np.testing.assert_array_equal(g_, w_, err_msg=name)
    for name, values in zip(fast.graph.outputs, want, strict=True):
        assert len(np.unique(values)) > 8, name  # values, not one wrapped or saturated constant


@pytest.mark.parametrize("target", [t for t in TARGETS if t != "native"])
def test_vector_widths_equal_the_interpreter(tmp_path, monkeypatch, target):
    """AVX2 (32-byte vectors) and the portable build (16): every layer == the Interpreter."""
    for key, value in TARGETS[target].items():
        monkeypatch.setenv(key, value)
    g = random_graph(2)
    fast = Firmware(g, ExportConfig(output_dir=tmp_path / target)).compile()
    x = inputs(2, 200)
    got = fast.trace(x)
    want = Interpreter(fast.graph).run(x, trace=True)
    for name in got:
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)


CHECK = """
#include "nnet/recurrent.h"
using nnet::csim::wrapping_matvec;
typedef ap_fixed<16, 6> f16;
static_assert(wrapping_matvec<f16, f16, f16, 128>::ok, "");  // 16-bit halves
static_assert(wrapping_matvec<ap_ufixed<16, 6>, f16, f16, 36>::ok, "");  // unsigned halves
static_assert(wrapping_matvec<f16, ap_fixed<16, 2>, ap_fixed<48, 20>, 160>::ok, "");  // shift
static_assert(wrapping_matvec<ap_fixed<8, 3>, ap_fixed<8, 2>, ap_fixed<32, 24>, 8>::ok, "");
static_assert(!wrapping_matvec<f16, f16, ap_fixed<16, 6, AP_TRN, AP_SAT>, 128>::ok, "");
static_assert(!wrapping_matvec<f16, f16, ap_fixed<16, 6, AP_RND>, 128>::ok, "");  // rounds
static_assert(wrapping_matvec<f16, f16, ap_fixed<32, 12, AP_RND>, 128>::ok, "");  // d <= 0
static_assert(!wrapping_matvec<f16, f16, ap_fixed<70, 30>, 8>::ok, "");  // 128-bit lanes
// GRU's exact reset state r * h (33 bits) into a 16-bit accumulator: the firmware path
static_assert(!wrapping_matvec<ap_fixed<33, 3>, f16, f16, 8>::ok, "");
"""


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_which_products_take_the_kernel():
    cmd = ["g++", "-std=c++17", "-fsyntax-only", "-DFPGA_EXPORT_CSIM_KERNELS", "-x", "c++", "-"]
    cmd += [f"-I{ROOT / 'nnet_cpp'}", f"-I{ROOT / 'nnet_cpp' / 'compat'}"]
    proc = subprocess.run(cmd, input=CHECK, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
