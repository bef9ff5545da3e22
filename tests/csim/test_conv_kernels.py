"""Conv's and max pooling's csim-only kernels (nnet/conv.h, nnet/pool.h, FE_CSIM_KERNELS: one
integer GEMM per image, the SIMD mulhi GEMM for 16-bit types with small weights, max on raw
integers, io_stream through the same kernels) == the firmware code path compiled with g++ ==
the Interpreter, bit for bit, on every layer of a chain that takes each branch: both io types,
weights that fit the mulhi shift and weights that do not, the portable (non-SIMD) build."""

import platform
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Graph, Node
from fpga_export.layers.conv import Conv2D
from fpga_export.layers.input import Input
from fpga_export.layers.pool import Pooling2D

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE_PATH = "-UFPGA_EXPORT_CSIM_KERNELS"  # CXXFLAGS: csim runs the firmware code

# (name, op, types {role: type} or None for the default ap_fixed<16,6>, weight scale); the
# comment says which path the layer takes in the csim kernels
LAYERS = [
    # mulhi GEMM, 16 lanes (16 filters); padding
    ("conv_a", Conv2D(filters=16, kernel_size=(3, 3), padding="same"), None, 0.12),
    # max pool on raw integers, padding positions skipped
    ("pool_a", Pooling2D(op="max", pool_size=(2, 2), padding="same"), None, 0),
    # mulhi GEMM, 32-lane vectors with padded lanes (40 filters); stride and dilation
    ("conv_b", Conv2D(filters=40, kernel_size=(2, 3), strides=(1, 2), dilation=(2, 1)),
     None, 0.1),
    # general GEMM, d = -6: exact products shifted left, rounding accumulator; wrapping result
    ("conv_c", Conv2D(filters=7, kernel_size=(2, 2), padding="same"),
     {"kernel": "ap_fixed<6,1>", "bias": "ap_fixed<6,1>", "accum": "ap_fixed<24,8,AP_RND_CONV>",
      "result": "ap_fixed<8,3,AP_TRN,AP_WRAP>"}, 0.7),
    # general GEMM, int64 products floored (d = 11): wide operands
    ("conv_d", Conv2D(filters=5, kernel_size=(3, 1), padding="same"),
     {"kernel": "ap_fixed<18,2>", "bias": "ap_fixed<18,2>", "accum": "ap_fixed<32,12>",
      "result": "ap_fixed<20,5>"}, 0.7),
    # firmware path: saturating accumulator; unsigned result into the pool
    ("conv_e", Conv2D(filters=6, kernel_size=(2, 2), padding="same"),
     {"accum": "ap_fixed<12,4,AP_RND,AP_SAT>", "result": "ap_ufixed<9,3,AP_RND,AP_SAT>"}, 0.5),
    ("pool_e", Pooling2D(op="max", pool_size=(3, 2), strides=(1, 1)), None, 0),
    # firmware path: grouped convolution, then average pooling
    ("conv_f", Conv2D(filters=4, kernel_size=(1, 1), groups=2), None, 0.3),
    ("pool_f", Pooling2D(op="average", pool_size=(2, 1), strides=(1, 1)), None, 0),
]  # fmt: skip


def chain(seed=0, scale=1.0) -> Graph:
    rng = np.random.default_rng(seed)
    g = Graph("conv_chain")
    g.add(Node("input_1", Input(), shape=(12, 14, 3)))
    g["input_1"].precision.update(result="ap_fixed<16,6>")
    prev, chans = "input_1", 3
    for name, op, types, w in LAYERS:
        weights = {}
        if isinstance(op, Conv2D):
            k = (*op.kernel_size, chans, op.filters)
            if op.groups > 1:
                k = (op.groups, *op.kernel_size, chans // op.groups, op.filters // op.groups)
            weights = {
                "kernel": rng.normal(0, w * scale, k),
                "bias": rng.normal(0, 0.5, op.filters),
            }
            chans = op.filters
        g.add(Node(name, op, [prev], weights=weights))
        if types:
            g[name].precision.update(types)
        prev = name
    g.inputs, g.outputs = ["input_1"], [prev]
    return g


def big_weights(g: Graph) -> dict:
    """conv_a and conv_b with weights up to 4: the mulhi shift does not fit, general GEMM."""
    rng = np.random.default_rng(9)
    return {n: {"kernel": rng.uniform(-4, 4, g[n].weights["kernel"].shape)} for n in ("conv_a", "conv_b")}  # fmt: skip


def check_same(fast, plain, x):
    np.testing.assert_array_equal(fast.predict(x), fast.reference(x))
    got, ref = fast.trace(x), plain.trace(x)
    for name, *_ in LAYERS:  # every layer, not only the output
        np.testing.assert_array_equal(got[name], ref[name], err_msg=name)
    assert len(np.unique(ref["conv_a"])) > 100  # values, not one saturated level


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_kernels_equal_firmware_code_and_interpreter(tmp_path, monkeypatch, io_type):
    g = chain()
    fast = Firmware(g, ExportConfig(output_dir=tmp_path / "fast", io_type=io_type)).compile()
    monkeypatch.setenv("CXXFLAGS", FIRMWARE_PATH)
    plain = Firmware(chain(), ExportConfig(output_dir=tmp_path / "plain", io_type=io_type))
    plain.compile()
    monkeypatch.delenv("CXXFLAGS")
    assert fast._lib.path != plain._lib.path  # two libraries
    x = np.random.default_rng(1).normal(0, 4, (48, 12, 14, 3))  # wide enough to wrap
    check_same(fast, plain, x)
    for _ in range(2):  # small batches run on this thread: its kernel operands are made
        fast.predict(x[:2], threads=1)
    fast.set_weights(big_weights(g))
    plain.set_weights(big_weights(g))
    # made again from the new weights on the same thread
    np.testing.assert_array_equal(fast.predict(x[:2], threads=1), plain.predict(x[:2]))
    check_same(fast, plain, x)


@pytest.mark.parametrize("build", ["portable", "avx2"])
def test_other_builds_equal_firmware_code(tmp_path, monkeypatch, build):
    """portable (no -march=native): no SIMD, the terms from plain C++; avx2 (this CPU without
    AVX-512, when it has AVX2): 16-lane vectors; weights that fit the shift and that do not."""
    native = Firmware(chain(), ExportConfig(output_dir=tmp_path / "native")).compile()
    if build == "portable":
        monkeypatch.setenv("FPGA_EXPORT_CSIM_PORTABLE", "1")
    elif platform.machine() in ("x86_64", "AMD64"):
        monkeypatch.setenv("CXXFLAGS", "-mno-avx512f")
    else:
        pytest.skip("-mno-avx512f is an x86 flag")
    fast = Firmware(chain(), ExportConfig(output_dir=tmp_path / "fast")).compile()
    monkeypatch.setenv("CXXFLAGS", FIRMWARE_PATH)
    plain = Firmware(chain(), ExportConfig(output_dir=tmp_path / "plain")).compile()
    x = np.random.default_rng(2).normal(0, 4, (32, 12, 14, 3))
    # two libraries of one graph (same layer names, other operand layouts) on one thread: each
    # keeps its own operands (small batches run on the calling thread)
    for _ in range(3):
        want = plain.predict(x[:2])
        np.testing.assert_array_equal(native.predict(x[:2], threads=1), want)
        np.testing.assert_array_equal(fast.predict(x[:2], threads=1), want)
    check_same(fast, plain, x)
    fast.set_weights(big_weights(fast.graph))
    plain.set_weights(big_weights(plain.graph))
    check_same(fast, plain, x)


CHECK = """
#include "nnet/pool.h"
typedef ap_fixed<16, 6> f16;
struct conv : nnet::conv_config {};
struct saturating : nnet::conv_config { typedef ap_fixed<16, 6, AP_TRN, AP_SAT> accum_t; };
struct grouped : nnet::conv_config { static const unsigned n_groups = 2; };
struct rounding : nnet::conv_config { typedef ap_fixed<16, 6, AP_RND> accum_t; };
static_assert(nnet::csim::conv_gemm<f16, conv>::value, "");
static_assert(nnet::csim::conv_gemm<f16, conv>::term::halves, "");
static_assert(!nnet::csim::conv_gemm<f16, saturating>::value, "");
static_assert(!nnet::csim::conv_gemm<f16, grouped>::value, "");
static_assert(!nnet::csim::conv_gemm<f16, rounding>::value, "");
struct max_pool : nnet::pool_config {};
struct average_pool : nnet::pool_config { static const unsigned pool_op = nnet::pool_average; };
static_assert(nnet::csim::pool_max_raw<f16, max_pool>::value, "");
static_assert(!nnet::csim::pool_max_raw<f16, average_pool>::value, "");
"""


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_which_layers_take_the_kernels():
    cmd = ["g++", "-std=c++17", "-fsyntax-only", "-DFPGA_EXPORT_CSIM_KERNELS", "-x", "c++", "-"]
    cmd += [f"-I{ROOT / 'nnet_cpp'}", f"-I{ROOT / 'nnet_cpp' / 'compat'}"]
    proc = subprocess.run(cmd, input=CHECK, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
