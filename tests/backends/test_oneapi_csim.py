"""csim of the oneapi project (ac types, nnet::fifo streams) == the interpreter, bit for bit, for
every op family (tests/every_op.py) in both io types, and == the Catapult csim (the same ac
types) for every output; the generated SYCL kernel and host testbench are well-formed C++
(g++ -fsyntax-only against the stand-in SYCL headers of tests/backends/oneapi_sycl).

The catapult every_op libraries are the ones tests/backends/test_catapult_csim.py builds (the
csim cache shares them); about 20 s per io type on 2 cores."""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import nnet_cpp
from every_op import NAME, every_op_graph
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir.interpreter import Interpreter

IO_TYPES = ("io_parallel", "io_stream")
SYCL_SHIM = Path(__file__).parent / "oneapi_sycl"

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")


def _every_op(tmp_path, io_type: str) -> tuple[Firmware, Firmware]:
    """(oneapi, catapult) every_op Firmware of one io type, compiled side by side."""
    fws = []
    for backend in ("oneapi", "catapult"):
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


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_oneapi_equals_interpreter_and_catapult(tmp_path, io_type):
    fw, catapult = _every_op(tmp_path, io_type)
    assert {t.family for n in fw.graph for t in n.types.values()} == {"ac"}
    x = _inputs(fw)
    got, want = fw.predict(x), fw.reference(x)
    differ = [n for n, g, w in zip(fw.graph.outputs, got, want, strict=True) if not (g == w).all()]
    assert not differ, f"oneapi {io_type}: outputs differ from the interpreter: {differ}"
    few = [a[:40] for a in x]
    tc, tr = fw.trace(few), Interpreter(fw.graph).run(fw._inputs(few), trace=True)
    assert [n for n in tr if not np.array_equal(np.reshape(tc[n], np.shape(tr[n])), tr[n])] == []
    for name, g, c in zip(fw.graph.outputs, got, catapult.predict(x), strict=True):
        assert np.array_equal(g, c), name


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_sycl_kernel_and_host_are_well_formed(tmp_path, io_type):
    """Every op family's kernel and the host testbench, as icpx would read them (Intel's ac
    types path of defines.h: the stand-in ac_types headers are ours)."""
    cfg = ExportConfig(output_dir=tmp_path / "p", io_type=io_type, backend="oneapi")
    out = Firmware(every_op_graph(), cfg).write()
    cmd = [
        "g++", "-std=c++17", "-fsyntax-only", "-Wall", "-Werror", "-Wno-unknown-pragmas",
        "-Wno-attributes", "-Wno-unused-label", "-Wno-unused-variable",
        f"-I{SYCL_SHIM}", f"-I{nnet_cpp.COMPAT_DIR}",
        f"-I{out / 'firmware'}", f"-I{out}",
        str(out / "firmware" / f"{NAME}_kernel.cpp"), str(out / f"{NAME}_test.cpp"),
    ]  # fmt: skip
    run = subprocess.run(cmd, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[:3000]
