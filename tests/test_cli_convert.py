"""``fpga-export convert`` end to end: an old Keras 2 architecture JSON + weights .h5 through
hls4ml's YAML project file with ``python -m fpga_export`` in a subprocess; a saved Keras 3
``.keras`` model and a PyTorch state dict with its module class through ``main`` in this
process (subprocesses cost a TensorFlow import each); then predict / summary / report on the
written projects (csim == the bit-accurate reference; close to the framework's float
output within the types' resolution)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from fpga_export import Firmware
from fpga_export.cli import main

ROOT = Path(__file__).resolve().parents[1]

MAKE_MODELS = """
import numpy as np, tensorflow as tf, keras
assert tf.keras.Model.__module__.startswith("tf_keras")  # legacy Keras 2, as users saved
x = np.random.default_rng(0).normal(size=(64, 6)).astype(np.float32)
np.save("x.npy", x)
tf.keras.utils.set_random_seed(1)
old = tf.keras.Sequential([tf.keras.Input((6,)), tf.keras.layers.Dense(8, activation="relu",
    name="d1"), tf.keras.layers.Dense(3, name="d2")], name="old_mlp")
open("arch.json", "w").write(old.to_json())
old.save_weights("weights.h5")
np.save("y_old.npy", old.predict(x, verbose=0))
keras.utils.set_random_seed(2)
new = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="tanh"),
    keras.layers.Dense(3, activation="softmax")], name="new_mlp")
new.save("new.keras")
np.save("y_new.npy", np.asarray(new(x)))
"""

NET = """
import torch

class Net(torch.nn.Module):
    def __init__(self, n_in, hidden=8):
        super().__init__()
        self.fc1 = torch.nn.Linear(n_in, hidden)
        self.fc2 = torch.nn.Linear(hidden, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))
"""


def fpga_export_cmd(*args, cwd, env=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "fpga_export", *map(str, args)],
        capture_output=True, text=True, env=env, timeout=300, cwd=cwd,
    )  # fmt: skip


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    """Keras 2 JSON + weights (tf.keras in legacy mode) and a Keras 3 .keras, with inputs and
    the framework outputs, made in a process of their own."""
    d = tmp_path_factory.mktemp("models")
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", MAKE_MODELS], cwd=d, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return d


def _progress(stderr: str, *labels: str) -> None:
    """Each step's line: '<label> ... <details>, <seconds> s' (TensorFlow may print between)."""
    for label in labels:
        assert re.search(rf"^{label} \.\.\.(.*?,)? \d+\.\d s$", stderr, re.M | re.S), (
            label,
            stderr,
        )


def _predict(prj: Path, x_file: Path, capsys) -> np.ndarray:
    out = prj.parent / f"{prj.name}_y.npy"
    assert main(["predict", prj, "--input", x_file, "-o", out, "--quiet"]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    return np.load(out)


def test_convert_keras3_file_then_predict_summary_report(models, tmp_path, capsys):
    """In this process (the subprocess runs below cover ``python -m fpga_export``)."""
    prj = tmp_path / "prj"
    code = main(["convert", models / "new.keras", "-o", prj, "--precision", "ap_fixed<18,6>"])
    out, err = capsys.readouterr()
    assert (code, out) == (0, f"wrote {prj}\n"), err
    _progress(
        err,
        rf"loading {re.escape(str(models / 'new.keras'))}",
        "converting",
        f"writing {re.escape(str(prj))}",
        "compiling csim",
    )
    assert re.search(r"\.\.\. keras 3\.\d+\.\d+ \(keras\.models\.load_model\), ", err)
    x = np.load(models / "x.npy")
    y = _predict(prj, models / "x.npy", capsys)
    fw = Firmware.load(prj)
    np.testing.assert_array_equal(y, fw.reference(x))
    np.testing.assert_allclose(y, np.load(models / "y_new.npy"), atol=0.02)  # tanh/softmax tables
    assert main(["summary", prj]) == 0
    out = capsys.readouterr().out
    assert out.startswith("fpga-export firmware 'new_mlp' (backend vitis, io_parallel)\n")
    assert out.endswith(f"project: {prj}\n") and "result=ap_fixed<18,6>" in out
    assert main(["report", prj]) == 0
    assert capsys.readouterr().out.endswith(f"synthesis report: none in {prj}\n")
    # predict without -o, as a script runs it: a summary of the output on stdout
    done = fpga_export_cmd("predict", prj, "-i", models / "x.npy", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    _progress(done.stderr, "compiling csim", "predicting 64 samples")
    first = done.stdout.splitlines()[0]
    assert first == (
        f"output 'dense_1_softmax': shape (64, 3), min {y.min():.6g}, max {y.max():.6g}, "
        f"mean {y.mean():.6g}"
    )
    assert done.stdout.splitlines()[1] == (
        f"  argmax counts per class: {np.bincount(y.argmax(1), minlength=3).tolist()}"
    )


def test_convert_with_the_catapult_backend(models, tmp_path, capsys):
    """--backend catapult: a Catapult project with ac types; csim == the interpreter."""
    prj = tmp_path / "cat"
    code = main(["convert", models / "new.keras", "-o", prj, "--backend", "Catapult"])
    out, err = capsys.readouterr()
    assert (code, out) == (0, f"wrote {prj}\n"), err
    assert "directive set -DESIGN_HIERARCHY" in (prj / "build_prj.tcl").read_text()
    assert "typedef ac_fixed<16,6,true> " in (prj / "firmware/defines.h").read_text()
    fw = Firmware.load(prj)
    assert fw.config.backend == "catapult"
    x = np.load(models / "x.npy")
    np.testing.assert_array_equal(_predict(prj, models / "x.npy", capsys), fw.reference(x))


def test_convert_hls4ml_yaml_with_old_json_and_h5(models, tmp_path, capsys):
    """hls4ml's project file with Keras 2 JSON + weights; paths relative to the YAML's folder
    (the command runs elsewhere); options override the file."""
    cfg = tmp_path / "cfg"
    (cfg / "keras").mkdir(parents=True)
    for name in ("arch.json", "weights.h5"):
        (cfg / "keras" / name).write_bytes((models / name).read_bytes())
    (cfg / "hls4ml.yml").write_text(
        textwrap.dedent("""\
        KerasJson: keras/arch.json
        KerasH5: keras/weights.h5
        OutputDir: my-hls-test
        ProjectName: myproject
        Part: xcku115-flvb2104-2-i
        ClockPeriod: 4
        ClockUncertainty: 12.5%
        IOType: io_parallel
        Backend: Vivado
        HLSConfig:
          Model:
            Precision: ap_fixed<16,6>
            ReuseFactor: 1
            Strategy: Latency
          LayerName:
            d1:
              ReuseFactor: 2
              Precision:
                result: ap_fixed<12,5>
        """)
    )
    run_dir = tmp_path / "elsewhere"
    run_dir.mkdir()
    done = fpga_export_cmd(
        "convert", "-c", cfg / "hls4ml.yml", "--io-type", "io_stream", "--precision",
        "ap_fixed<14,6>", cwd=run_dir,
    )  # fmt: skip
    prj = cfg / "my-hls-test"
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {prj}\n"
    notes = [s for s in done.stderr.splitlines() if s.startswith("note: ")]
    yml = cfg / "hls4ml.yml"
    assert notes == [
        f"note: {yml}: ClockUncertainty has no effect: the clock uncertainty is the tool's default",
        "note: --precision replaces HLSConfig Model Precision of the config file",
    ]
    assert re.search(r"tf_keras 2\.\d+\.\d+ \(tf_keras\.models\.model_from_json \+ "
                     r"load_weights\), ", done.stderr)  # fmt: skip
    fw = Firmware.load(prj)
    c = fw.config
    assert (fw.name, c.part, c.clock_period, c.io_type, c.backend) == (
        "myproject", "xcku115-flvb2104-2-i", 4.0, "io_stream", "vivado",
    )  # fmt: skip
    assert (fw.graph["d1"].reuse_factor, fw.graph["d2"].reuse_factor) == (2, 1)
    assert str(fw.graph["d1"].result) == "ap_fixed<12,5>"
    assert str(fw.graph["d2"].types["kernel"]) == "ap_fixed<14,6>"
    x = np.load(models / "x.npy")
    y = _predict(prj, models / "x.npy", capsys)
    np.testing.assert_array_equal(y, fw.reference(x))
    np.testing.assert_allclose(y, np.load(models / "y_old.npy"), atol=0.1)


def test_convert_torch_state_dict(tmp_path, capsys, monkeypatch):
    """In this process, run from the model's folder (relative paths as typed in a shell)."""
    (tmp_path / "mynet.py").write_text(NET)
    sys.path.insert(0, str(tmp_path))
    try:
        from mynet import Net
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("mynet", None)
    torch.manual_seed(0)
    net = Net(5)
    torch.save(net.state_dict(), tmp_path / "net.pt")
    x = np.random.default_rng(0).normal(size=(32, 5)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    monkeypatch.chdir(tmp_path)
    code = main([
        "convert", "net.pt", "--module-class", "mynet.py:Net", "--module-kwarg", "n_in=5",
        "--input-shape", "5",
    ])  # fmt: skip
    out, err = capsys.readouterr()
    prj = Path("net_prj")  # the default: MODEL's name + _prj, in the current folder
    assert (code, out) == (0, f"wrote {prj}\n"), err
    assert re.search(r"torch \S+ \(torch\.load\(weights_only=True\) \+ Net\.load_state_dict\)",
                     err)  # fmt: skip
    prj = tmp_path / prj
    y = _predict(prj, tmp_path / "x.npy", capsys)
    np.testing.assert_array_equal(y, Firmware.load(prj).reference(x))
    with torch.no_grad():
        np.testing.assert_allclose(y, net(torch.from_numpy(x)).numpy(), atol=0.1)
