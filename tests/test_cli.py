"""The ``fpga-export`` command: ``report DIR [--html [PATH]] [--json]`` in-process through
``main([...])``, its one-line errors (exit status 2), and one run of ``python -m fpga_export``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import find_shared
from fpga_export import ExportConfig, Firmware
from fpga_export.cli import main
from fpga_export.state import STATE_FILE
from graphs import mlp, residual_mlp
from html_page import Page

ROOT = Path(__file__).resolve().parents[1]
REPORTS = find_shared("shared/reports/README.md")


@pytest.fixture
def prj(tmp_path) -> Path:
    fw = Firmware(residual_mlp(blocks=2), ExportConfig(output_dir=tmp_path / "prj"))
    return fw.write()


def run(argv, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_report_prints_summary_and_estimate(prj, capsys):
    code, out, err = run(["report", prj], capsys)
    assert (code, err) == (0, "")
    fw = Firmware.load(prj)
    assert out.startswith("fpga-export firmware 'residual_mlp' (backend vitis, io_parallel)\n")
    assert str(fw.graph) in out
    assert f"project: {prj}\n" in out and "not written yet" not in out and "csim:" not in out
    table = "\n".join("  " + line for line in fw.estimate().table().splitlines())
    assert out.count(table) == 1  # once, inside the summary
    assert out.endswith(f"synthesis report: none in {prj}\n")
    assert not (prj / "report.html").exists()


def test_report_json(prj, capsys):
    code, out, err = run(["report", prj, "--json"], capsys)
    assert (code, err) == (0, "")
    data = json.loads(out)
    fw = Firmware.load(prj)
    assert data["estimate"] == json.loads(json.dumps(fw.estimate().to_dict()))
    assert [n["name"] for n in data["nodes"]] == [n.name for n in fw.graph]
    assert (data["name"], data["io_type"], data["exact"], data["synthesis"]) == (
        "residual_mlp", "io_parallel", None, None,
    )  # fmt: skip


def test_report_html_default_path(prj, capsys):
    code, out, _ = run(["report", prj, "--html"], capsys)
    path = prj / "report.html"
    assert code == 0 and out.endswith(f"wrote {path}\n")
    page = Page(path.read_text())
    names = [n.name for n in Firmware.load(prj).graph]
    assert list(page.nodes) == names and page.column("nodes", "name") == names
    assert run(["report", prj, "--html"], capsys)[0] == 0  # our own file: written again


def test_report_html_path_and_json(prj, tmp_path, capsys):
    target = tmp_path / "out.html"
    code, out, err = run(["report", prj, "--json", "--html", target], capsys)
    assert code == 0 and err == f"wrote {target}\n"
    assert json.loads(out)["name"] == "residual_mlp"
    assert "fpga-export report: residual_mlp" in target.read_text()


@pytest.mark.skipif(REPORTS is None, reason="shared/reports/ not found")
def test_report_with_a_synthesis_report(tmp_path, capsys):
    prj = Firmware(mlp((4, 8, 8, 3)), ExportConfig(output_dir=tmp_path / "p", name="myproject"))
    prj = prj.write()
    rdir = prj / "myproject_prj" / "solution1" / "syn" / "report"
    rdir.mkdir(parents=True)
    for f in (REPORTS.parent / "vitis2025_1_iris_mlp").glob("myproject_csynth.*"):
        shutil.copy(f, rdir / f.name)
    code, out, _ = run(["report", prj, "--html"], capsys)
    assert code == 0
    assert "Vitis HLS 2025.1 (build 6135595) report of 'myproject', part xc7z020-clg400-1" in out
    top = {r[0]: r[2] for r in Page((prj / "report.html").read_text()).tables["synthesis-top"]}
    assert (top["DSP"], top["latency (cycles)"]) == ("110", "32")


def test_errors_are_one_line(prj, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    afile = tmp_path / "a.txt"
    afile.write_text("x")
    (tmp_path / "foreign.html").write_text("mine")
    broken = tmp_path / "broken"
    shutil.copytree(prj, broken)
    (broken / STATE_FILE).write_text("{}")
    cases = {
        (tmp_path / "nope",): f"{tmp_path / 'nope'}: no such folder",
        (afile,): f"{afile} is not a folder",
        (empty,): (
            f"{empty} is not an fpga-export project (no csim/firmware_state.json; export a model "
            "with output_dir= first)"
        ),
        (broken,): (
            f"cannot load the firmware: {broken / STATE_FILE} is not an fpga-export firmware state"
        ),
        (prj, "--html", tmp_path / "foreign.html"): (
            f"{tmp_path / 'foreign.html'} exists and was not written by fpga-export; move it away "
            "or choose another path (fpga-export never replaces a file it did not write)"
        ),
        (prj, "--html", tmp_path / "no" / "r.html"): (
            f"cannot write the report {tmp_path / 'no' / 'r.html'}: folder {tmp_path / 'no'} "
            "does not exist"
        ),
    }
    for args, message in cases.items():
        code, _, err = run(["report", *args], capsys)
        assert (code, err) == (2, f"fpga-export report: error: {message}\n")
    assert (tmp_path / "foreign.html").read_text() == "mine"


def test_edited_report_needs_overwrite(prj, capsys):
    assert run(["report", prj, "--html"], capsys)[0] == 0
    path = prj / "report.html"
    path.write_text(path.read_text() + "<!-- my note -->\n")
    code, _, err = run(["report", prj, "--html"], capsys)
    assert code == 2 and "changed since it was written" in err
    assert run(["report", prj, "--html", "--overwrite"], capsys)[0] == 0
    assert "my note" not in path.read_text()


def test_usage_errors_exit_2(capsys):
    for argv in ([], ["nosuchcommand"], ["report"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out == "fpga-export 0.1.0\n"


def test_python_dash_m(prj):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "fpga_export", "report", str(prj), "--html"],
        capture_output=True, text=True, env=env, timeout=120, cwd=prj.parent,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.endswith(f"wrote {prj / 'report.html'}\n")
    assert (prj / "report.html").read_text().startswith("<!DOCTYPE html>\n")
    missing = subprocess.run(
        [sys.executable, "-m", "fpga_export", "report", str(prj / "nope")],
        capture_output=True, text=True, env=env, timeout=120, cwd=prj.parent,
    )  # fmt: skip
    assert missing.returncode == 2
    assert missing.stderr == f"fpga-export report: error: {prj / 'nope'}: no such folder\n"
