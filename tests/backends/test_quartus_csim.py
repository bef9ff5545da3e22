"""csim of the quartus project (ac types, ihc streams) == the interpreter, bit for bit, for
every op family (tests/every_op.py) in both io types, and == the catapult csim of the same
model (both backends write the same ac types; only the component around the layers, the
streams and the pragmas differ). About 20 s per io type on 2 cores (the catapult libraries
are the ones tests/backends/test_catapult_csim.py builds: cached)."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from test_catapult_csim import IO_TYPES, _inputs
from test_golden import small_cnn

from every_op import every_op_graph
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir.interpreter import Interpreter

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")


def _pair(tmp_path, graph_fn, io_type: str, **kw) -> tuple[Firmware, Firmware]:
    """(quartus, catapult) Firmware of one graph and io type, compiled side by side."""
    fws = [
        Firmware(
            graph_fn(), ExportConfig(output_dir=tmp_path / b, io_type=io_type, backend=b, **kw)
        )
        for b in ("quartus", "catapult")
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda fw: fw.compile(), fws))
    return fws[0], fws[1]


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_quartus_equals_interpreter_and_catapult(tmp_path, io_type):
    fw, catapult = _pair(tmp_path, every_op_graph, io_type)
    assert {t.family for n in fw.graph for t in n.types.values()} == {"ac"}
    x = _inputs(fw)
    got, want = fw.predict(x), fw.reference(x)
    differ = [n for n, g, w in zip(fw.graph.outputs, got, want, strict=True) if not (g == w).all()]
    assert not differ, f"quartus {io_type}: outputs differ from the interpreter: {differ}"
    few = [a[:40] for a in x]
    tc, tr = fw.trace(few), Interpreter(fw.graph).run(fw._inputs(few), trace=True)
    assert [n for n in tr if not np.array_equal(np.reshape(tc[n], np.shape(tr[n])), tr[n])] == []
    for name, g, c in zip(fw.graph.outputs, got, catapult.predict(x), strict=True):
        assert np.array_equal(g, c), name


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_small_cnn_same_outputs_as_catapult(tmp_path, io_type):
    prec = "ac_fixed<16,6,true,AC_RND_CONV,AC_SAT>"
    fw, catapult = _pair(tmp_path, small_cnn, io_type, precision=prec)
    rng = np.random.default_rng(5)
    x = rng.normal(0, 3, (300, *fw.input_shapes[0]))
    x[250:] *= 50
    y = fw.predict(x)
    np.testing.assert_array_equal(y, catapult.predict(x))
    np.testing.assert_array_equal(y, fw.reference(x))
