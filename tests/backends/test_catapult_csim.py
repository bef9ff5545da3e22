"""csim of the catapult project (ac types, ac_channel) == the interpreter, bit for bit, for
every op family (tests/every_op.py) in both io types; == the Vitis csim wherever the ap and ac
semantics agree; a small CNN typed ap_fixed<16,6,AP_RND_CONV,AP_SAT> for Vitis and
ac_fixed<16,6,true,AC_RND_CONV,AC_SAT> for Catapult gives identical outputs.

The libraries are built two at a time and cached (the Vitis every_op builds are the ones
tests/backends/test_vivado_csim.py builds too): about 20 s per io type on 2 cores."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from test_golden import small_cnn

from every_op import every_op_graph
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir.interpreter import Interpreter

IO_TYPES = ("io_parallel", "io_stream")

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")


def _every_op(tmp_path, io_type: str) -> tuple[Firmware, Firmware]:
    """(catapult, vitis) every_op Firmware of one io type, compiled side by side."""
    fws = []
    for backend in ("catapult", "vitis"):
        cfg = ExportConfig(output_dir=tmp_path / backend, io_type=io_type, backend=backend)
        fws.append(Firmware(every_op_graph(), cfg))
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda fw: fw.compile(), fws))
    return fws[0], fws[1]


def _inputs(fw: Firmware, n: int = 200) -> list[np.ndarray]:
    """n rows per input, the last quarter far outside the input types (saturation, wrap)."""
    rng = np.random.default_rng(2)
    xs = []
    for shape in fw.input_shapes:
        x = rng.normal(0.0, 2.0, (n, *shape))
        x[3 * n // 4 :] *= 100.0
        xs.append(x)
    return xs


def _integer_input_outputs(fw: Firmware) -> set[str]:
    """Outputs of chains whose input type is an integer type: converting a double into
    ac_int floors, into ap_int truncates toward zero (the one ap/ac difference here)."""
    g = fw.graph
    ints = {n for n in g.inputs if g[n].result.is_int}
    return {o for o in g.outputs if set(g[o].inputs) & ints}


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_catapult_equals_interpreter_and_vitis(tmp_path, io_type):
    """One test per io type (each xdist worker builds one pair)."""
    fw, vitis = _every_op(tmp_path, io_type)
    assert {t.family for n in fw.graph for t in n.types.values()} == {"ac"}
    x = _inputs(fw)
    got, want = fw.predict(x), fw.reference(x)
    differ = [n for n, g, w in zip(fw.graph.outputs, got, want, strict=True) if not (g == w).all()]
    assert not differ, f"catapult {io_type}: outputs differ from the interpreter: {differ}"
    few = [a[:40] for a in x]
    tc, tr = fw.trace(few), Interpreter(fw.graph).run(fw._inputs(few), trace=True)
    assert [n for n in tr if not np.array_equal(np.reshape(tc[n], np.shape(tr[n])), tr[n])] == []
    # == Vitis wherever the semantics agree
    differ = {n for n, g, w in zip(fw.graph.outputs, got, vitis.predict(x), strict=True)
              if (g != w).any()}  # fmt: skip
    ints = _integer_input_outputs(fw)
    assert differ == ints == {"s28_1", "s39_1", "s40_1"}  # negative fractions floor in ac_int
    whole = [np.trunc(a) for a in x]  # integer-valued inputs: both conversions agree
    for name, g, w in zip(fw.graph.outputs, fw.predict(whole), vitis.predict(whole), strict=True):
        assert np.array_equal(g, w), name


def _fit(tmp_path, backend: str, precision: str, io_type: str) -> Firmware:
    cfg = ExportConfig(
        output_dir=tmp_path / f"{backend}_{io_type}",
        backend=backend,
        precision=precision,
        io_type=io_type,
    )
    return Firmware(small_cnn(), cfg)


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_same_model_same_outputs_in_vitis_and_catapult(tmp_path, io_type):
    vitis = _fit(tmp_path, "vitis", "ap_fixed<16,6,AP_RND_CONV,AP_SAT>", io_type)
    cat = _fit(tmp_path, "catapult", "ac_fixed<16,6,true,AC_RND_CONV,AC_SAT>", io_type)
    for node in vitis.graph:
        assert {r: t.with_(family="ac") for r, t in node.types.items()} == cat.graph[
            node.name
        ].types
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda fw: fw.compile(), (vitis, cat)))
    rng = np.random.default_rng(5)
    x = rng.normal(0, 3, (300, *vitis.input_shapes[0]))
    x[250:] *= 50
    y = cat.predict(x)
    np.testing.assert_array_equal(y, vitis.predict(x))
    np.testing.assert_array_equal(y, cat.reference(x))
