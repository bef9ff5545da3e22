"""The oneapi project's csim built against the reference Algorithmic C headers equals the build
against our compat ac headers, bit for bit (every op family, io_stream: the nnet::fifo streams
over the reference ac types; io_parallel is the Catapult top, tested there).

``FPGA_EXPORT_VENDOR_INCLUDE`` points the csim build at ``shared/vendor/ac_types/include``
(third-party, Apache-2.0, used here, never copied): its ``ac_fixed.h``, ``ac_int.h`` and
``ac_channel.h`` replace ours. As tests/backends/test_catapult_vendor_headers.py; marker
``vendor`` (about 45 s on 2 cores: the reference headers compile slowly)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from conformance import find_shared
from every_op import every_op_graph
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware

VENDOR = find_shared("shared/vendor/ac_types/include")

pytestmark = [
    pytest.mark.vendor,
    pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++"),
    pytest.mark.skipif(
        VENDOR is None,
        reason="reference ac headers not found: no ancestor of the repository (or of the one "
        "it was cloned from) holds shared/vendor/ac_types/include",
    ),
]


def test_reference_ac_headers_equal_compat(tmp_path, monkeypatch):
    io_type = "io_stream"
    fws = {}
    for kind in ("compat", "vendor"):
        cfg = ExportConfig(output_dir=tmp_path / kind, io_type=io_type, backend="oneapi")
        fws[kind] = Firmware(every_op_graph(), cfg)
    fws["compat"].compile()
    monkeypatch.setenv("FPGA_EXPORT_VENDOR_INCLUDE", str(VENDOR))  # read when compiling
    fws["vendor"].compile()
    compat, vendor = fws["compat"], fws["vendor"]
    assert compat._lib.path != vendor._lib.path  # two different builds, not one cached
    rng = np.random.default_rng(1)
    x = []
    for shape in compat.input_shapes:
        a = rng.normal(0.0, 2.0, (300, *shape))
        a[200:250] *= 100.0
        a[250:] = rng.uniform(-1e4, 1e4, (50, *shape))
        x.append(a)
    got, want = vendor.predict(x), compat.predict(x)
    for name, g, w in zip(compat.graph.outputs, got, want, strict=True):
        assert np.array_equal(g, w), (
            f"{io_type}: output {name!r} differs with the reference headers"
        )
    tv, tc = vendor.trace([a[:60] for a in x]), compat.trace([a[:60] for a in x])
    assert [n for n in tc if not np.array_equal(tv[n], tc[n])] == []
