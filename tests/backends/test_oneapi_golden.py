"""Golden text snapshot of the oneapi project of tests/test_golden.py's small CNN (the CMake
project, the SYCL kernel and host testbench besides the firmware files).

Regenerate after an intended change with:
    FPGA_EXPORT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/backends/test_oneapi_golden.py
"""

import os

import pytest
from test_golden import GOLDEN, small_cnn

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware

FILES = [
    "firmware/small_cnn.cpp",
    "firmware/small_cnn.h",
    "firmware/small_cnn_kernel.cpp",
    "firmware/small_cnn_kernel.h",
    "firmware/defines.h",
    "firmware/parameters.h",
    "firmware/weights/conv_1_kernel.h",
    "small_cnn_test.cpp",
    "CMakeLists.txt",
    "csim/small_cnn_bridge.cpp",
]


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_generated_oneapi_project_matches_golden(tmp_path, io_type):
    cfg = ExportConfig(output_dir=tmp_path / "p", io_type=io_type, backend="oneapi")
    out = Firmware(small_cnn(), cfg).write()
    golden = GOLDEN / f"oneapi_small_cnn_{io_type}"
    update = os.environ.get("FPGA_EXPORT_UPDATE_GOLDEN") == "1"
    for rel in FILES:
        text = (out / rel).read_text()
        target = golden / rel
        if update:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            continue
        assert target.exists(), f"no golden file {target}; regenerate (see module docstring)"
        assert text == target.read_text(), (
            f"{rel} differs from {target}; if the change is intended, regenerate (see docstring)"
        )
