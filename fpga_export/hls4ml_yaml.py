"""The ``-c config.yml`` of ``fpga-export convert``: our own keys or hls4ml's YAML project file.

Our own file holds the keyword arguments of ``export_fpga`` (lower case) plus what loads the
model::

    model: model.keras            # or arch.json with weights: weights.h5, or model.pt
    output_dir: my_prj
    precision: ap_fixed<16,6>
    io_type: io_stream
    layers: {dense_1: {reuse_factor: 4}}

hls4ml's project file (``KerasJson``/``KerasH5``/``OutputDir``/``ProjectName``/``Part``/
``ClockPeriod``/``IOType``/``HLSConfig``/``Backend`` ...) is read as hls4ml does, into the same
arguments: its ``HLSConfig`` goes unchanged to ``hls_config=``. A file is hls4ml's when a top
key starts with a capital letter. Paths in either are relative to the YAML file's folder.
Keys that change nothing in our firmware give a note; unknown keys are an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "ConfigFileError",
    "EXPORT_KEYS",
    "HLS4ML_KEYS",
    "LOAD_KEYS",
    "ProjectConfig",
    "backend_name",
    "read_config",
]

# not `allow_pickle`: a config file (which may come with the model) never turns on unpickling
LOAD_KEYS = ("model", "weights", "module_class", "module_kwargs")
EXPORT_KEYS = (
    "output_dir",
    "name",
    "backend",
    "precision",
    "reuse_factor",
    "strategy",
    "io_type",
    "part",
    "clock_period",
    "layers",
    "hls_config",
    "input_precision",
    "input_shape",
    "overwrite",
    "max_width",
)
_PATH_KEYS = ("model", "weights", "output_dir")

# hls4ml key -> our key (KerasH5 is the model, or the weights of a KerasJson)
HLS4ML_KEYS = {
    "KerasJson": "model",
    "KerasH5": "model",
    "PytorchModel": "model",
    "InputShape": "input_shape",
    "OutputDir": "output_dir",
    "ProjectName": "name",
    "Part": "part",
    "XilinxPart": "part",
    "FPGAPart": "part",
    "ClockPeriod": "clock_period",
    "IOType": "io_type",
    "HLSConfig": "hls_config",
    "Backend": "backend",
}
_HLS4ML_NO_EFFECT = {
    "ClockUncertainty": "the clock uncertainty is the tool's default",
    "Stamp": "the project is named by ProjectName only",
    "Version": "the generated code carries fpga-export's version",
    "WriterConfig": "fpga-export writes the weights into the C++ sources (no .txt, no tar)",
    "InputData": "the testbench uses 8 random inputs; check csim with fpga-export predict",
    "OutputPredictions": "the testbench compares with the bit-accurate reference",
    "AcceleratorConfig": "fpga-export writes the HLS project, not an accelerator wrapper",
}
_HLS4ML_REFUSED = {
    "OnnxModel": "ONNX models are not supported: export the Keras or PyTorch model instead",
    "TensorFlowModel": "TensorFlow graphs are not supported: save the Keras model (.keras/.h5)",
    "KerasModel": "KerasModel holds a live model in hls4ml's Python API; in a file use KerasH5",
}
_BACKENDS = ("vitis", "vivado", "catapult", "oneapi", "quartus")  # hls4ml's names, any case


class ConfigFileError(ValueError):
    """A config file that cannot be used, with the key and the reason."""


@dataclass
class ProjectConfig:
    """What a config file says: ``load`` (model file, weights, module class ...) and
    ``export`` keyword arguments, ``notes`` for keys that change nothing, ``flavor``
    ``"fpga-export"`` or ``"hls4ml"``."""

    flavor: str
    load: dict = field(default_factory=dict)
    export: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def backend_name(value, notes: list[str], where: str) -> str:
    """hls4ml's backend names (``Vitis``, ``Vivado``, ``Catapult``, ``oneAPI``, ``Quartus``) as
    ours (``vitis``, ``vivado``: the legacy Vivado HLS project, ``catapult``: Siemens Catapult
    HLS, ``oneapi``: Intel oneAPI SYCL, ``quartus``: Intel HLS Compiler i++; the last three with
    ac types); other names are left to ExportConfig's check, which lists the available backends."""
    if isinstance(value, str) and value.strip().lower() in _BACKENDS:
        return value.strip().lower()
    return value


def read_config(path) -> ProjectConfig:
    """Read a YAML config file (ours or hls4ml's); paths become relative to its folder."""
    import yaml

    path = Path(os.fspath(path)).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigFileError(f"config file {path} does not exist") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as e:
        raise ConfigFileError(f"cannot read the config file {path}: {e}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(e, "problem", None) or type(e).__name__
        raise ConfigFileError(f"{path} is not valid YAML: {problem}{where}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise ConfigFileError(f"{path}: expected a mapping of keys to values at the top level")
    hls4ml = any(k[:1].isupper() for k in data)
    config = _from_hls4ml(data, path) if hls4ml else _from_ours(data, path)
    for key in _PATH_KEYS:
        for part in (config.load, config.export):
            if key in part:
                part[key] = _relative(part[key], key, path)
    module_class = config.load.get("module_class")
    if isinstance(module_class, str) and ".py:" in module_class:
        file, _, cls = module_class.rpartition(":")
        config.load["module_class"] = f"{_relative(file, 'module_class', path)}:{cls}"
    return config


def _relative(value, key: str, path: Path) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise ConfigFileError(f"{path}: {key} must be a path (a string), got {value!r}")
    p = Path(value).expanduser()
    return p if p.is_absolute() else path.parent / p


def _from_ours(data: dict, path: Path) -> ProjectConfig:
    config = ProjectConfig("fpga-export")
    for key, value in data.items():
        if key == "allow_pickle":
            raise ConfigFileError(
                f"{path}: allow_pickle cannot be set in a config file (unpickling runs code from "
                "the model file); pass --allow-pickle on the command line if you trust the file"
            )
        if key in LOAD_KEYS:
            config.load[key] = value
        elif key in EXPORT_KEYS:
            config.export[key] = value
        else:
            raise ConfigFileError(
                f"{path}: unknown key {key!r}; keys: {', '.join(LOAD_KEYS + EXPORT_KEYS)} "
                "(or hls4ml's project keys: KerasJson, KerasH5, OutputDir, ...)"
            )
    if "backend" in config.export:
        config.export["backend"] = backend_name(config.export["backend"], config.notes, "backend")
    return config


def _from_hls4ml(data: dict, path: Path) -> ProjectConfig:
    config = ProjectConfig("hls4ml")
    for key, value in data.items():
        if key in _HLS4ML_REFUSED:
            raise ConfigFileError(f"{path}: {key}: {_HLS4ML_REFUSED[key]}")
        if key in _HLS4ML_NO_EFFECT:
            config.notes.append(f"{key} has no effect: {_HLS4ML_NO_EFFECT[key]}")
            continue
        if key not in HLS4ML_KEYS:
            raise ConfigFileError(
                f"{path}: unknown hls4ml key {key!r}; keys read: {', '.join(HLS4ML_KEYS)}; "
                f"accepted without effect: {', '.join(_HLS4ML_NO_EFFECT)}"
            )
        ours = HLS4ML_KEYS[key]
        if key == "KerasH5" and "KerasJson" in data:
            config.load["weights"] = value
        elif ours == "model":
            config.load["model"] = value
        elif ours == "input_shape":
            config.export["input_shape"] = _input_shape(value, path)
        elif ours == "backend":
            config.export["backend"] = backend_name(value, config.notes, "Backend")
        else:
            config.export[ours] = value
    models = [k for k in ("KerasJson", "PytorchModel") if k in data]
    if len(models) > 1 or ("PytorchModel" in data and "KerasH5" in data):
        given = ", ".join(k for k in ("KerasJson", "KerasH5", "PytorchModel") if k in data)
        raise ConfigFileError(f"{path}: give one model, got {given}")
    parts = [k for k in ("Part", "XilinxPart", "FPGAPart") if k in data]
    if len(parts) > 1:
        raise ConfigFileError(f"{path}: give the part once, got {', '.join(parts)}")
    return config


def _input_shape(value, path: Path) -> tuple:
    """hls4ml's InputShape includes the batch dimension first (``[null, 16]``)."""
    shapes = value if value and all(isinstance(v, list) for v in value) else [value]
    out = []
    for shape in shapes:
        if not isinstance(shape, list) or len(shape) < 2 or shape[0] is not None:
            raise ConfigFileError(
                f"{path}: InputShape {value!r}: expected the batch dimension (null) and the "
                "sample shape, e.g. [null, 16], or a list of them for several inputs"
            )
        out.append(tuple(shape[1:]))
    return out[0] if len(out) == 1 else out
