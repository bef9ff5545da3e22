"""The quartus project's csim built against the reference Algorithmic C headers
(``FPGA_EXPORT_VENDOR_INCLUDE`` = ``shared/vendor/ac_types/include``, third-party, used here,
never copied) equals the build against our compat headers, bit for bit: ``HLS/ac_int.h`` and
``HLS/ac_fixed.h`` (compat/HLS) resolve to the vendor's headers when they are on the include
path. Marker ``vendor``; the small CNN in both io types (the every_op comparison is
tests/backends/test_catapult_vendor_headers.py's: the same ac layer code)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from test_catapult_vendor_headers import VENDOR, pytestmark  # noqa: F401
from test_golden import small_cnn

from fpga_export.config import ExportConfig
from fpga_export.csim.build import FLAGS, include_dirs
from fpga_export.firmware import Firmware


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_reference_ac_headers_equal_compat(tmp_path, monkeypatch, io_type):
    fws = {}
    for kind in ("compat", "vendor"):
        cfg = ExportConfig(output_dir=tmp_path / kind, io_type=io_type, backend="quartus")
        fws[kind] = Firmware(small_cnn(), cfg)
    fws["compat"].compile()
    monkeypatch.setenv("FPGA_EXPORT_VENDOR_INCLUDE", str(VENDOR))  # read when compiling
    vendor = fws["vendor"].compile()
    project = vendor.output_dir
    deps = subprocess.run(
        ["g++", *FLAGS, "-M", *[f"-I{d}" for d in include_dirs(project)],
         str(project / "csim" / "small_cnn_bridge.cpp")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert str(VENDOR / "ac_fixed.h") in deps and str(project / "compat" / "ac_fixed.h") not in deps
    x = np.random.default_rng(1).normal(0.0, 4.0, (300, *vendor.input_shapes[0]))
    x[250:] *= 100.0
    np.testing.assert_array_equal(vendor.predict(x), fws["compat"].predict(x))
