"""``fpga_export.load_model``: each file format loads with the framework its content names (the
loaded model computes what the saved one did), and every refusal says why, exactly."""

from __future__ import annotations

import json
import os
import sys
import zipfile

import keras
import numpy as np
import pytest
import tf_keras
import torch

from fpga_export import LoadedModel, ModelLoadError, load_model
from fpga_export.load import FORMATS, QKERAS_ENV, resolve_class

X = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)


class Net(torch.nn.Module):
    def __init__(self, n_in=4, n_out=2):
        super().__init__()
        self.fc = torch.nn.Linear(n_in, n_out)

    def forward(self, x):
        return torch.relu(self.fc(x))


def _layers(k):
    return [k.Input((4,)), k.layers.Dense(3, activation="relu", name="d1"), k.layers.Dense(2)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Every format, saved by the framework itself; with the expected outputs on X."""
    d = tmp_path_factory.mktemp("models")
    out = {}
    k3 = keras.Sequential(_layers(keras), name="k3")
    k3.save(d / "k3.keras")
    k3.save(d / "k3.h5")
    out["k3"] = np.asarray(k3(X))
    k2 = tf_keras.Sequential(_layers(tf_keras), name="k2")
    (d / "k2.json").write_text(k2.to_json())
    k2.save_weights(d / "k2_weights.h5")
    k2.save(d / "k2.h5")
    out["k2"] = k2.predict(X, verbose=0)
    torch.manual_seed(0)
    net = Net()
    torch.save(net.state_dict(), d / "net.pt")
    torch.save({"epoch": 3, "model_state_dict": net.state_dict()}, d / "ckpt.pth")
    torch.save(net, d / "whole.pt")
    torch.jit.save(torch.jit.script(net), d / "script.pt")
    with torch.no_grad():
        out["net"] = net(torch.from_numpy(X)).numpy()
    return d, out


def _out(loaded: LoadedModel) -> np.ndarray:
    if loaded.framework == "torch":
        with torch.no_grad():
            return loaded.model(torch.from_numpy(X)).numpy()
    return np.asarray(loaded.model(X))


@pytest.mark.parametrize(
    ("model", "weights", "framework", "loader", "expected"),
    [
        ("k3.keras", None, "keras", "keras.models.load_model", "k3"),
        ("k3.h5", None, "keras", "keras.models.load_model", "k3"),
        ("k2.h5", None, "tf_keras", "tf_keras.models.load_model", "k2"),
        ("k2.json", "k2_weights.h5", "tf_keras", "tf_keras.models.model_from_json + load_weights",
         "k2"),
        ("k2.h5", "k2_weights.h5", "tf_keras", "tf_keras.models.load_model + load_weights", "k2"),
    ],
)  # fmt: skip
def test_keras_formats(files, model, weights, framework, loader, expected):
    d, out = files
    loaded = load_model(d / model, weights=d / weights if weights else None)
    module = keras if framework == "keras" else tf_keras
    assert (loaded.framework, loaded.version, loaded.loader) == (
        framework, module.__version__, loader,
    )  # fmt: skip
    assert isinstance(loaded.model, module.Model)
    assert loaded.saved_by == f"keras {module.__version__}"
    np.testing.assert_array_equal(_out(loaded), out[expected])
    w = f", weights from {d / weights}" if weights else ""
    assert str(loaded) == (
        f"{d / model}: {framework} {module.__version__} ({loader}{w}; saved by keras "
        f"{module.__version__})"
    )


def test_a_renamed_file_loads_by_content(files, tmp_path):
    d, out = files
    (tmp_path / "model.bin").write_bytes((d / "k3.keras").read_bytes())
    (tmp_path / "arch.txt").write_bytes((d / "k2.json").read_bytes())
    assert load_model(tmp_path / "model.bin").framework == "keras"
    loaded = load_model(tmp_path / "arch.txt", d / "k2_weights.h5")
    np.testing.assert_array_equal(_out(loaded), out["k2"])


def test_torch_state_dict(files, tmp_path):
    d, out = files
    for name in ("net.pt", "ckpt.pth"):
        loaded = load_model(d / name, module_class=Net, module_kwargs={"n_in": 4})
        assert (loaded.framework, loaded.version) == ("torch", torch.__version__)
        assert loaded.loader == "torch.load(weights_only=True) + Net.load_state_dict"
        assert not loaded.model.training
        np.testing.assert_array_equal(_out(loaded), out["net"])
    module_file = tmp_path / "mynet.py"
    module_file.write_text(
        "import torch\nclass Outer:\n    class Net(torch.nn.Module):\n"
        "        def __init__(self, n_in=4, n_out=2):\n            super().__init__()\n"
        "            self.fc = torch.nn.Linear(n_in, n_out)\n"
        "        def forward(self, x):\n            return torch.relu(self.fc(x))\n"
    )
    loaded = load_model(d / "net.pt", module_class=f"{module_file}:Outer.Net")
    np.testing.assert_array_equal(_out(loaded), out["net"])
    assert resolve_class("test_load_model:Net") is sys.modules["test_load_model"].Net


def test_pickled_module_only_when_allowed(files):
    d, out = files
    with pytest.raises(ModelLoadError) as e:
        load_model(d / "whole.pt")
    assert str(e.value) == (
        f"{d / 'whole.pt'} holds pickled Python objects (e.g. a whole module saved with "
        "torch.save(model)), which loading would run as code: save model.state_dict() "
        "instead and pass module_class=, or pass allow_pickle=True (command line: "
        "--allow-pickle) if you trust the file"
    )
    loaded = load_model(d / "whole.pt", allow_pickle=True)
    assert loaded.loader == "torch.load(weights_only=False)"
    np.testing.assert_array_equal(_out(loaded), out["net"])


def test_errors(files, tmp_path):
    d, _ = files
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "other.json").write_text('{"a": 1}')
    (tmp_path / "bad.json").write_text("{oops")
    (tmp_path / "a.zip").write_bytes(_zip({"x.txt": "x"}))
    cases = [
        ((tmp_path / "nope.h5",), {}, f"model file {tmp_path / 'nope.h5'} does not exist"),
        ((tmp_path,), {}, f"model file {tmp_path} is not a file"),
        ((d / "k2.json", tmp_path / "w.h5"), {}, f"weights file {tmp_path / 'w.h5'} does not exist"),
        ((d / "k2.json",), {}, (
            f"{d / 'k2.json'} is a Keras architecture JSON without weights: pass the weights "
            "file (model.save_weights, HDF5) as weights= (command line: --weights)"
        )),
        ((d / "k2_weights.h5",), {}, (
            f"{d / 'k2_weights.h5'} holds only weights (model.save_weights): load the "
            "architecture with it: pass the architecture JSON (model.to_json()) as the model and "
            "this file as weights= (command line: --weights)"
        )),
        ((tmp_path / "notes.txt",), {}, (
            f"cannot load {tmp_path / 'notes.txt'}: it is neither HDF5, a zip archive, JSON nor "
            f"a PyTorch file. fpga-export reads {FORMATS}"
        )),
        ((tmp_path / "other.json",), {}, (
            f"cannot load {tmp_path / 'other.json'}: JSON that is not a Keras model architecture "
            f"(no class_name/config). fpga-export reads {FORMATS}"
        )),
        ((tmp_path / "bad.json",), {}, (
            f"cannot load {tmp_path / 'bad.json'}: its JSON does not parse (Expecting property "
            f"name enclosed in double quotes: line 1 column 2 (char 1)). fpga-export reads {FORMATS}"
        )),
        ((tmp_path / "a.zip",), {}, (
            f"cannot load {tmp_path / 'a.zip'}: a zip archive that is neither a .keras file nor "
            f"a PyTorch file. fpga-export reads {FORMATS}"
        )),
        ((d / "script.pt",), {}, (
            f"{d / 'script.pt'} is a TorchScript archive (torch.jit.save), which fpga-export "
            "cannot export (it traces Python modules with torch.fx): save model.state_dict() "
            "with torch.save and load it with module_class="
        )),
        ((d / "net.pt",), {}, (
            f"{d / 'net.pt'} is a PyTorch state dict (2 tensors), which does not say which "
            "module it belongs to: pass module_class='package.module:Class' (or 'file.py:Class'; "
            "command line: --module-class) and module_kwargs= for its constructor"
        )),
        ((d / "net.pt",), {"module_class": Net, "module_kwargs": {"n_in": 5}}, (
            f"the state dict {d / 'net.pt'} does not fit Net: Error(s) in loading state_dict "
            "for Net:\n\tsize mismatch for fc.weight: copying a param with shape "
            "torch.Size([2, 4]) from checkpoint, the shape in current model is "
            "torch.Size([2, 5])."
        )),
        ((d / "net.pt",), {"module_class": "Net"}, (
            "module_class 'Net': expected 'package.module:Class' or 'file.py:Class'"
        )),
        ((d / "net.pt",), {"module_class": "no_such_pkg_xyz:Net"}, (
            "module_class 'no_such_pkg_xyz:Net': cannot import no_such_pkg_xyz: No module named "
            "'no_such_pkg_xyz'"
        )),
        ((d / "net.pt",), {"module_class": "test_load_model:Nope"}, (
            "module_class 'test_load_model:Nope': test_load_model has no Nope"
        )),
        ((d / "net.pt",), {"module_class": "test_load_model:X"}, (
            "module_class 'test_load_model:X' is not a torch.nn.Module class"
        )),
        ((d / "net.pt", d / "k2_weights.h5"), {}, (
            f"weights= is for Keras models; {d / 'net.pt'} is a PyTorch file: pass the state "
            "dict as the model file, with module_class="
        )),
        ((d / "k3.keras",), {"module_class": Net}, (
            "module_class / module_kwargs are for PyTorch state dicts; "
            f"{d / 'k3.keras'} is a Keras .keras file"
        )),
    ]  # fmt: skip
    for args, kwargs, message in cases:
        with pytest.raises(ModelLoadError) as e:
            load_model(*args, **kwargs)
        assert str(e.value) == message


def _zip(files: dict) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


@pytest.mark.skipif(
    os.environ.get("TF_USE_LEGACY_KERAS") == "1", reason="needs a process in Keras 3 mode"
)
def test_qkeras_file_in_a_keras3_process(files, tmp_path):
    """QKeras class names in the config need legacy Keras; TensorFlow is already imported
    here without it: a clear error, not a confusing one from deep inside Keras."""
    d, _ = files
    arch = json.loads((d / "k2.json").read_text())
    arch["config"]["layers"][1]["class_name"] = "QDense"
    (tmp_path / "q.json").write_text(json.dumps(arch))
    with pytest.raises(ModelLoadError) as e:
        load_model(tmp_path / "q.json", d / "k2_weights.h5")
    assert str(e.value) == QKERAS_ENV.format(path=tmp_path / "q.json")
    assert str(e.value).startswith(
        f"{tmp_path / 'q.json'} holds QKeras layers, which need legacy Keras, but TensorFlow was "
        "already imported in this process without TF_USE_LEGACY_KERAS=1: set "
    )
