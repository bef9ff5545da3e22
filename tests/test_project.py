"""Project folders: nothing of the user's is deleted or overwritten; concurrent and
interrupted exports leave a complete project."""

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from graphs import mlp

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ".fpga-export-manifest.json"
ProjectFolderError = FileExistsError  # fpga_export.project.ProjectFolderError is one


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def firmware(out, sizes=(8, 6, 3), seed=0, **kw):
    return Firmware(mlp(sizes, seed=seed), ExportConfig(output_dir=out, **kw))


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text())


# -- where an export may write -----------------------------------------------------------
# Only folders inside tmp_path are ever handed to write() here (HOME is redirected there too):
# code without the fix deletes what it is given. The filesystem root is only checked through
# output_path, which never writes.
@pytest.mark.parametrize("where", ["", ".", "./", "..", "../..", "~", "~/.."])
def test_refuses_current_folder_its_parents_and_home(tmp_path, monkeypatch, where):
    home, cwd = tmp_path / "home", tmp_path / "home" / "work" / "here"
    cwd.mkdir(parents=True)
    (cwd / "thesis.tex").write_text("precious")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(cwd)
    with pytest.raises(ValueError, match="give (the project|it) its own folder") as err:
        firmware(where, overwrite=True).write()
    if where:
        assert str(err.value).startswith(f"output_dir {where!r} is ")
    else:
        assert str(err.value) == (
            "output_dir '' is empty, i.e. the current folder; give the project its own "
            "folder, e.g. output_dir='my_prj'"
        )
    fw = firmware(tmp_path / "ok")
    with pytest.raises(ValueError, match=re.escape("output_dir '.' is the current folder (")):
        fw.write(".", overwrite=True)
    assert tree(cwd) == {"thesis.tex": b"precious"}


def test_refuses_the_filesystem_root():
    from fpga_export.project import output_path  # never write() here: see above

    with pytest.raises(ValueError, match=re.escape("output_dir '/' is ")):
        output_path("/")


def test_current_folder_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError) as err:
        firmware("./", overwrite=True)
    assert str(err.value) == (
        f"output_dir './' is the current folder ({tmp_path.resolve()}); an export writes a whole "
        "project (firmware/, csim/, ...): give it its own folder, e.g. output_dir='my_prj'"
    )


def test_symlink_to_the_current_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "link").symlink_to(tmp_path)
    with pytest.raises(ValueError, match="is the current folder"):
        firmware("link", overwrite=True).write()


def test_tilde_is_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    fw = firmware("~/prj")
    assert fw.write() == tmp_path / "home" / "prj"
    assert (tmp_path / "home" / "prj" / "project.json").is_file()
    assert not (tmp_path / "~").exists()


# -- re-exports keep the user's files ------------------------------------------------------
def test_reexport_keeps_every_file_the_user_added(tmp_path):
    out = tmp_path / "prj"
    firmware(out).write()
    mine = {
        "mlp_test.cpp.orig": b"a",
        "run.log": b"log",
        "my_test.cpp": b"int main() {}",
        "firmware/my_layer.h": b"// mine",
        "firmware/weights/extra.h": b"// mine",
        "tb_data/my_inputs.dat": b"1 2 3",
        "csim/notes.txt": b"notes",
        "vitis_hls.log": b"vendor",
        "mlp_prj/solution1/syn/report/mlp_csynth.rpt": b"report",
    }
    for rel, data in mine.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    firmware(out, seed=1).write()  # other weights
    firmware(out, sizes=(8, 4, 4, 3)).write()  # other architecture
    files = tree(out)
    for rel, data in mine.items():
        assert files[rel] == data, rel
    assert set(manifest(out)["files"]).isdisjoint(mine)


def test_manifest_records_every_written_file(tmp_path):
    out = firmware(tmp_path / "prj").write()
    m = manifest(out)
    assert m["complete"] and m["pending"] == {}
    assert set(m["files"]) == set(tree(out)) - {MANIFEST}
    for rel, sha in m["files"].items():
        assert sha256((out / rel).read_bytes()) == sha


def test_files_no_longer_written_are_removed_unless_changed(tmp_path):
    out = firmware(tmp_path / "prj", sizes=(8, 6, 5, 3)).write()
    (out / "firmware/weights/dense_3_bias.h").write_text("// my edit")
    firmware(out, sizes=(8, 6, 3)).write()
    assert not (out / "firmware/weights/dense_3_kernel.h").exists()  # ours, unchanged: gone
    assert (out / "firmware/weights/dense_3_bias.h").read_text() == "// my edit"  # kept
    assert "firmware/weights/dense_3_bias.h" not in manifest(out)["files"]


def test_file_we_did_not_write_at_our_path_is_never_replaced(tmp_path):
    out = tmp_path / "prj"
    (out / "firmware").mkdir(parents=True)
    (out / "firmware/defines.h").write_text("// my own defines")
    (out / "build_prj.tcl").write_text("# my script")
    with pytest.raises(ProjectFolderError) as err:
        firmware(out, overwrite=True).write()
    assert str(err.value) == (
        f"{out}: fpga-export would replace files it did not write: build_prj.tcl, "
        "firmware/defines.h; move them away or choose another folder (nothing was written; "
        "overwrite=True never replaces files fpga-export did not write)"
    )
    assert tree(out) == {
        "firmware/defines.h": b"// my own defines",
        "build_prj.tcl": b"# my script",
    }


def test_changed_file_of_ours_is_replaced_only_with_overwrite(tmp_path):
    out = firmware(tmp_path / "prj").write()
    (out / "firmware/parameters.h").write_text("// tuned by hand")
    (out / "mlp_test.cpp").write_text("// my testbench")
    with pytest.raises(ProjectFolderError) as err:
        firmware(out, seed=3).write()
    assert str(err.value) == (
        f"{out}: files fpga-export wrote were changed since: firmware/parameters.h, "
        "mlp_test.cpp; move them away or pass overwrite=True to replace them (nothing was "
        "written)"
    )
    assert (out / "firmware/parameters.h").read_text() == "// tuned by hand"
    firmware(out, seed=3, overwrite=True).write()
    assert "dense_1_config" in (out / "firmware/parameters.h").read_text()


def test_overwrite_writes_beside_the_files_of_a_foreign_folder(tmp_path):
    out = tmp_path / "results"
    (out / "run1").mkdir(parents=True)
    (out / "run1" / "model.h5").write_bytes(b"weights")
    (out / "summary.csv").write_text("a,b")
    firmware(out, overwrite=True).write()
    files = tree(out)
    assert files["run1/model.h5"] == b"weights" and files["summary.csv"] == b"a,b"
    assert "firmware/mlp.cpp" in files
    firmware(out).write()  # now a project: rewritten without overwrite
    assert tree(out)["summary.csv"] == b"a,b"


def test_project_without_manifest_is_not_ours(tmp_path):
    """A project.json alone (older fpga-export) proves nothing about the other files."""
    out = tmp_path / "prj"
    out.mkdir()
    (out / "project.json").write_text(json.dumps({"generator": "fpga-export"}))
    with pytest.raises(ProjectFolderError, match="is not an fpga-export project"):
        firmware(out).write()


def test_folder_on_the_way_that_is_a_link_is_not_written_through(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "prj"
    out.mkdir()
    (out / "firmware").symlink_to(elsewhere)
    with pytest.raises(ProjectFolderError, match=re.escape("did not write: firmware/;")):
        firmware(out, overwrite=True).write()
    assert list(elsewhere.iterdir()) == []


def test_output_path_is_a_file(tmp_path):
    (tmp_path / "prj").write_text("x")
    with pytest.raises(FileExistsError, match="exists and is a file, not a folder"):
        firmware(tmp_path / "prj").write()


# -- interrupted and concurrent exports ----------------------------------------------------
def test_interrupted_write_is_completed_by_the_next_export(tmp_path, monkeypatch):
    from fpga_export import project

    out = firmware(tmp_path / "prj").write()
    (out / "notes.txt").write_text("mine")
    real, calls = project._replace, []

    def crash(path, data):
        calls.append(path)
        if len(calls) == 6:
            raise KeyboardInterrupt("power cut")
        real(path, data)

    monkeypatch.setattr(project, "_replace", crash)
    with pytest.raises(KeyboardInterrupt):
        firmware(out, sizes=(8, 5, 3), seed=4).write()
    monkeypatch.undo()
    assert manifest(out)["complete"] is False
    assert not [p for p in out.rglob("*.tmp")]  # temporary files cleaned up
    fw = firmware(out, sizes=(8, 5, 3), seed=4)
    fw.write()  # no overwrite needed: the half-written files are recorded as ours
    assert manifest(out)["complete"] is True
    assert (out / "notes.txt").read_text() == "mine"
    assert set(manifest(out)["files"]) == set(tree(out)) - {MANIFEST, "notes.txt"}
    x = np.random.default_rng(0).normal(size=(5, 8))
    np.testing.assert_array_equal(fw.compile().predict(x), fw.reference(x))


class ShortWrites:
    """A raw file that takes at most ``most`` bytes per write, as a raw write() may."""

    def __init__(self, most):
        self.most, self.data, self.calls = most, bytearray(), []

    def write(self, piece):
        taken = bytes(piece[: self.most])
        self.calls.append(len(piece))
        self.data += taken
        return len(taken)


@pytest.mark.parametrize("size", [0, 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 5])
def test_files_are_written_in_pieces_of_at_most_a_mebibyte(size):
    from fpga_export import project

    data = os.urandom(size)
    whole = ShortWrites(most=1 << 30)
    project.write_in_pieces(whole, data)
    assert bytes(whole.data) == data
    assert whole.calls and max(whole.calls) <= 1 << 20 if size else whole.calls == []
    short = ShortWrites(most=300_000)  # every write short: the rest is written again
    project.write_in_pieces(short, data)
    assert bytes(short.data) == data


def test_a_large_file_arrives_whole(tmp_path):
    from fpga_export import project

    data = os.urandom(5 * (1 << 20) + 7)
    files = project.ProjectFiles()
    files.add("firmware/big.h", data)
    written = project.write_project(tmp_path / "prj", files)
    assert (tmp_path / "prj/firmware/big.h").read_bytes() == data
    assert written == {"firmware/big.h": hashlib.sha256(data).hexdigest()}


WORKER = """
import sys
import numpy as np
sys.path[:0] = [{root!r}, {tests!r}]
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from graphs import mlp
hidden = int(sys.argv[1])
fw = Firmware(mlp((8, hidden, 3), seed=hidden), ExportConfig(output_dir=sys.argv[2]))
x = np.random.default_rng(0).normal(size=(16, 8))
for _ in range(2):
    fw.write()
    assert (fw.compile().predict(x) == fw.reference(x)).all(), "csim differs"
print("ok")
"""


@pytest.mark.parametrize("hidden", [[6, 6, 6], [4, 5, 6]], ids=["same", "different"])
def test_concurrent_exports_to_one_folder(tmp_path, hidden):
    """Three processes export (and compile) into one folder at the same time: each gets
    its own firmware and the folder ends as one complete project."""
    out = tmp_path / "prj"
    (tmp_path / "worker.py").write_text(WORKER.format(root=str(ROOT), tests=str(ROOT / "tests")))
    procs = [
        subprocess.Popen(
            [sys.executable, str(tmp_path / "worker.py"), str(h), str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for h in hidden
    ]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (stdout, stderr) in zip(procs, results, strict=True):
        assert p.returncode == 0 and stdout.strip() == "ok", stderr[-2000:]
    m = manifest(out)
    assert m["complete"] and m["pending"] == {}
    assert set(m["files"]) == set(tree(out)) - {MANIFEST, "csim/build.log"}
    assert all(sha256((out / r).read_bytes()) == s for r, s in m["files"].items())
    assert not [p for p in out.rglob("*.tmp")]
