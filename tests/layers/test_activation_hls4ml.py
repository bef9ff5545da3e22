"""Hls4mlActivation: lookup-table activations as hls4ml computes them.

* csim == interpreter, bit for bit, every function and softmax implementation, both io types,
  several type sets (one project per type set and io type, every function in it);
* interpreter == an independent oracle (tests/layers/hls4ml_oracle.cpp: hls4ml's algorithm in
  its own style, tables filled with float math at run time) compiled against the vendor's ap
  types (shared/vendor), bit for bit;
* the index rule, table entries and the +inf entry of the 1/sum table at known values;
* errors a user can cause.
"""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from conformance import find_shared
from fpga_export import passes
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Graph, Interpreter, Node
from fpga_export.layers.activation import Activation
from fpga_export.layers.activation_hls4ml import Hls4mlActivation, elementwise_table
from fpga_export.layers.input import Input
from fpga_export.types import FixedType

T = FixedType.parse
VENDOR = find_shared("shared/vendor/xilinx_ap_types/include")
ORACLE = Path(__file__).with_name("hls4ml_oracle.cpp")
CHAN = 5  # softmax vectors: not a power of two (the adder tree's uneven split)
OPS = [
    ("sigmoid", {}),
    ("tanh", {}),
    ("softplus", {}),
    ("softsign", {}),
    ("elu", {}),
    ("selu", {}),
    ("softmax", {}),
    ("softmax", {"softmax_implementation": "latency"}),
    ("softmax", {"softmax_implementation": "argmax"}),
    ("elu", {"alpha": 0.3}),
    ("softmax", {"hls4ml_softmax": "1.0"}),
    ("softmax", {"softmax_implementation": "latency", "hls4ml_softmax": "1.0"}),
]
ALPHA = 0.3
# name -> (input type, role types, table size)
TYPE_SETS = {
    "default": ("ap_fixed<16,6>", {}, 1024),
    "narrow": (
        "ap_fixed<12,4,AP_RND,AP_SAT>",
        {
            "result": "ap_fixed<10,2,AP_RND_CONV,AP_SAT>",
            "table": "ap_fixed<12,3,AP_RND,AP_SAT>",
            "exp_table": "ap_ufixed<14,4,AP_RND,AP_SAT>",
            "inv_table": "ap_fixed<16,6,AP_RND,AP_WRAP>",
            "param": "ap_fixed<8,1,AP_RND>",  # alpha 1 wraps to -1, as in hls4ml
            "accum": "ap_fixed<14,4,AP_RND,AP_SAT>",
            "inv_inp": "ap_ufixed<12,4,AP_RND,AP_SAT>",
            "inp_norm": "ap_ufixed<11,4,AP_RND,AP_SAT>",
        },
        256,
    ),
    "unsigned": (
        "ap_ufixed<14,5>",
        {
            "result": "ap_ufixed<12,2,AP_TRN,AP_SAT>",
            "exp_table": "ap_fixed<18,10,AP_RND,AP_SAT>",
            "param": "ap_ufixed<6,1,AP_RND_CONV>",
            "accum": "ap_ufixed<20,6>",
        },
        512,
    ),
}


def graph(type_set: str) -> Graph:
    x_type, roles, size = TYPE_SETS[type_set]
    g = Graph("h4")
    g.add(Node("x", Input(), shape=(CHAN,), precision={"result": x_type}))
    for i, (function, kw) in enumerate(OPS):
        op = Hls4mlActivation(function, table_size=size, **kw)
        prec = {r: t for r, t in roles.items() if r in op.roles}
        g.add(Node(f"f{i}", op, ["x"], precision=prec))
    g.inputs, g.outputs = ["x"], [f"f{i}" for i in range(len(OPS))]
    passes.infer_shapes(g)
    passes.infer_types(g)
    return g


def inputs(t: FixedType, n: int = 400, seed: int = 3) -> np.ndarray:
    """Values over the type's range and beyond it (conversion wraps/saturates), plus ties:
    equal maxima in a softmax vector."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, max(abs(t.min), t.max) / 2, (n, CHAN))
    x[: n // 8] *= 3
    x[-8:] = x[-8:, :1]  # every value equal
    x[-16:-8, 2] = x[-16:-8, 4]
    return x


@pytest.mark.parametrize("type_set", list(TYPE_SETS))
def test_csim_equals_interpreter(tmp_path, type_set):
    g = graph(type_set)
    x = inputs(T(TYPE_SETS[type_set][0]))
    fws = [
        Firmware(g, ExportConfig(output_dir=tmp_path / io, io_type=io))
        for io in ("io_parallel", "io_stream")
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda fw: fw.compile(), fws))
    want = fws[0].reference(x)
    for fw in fws:
        for got, ref, (function, kw) in zip(fw.predict(x), want, OPS, strict=True):
            np.testing.assert_array_equal(got, ref, err_msg=f"{function} {kw}")


def _oracle(tmp_path: Path, type_set: str, x: np.ndarray) -> np.ndarray:
    x_type, roles, size = TYPE_SETS[type_set]
    main = graph(type_set)["f6"]  # hls4ml main's softmax types, defaults included
    x_t = T(x_type)
    defines = {
        "ACC_T": str(main.types["accum"]),
        "INV_INP_T": str(main.types["inv_inp"]),
        "NORM_T": str(main.types["inp_norm"]),
        "EXP_LOG2N": str(min(size.bit_length() - 1, x_t.width - x_t.signed)),
        "DATA_T": x_type,
        "RES_T": roles.get("result", "ap_fixed<16,6>"),
        "TABLE_T": roles.get("table", "ap_fixed<18,8>"),
        "EXP_T": roles.get("exp_table", "ap_fixed<18,8,AP_RND,AP_SAT>"),
        "INV_T": roles.get("inv_table", "ap_fixed<18,8,AP_RND,AP_SAT>"),
        "PARAM_T": roles.get("param", "ap_fixed<16,6>"),
        "ALPHA": repr(ALPHA),
        "TABLE_SIZE": str(size),
        "LOG2N": str(size.bit_length() - 1),
        "N_CHAN": str(CHAN),
    }
    exe = tmp_path / f"oracle_{type_set}"
    flags = [f"-D{k}={v}" for k, v in defines.items()]
    subprocess.run(
        ["g++", "-std=c++14", "-O1", "-w", f"-I{VENDOR}", *flags, str(ORACLE), "-o", str(exe)],
        check=True,
    )
    text = "\n".join(" ".join(repr(float(v)) for v in row) for row in x) + "\n"
    out = subprocess.run([str(exe)], input=text, capture_output=True, text=True, check=True)
    return np.array([[int(v) for v in line.split()] for line in out.stdout.splitlines()])


@pytest.mark.vendor
@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_interpreter_equals_hls4ml_oracle(tmp_path):
    """The oracle built against the vendor headers gives the interpreter's bits."""
    if VENDOR is None:
        pytest.fail("vendor headers not found: shared/vendor/xilinx_ap_types/include")
    sets = list(TYPE_SETS)
    xs = {s: inputs(T(TYPE_SETS[s][0]), n=300, seed=5) for s in sets}
    with ThreadPoolExecutor(max_workers=2) as pool:
        got = dict(zip(sets, pool.map(lambda s: _oracle(tmp_path, s, xs[s]), sets), strict=True))
    for s in sets:
        g = graph(s)
        fw = Firmware(g, ExportConfig())
        refs = fw.reference(xs[s])
        for i, ((function, kw), ref) in enumerate(zip(OPS, refs, strict=True)):
            t = g[f"f{i}"].result
            raw = t.quantize_raw(ref) % (1 << t.width)
            oracle = got[s][:, i * CHAN : (i + 1) * CHAN]
            np.testing.assert_array_equal(raw, oracle, err_msg=f"{s}: {function} {kw}")


# ------------------------------------------------------------------ known values


def test_index_truncates_toward_zero():
    """sigmoid, N = 1024: index = int(x * 64) + 512; -3.37 in ap_fixed<20,8> (12 fraction
    bits: -3.3701171875) * 64 = -215.7 -> -215 -> 297; the nearest-centre tables of
    fpga-export would take 296."""
    g = Graph("i")
    g.add(Node("x", Input(), shape=(3,), precision={"result": "ap_fixed<20,8>"}))
    g.add(Node("s", Hls4mlActivation("sigmoid"), ["x"]))
    g.inputs, g.outputs = ["x"], ["s"]
    passes.infer_shapes(g)
    passes.infer_types(g)
    g["s"].precision = {"table": "ap_fixed<18,12>", "result": "ap_fixed<18,12>"}
    passes.infer_types(g)
    g["s"].weights["table"] = np.arange(1024, dtype=np.float64)
    y = Interpreter(g).run(np.array([[-3.37, 100.0, 3.37]]))
    np.testing.assert_array_equal(y, [[297, 1023, 727]])


def test_table_entries():
    sig = elementwise_table("sigmoid", 1024)
    assert sig[512] == 0.5 and sig[0] == np.float32(1 / (1 + np.exp(np.float32(8))))
    assert elementwise_table("tanh", 1024)[512] == 0.0
    assert elementwise_table("elu", 1024)[0] == 0.0
    assert elementwise_table("softsign", 16)[0] == np.float32(-8 / 9)
    # tables are float32 values (hls4ml computes them in float)
    assert np.array_equal(sig, sig.astype(np.float32))


@pytest.mark.parametrize(
    "inv_type, first", [("ap_fixed<18,8,AP_RND,AP_SAT>", 127.9990234375), ("ap_fixed<18,8>", 0)]
)
def test_inverse_of_zero(inv_type, first):
    """1/0 = +inf: the type's maximum when it saturates, 0 when it wraps (the vendor's
    conversion of +inf)."""
    g = graph("default")
    node = g["f6"]
    node.precision = {"inv_table": inv_type}
    passes.infer_types(g)
    assert node.weights["inv_table"][0] == first
    assert node.weights["inv_table"][1] == 4.0  # 1 / 0.25: raw 1 << 8, 10 fraction bits


def test_default_types_are_hls4mls():
    g = graph("default")
    assert g["f0"].types["table"] == T("ap_fixed<18,8>")
    assert g["f6"].types["exp_table"] == T("ap_fixed<18,8,AP_RND,AP_SAT>")
    assert g["f6"].types["inv_table"] == T("ap_fixed<18,8,AP_RND,AP_SAT>")
    assert g["f8"].op.roles == ("result",)


def test_main_softmax_default_types_and_exp_table_cap():
    """hls4ml main: inp_norm ap_ufixed<W-1,I-1> of a signed input, accum the model default,
    inv_inp the exp_table type; the exp table capped at 2^(W-1) entries."""
    g = graph("default")
    assert g["f6"].types["inp_norm"] == T("ap_ufixed<15,5>")
    assert g["f6"].types["accum"] == T("ap_fixed<16,6>")
    assert g["f6"].types["inv_inp"] == T("ap_fixed<18,8,AP_RND,AP_SAT>")
    assert "inp_norm" not in g["f7"].types and "accum" not in g["f10"].types
    assert graph("unsigned")["f6"].types["inp_norm"] == T("ap_ufixed<14,5>")
    g = Graph("c")
    g.add(Node("x", Input(), shape=(4,), precision={"result": "ap_fixed<8,3>"}))
    g.add(Node("s", Hls4mlActivation("softmax"), ["x"]))
    g.inputs, g.outputs = ["x"], ["s"]
    passes.infer_shapes(g)
    passes.infer_types(g)
    table = g["s"].weights["exp_table"]
    assert len(table) == 128 and table[0] == 1.0
    # ap_ufixed<7,2>: steps of 1/32; expf within a float32 ulp of exp
    assert abs(table[1] - np.exp(-1 / 32)) < 2**-24


def test_main_and_1_0_stable_softmax_differ():
    """x - max = -0.3 in ap_fixed<16,6> (n = 10: bins of 1/16, 1.0; 1/32, main): 1.0 floors
    to -0.3125, main truncates 0.3 to 0.28125; the maximum reads exp(0) = 1 in both."""
    outs = {}
    for version in ("main", "1.0"):
        g = Graph("d")
        g.add(Node("x", Input(), shape=(2,), precision={"result": "ap_fixed<16,6>"}))
        g.add(Node("s", Hls4mlActivation("softmax", hls4ml_softmax=version), ["x"]))
        g.inputs, g.outputs = ["x"], ["s"]
        passes.infer_shapes(g)
        passes.infer_types(g)
        g["s"].precision = {"result": "ap_fixed<32,8>", "inv_table": "ap_fixed<18,8>"}
        passes.infer_types(g)
        g["s"].weights["inv_table"] = np.ones(1024)  # y = the exps themselves
        outs[version] = Interpreter(g).run(np.array([[1.0, 0.7]]))[0]
    e = {v: np.float32(np.exp(np.float32(d))) for v, d in (("main", -0.28125), ("1.0", -0.3125))}
    for version, y in outs.items():
        q = np.round(float(e[version]) * 1024) / 1024  # exp_table ap_fixed<18,8,RND,SAT>
        np.testing.assert_array_equal(y, [1.0, q], err_msg=version)


def test_activation_hls4ml_compatible():
    assert Activation("sigmoid", table_size=256).hls4ml_compatible() == Hls4mlActivation(
        "sigmoid", table_size=256
    )
    relu = Activation("relu")
    assert relu.hls4ml_compatible() is relu
    elu = Activation("elu", alpha=0.5)
    assert elu.hls4ml_compatible() == Hls4mlActivation("elu", alpha=0.5)
    assert elu.hls4ml_difference() is None
    assert Activation("elu").hls4ml_compatible() == Hls4mlActivation("elu", alpha=1.0)


# ------------------------------------------------------------------ errors


def test_legacy_softmax_refused():
    with pytest.raises(ValueError, match=r"^softmax Implementation 'legacy' \(hls4ml's oldest"):
        Hls4mlActivation("softmax", softmax_implementation="legacy")


def test_unknown_implementation():
    with pytest.raises(ValueError, match="unknown softmax Implementation 'fast'; expected one of "
                       "stable, latency, argmax"):  # fmt: skip
        Hls4mlActivation("softmax", softmax_implementation="fast")


def test_narrow_softmax_input_refused():
    g = Graph("n")
    g.add(Node("x", Input(), shape=(4,), precision={"result": "ap_fixed<8,3>"}))
    g.add(Node("s", Hls4mlActivation("softmax", hls4ml_softmax="1.0"), ["x"]))
    g.inputs, g.outputs = ["x"], ["s"]
    passes.infer_shapes(g)
    with pytest.raises(ValueError) as info:
        passes.infer_types(g)
    assert str(info.value) == (
        "s: softmax as hls4ml computes it indexes its tables with the top 10 bits of the input "
        "type, and ap_fixed<8,3> has 8: give the softmax a table_size of at most 2**8, or a "
        "wider type"
    )
