"""The numpy Interpreter with ac types: a graph typed with ``ac_fixed`` precisions carries
family-"ac" types on every node and runs with the ac conversion semantics."""

from __future__ import annotations

import numpy as np

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.types import FixedType
from graphs import mlp


def _firmware(tmp_path, **config) -> Firmware:
    return Firmware(mlp((6, 8, 3)), ExportConfig(output_dir=tmp_path / "fw", **config))


def _families(fw: Firmware) -> set[str]:
    return {t.family for node in fw.graph for t in node.types.values()}


def test_ac_typed_graph_matches_ap_where_the_semantics_agree(tmp_path):
    x = np.random.default_rng(1).normal(0, 2, (20, 6))
    ap = _firmware(tmp_path / "ap", precision="ap_fixed<12,4,AP_RND_CONV,AP_SAT>")
    ac = _firmware(tmp_path / "ac", precision="ac_fixed<12,4,true,AC_RND_CONV,AC_SAT>")
    assert _families(ap) == {"ap"} and _families(ac) == {"ac"}
    for node in ap.graph:  # same widths, modes and result types
        ac_types = ac.graph[node.name].types
        assert {r: t.with_(family="ac") for r, t in node.types.items()} == ac_types
    np.testing.assert_array_equal(ac.reference(x), ap.reference(x))


def test_ac_semantics_in_the_interpreter(tmp_path):
    x = np.array([[-0.25, -1.25, 2.75, -3.0, 0.25, 100.0]])
    ac = _firmware(tmp_path / "ac", input_precision="ac_int<8,true>")
    ap = _firmware(tmp_path / "ap", input_precision="ap_int<8>")
    node_ac, node_ap = ac.graph["input_1"], ap.graph["input_1"]
    assert node_ac.types["result"] == FixedType.parse("ac_int<8,true>")
    # ac_int floors (100 wraps to 100); ap_int truncates, with quirk 5 for (-0.5, 0)
    assert list(node_ac.result.quantize(x[0])) == [-1, -2, 2, -3, 0, 100]
    assert list(node_ap.result.quantize(x[0])) == [1, -1, 2, -3, 0, 100]
    odd = FixedType.parse("ac_fixed<8,4,true,AC_RND_CONV_ODD,AC_SAT>")
    fw = _firmware(tmp_path / "odd", precision=str(odd))
    y = fw.reference(np.random.default_rng(2).normal(0, 1, (10, 6)))
    assert _families(fw) == {"ac"}
    np.testing.assert_array_equal(odd.quantize(y), y)  # outputs on odd's grid and in range
