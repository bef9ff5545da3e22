"""The command line's arguments and its messages for mistakes a user can make, exactly, with
exit status 2: click's parsing (CliRunner) and our checks (``main``, one line on stderr)."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from fpga_export import ExportConfig, Firmware
from fpga_export.cli import EXIT_CODES, cli, main
from fpga_export.hls4ml_yaml import EXPORT_KEYS, LOAD_KEYS, ConfigFileError, read_config
from graphs import mlp


@pytest.fixture(scope="module")
def prj(tmp_path_factory):
    fw = Firmware(mlp((4, 8, 3)), ExportConfig(output_dir=tmp_path_factory.mktemp("p") / "prj"))
    return fw.write()


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], prog_name="fpga-export")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["convert", "m.keras", "--reuse-factor", "0"],
         "Invalid value for '--reuse-factor': 0 is not in the range x>=1."),
        (["convert", "m.keras", "--io-type", "io_serial"],
         "Invalid value for '--io-type': 'io_serial' is not one of 'io_parallel', 'io_stream'."),
        (["convert", "m.keras", "--strategy", "fast"],
         "Invalid value for '--strategy': 'fast' is not one of 'latency', 'resource'."),
        (["convert", "m.keras", "--clock-period", "0"],
         "Invalid value for '--clock-period': 0.0 is not in the range x>0."),
        (["convert", "m.pt", "--input-shape", "3x"],
         "Invalid value for '--input-shape': '3x' is not a shape: give the per-sample sizes, "
         "e.g. 16 or 3,32,32"),
        (["convert", "m.pt", "--input-shape", "3,0"],
         "Invalid value for '--input-shape': '3,0': every size must be at least 1"),
        (["convert", "m.pt", "--module-kwarg", "32"],
         "Invalid value for '--module-kwarg': '32': expected NAME=VALUE, e.g. n_hidden=32"),
        (["convert", "m.keras", "--precison", "x"],
         "No such option '--precison'. Did you mean '--precision'?"),
        (["predict", "prj"], "Missing option '-i' / '--input'."),
        (["predict"], "Missing argument 'DIR'."),
        (["nosuchcommand"], "No such command 'nosuchcommand'."),
    ],
)  # fmt: skip
def test_usage_errors(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: {message}"


def test_shapes_and_kwargs_parse():
    from fpga_export.cli_convert import _kwargs, _shape

    assert _shape(None, None, ("3,32,32",)) == (3, 32, 32)
    assert _shape(None, None, ("(16,)", "2x4")) == [(16,), (2, 4)]
    assert _shape(None, None, ()) is None
    assert _kwargs(None, None, ("n=4", "name=net", "flag=true", "r=0.5")) == {
        "n": 4, "name": "net", "flag": True, "r": 0.5,
    }  # fmt: skip


def test_help_and_version():
    for args in ([], ["convert"], ["predict"], ["summary"], ["build"], ["report"]):
        result = invoke(*args, "--help")
        assert result.exit_code == 0 and result.stdout.startswith("Usage: fpga-export")
        assert "Exit status:" in result.stdout
    assert "0  success" in EXIT_CODES
    assert invoke("--version").stdout == "fpga-export 0.1.0\n"


def run(argv, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_convert_errors(tmp_path, capsys):
    def yml(name, text):
        (tmp_path / name).write_text(textwrap.dedent(text))
        return tmp_path / name

    ours_keys = ", ".join(LOAD_KEYS + EXPORT_KEYS)
    cases = [
        (["convert"], "no model given: pass MODEL or a config file with one"),
        (["convert", "-c", tmp_path / "nope.yml"], f"config file {tmp_path / 'nope.yml'} does not exist"),
        (["convert", "-c", yml("empty.yml", "")],
         f"no model given: pass MODEL or a config file with one ({tmp_path / 'empty.yml'} names none)"),
        (["convert", tmp_path / "m.keras"], f"model file {tmp_path / 'm.keras'} does not exist"),
        (["convert", "-c", yml("list.yml", "- a\n- b\n")],
         f"{tmp_path / 'list.yml'}: expected a mapping of keys to values at the top level"),
        (["convert", "-c", yml("bad.yml", "model: [\n")],
         f"{tmp_path / 'bad.yml'} is not valid YAML: expected the node content, but found "
         "'<stream end>' (line 2, column 1)"),
        (["convert", "-c", yml("ours.yml", "model: m.keras\nreuse: 2\n")],
         f"{tmp_path / 'ours.yml'}: unknown key 'reuse'; keys: {ours_keys} (or hls4ml's project "
         "keys: KerasJson, KerasH5, OutputDir, ...)"),
        (["convert", "-c", yml("h.yml", "KerasH5: m.h5\nReuseFactor: 2\n")],
         f"{tmp_path / 'h.yml'}: unknown hls4ml key 'ReuseFactor'; keys read: KerasJson, KerasH5, "
         "PytorchModel, InputShape, OutputDir, ProjectName, Part, XilinxPart, FPGAPart, "
         "ClockPeriod, IOType, HLSConfig, Backend; accepted without effect: ClockUncertainty, "
         "Stamp, Version, WriterConfig, InputData, OutputPredictions, AcceleratorConfig"),
        (["convert", "-c", yml("onnx.yml", "OnnxModel: m.onnx\n")],
         f"{tmp_path / 'onnx.yml'}: OnnxModel: ONNX models are not supported: export the Keras "
         "or PyTorch model instead"),
        (["convert", "-c", yml("shape.yml", "PytorchModel: m.pt\nInputShape: [16]\n")],
         f"{tmp_path / 'shape.yml'}: InputShape [16]: expected the batch dimension (null) and the "
         "sample shape, e.g. [null, 16], or a list of them for several inputs"),
        (["convert", "-c", yml("two.yml", "KerasJson: a.json\nPytorchModel: m.pt\n")],
         f"{tmp_path / 'two.yml'}: give one model, got KerasJson, PytorchModel"),
        (["convert", "-c", yml("path.yml", "model: 3\n")],
         f"{tmp_path / 'path.yml'}: model must be a path (a string), got 3"),
    ]  # fmt: skip
    for argv, message in cases:
        code, out, err = run(argv, capsys)
        assert (code, out) == (2, "")
        assert err.splitlines()[-1] == f"fpga-export convert: error: {message}"


def test_read_config_paths_relative_to_the_file(tmp_path):
    (tmp_path / "c").mkdir()
    path = tmp_path / "c" / "cfg.yml"
    path.write_text(
        "model: m/arch.json\nweights: /abs/w.h5\noutput_dir: out\nmodule_class: net.py:Net\n"
        "precision: ap_fixed<8,3>\nhls_config: {Model: {ReuseFactor: 4}}\n"
    )
    config = read_config(path)
    assert (config.flavor, config.notes) == ("fpga-export", [])
    assert config.load == {
        "model": tmp_path / "c" / "m" / "arch.json",
        "weights": Path("/abs/w.h5"),
        "module_class": f"{tmp_path / 'c' / 'net.py'}:Net",
    }
    assert config.export == {
        "output_dir": tmp_path / "c" / "out",
        "precision": "ap_fixed<8,3>",
        "hls_config": {"Model": {"ReuseFactor": 4}},
    }
    path.write_text("PytorchModel: m.pt\nInputShape: [[null, 3, 8], [null, 4]]\nStamp: x\n")
    config = read_config(path)
    assert (config.flavor, config.load) == ("hls4ml", {"model": tmp_path / "c" / "m.pt"})
    assert config.export == {"input_shape": [(3, 8), (4,)]}
    assert config.notes == ["Stamp has no effect: the project is named by ProjectName only"]


def test_predict_errors(prj, tmp_path, capsys):
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.save(tmp_path / "x3.npy", np.zeros((2, 3)))
    np.save(tmp_path / "x.npy", np.zeros((2, 4)))
    (tmp_path / "text.npy").write_text("hello")
    cases = [
        ([tmp_path / "nope", "-i", tmp_path / "x.npy"], f"{tmp_path / 'nope'}: no such folder"),
        ([prj, "-i", tmp_path / "objects.npy"],
         f"{tmp_path / 'objects.npy'} holds Python objects (pickled), which fpga-export does not "
         "load: save a numeric array, e.g. np.save(path, x.astype(np.float32))"),
        ([prj, "-i", tmp_path / "text.npy"],
         f"{tmp_path / 'text.npy'} is not a .npy/.npz file (np.save and np.savez write them)"),
        ([prj, "-i", tmp_path / "none.npy"], f"input {tmp_path / 'none.npy'} does not exist"),
        ([prj, "-i", tmp_path / "x3.npy"], "input 'input_1': expected shape (batch, 4), got (2, 3)"),
        ([prj, "-i", tmp_path / "x.npy", "-i", tmp_path / "x.npy"],
         "mlp has 1 input(s) (input_1), got 2 array(s): give --input once per model input "
         "(.npy), or one .npz with an array per input"),
        ([prj, "-i", tmp_path / "x.npy", "-o", tmp_path / "y.csv"],
         f"output {tmp_path / 'y.csv'}: give a .npy or .npz file name"),
        ([prj, "-i", tmp_path / "x.npy", "-o", tmp_path / "no" / "y.npy"],
         f"output {tmp_path / 'no' / 'y.npy'}: folder {tmp_path / 'no'} does not exist"),
        ([prj, "-i", tmp_path / "x.npy", "-o", tmp_path / "x3.npy"],
         f"output {tmp_path / 'x3.npy'} exists: pass --overwrite to replace it"),
    ]  # fmt: skip
    for argv, message in cases:
        code, out, err = run(["predict", *argv], capsys)
        assert (code, out, err) == (2, "", f"fpga-export predict: error: {message}\n")
    code, out, err = run(["predict", prj, "-i", tmp_path / "x.npy", "-q"], capsys)
    assert (code, err) == (0, "")
    y = Firmware.load(prj).reference(np.zeros((2, 4)))
    assert out.startswith(
        f"output 'dense_2': shape (2, 3), min {y.min():.6g}, max {y.max():.6g}, "
        f"mean {y.mean():.6g}\n  argmax counts per class: "
    )


def test_summary_and_build_errors(prj, tmp_path, capsys, monkeypatch):
    code, out, err = run(["summary", tmp_path / "nope"], capsys)
    assert (code, err) == (2, f"fpga-export summary: error: {tmp_path / 'nope'}: no such folder\n")
    monkeypatch.setenv("PATH", str(tmp_path))  # no vendor tool
    code, out, err = run(["build", prj, "--no-csim"], capsys)
    assert (code, out) == (2, "")
    assert err == (
        "fpga-export build: error: Vitis HLS not found: neither 'vitis-run' nor 'vitis_hls' is on "
        "PATH. build() runs the vendor tool (source Vitis' settings64.sh first). The C simulation "
        "needs no vendor tool: firmware.compile(); firmware.predict(x).\n"
    )


FAKE_VITIS = """#!{python}
import json, os, sys
print("INFO: fake vitis-run", json.dumps(sys.argv[1:]), os.path.basename(os.getcwd()))
if os.environ.get("FAKE_ERROR"):
    print("ERROR: [HLS 200-70] fake failure")
"""


def test_build_with_a_fake_tool(prj, tmp_path, capsys, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "vitis-run"
    tool.write_text(FAKE_VITIS.format(python=sys.executable))
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    code, out, err = run(["build", prj, "--no-csim", "--cosim"], capsys)
    log = prj / "fpga_export_build.log"
    assert (code, out) == (0, f"build log: {log}\n"), err
    assert err.startswith(f"note: regenerating {prj} from its saved firmware\n")
    assert log.read_text() == (
        'INFO: fake vitis-run ["--mode", "hls", "--tcl", "build_prj.tcl"] prj\n'
    )
    opts = (prj / "build_opt.tcl").read_text()
    assert "csim 0" in opts and "cosim 1" in opts, opts
    monkeypatch.setenv("FAKE_ERROR", "1")
    code, out, err = run(["build", prj, "-q"], capsys)
    assert (code, out) == (1, "")
    assert re.fullmatch(
        r"fpga-export build: failed: vitis-run failed \(exit code 0 but errors in the log\) "
        rf"after \d+ s; log: {re.escape(str(log))} first error: ERROR: \[HLS 200-70\] fake "
        r"failure\n",
        err,
    ), err


def test_a_config_file_cannot_turn_on_unpickling(tmp_path):
    cfg = tmp_path / "c.yml"
    cfg.write_text("model: net.pt\nallow_pickle: true\n")
    with pytest.raises(ConfigFileError) as e:
        read_config(cfg)
    assert str(e.value) == (
        f"{cfg}: allow_pickle cannot be set in a config file (unpickling runs code from the "
        "model file); pass --allow-pickle on the command line if you trust the file"
    )


def test_a_library_value_error_is_a_failure_not_a_user_error(prj, tmp_path, capsys, monkeypatch):
    """A ValueError raised inside a library (a bug, not the user's input) exits with 1 and
    the traceback; ours (a check of the input) with 2 and one line."""
    np.save(tmp_path / "x.npy", np.zeros((2, 4)))

    def broken(self, x, **kw):
        return np.zeros(3).reshape(2, 2)  # numpy raises ValueError

    monkeypatch.setattr(Firmware, "predict", broken)
    code, out, err = run(["predict", prj, "-i", tmp_path / "x.npy", "-q"], capsys)
    assert code == 1
    assert "Traceback (most recent call last)" in err
    assert err.endswith(
        "fpga-export predict: failed: ValueError: cannot reshape array of size 3 into shape (2,2)\n"
    )
