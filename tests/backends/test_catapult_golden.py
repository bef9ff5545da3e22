"""Golden text snapshot of a generated catapult project (the small CNN of tests/test_golden.py,
both io types): codegen changes show up in review diffs.

Regenerate after an intended change with:
    FPGA_EXPORT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/backends/test_catapult_golden.py
"""

import os

import pytest
from test_golden import FILES, GOLDEN, small_cnn

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_generated_catapult_project_matches_golden(tmp_path, io_type):
    cfg = ExportConfig(output_dir=tmp_path / "p", io_type=io_type, backend="catapult")
    out = Firmware(small_cnn(), cfg).write()
    golden = GOLDEN / f"catapult_small_cnn_{io_type}"
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
