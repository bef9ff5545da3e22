"""bench/reference_models_qkeras.py: the QKeras SVHN CNN builds, exports with its quantizers'
types (6-bit kernels) and gets an estimate with one row per node."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from fpga_export.estimate import Estimate

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import reference_models as rm  # noqa: E402


def test_svhn_qkeras_builds_exports_and_estimates():
    model, kwargs, folder = rm.build("svhn_qkeras")
    assert folder is None or folder.name == "vivado2020_1_svhn_qkeras_cnn_stream"
    fw = model.export_fpga(**kwargs)
    est = fw.estimate()
    assert isinstance(est, Estimate)
    assert [e.name for e in est.layers] == [n.name for n in fw.graph]
    convs = [n for n in fw.graph if n.op.kind == "conv2d"]
    assert [n.name for n in convs] == ["fused_convbn_0", "fused_convbn_1", "fused_convbn_2"]
    assert {str(n.types["kernel"]) for n in convs} == {"ap_fixed<6,1>"}
    dense0 = model.get_layer("dense_0")
    assert float(np.mean(np.asarray(dense0.kernel) == 0)) == 0.5
