"""Golden text snapshots of generated projects: codegen changes show up in review diffs.

Regenerate after an intended change with:
    FPGA_EXPORT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

import os
from pathlib import Path

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Graph, Node
from fpga_export.layers.activation import Activation
from fpga_export.layers.conv import Conv2D
from fpga_export.layers.dense import Dense
from fpga_export.layers.input import Input
from fpga_export.layers.pool import Pooling2D
from fpga_export.layers.reshape import Flatten

GOLDEN = Path(__file__).parent / "golden"
FILES = [
    "firmware/small_cnn.cpp",
    "firmware/small_cnn.h",
    "firmware/defines.h",
    "firmware/parameters.h",
    "firmware/weights/conv_1_kernel.h",
    "small_cnn_test.cpp",
    "build_prj.tcl",
    "csim/small_cnn_bridge.cpp",
]


def small_cnn() -> Graph:
    rng = np.random.default_rng(0)
    g = Graph("small_cnn")
    g.add(Node("input_1", Input(), shape=(6, 6, 1)))
    w1 = {"kernel": rng.normal(0, 0.5, (3, 3, 1, 2)), "bias": rng.normal(0, 0.1, 2)}
    g.add(Node("conv_1", Conv2D(filters=2), ["input_1"], weights=w1, source="conv_1 (Conv2D)"))
    g.add(Node("relu_1", Activation(function="relu"), ["conv_1"]))
    g.add(Node("pool_1", Pooling2D(op="max"), ["relu_1"]))
    g.add(Node("flatten", Flatten(), ["pool_1"]))
    w2 = {"kernel": rng.normal(0, 0.5, (8, 3)), "bias": np.zeros(3)}
    g.add(Node("dense", Dense(units=3), ["flatten"], weights=w2))
    g.add(Node("softmax", Activation(function="softmax", table_size=64), ["dense"]))
    g.inputs, g.outputs = ["input_1"], ["softmax"]
    return g


# one snapshot per backend: tests/golden/[<backend>_]small_cnn_<io type>
BACKENDS = {"vitis": "", "vivado": "vivado_", "catapult": "catapult_"}


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_generated_cnn_project_matches_golden(tmp_path, backend, io_type):
    cfg = ExportConfig(output_dir=tmp_path / "p", io_type=io_type, backend=backend)
    out = Firmware(small_cnn(), cfg).write()
    golden = GOLDEN / f"{BACKENDS[backend]}small_cnn_{io_type}"
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
