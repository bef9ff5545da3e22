"""bench/reference_models.py: every rebuildable reference set builds, exports (no write, no
csim) and gets an estimate with one row per node; its export settings agree with its
report's part and clock; the MNIST MLP of issue 13 has its per-layer reuse factors. The
QKeras set: tests/qkeras/test_reference_models_qkeras.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import keras_plugin  # noqa: F401  (adds export_fpga)
from fpga_export.backends.vitis_report import read_report
from fpga_export.estimate import Estimate

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))
import reference_models as rm  # noqa: E402

KERAS3 = [s.name for s in rm.SETS if s.builder and not s.legacy]
UNSUPPORTED = [s for s in rm.SETS if s.builder is None]


@pytest.mark.parametrize("name", KERAS3)
def test_builds_exports_and_estimates(name):
    model, kwargs, folder = rm.build(name)
    fw = model.export_fpga(**kwargs)
    est = fw.estimate()
    assert isinstance(est, Estimate)
    assert [e.name for e in est.layers] == [n.name for n in fw.graph]
    assert est.part == kwargs["part"] and est.clock_period == kwargs["clock_period"]
    assert est.capacity is not None  # every part of the sets is in backends.parts
    ref = next(s for s in rm.SETS if s.name == name)
    assert (folder is None) == (ref.folder is None)
    if folder is not None and rm.reports_dir() is not None:
        report = read_report(folder, top=ref.top)
        assert report.part == kwargs["part"]
        assert report.clock_target == kwargs["clock_period"]
        assert report.tops == [kwargs["name"]]  # the top function is the exported name


def test_unsupported_sets_are_named_with_the_reason():
    assert {s.name for s in UNSUPPORTED} == {"deepcalo_cnn", "yolov3tiny_cnn"}
    with pytest.raises(ValueError) as err:
        rm.build("deepcalo_cnn")
    assert str(err.value) == (
        "set 'deepcalo_cnn' cannot be rebuilt: modified nnet library (`_me` functions) and "
        "VivadoAccelerator AXI wrapper: not our firmware"
    )


def test_mnist_mlp_reuse_factors_and_strategy():
    model, kwargs, folder = rm.mnist_mlp()  # the trained variant: same kwargs
    fw = model.export_fpga(**kwargs)
    dense = [n for n in fw.graph if n.op.kind == "dense"]
    assert [n.name for n in dense] == ["fc1", "fc2", "fc3", "output"]
    assert [n.reuse_factor for n in dense] == [112, 128, 128, 128]
    assert {n.strategy for n in dense} == {"resource"}
    assert [n.shape for n in dense] == [(128,), (128,), (128,), (10,)]
    assert fw.config.part.startswith("xcku115") and fw.config.clock_period == 5.0
    assert folder is None
    est = fw.estimate()
    assert est.capacity.dsp == 5520
    # issue 13: the vendor report's DSPs exactly, through the Keras frontend
    assert est.total.dsp == (784 * 128) // 112 + (2 * 128 * 128 + 128 * 10) // 128 == 1162
    assert abs(est.total.lut / 222_623 - 1) < 0.30 and abs(est.latency / 520 - 1) < 0.20


def test_svhn_cnn_is_half_pruned_except_the_output_layer():
    model, _, _ = rm.svhn_cnn()
    for layer in model.layers:
        if hasattr(layer, "kernel"):
            zeros = float(np.mean(np.asarray(layer.kernel) == 0))
            assert zeros == (0.0 if layer.name == "output_dense" else 0.5), layer.name


def _bench_estimate():
    """bench/estimate.py as a module (its name clashes with nothing: loaded from its file)."""
    spec = importlib.util.spec_from_file_location("bench_estimate", BENCH / "estimate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_table_cells():
    bench = _bench_estimate()
    assert bench._cell(0, 13) == "0 / 13 (0.00)"
    assert bench._cell(26, 13) == "26 / 13 (2.00)"
    assert bench._cell(79, 80, 78) == "79 / 78-80 (0.99)"
    assert bench._cell(0, 0) == "0 / 0 (=)"
    assert bench._cell(None, 1450) == "– / 1,450"
    head, body = bench.comparison(
        [{"set": "s", "report": {"dsp": 4, "source": "t"}, "ours": {"dsp": 2}, "estimate_s": 1e-3}]
    )
    assert head[:3] == ["set", "report", "DSP"] and body[0][:3] == ["s", "t", "2 / 4 (0.50)"]
    assert (
        bench.render(["a", "b"], [["1", "2"]], markdown=True) == "| a | b |\n|---|---|\n| 1 | 2 |"
    )


def test_layers_flag_names_the_sets_it_takes():
    bench = _bench_estimate()
    with pytest.raises(SystemExit) as err:
        bench.print_layers("yolov3tiny_cnn")
    assert str(err.value) == "--layers takes one of: " + ", ".join(KERAS3) + " (Keras 3 sets)"
