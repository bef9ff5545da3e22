"""``fpga_export.load_model``: model files as users have them -> a live model to export.

The file's content, not its name, picks the loader:

- HDF5 with a ``model_config`` attribute (``model.save("m.h5")``): Keras 2 files (attribute
  ``keras_version`` 2.x) load with ``tf_keras``, Keras 3 files with ``keras``;
- a zip holding ``config.json`` and ``metadata.json`` (``model.save("m.keras")``): ``keras``;
- JSON with ``class_name`` and ``config`` (``model.to_json()``) plus ``weights=`` (an HDF5 file
  from ``model.save_weights``): ``tf_keras`` for Keras 2 JSON, ``keras`` for Keras 3 JSON;
- QKeras layers in either Keras 2 form: ``qkeras.utils`` with QKeras' custom objects (needs
  ``TF_USE_LEGACY_KERAS=1`` before TensorFlow is imported; set here when TensorFlow is not
  imported yet);
- a PyTorch file (``torch.save``): a state dict loaded with ``weights_only=True`` into
  ``module_class(**module_kwargs)``; a pickled module only with ``allow_pickle=True``.

Nothing is unpickled without ``weights_only=True`` unless the caller says so. The result
names the framework and version that loaded the model (:class:`LoadedModel`), and the
``fpga_export`` logger says it at INFO level.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import sys
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["FORMATS", "LoadedModel", "ModelLoadError", "load_model"]

log = logging.getLogger("fpga_export")

FORMATS = (
    "a Keras .keras file (Keras 3), a Keras HDF5 model (.h5 from model.save, Keras 2 or 3, "
    "QKeras too), a Keras architecture JSON (model.to_json()) with weights=<HDF5 from "
    "model.save_weights>, a PyTorch state dict (.pt/.pth) with module_class="
)
_HDF5 = b"\x89HDF\r\n\x1a\n"
_ZIP = b"PK\x03\x04"
_MAX_JSON = 64 << 20  # an architecture JSON is kilobytes; do not read a large file as text

# QKeras 0.9 layer and quantizer class names, as they appear in a saved config
QKERAS_CLASSES = frozenset(
    """QDense QConv1D QConv2D QConv2DTranspose QDepthwiseConv2D QSeparableConv1D
    QSeparableConv2D QActivation QAdaptiveActivation QBatchNormalization QAveragePooling2D
    QGlobalAveragePooling2D QSimpleRNN QSimpleRNNCell QLSTM QLSTMCell QGRU QGRUCell
    QBidirectional QDenseBatchnorm QConv2DBatchnorm QDepthwiseConv2DBatchnorm QInitializer
    QConv2DTransposeBatchnorm quantized_bits quantized_relu quantized_ulaw quantized_tanh
    quantized_sigmoid quantized_po2 quantized_relu_po2 quantized_hswish binary ternary
    stochastic_binary stochastic_ternary bernoulli""".split()
)
QKERAS_ENV = (
    "{path} holds QKeras layers, which need legacy Keras, but TensorFlow was already imported "
    "in this process without TF_USE_LEGACY_KERAS=1: set TF_USE_LEGACY_KERAS=1 before "
    "TensorFlow is imported (in the shell, or first thing in the script) or load the model in "
    "a fresh process (the fpga-export command does this itself)"
)


class ModelLoadError(ValueError):
    """A model file that cannot be loaded, with the reason and what would work."""


@dataclass(frozen=True)
class LoadedModel:
    """A model loaded by :func:`load_model` and where it came from.

    ``model`` is the live model (``keras.Model``, ``tf_keras.Model`` or ``torch.nn.Module``),
    ``framework`` the package that loaded it (``"keras"``, ``"tf_keras"``, ``"qkeras"``,
    ``"torch"``) and ``version`` that package's version, ``loader`` the function used,
    ``saved_by`` what the file says wrote it (``"keras 2.13.1"``, when recorded).
    """

    model: Any
    framework: str
    version: str
    loader: str
    path: Path
    weights: Path | None = None
    saved_by: str | None = None

    def __str__(self) -> str:
        weights = f", weights from {self.weights}" if self.weights else ""
        saved = f"; saved by {self.saved_by}" if self.saved_by else ""
        return f"{self.path}: {self.framework} {self.version} ({self.loader}{weights}{saved})"

    def export(self, output_dir=None, **kwargs):
        """``fpga_export.export(self.model, output_dir, **kwargs)`` (PyTorch: give
        ``input_shape=``)."""
        from .export import export

        importlib.import_module("torch_plugin" if self.framework == "torch" else "keras_plugin")
        return export(self.model, output_dir, **kwargs)


def load_model(
    path,
    weights=None,
    *,
    module_class=None,
    module_kwargs=None,
    allow_pickle: bool = False,
    custom_objects=None,
) -> LoadedModel:
    """Load a model file with the loader its content needs; returns a :class:`LoadedModel`.

    Args:
        path: the model file (see the module docstring for the formats).
        weights: HDF5 weights for an architecture JSON (``model.save_weights``); for a full
            Keras model, weights loaded after it.
        module_class: PyTorch: the ``torch.nn.Module`` class of a state dict, as a class or
            ``"package.module:Class"`` or ``"path/to/file.py:Class"``.
        module_kwargs: PyTorch: keyword arguments for ``module_class``.
        allow_pickle: PyTorch: also load a whole pickled module (``torch.save(model)``).
            Unpickling runs code from the file: only for files you trust.
        custom_objects: Keras: your own layer classes by name, as for Keras' loaders.

    Raises ModelLoadError saying why no loader fits (and what was tried).
    """
    path = Path(os.fspath(path)).expanduser()
    weights = Path(os.fspath(weights)).expanduser() if weights is not None else None
    _check_file(path, "model file")
    if weights is not None:
        _check_file(weights, "weights file")
    kind, info = _sniff(path)
    if kind == "torch":
        if weights is not None:
            raise ModelLoadError(
                f"weights= is for Keras models; {path} is a PyTorch file: pass the state dict "
                "as the model file, with module_class="
            )
        loaded = _load_torch(path, module_class, module_kwargs, allow_pickle)
    else:
        if module_class is not None or module_kwargs is not None:
            raise ModelLoadError(
                "module_class / module_kwargs are for PyTorch state dicts; "
                f"{path} is {info['what']}"
            )
        loaded = _load_keras(path, weights, kind, info, custom_objects)
    log.info("loaded %s", loaded)
    return loaded


# ---------------------------------------------------------------------- what the file is


def _check_file(path: Path, what: str) -> None:
    if not path.exists():
        raise ModelLoadError(f"{what} {path} does not exist")
    if not path.is_file():
        raise ModelLoadError(f"{what} {path} is not a file")


def _unknown(path: Path, why: str) -> ModelLoadError:
    return ModelLoadError(f"cannot load {path}: {why}. fpga-export reads {FORMATS}")


def _sniff(path: Path) -> tuple[str, dict]:
    """("h5" | "keras_zip" | "json" | "torch", details) from the file's content."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(_HDF5):
        return "h5", _sniff_h5(path)
    if head.startswith(_ZIP):
        return _sniff_zip(path)
    if head[:1] == b"\x80":  # a pickle: PyTorch's legacy (pre-1.6) format
        return "torch", {"what": "a PyTorch file"}
    if head.lstrip()[:1] == b"{":
        return "json", _sniff_json(path)
    raise _unknown(path, "it is neither HDF5, a zip archive, JSON nor a PyTorch file")


def _sniff_h5(path: Path) -> dict:
    import h5py

    with h5py.File(path, "r") as f:
        attrs = {k: _text(v) for k, v in f.attrs.items() if k in ("keras_version", "model_config")}
        weights_only = "layer_names" in f.attrs or {"layers", "vars"} <= set(f.keys())
    if "model_config" not in attrs:
        if weights_only:
            raise ModelLoadError(
                f"{path} holds only weights (model.save_weights): load the architecture with "
                "it: pass the architecture JSON (model.to_json()) as the model and this file as "
                "weights= (command line: --weights)"
            )
        raise _unknown(path, "an HDF5 file without a Keras model_config attribute")
    config = _json(attrs["model_config"], path)
    version = attrs.get("keras_version")
    return {"what": "a Keras HDF5 model", "config": config, "keras_version": version}


def _sniff_zip(path: Path) -> tuple[str, dict]:
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if {"config.json", "metadata.json"} <= set(names):
                meta = _json(z.read("metadata.json").decode("utf-8", "replace"), path)
                config = _json(z.read("config.json").decode("utf-8", "replace"), path)
                version = meta.get("keras_version") if isinstance(meta, dict) else None
                info = {"what": "a Keras .keras file", "config": config, "keras_version": version}
                return "keras_zip", info
    except zipfile.BadZipFile:
        raise _unknown(path, "a damaged zip archive") from None
    if any(n.endswith("/constants.pkl") or "/code/" in n for n in names):
        raise ModelLoadError(
            f"{path} is a TorchScript archive (torch.jit.save), which fpga-export cannot "
            "export (it traces Python modules with torch.fx): save model.state_dict() with "
            "torch.save and load it with module_class="
        )
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        return "torch", {"what": "a PyTorch file"}
    raise _unknown(path, "a zip archive that is neither a .keras file nor a PyTorch file")


def _sniff_json(path: Path) -> dict:
    if path.stat().st_size > _MAX_JSON:
        raise _unknown(path, "a text file too large for a Keras architecture JSON")
    data = _json(path.read_text(encoding="utf-8", errors="replace"), path)
    if not (isinstance(data, dict) and "class_name" in data and "config" in data):
        raise _unknown(path, "JSON that is not a Keras model architecture (no class_name/config)")
    version = data.get("keras_version") or ("3" if "module" in data else None)
    return {"what": "a Keras architecture JSON", "config": data, "keras_version": version}


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _json(text: str, path: Path):
    try:
        return json.loads(text)
    except ValueError as e:
        raise _unknown(path, f"its JSON does not parse ({e})") from None


def _class_names(config) -> set[str]:
    """Every ``class_name`` in a Keras config (layers, quantizers, initializers ...)."""
    found, stack = set(), [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("class_name"), str):
                found.add(item["class_name"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


# ---------------------------------------------------------------------- Keras


def _keras_major(version: str | None) -> int:
    """Keras 2 unless the file says 3 (Keras 2 files before 2.x recorded no version)."""
    return 3 if version and str(version).split(".")[0] == "3" else 2


def _load_keras(path, weights, kind, info, custom_objects) -> LoadedModel:
    version = info.get("keras_version")
    saved_by = f"keras {version}" if version and version != "3" else None
    major = 3 if kind == "keras_zip" else _keras_major(version)
    if kind == "json" and weights is None:
        raise ModelLoadError(
            f"{path} is a Keras architecture JSON without weights: pass the weights file "
            "(model.save_weights, HDF5) as weights= (command line: --weights)"
        )
    qkeras = sorted(_class_names(info["config"]) & QKERAS_CLASSES)
    if qkeras and major == 2:
        return _load_qkeras(path, weights, kind, custom_objects, saved_by)
    if qkeras:
        raise ModelLoadError(
            f"{path} is a Keras 3 file with QKeras class names ({', '.join(qkeras[:3])}); "
            "QKeras runs on Keras 2 only: save the model with tf_keras (TF_USE_LEGACY_KERAS=1)"
        )
    name = "keras" if major == 3 else "tf_keras"
    module = _import(name, path, f"Keras {major} files")
    models = module.models
    if kind == "json":
        with open(path, encoding="utf-8") as f:
            model = models.model_from_json(f.read(), custom_objects=custom_objects)
        loader = f"{name}.models.model_from_json + load_weights"
    else:
        with _named(path, ".keras" if kind == "keras_zip" else ".h5") as file:
            model = models.load_model(file, custom_objects=custom_objects, compile=False)
        loader = f"{name}.models.load_model"
    if weights is not None:
        _load_weights(model, weights)
        loader += "" if kind == "json" else " + load_weights"
    return LoadedModel(model, name, module.__version__, loader, path, weights, saved_by)


@contextmanager
def _named(path: Path, suffix: str):
    """``path`` as a file name ending in ``suffix`` (Keras 3 picks its reader by the name):
    itself, or a link to it in a temporary folder."""
    if path.name.endswith(suffix):
        yield str(path)
        return
    with tempfile.TemporaryDirectory(prefix="fpga-export-load-") as tmp:
        link = Path(tmp) / f"model{suffix}"
        link.symlink_to(path.resolve())
        yield str(link)


def _load_weights(model, weights: Path) -> None:
    try:
        with _named(weights, ".h5") as file:
            model.load_weights(file)
    except (ValueError, KeyError, OSError) as e:
        raise ModelLoadError(f"cannot load the weights {weights} into the model: {e}") from None


def _import(name: str, path: Path, what: str):
    if importlib.util.find_spec(name) is None:
        raise ModelLoadError(f"{path} needs {name} ({what}), which is not installed")
    return importlib.import_module(name)


def _load_qkeras(path, weights, kind, custom_objects, saved_by) -> LoadedModel:
    if os.environ.get("TF_USE_LEGACY_KERAS") not in ("1", "true", "True"):
        if "tensorflow" in sys.modules:
            raise ModelLoadError(QKERAS_ENV.format(path=path))
        os.environ["TF_USE_LEGACY_KERAS"] = "1"  # before TensorFlow is imported
        log.info("set TF_USE_LEGACY_KERAS=1 for the QKeras model %s", path)
    _import("qkeras", path, "QKeras layers")
    try:
        from qkeras import utils
    except ImportError as e:
        raise ModelLoadError(f"{path} holds QKeras layers, but QKeras fails to import: {e}") from e
    version = getattr(sys.modules["qkeras"], "__version__", "")
    if kind == "json":
        with open(path, encoding="utf-8") as f:
            config = _passive_quantizers(json.load(f))
        text = json.dumps(config)
        model = utils.quantized_model_from_json(text, custom_objects=custom_objects)
        loader = "qkeras.utils.quantized_model_from_json + load_weights"
    else:
        model = utils.load_qmodel(str(path), custom_objects=custom_objects, compile=False)
        loader = "qkeras.utils.load_qmodel"
    if weights is not None:
        _load_weights(model, weights)
        loader += "" if kind == "json" else " + load_weights"
    import tf_keras

    version = f"{version or _dist_version('QKeras')} on tf_keras {tf_keras.__version__}"
    return LoadedModel(model, "qkeras", version, loader, path, weights, saved_by)


def _passive_quantizers(config):
    """``model.to_json()`` of tf_keras writes QKeras quantizers in the new serialization format
    (with ``module``), which QKeras layers' ``from_config`` cannot read back (tf_keras raises
    "could not be deserialized properly"); the legacy form ``model.save`` writes loads."""
    if isinstance(config, list):
        return [_passive_quantizers(v) for v in config]
    if not isinstance(config, dict):
        return config
    name = config.get("class_name")
    if name in QKERAS_CLASSES and name[:1].islower() and "module" in config:
        config = {"class_name": name, "config": config.get("config"),
                  "__passive_serialization__": True}  # fmt: skip
    return {k: _passive_quantizers(v) for k, v in config.items()}


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "(unknown version)"


# ---------------------------------------------------------------------- PyTorch


def _load_torch(path, module_class, module_kwargs, allow_pickle) -> LoadedModel:
    torch = _import("torch", path, "PyTorch files")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
        how = "torch.load(weights_only=True)"
    except Exception as e:  # torch raises UnpicklingError/RuntimeError for a pickled object
        if not allow_pickle:
            raise ModelLoadError(
                f"{path} holds pickled Python objects (e.g. a whole module saved with "
                "torch.save(model)), which loading would run as code: save model.state_dict() "
                "instead and pass module_class=, or pass allow_pickle=True (command line: "
                "--allow-pickle) if you trust the file"
            ) from e
        data = torch.load(path, map_location="cpu", weights_only=False)
        how = "torch.load(weights_only=False)"
    if isinstance(data, torch.nn.Module):
        if module_class is not None:
            raise ModelLoadError(
                f"{path} holds a whole module ({type(data).__name__}); module_class= is only "
                "for state dicts"
            )
        model = data.eval()
        return LoadedModel(model, "torch", torch.__version__, how, path)
    state = _state_dict(data, path, torch)
    if module_class is None:
        raise ModelLoadError(
            f"{path} is a PyTorch state dict ({len(state)} tensors), which does not say which "
            "module it belongs to: pass module_class='package.module:Class' (or "
            "'file.py:Class'; command line: --module-class) and module_kwargs= for its "
            "constructor"
        )
    cls = resolve_class(module_class)
    if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
        raise ModelLoadError(f"module_class {module_class!r} is not a torch.nn.Module class")
    model = cls(**(module_kwargs or {}))
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        raise ModelLoadError(
            f"the state dict {path} does not fit {cls.__name__}: {str(e).strip()}"
        ) from None
    model.eval()
    loader = f"{how} + {cls.__name__}.load_state_dict"
    return LoadedModel(model, "torch", torch.__version__, loader, path)


def _state_dict(data, path: Path, torch) -> dict:
    """The state dict in ``data``: itself, or a checkpoint's ``state_dict`` /
    ``model_state_dict`` entry."""
    if isinstance(data, dict) and not all(isinstance(v, torch.Tensor) for v in data.values()):
        for key in ("state_dict", "model_state_dict", "model"):
            if isinstance(data.get(key), dict):
                data = data[key]
                break
    if isinstance(data, dict) and data and all(isinstance(v, torch.Tensor) for v in data.values()):
        return data
    raise ModelLoadError(
        f"{path} holds a {type(data).__name__} that is not a state dict (names -> tensors), "
        "nor a checkpoint dict with a 'state_dict' or 'model_state_dict' entry"
    )


def resolve_class(spec):
    """A class given as itself, ``"package.module:Class"`` or ``"path/file.py:Class"``
    (``Outer.Inner`` after the colon for a nested class). Importing runs the module's code:
    it is the code you named."""
    if not isinstance(spec, str):
        return spec
    where, sep, qualname = spec.rpartition(":")
    if not sep or not where or not qualname:
        raise ModelLoadError(
            f"module_class {spec!r}: expected 'package.module:Class' or 'file.py:Class'"
        )
    try:
        if where.endswith(".py"):
            file = Path(where).expanduser()
            if not file.is_file():
                raise ModelLoadError(f"module_class {spec!r}: {file} does not exist")
            name = f"fpga_export_user_{abs(hash(str(file.resolve())))}"
            module_spec = importlib.util.spec_from_file_location(name, file)
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module  # dataclasses and pickling look modules up here
            module_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(where)
    except ImportError as e:
        raise ModelLoadError(f"module_class {spec!r}: cannot import {where}: {e}") from None
    obj = module
    for part in qualname.split("."):
        if not hasattr(obj, part):
            raise ModelLoadError(f"module_class {spec!r}: {where} has no {qualname}")
        obj = getattr(obj, part)
    return obj
