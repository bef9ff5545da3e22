"""Smoke tests of the runnable examples (short runs as subprocesses)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pythonpath() -> str:
    """This checkout first, so the examples run the code under test (not an install)."""
    rest = os.environ.get("PYTHONPATH")
    return str(ROOT) + (os.pathsep + rest if rest else "")


def run_example(name, *args, env=None):
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": _pythonpath(), **(env or {})},
        cwd=ROOT,
    )


def test_keras_qat_callback_example(tmp_path):
    proc = run_example("keras_qat_callback.py", tmp_path, env={"FPGA_EXPORT_EPOCHS": "2"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "csim_accuracy" in proc.stdout
    assert "epochs run:                 2" in proc.stdout
    png = tmp_path / "keras_qat_callback.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "best_project" / "project.json").is_file()


def test_demo_example(tmp_path):
    proc = run_example("demo.py", tmp_path / "prj")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "csim == numpy reference:   True (bit for bit)" in proc.stdout
    assert "dense_1: result=ap_fixed<16,6>" in proc.stdout  # per-layer types are shown
    assert f"HLS project:               {tmp_path / 'prj'}" in proc.stdout
    accuracy = float(proc.stdout.split("firmware (csim) accuracy:")[1].split()[0])
    assert accuracy > 0.9
    assert "fits xcvu13p-flga2577-2-e: True" in proc.stdout
    assert "suggested dense_1_relu: ap_ufixed<" in proc.stdout  # after a ReLU: unsigned
    assert (tmp_path / "prj" / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_torch_train_example(tmp_path):
    proc = run_example("torch_train.py", tmp_path, env={"FPGA_EXPORT_EPOCHS": "2"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("csim_accuracy") == 2  # one line per epoch
    assert "epochs run:                 2" in proc.stdout
    assert "csim == numpy reference:    True" in proc.stdout
    accuracy = float(proc.stdout.split("final csim accuracy:")[1].split()[0])
    assert accuracy > 0.7
    assert (tmp_path / "project" / "project.json").is_file()


def test_qkeras_digits_example(tmp_path):
    """QKeras QAT with the csim callback; the script sets TF_USE_LEGACY_KERAS itself."""
    proc = run_example("qkeras_digits.py", tmp_path, env={"FPGA_EXPORT_EPOCHS": "2"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "csim == QKeras (bit for bit):  100.00% of 540 samples" in proc.stdout
    assert "exactness (csim == framework bit for bit): 7 of 7 nodes" in proc.stdout
    assert "csim_max_abs_diff: 0.0000" in proc.stdout
    assert (tmp_path / "project" / "project.json").is_file()


def test_torch_brevitas_example(tmp_path):
    """Brevitas QAT with CSimValidator: csim == Brevitas bit for bit every epoch and at the
    end."""
    proc = run_example("torch_brevitas_train.py", tmp_path, env={"FPGA_EXPORT_EPOCHS": "2"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("csim_max_abs_diff 0.0000") == 2  # one line per epoch
    assert proc.stdout.count("csim_agreement 1.0000") == 2
    assert "exactness (csim == framework bit for bit): 10 of 10 nodes" in proc.stdout
    assert "csim == Brevitas (bit for bit):  100.00% of 540 samples" in proc.stdout
    assert "epochs run:                      2" in proc.stdout
    assert (tmp_path / "project" / "project.json").is_file()


def test_hgq_digits_example(tmp_path):
    """HGQ2 training with the csim callback: per-element learned widths, csim == HGQ2 bit for
    bit every epoch and at the end."""
    proc = run_example("hgq_digits.py", tmp_path, env={"FPGA_EXPORT_EPOCHS": "2"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "csim == HGQ2 (bit for bit):    100.00% of 540 samples" in proc.stdout
    assert "exactness (csim == framework bit for bit): 10 of 10 nodes" in proc.stdout
    assert proc.stdout.count("csim_max_abs_diff: 0.0000 ") == 2  # one line per epoch
    assert "the firmware holds them in the container type" in proc.stdout
    assert (tmp_path / "project" / "project.json").is_file()
