"""Python ops and C++ headers stay in step (DESIGN.md §6)."""

import re
from pathlib import Path

import fpga_export  # noqa: F401
import fpga_export.layers  # noqa: F401  (registers every op)
import nnet_cpp
from fpga_export.ir import OP_REGISTRY

LAYERS = Path(fpga_export.__file__).parent / "layers"


def header_structs(text: str) -> dict[str, set[str]]:
    """``struct name {`` (no base) -> the static const fields and typedefs it declares."""
    out = {}
    for m in re.finditer(r"struct (\w+) \{(.*?)\n\};", text, re.S):
        body = m.group(2)
        fields = set(re.findall(r"static const \w+ (\w+) =", body))
        fields |= set(re.findall(r"typedef [^;]+ (\w+);", body))
        out[m.group(1)] = fields
    return out


def all_default_structs() -> dict[str, set[str]]:
    structs = {}
    for h in nnet_cpp.NNET_DIR.glob("*.h"):
        structs.update(header_structs(h.read_text()))
    return structs


def test_every_op_has_family_file_and_header():
    for kind, cls in OP_REGISTRY.items():
        module_file = Path(__import__(cls.__module__, fromlist=["x"]).__file__)
        if cls.family is None:
            continue
        assert module_file == LAYERS / f"{cls.family}.py", f"{kind}: defined in {module_file}"
        assert (nnet_cpp.NNET_DIR / f"{cls.family}.h").is_file(), f"{kind}: no nnet/{cls.family}.h"


def test_every_header_is_used():
    families = {cls.family for cls in OP_REGISTRY.values() if cls.family}
    for h in nnet_cpp.NNET_DIR.glob("*.h"):
        shared = ("common", "types")  # included by every header; types: the type family
        assert h.stem in shared or h.stem in families, f"{h.name} belongs to no op family"


def check_configs(parameters_h: str) -> int:
    """Every generated config field exists in the header default struct it derives from."""
    defaults = all_default_structs()
    n = 0
    for m in re.finditer(r"struct (\w+) : nnet::(\w+) \{(.*?)\n\};", parameters_h, re.S):
        base = m.group(2)
        assert base in defaults, f"{m.group(1)} derives from unknown nnet::{base}"
        fields = set(re.findall(r"static const \w+ (\w+) =", m.group(3)))
        fields |= set(re.findall(r"typedef \w+ (\w+);", m.group(3)))
        extra = fields - defaults[base]
        assert not extra, f"{m.group(1)}: fields {sorted(extra)} missing from nnet::{base}"
        n += 1
    return n


def test_generated_configs_match_header_defaults(tmp_path):
    from fpga_export.config import ExportConfig
    from fpga_export.firmware import Firmware
    from graphs import mlp

    out = Firmware(mlp((4, 3, 2)), ExportConfig(output_dir=tmp_path / "p")).write()
    assert check_configs((out / "firmware" / "parameters.h").read_text()) == 2


def test_generated_cnn_configs_match_header_defaults(tmp_path):
    import numpy as np

    from fpga_export.config import ExportConfig
    from fpga_export.firmware import Firmware
    from fpga_export.ir import Graph, Node
    from fpga_export.layers.conv import Conv2D
    from fpga_export.layers.input import Input
    from fpga_export.layers.pool import GlobalPooling2D, Pooling2D
    from fpga_export.layers.reshape import Flatten

    for io_type in ("io_parallel", "io_stream"):
        g = Graph("cnn")
        g.add(Node("x", Input(), shape=(4, 4, 2)))
        w = {"kernel": np.ones((2, 2, 2, 3)), "bias": np.zeros(3)}
        g.add(Node("conv", Conv2D(filters=3, kernel_size=(2, 2)), ["x"], weights=w))
        g.add(Node("max", Pooling2D("max", (2, 2), (1, 1)), ["conv"]))
        g.add(Node("avg", Pooling2D("average", (2, 2), (1, 1), "same"), ["max"]))
        g.add(Node("gap", GlobalPooling2D("average"), ["avg"]))
        g.add(Node("flat", Flatten(), ["avg"]))
        g.inputs, g.outputs = ["x"], ["gap", "flat"]
        cfg = ExportConfig(output_dir=tmp_path / io_type, io_type=io_type)
        out = Firmware(g, cfg).write()
        configs = 5  # conv, max, avg, gap and the Flatten (a reshape process in either io type)
        assert check_configs((out / "firmware" / "parameters.h").read_text()) == configs
