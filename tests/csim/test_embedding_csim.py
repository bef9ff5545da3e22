"""Embedding: csim == Interpreter bit for bit, both io types, including out-of-range ids
(clamped to [0, vocab_size - 1]) and fixed-point inputs (truncated toward zero)."""

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Interpreter
from fpga_export.layers.embedding import Embedding
from graphs import single

VOCAB, DIM, SEQ = 11, 5, 7

CASES = [
    # (input precision, result, embeddings)
    ("ap_uint<8>", "ap_fixed<16,6>", "ap_fixed<16,6>"),
    ("ap_int<6>", "ap_fixed<6,2>", "ap_fixed<10,3>"),  # narrower result: wraps
    ("ap_fixed<12,6>", "ap_fixed<8,2,AP_RND,AP_SAT>", "ap_fixed<12,4>"),  # fractional ids
    ("ap_ufixed<10,3>", "ap_fixed<16,6>", "ap_fixed<8,3>"),  # ids < 8 only
    ("ap_fixed<48,40>", "ap_fixed<24,10>", "ap_fixed<18,6>"),  # wider than int
]


def graph(seed=0, scale=2.0):
    table = np.random.default_rng(seed).normal(0, scale, (VOCAB, DIM))
    return single(
        Embedding(vocab_size=VOCAB, output_dim=DIM), (SEQ,), {"embeddings": table},
        name="emb",
    )  # fmt: skip


def ids(n, seed=1, fractional=False):
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, VOCAB + 4, (n, SEQ)).astype(np.float64)
    x[0] = [0, VOCAB - 1, VOCAB, -1, 2, 1000, -1000]  # edges and far out of range
    if fractional:
        x = x + rng.uniform(-1, 1, x.shape)
        x[1] = [-0.5, 0.5, 0.999, VOCAB - 0.25, VOCAB - 1.5, 1.0, -1.75]
    return x


def build(tmp_path, io_type, inp, result, table):
    g = graph()
    g["layer"].precision.update(result=result, embeddings=table)
    cfg = ExportConfig(output_dir=tmp_path / io_type, io_type=io_type, input_precision=inp)
    return Firmware(g, cfg).compile()


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("types", CASES, ids=lambda t: t[0])
def test_csim_equals_interpreter(tmp_path, io_type, types):
    fw = build(tmp_path, io_type, *types)
    x = ids(300, fractional="fixed" in types[0])
    got = fw.predict(x)
    assert got.shape == (300, SEQ, DIM)
    np.testing.assert_array_equal(got, fw.reference(x))
    trace = fw.trace(x[:20])
    ref = Interpreter(fw.graph).run(x[:20], trace=True)
    for name, values in ref.items():
        np.testing.assert_array_equal(trace[name], values, err_msg=name)


def test_index_semantics_truncate_and_clamp(tmp_path):
    """The rows read are table[clip(trunc(x), 0, vocab - 1)]."""
    fw = build(tmp_path, "io_parallel", "ap_fixed<16,8>", "ap_fixed<32,12>", "ap_fixed<32,12>")
    x = ids(50, seed=4, fractional=True)
    xq = fw.graph["input_1"].result.quantize(x)
    rows = np.clip(np.trunc(xq), 0, VOCAB - 1).astype(int)
    table = fw.graph["layer"].types["embeddings"].quantize(fw.graph["layer"].weights["embeddings"])
    want = table[rows]
    np.testing.assert_array_equal(fw.reference(x).reshape(want.shape), want)
    np.testing.assert_array_equal(fw.predict(x).reshape(want.shape), want)


def test_wrong_table_shape_is_refused():
    g = single(Embedding(vocab_size=4, output_dim=2), (3,), {"embeddings": np.zeros((4, 3))})
    with pytest.raises(
        ValueError, match=r"layer: embeddings must have shape \(4, 2\), got \(4, 3\)"
    ):
        Embedding(vocab_size=4, output_dim=2).check(g["layer"], g)


def test_config_matches_header_and_testbench_passes(tmp_path):
    import subprocess

    from test_meta import check_configs

    for io_type in ("io_parallel", "io_stream"):
        cfg = ExportConfig(
            output_dir=tmp_path / io_type, io_type=io_type, input_precision="ap_uint<5>"
        )
        fw = Firmware(graph(), cfg)
        x = np.random.default_rng(0).integers(0, 31, (20, SEQ)).astype(np.float64)
        out = fw.write(tb_data=x)
        assert check_configs((out / "firmware" / "parameters.h").read_text()) == 1
        flags = ["-std=c++17", "-Ifirmware", "-Icompat"]
        exe = subprocess.run(
            ["g++", *flags, "-O1", "emb_test.cpp", "firmware/emb.cpp", "-o", "tb"], cwd=out
        )
        assert exe.returncode == 0
        run = subprocess.run(["./tb"], cwd=out, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout
        assert "20 samples, 0 output values differ" in run.stdout
