"""csim built against the vendor's own type headers equals csim built against ours, bit for bit.

``FPGA_EXPORT_VENDOR_INCLUDE`` points the csim build at a folder of vendor headers
(csim/build.py ``include_dirs``). Here it points at the Xilinx ap types kept beside the
repository (``shared/vendor/xilinx_ap_types/include``: third-party, Apache-2.0, never copied
into the project). That folder has no ``hls_stream.h``: our compat one fills in, so this also
checks that it works with the vendor's ap types.

One project per io type holding every op family (tests/every_op.py) is compiled both ways
(the vendor headers compile slowly: two large projects, the two vendor builds in parallel)
and both libraries run the same few hundred inputs, a third of them far outside the input
types' ranges (saturation and wrap-around). Deselect with ``-m "not vendor"``.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from conformance import find_shared
from every_op import every_op_graph
from fpga_export.config import ExportConfig
from fpga_export.csim.build import include_dirs
from fpga_export.firmware import Firmware

VENDOR = find_shared("shared/vendor/xilinx_ap_types/include")
IO_TYPES = ("io_parallel", "io_stream")

pytestmark = [
    pytest.mark.vendor,
    pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++"),
    pytest.mark.skipif(
        VENDOR is None,
        reason="vendor headers not found: no ancestor of the repository (or of the one it "
        "was cloned from) holds shared/vendor/xilinx_ap_types/include",
    ),
]


def _compile_all(firmwares) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda fw: fw.compile(), firmwares))


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """io type -> (compat Firmware, vendor Firmware), both compiled."""
    pairs = {}
    for io_type in IO_TYPES:
        pair = []
        for kind in ("compat", "vendor"):
            out = tmp_path_factory.mktemp(f"{io_type}_{kind}") / "every_op"
            fw = Firmware(every_op_graph(), ExportConfig(output_dir=out, io_type=io_type))
            fw.write()
            pair.append(fw)
        pairs[io_type] = tuple(pair)
    _compile_all([c for c, _ in pairs.values()])
    with pytest.MonkeyPatch.context() as mp:  # the environment is read when compiling
        mp.setenv("FPGA_EXPORT_VENDOR_INCLUDE", str(VENDOR))
        _compile_all([v for _, v in pairs.values()])
    return pairs


def _inputs(fw: Firmware, n: int = 300) -> list[np.ndarray]:
    """n rows per input: 200 ordinary, 50 a hundred times too large, 50 up to +-1e4."""
    rng = np.random.default_rng(1)
    xs = []
    for shape in fw.input_shapes:
        x = rng.normal(0.0, 2.0, (n, *shape))
        x[200:250] *= 100.0
        x[250:] = rng.uniform(-1e4, 1e4, (n - 250, *shape))
        xs.append(x)
    return xs


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_vendor_headers_equal_compat(builds, io_type):
    compat, vendor = builds[io_type]
    assert compat._lib.path != vendor._lib.path  # two different builds, not one cached
    x = _inputs(compat)
    got, want = vendor.predict(x), compat.predict(x)
    for name, g, w in zip(compat.graph.outputs, got, want, strict=True):
        assert np.array_equal(g, w), f"{io_type}: output {name!r} differs with vendor headers"
    # every node, for a message naming the first one that differs
    tv, tc = vendor.trace([a[:60] for a in x]), compat.trace([a[:60] for a in x])
    differ = [n for n in tc if not np.array_equal(tv[n], tc[n])]
    assert not differ, f"{io_type}: nodes differ with vendor headers: {differ}"
    # and the saturation rows really left the input types' ranges
    first = compat.graph[compat.graph.inputs[0]].result
    assert np.abs(x[0][250:]).max() > first.max


def test_vendor_build_puts_the_vendor_folder_before_compat(tmp_path, monkeypatch):
    """The compiler command of a vendor build: the vendor folder before our compat headers
    (recorded by a stand-in compiler, so a cached library cannot hide the command)."""
    import sys

    from fpga_export.csim import CompileError
    from graphs import mlp

    argv = tmp_path / "argv.txt"
    fake = tmp_path / "fake_cxx.py"
    fake.write_text(f"import sys\nopen({str(argv)!r}, 'w').write('\\n'.join(sys.argv[1:]))\n")
    fake.write_text(fake.read_text() + "sys.exit(1)\n")
    monkeypatch.setenv("CXX", f"{sys.executable} {fake}")
    monkeypatch.setenv("FPGA_EXPORT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("FPGA_EXPORT_VENDOR_INCLUDE", os.fspath(VENDOR))
    fw = Firmware(mlp((4, 3)), ExportConfig(output_dir=tmp_path / "p"))
    with pytest.raises(CompileError):
        fw.compile()
    args = argv.read_text().splitlines()
    vendor, compat = f"-I{VENDOR.resolve()}", f"-I{fw.output_dir / 'compat'}"
    assert vendor in args and compat in args
    assert args.index(vendor) < args.index(compat)


def test_include_dirs_vendor_then_compat(tmp_path, monkeypatch):
    """A vendor folder's ap_fixed.h/ap_int.h win; compat's hls_stream.h fills in when the vendor
    folder has none (the Xilinx ap types on GitHub ship without one)."""
    monkeypatch.delenv("FPGA_EXPORT_VENDOR_INCLUDE", raising=False)
    assert include_dirs(tmp_path) == [tmp_path / "firmware", tmp_path / "csim", tmp_path / "compat"]
    monkeypatch.setenv("FPGA_EXPORT_VENDOR_INCLUDE", os.fspath(VENDOR))
    assert include_dirs(tmp_path) == [
        tmp_path / "firmware",
        tmp_path / "csim",
        VENDOR.resolve(),
        tmp_path / "compat",
    ]
