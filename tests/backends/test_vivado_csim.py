"""csim of the vivado project == csim of the Vitis project == the interpreter, bit for bit,
for every op family (tests/every_op.py) in both io types; the csim dataflow simulation of a
vivado io_stream project sees the FIFO depths of its STREAM pragmas.

The vivado firmware differs from the Vitis one in pragma lines, comments and stream
declarations, so its csim library is a build of its own (the csim cache key is the text of
every source); the four libraries are built two at a time and cached across runs."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from test_golden import small_cnn

from every_op import every_op_graph
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware

IO_TYPES = ("io_parallel", "io_stream")
BACKENDS = ("vitis", "vivado")

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")


@pytest.fixture(scope="module")
def firmwares(tmp_path_factory):
    """(backend, io type) -> compiled every_op Firmware."""
    out = {}
    for backend in BACKENDS:
        for io_type in IO_TYPES:
            folder = tmp_path_factory.mktemp(f"{backend}_{io_type}") / "every_op"
            cfg = ExportConfig(output_dir=folder, io_type=io_type, backend=backend)
            out[backend, io_type] = Firmware(every_op_graph(), cfg)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda fw: fw.compile(), out.values()))
    return out


def _inputs(fw: Firmware, n: int = 200) -> list[np.ndarray]:
    """n rows per input, the last quarter far outside the input types (saturation, wrap)."""
    rng = np.random.default_rng(2)
    xs = []
    for shape in fw.input_shapes:
        x = rng.normal(0.0, 2.0, (n, *shape))
        x[3 * n // 4 :] *= 100.0
        xs.append(x)
    return xs


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_vivado_equals_vitis_equals_interpreter(firmwares, io_type):
    vitis, vivado = firmwares["vitis", io_type], firmwares["vivado", io_type]
    assert vitis._lib.path != vivado._lib.path
    x = _inputs(vivado)
    want = vivado.reference(x)
    for backend, got in (("vivado", vivado.predict(x)), ("vitis", vitis.predict(x))):
        for name, g, w in zip(vivado.graph.outputs, got, want, strict=True):
            assert np.array_equal(g, w), f"{backend} {io_type}: output {name!r} differs"
    # every node, for a message naming the first one that differs
    tv, tr = vivado.trace([a[:40] for a in x]), vitis.trace([a[:40] for a in x])
    assert not [n for n in tr if not np.array_equal(tv[n], tr[n])]


def test_dataflow_simulation_sees_the_pragma_depths(tmp_path):
    """Vivado's streams carry their depth in the STREAM pragma; the csim dataflow simulation
    still bounds each FIFO by it: the same report as the Vitis project."""
    reports = {}
    x = np.random.default_rng(0).normal(0, 1, (3, 6, 6, 1))
    for backend in BACKENDS:
        cfg = ExportConfig(output_dir=tmp_path / backend, io_type="io_stream", backend=backend)
        reports[backend] = Firmware(small_cnn(), cfg).check_dataflow(x)
    assert reports["vivado"].fifos == reports["vitis"].fifos
    assert {f.depth for f in reports["vivado"].fifos.values()} == {2}
