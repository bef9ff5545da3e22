"""Golden text snapshot of the quartus project of tests/test_golden.py's small CNN, in both io
types (tests/golden/quartus_small_cnn_<io type>): codegen changes show up in review diffs.
The quartus project has a Makefile where the others have build_prj.tcl, so its file list is
its own. Regenerate after an intended change with:
    FPGA_EXPORT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/backends/test_quartus_golden.py
"""

import os

import pytest
from test_golden import FILES, GOLDEN, small_cnn

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware

QUARTUS_FILES = [f for f in FILES if f != "build_prj.tcl"] + ["Makefile"]


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_generated_quartus_project_matches_golden(tmp_path, io_type):
    cfg = ExportConfig(output_dir=tmp_path / "p", io_type=io_type, backend="quartus")
    out = Firmware(small_cnn(), cfg).write()
    golden = GOLDEN / f"quartus_small_cnn_{io_type}"
    update = os.environ.get("FPGA_EXPORT_UPDATE_GOLDEN") == "1"
    for rel in QUARTUS_FILES:
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
