"""Hls4mlLayerNorm: layer normalization as hls4ml computes it.

* csim == interpreter, bit for bit, both io types, four type sets (hls4ml's generator types,
  wide types with a narrower table range, narrow wrapping accum types, an index beyond C's
  int) in one project per io type;
* interpreter == an independent oracle (tests/layers/hls4ml_layernorm_oracle.cpp: hls4ml's
  algorithm in its own style, the table filled with float math at run time) compiled against
  the vendor's ap types (shared/vendor), bit for bit;
* hls_config: a LayerNormalization becomes this op with hls4ml's defaults and its
  TableSize / TableRangePower2 / table_t keys; epsilon as hls4ml rounds it; errors.
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
from fpga_export.layers.input import Input
from fpga_export.layers.layernorm_hls4ml import Hls4mlLayerNorm, inverse_sqrt_table
from fpga_export.layers.norm import LayerNormalization
from fpga_export.types import FixedType

T = FixedType.parse
VENDOR = find_shared("shared/vendor/xilinx_ap_types/include")
ORACLE = Path(__file__).with_name("hls4ml_layernorm_oracle.cpp")
CHAN = 6  # not a power of two: 1/n is not exact in accum
SHAPE = (3, CHAN)
# name -> (input type, role types, op settings, input scale)
TYPE_SETS = {
    "generator": (
        "ap_fixed<16,6>",
        {"accum": "ap_fixed<14,4,AP_RND_CONV,AP_SAT>"},
        {},
        0.6,
    ),
    "wide": (
        "ap_fixed<18,8>",
        {
            "accum": "ap_fixed<32,12>",
            "table": "ap_fixed<18,8,AP_RND,AP_SAT>",
            "scale": "ap_fixed<10,3>",
            "bias": "ap_fixed<8,3,AP_RND>",
            "result": "ap_fixed<12,4,AP_RND_CONV,AP_SAT>",
        },
        {"table_size": 1024, "table_range_power2": 2, "epsilon_power_of_10": 5},
        0.3,
    ),
    "wrapping": (
        "ap_fixed<12,5>",
        {
            "accum": "ap_fixed<10,3>",
            "table": "ap_ufixed<10,6>",
            "result": "ap_fixed<10,4>",
        },
        {"table_size": 256, "table_range_power2": 1, "epsilon_power_of_10": 2},
        3.0,
    ),
    # var * 4096 beyond C's int: the index wraps (to_int) before the clamp
    "int_wrap": (
        "ap_fixed<24,14>",
        {"accum": "ap_fixed<40,24>", "table": "ap_fixed<18,8,AP_RND,AP_SAT>"},
        {},
        1500.0,
    ),
}


def weights(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"gamma": rng.uniform(-2, 2, CHAN), "beta": rng.normal(0, 1, CHAN)}


def graph() -> Graph:
    g = Graph("ln_h4")
    for i, (x_type, roles, settings, _) in enumerate(TYPE_SETS.values()):
        g.add(Node(f"x{i}", Input(), shape=SHAPE, precision={"result": x_type}))
        op = Hls4mlLayerNorm(**settings)
        g.add(Node(f"ln{i}", op, [f"x{i}"], weights=weights(i), precision=dict(roles)))
    n = len(TYPE_SETS)
    g.inputs, g.outputs = [f"x{i}" for i in range(n)], [f"ln{i}" for i in range(n)]
    passes.infer_shapes(g)
    passes.infer_types(g)
    return g


def inputs(scale: float, n: int = 300, seed: int = 3) -> np.ndarray:
    """Rows of several spreads and offsets; some constant rows (variance 0)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, scale, (n, *SHAPE)) * rng.uniform(0.1, 2, (n, 1, 1))
    x += rng.normal(0, scale, (n, SHAPE[0], 1))
    x[-5:] = x[-5:, :, :1]
    return x


def all_inputs(n: int = 300, seed: int = 3) -> list[np.ndarray]:
    return [inputs(s[3], n, seed + i) for i, s in enumerate(TYPE_SETS.values())]


def test_csim_equals_interpreter(tmp_path):
    g = graph()
    xs = all_inputs()
    fws = [
        Firmware(g, ExportConfig(output_dir=tmp_path / io, io_type=io))
        for io in ("io_parallel", "io_stream")
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda fw: fw.compile(), fws))
    want = fws[0].reference(xs)
    for fw in fws:
        for got, ref, name in zip(fw.predict(xs), want, TYPE_SETS, strict=True):
            np.testing.assert_array_equal(got, ref, err_msg=f"{fw.config.io_type} {name}")
    # the table index covers its range: some rows clamp, some do not
    assert len({tuple(np.unique(r)) for r in want[2].reshape(-1, CHAN)}) > 50


def _oracle(tmp_path: Path, g: Graph, xs: list[np.ndarray]) -> list[np.ndarray]:
    """Every type set through one oracle binary (the vendor headers are parsed once)."""
    sets, text = [], []
    for i, x in enumerate(xs):
        node = g[f"ln{i}"]
        t, op = node.types, node.op
        types = {"data_t": g[f"x{i}"].result, "res_t": t["result"], "accum_t": t["accum"]}
        types.update(table_t=t["table"], scale_t=t["scale"], bias_t=t["bias"])
        body = [f"typedef {v.spell()} {k};" for k, v in types.items()]
        body += [f"static const int table_size = {op.table_size};"]
        body += [f"static const int range_power2 = {op.table_range_power2};"]
        body += [f"static const int eps_power10 = {op.epsilon_power_of_10};"]
        sets.append(f"struct set{i} {{ {' '.join(body)} }};")
        rows = x.reshape(-1, CHAN)
        gamma = t["scale"].quantize(node.weights["gamma"])
        beta = t["bias"].quantize(node.weights["beta"])
        text += [" ".join(repr(float(v)) for v in row) for row in (gamma, beta)]
        text += [str(len(rows))] + [" ".join(repr(float(v)) for v in row) for row in rows]
    listed = " ".join(f"X(set{i})" for i in range(len(xs)))
    header = tmp_path / "sets.h"
    header.write_text(
        '#include "ap_fixed.h"\n' + "\n".join(sets) + f"\n#define ORACLE_SETS(X) {listed}\n"
    )
    exe = tmp_path / "oracle"
    flags = [f"-DN_CHAN={CHAN}", "-include", str(header)]
    subprocess.run(
        ["g++", "-std=c++14", "-O1", "-w", f"-I{VENDOR}", *flags, str(ORACLE), "-o", str(exe)],
        check=True,
    )
    out = subprocess.run(
        [str(exe)], input="\n".join(text) + "\n", capture_output=True, text=True, check=True
    )
    bits = np.array([[int(v) for v in line.split()] for line in out.stdout.splitlines()])
    return np.split(bits, np.cumsum([x.size // CHAN for x in xs])[:-1])


@pytest.mark.vendor
@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_interpreter_equals_hls4ml_oracle(tmp_path):
    """The oracle built against the vendor headers gives the interpreter's bits."""
    if VENDOR is None:
        pytest.fail("vendor headers not found: shared/vendor/xilinx_ap_types/include")
    g = graph()
    xs = all_inputs(n=200, seed=11)
    # on the input types' grid, as the oracle converts the doubles it reads
    xs = [g[f"x{i}"].result.quantize(x) for i, x in enumerate(xs)]
    refs = Interpreter(g).run(xs)
    got = _oracle(tmp_path, g, xs)
    for i, name in enumerate(TYPE_SETS):
        t = g[f"ln{i}"].result
        raw = t.quantize_raw(refs[i]).reshape(-1, CHAN) % (1 << t.width)
        np.testing.assert_array_equal(raw, got[i], err_msg=name)


# ------------------------------------------------------------------ known values


def test_table_entries():
    """Entry i = 1/sqrt(float(1e-3) + i * 2^-p / N) in float; p = 0, N = 4096: entry 0 is
    1/sqrt(float32(0.001)), entry 4095 is 1/sqrt(1 - 1/4096 + 0.001)."""
    t = inverse_sqrt_table(3, 0, 4096)
    assert t[0] == 1.0 / float(np.sqrt(np.float32(0.001)))
    assert t[4095] == 1.0 / float(np.sqrt(np.float32(0.001) + np.float32(4095 / 4096)))
    assert inverse_sqrt_table(2, 3, 8)[1] == 1.0 / float(np.sqrt(np.float32(0.01) + 2.0**-6))


def test_index_truncates():
    """var = 0.375 in ap_fixed<8,2>: N = 8, p = 1 -> int(0.375 * 16) = 6; 0.4375 -> 7
    (clamped from 7); 0.5 -> 8 -> 7; a negative (wrapped) var -> 0."""
    op = Hls4mlLayerNorm(table_size=8, table_range_power2=1)
    t = T("ap_fixed<8,2>")
    var = t.quantize_raw(np.array([0.375, 0.3125, 0.5, -0.25, 0.03125]))
    from fpga_export.ir.op import Tensor

    assert op.table_index(Tensor(var, t)).tolist() == [6, 5, 7, 0, 0]


def test_defaults_are_hls4mls():
    g = Graph("d")
    g.add(Node("x", Input(), shape=(4,), precision={"result": "ap_fixed<16,6>"}))
    g.add(Node("ln", Hls4mlLayerNorm(), ["x"], weights=weights(0) | {"gamma": np.ones(4),
               "beta": np.zeros(4)}))  # fmt: skip
    g.inputs, g.outputs = ["x"], ["ln"]
    passes.infer_shapes(g)
    passes.infer_types(g)
    node = g["ln"]
    assert node.types["table"] == T("ap_ufixed<8,5,AP_RND_CONV,AP_SAT>")
    assert node.types["accum"] == T("ap_fixed<16,6>")  # the model default, as hls4ml's accum_t
    assert (node.op.table_size, node.op.table_range_power2) == (4096, 0)
    y = Interpreter(g).run(np.array([[1.0, -1.0, 1.0, -1.0]]))
    # var = 1 -> index clamps to 4095: 1/sqrt(1.001 - 1/4096) = 0.99963 -> ufixed<8,5> 1.0
    np.testing.assert_array_equal(y, [[1.0, -1.0, 1.0, -1.0]])


def test_layernorm_hls4ml_compatible():
    assert LayerNormalization(epsilon=1e-3).hls4ml_compatible() == Hls4mlLayerNorm()
    assert LayerNormalization(epsilon=2e-5).hls4ml_compatible() == Hls4mlLayerNorm(
        epsilon_power_of_10=5
    )  # -round(log10 2e-5) = -round(-4.7) = 5
    big = LayerNormalization(epsilon=0.5)
    assert big.hls4ml_compatible() is big
    assert big.hls4ml_difference() == (
        "layer normalization with epsilon 0.5 keeps fpga-export's own 1/sqrt table (hls4ml "
        "refuses an epsilon whose -round(log10) is below 1)"
    )
    assert LayerNormalization().hls4ml_difference() is None


def _ln_graph(eps=1e-3):
    g = Graph("m")
    g.add(Node("x", Input(), shape=(2, 4)))
    w = {"gamma": np.ones(4), "beta": np.zeros(4)}
    g.add(Node("ln", LayerNormalization(epsilon=eps), ["x"], weights=w))
    g.add(Node("ln2", LayerNormalization(epsilon=eps), ["x"], weights=dict(w)))
    g.inputs, g.outputs = ["x"], ["ln", "ln2"]
    passes.infer_shapes(g)
    return g


def test_hls_config_keys():
    """hls4ml's generator keys for a layer normalization (TableSize, TableRangePower2,
    Precision accum/table, table_t) reach the op; the other node keeps hls4ml's defaults."""
    layer = {
        "Precision": {"accum": "fixed<14,4,RND_CONV,SAT>", "result": "ap_fixed<12,4>"},
        "TableSize": 1024,
        "TableRangePower2": 2,
        "table_t": "ap_ufixed<10,5>",
    }
    c = ExportConfig(hls_config={"Model": {"Precision": "ap_fixed<16,6>"},
                                 "LayerName": {"ln": layer}})  # fmt: skip
    g = c.apply(_ln_graph(), {"ln": "LayerNormalization", "ln2": "LayerNormalization"})
    passes.infer_types(g)
    op = g["ln"].op
    assert op == Hls4mlLayerNorm(table_size=1024, table_range_power2=2)
    assert g["ln"].types["accum"] == T("ap_fixed<14,4,AP_RND_CONV,AP_SAT>")
    assert g["ln"].types["table"] == T("ap_ufixed<10,5>")
    assert g["ln2"].op == Hls4mlLayerNorm()
    assert any("ln, ln2 computed as hls4ml computes them" in n for n in c.notes)
    assert not any("can differ from hls4ml" in n for n in c.notes)


def test_own_tables_note_table_range_power2():
    """activation_tables='fpga-export': the key is accepted and noted, the op stays ours."""
    layer = {"TableRangePower2": 1}
    c = ExportConfig(hls_config={"LayerName": {"ln": layer}}, activation_tables="fpga-export")
    g = c.apply(_ln_graph(), {"ln": "LayerNormalization", "ln2": "LayerNormalization"})
    assert type(g["ln"].op) is LayerNormalization
    assert (
        "hls_config: TableRangePower2 accepted, no effect on ln: not a layer normalization "
        "computed as hls4ml's (activation_tables='hls4ml')"
    ) in c.notes


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "kw, message",
    [
        (
            {"table_range_power2": -1},
            "LayerNormalization table_range_power2 must be an int from 0 to 19 (hls4ml's table "
            "covers variances in [0, 2^-p); table_size 2^12 * 2^p must stay below 2^31), got -1",
        ),
        (
            {"table_size": 1024, "table_range_power2": 22},
            "LayerNormalization table_range_power2 must be an int from 0 to 21 (hls4ml's table "
            "covers variances in [0, 2^-p); table_size 2^10 * 2^p must stay below 2^31), got 22",
        ),
        (
            {"epsilon_power_of_10": 0},
            "LayerNormalization epsilon_power_of_10 must be an int >= 1 (hls4ml's epsilon 10^-e "
            "below 0.1), got 0",
        ),
        (
            {"table_size": 1000},
            "LayerNormalization table_size must be an integer power of two from 2 to 2**",
        ),
    ],
)
def test_bad_settings(kw, message):
    with pytest.raises(ValueError) as info:
        Hls4mlLayerNorm(**kw)
    assert str(info.value).startswith(message)


def test_too_wide_for_the_compat_types():
    g = Graph("w")
    g.add(Node("x", Input(), shape=(4,)))
    w = {"gamma": np.ones(4), "beta": np.zeros(4)}
    prec = {"accum": "ap_fixed<64,20>", "table": "ap_fixed<40,8>", "scale": "ap_fixed<30,4>"}
    g.add(Node("ln", Hls4mlLayerNorm(), ["x"], weights=w, precision=prec))
    g.inputs, g.outputs = ["x"], ["ln"]
    passes.infer_shapes(g)
    with pytest.raises(ValueError) as info:
        passes.infer_types(g)
    assert str(info.value) == (
        "ln: layer normalization as hls4ml computes it forms d * 1/sqrt * gamma + beta at full "
        "precision, more than 128 bits with ap_fixed<64,20> * ap_fixed<40,8> * ap_fixed<30,4> + "
        "ap_fixed<16,6> (fpga-export's types hold at most 128): give narrower accum, table, "
        "scale or bias types"
    )


def test_ternary_scale_type_refused():
    g = Graph("t")
    g.add(Node("x", Input(), shape=(4,)))
    w = {"gamma": np.ones(4), "beta": np.zeros(4)}
    g.add(Node("ln", Hls4mlLayerNorm(), ["x"], weights=w, precision={"scale": "ap_int<2>"}))
    g.inputs, g.outputs = ["x"], ["ln"]
    passes.infer_shapes(g)
    with pytest.raises(ValueError) as info:
        passes.infer_types(g)
    assert str(info.value) == (
        "ln: with a 2-bit integer scale type (ap_int<2>) hls4ml computes layer normalization "
        "with its ternary product, also for the mean and variance (a sum instead of a mean), "
        "which fpga-export does not reproduce: give the scale a wider type"
    )
