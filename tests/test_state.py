"""fpga_export.state: a firmware saved as JSON + npz (never pickle), loaded back validated."""

import dataclasses
import io
import json
import re

import numpy as np
import pytest
from test_golden import small_cnn
from test_layout import relu_graph

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.state import STATE_FILE, WEIGHTS_FILE, StateError, dump, load
from fpga_export.types import FixedType
from graphs import mlp


def annotated_mlp():
    g = mlp((8, 6, 3), seed=0)
    node = g["dense_1"]
    node.given = {"result": FixedType.parse("ap_fixed<8,3,AP_RND_CONV,AP_SAT>"), "kernel": "auto"}
    node.hints = {"kernel": "alpha is not a power of two"}
    node.notes = ["not exact: float scale"]
    node.exact = False
    node.source = "dense_1 (QDense)"
    return g


def awkward_names():
    """Framework names may hold any character: saved and loaded as they are (they reach
    generated files only through codegen.names)."""
    g = mlp((8, 6, 3), seed=1)
    g["dense_1"].source = 'x\n#include <cstdlib>\n*/ ??/ "q" \\ $(ls) \u05d0 \U0001f600 (Dense)'
    g["dense_1"].layer = 'x\n#include <cstdlib>\n*/ ??/ "q" \\ $(ls) \u05d0 \U0001f600'
    return g


@pytest.mark.filterwarnings("ignore::fpga_export.passes.ExactnessWarning")
@pytest.mark.parametrize("make", [annotated_mlp, small_cnn, relu_graph, awkward_names])
def test_round_trip_keeps_every_field(tmp_path, make):
    config = ExportConfig(
        output_dir=tmp_path / "prj",
        precision={"default": "ap_fixed<12,4>", "accum": "ap_fixed<20,8>"},
        io_type="io_stream" if make is relu_graph else "io_parallel",
        layers={next(n.name for n in make() if n.weights or n.name != "input_1"): {}},
    )
    fw = Firmware(make(), config)
    out = fw.write()
    config2, graph, name = load(out)
    assert name == fw.name and config2 == fw.config.replace(output_dir=None)
    assert graph.name == fw.graph.name
    assert graph.fifo_depths == fw.graph.fifo_depths
    assert (graph.inputs, graph.outputs, graph.layouts) == (
        fw.graph.inputs,
        fw.graph.outputs,
        fw.graph.layouts,
    )
    assert [n.name for n in graph] == [n.name for n in fw.graph]
    for a, b in zip(fw.graph, graph, strict=True):
        for f in dataclasses.fields(a):
            if f.name == "weights":
                assert a.weights.keys() == b.weights.keys()
                for w in a.weights:
                    np.testing.assert_array_equal(a.weights[w], b.weights[w])
            else:
                assert getattr(a, f.name) == getattr(b, f.name), (a.name, f.name)
        assert vars(a.op) == vars(b.op)


def test_loaded_firmware_predicts_the_same_from_code_it_generates(tmp_path):
    fw = Firmware(mlp((8, 6, 3), seed=2), ExportConfig(output_dir=tmp_path / "prj"))
    out = fw.write()
    top = out / "firmware" / "mlp.cpp"
    top.write_text("#error this file must never be compiled by a load\n")
    (out / "csim" / "mlp_bridge.cpp").write_text("#error nor this one\n")
    loaded = Firmware.load(out)
    assert not loaded.output_dir.is_relative_to(out)
    x = np.random.default_rng(0).normal(size=(16, 8))
    np.testing.assert_array_equal(loaded.compile().predict(x), fw.reference(x))
    assert top.read_text() == "#error this file must never be compiled by a load\n"


def test_save_state_keeps_new_weights(tmp_path):
    fw = Firmware(mlp((8, 6, 3), seed=2), ExportConfig(output_dir=tmp_path / "prj"))
    fw.write()
    kernel = np.full((8, 6), 0.25)
    fw.set_weights({"dense_1": {"kernel": kernel}})
    fw.save_state()
    np.testing.assert_array_equal(load(fw.output_dir)[1]["dense_1"].weights["kernel"], kernel)


def edit(out, change):
    state = json.loads((out / STATE_FILE).read_text())
    change(state)
    (out / STATE_FILE).write_text(json.dumps(state))


def node(state, name):
    return next(n for n in state["graph"]["nodes"] if n["name"] == name)


def set_weights(out, **arrays):
    buf = io.BytesIO()
    with np.load(out / WEIGHTS_FILE) as old:
        np.savez(buf, **{**{k: old[k] for k in old.files}, **arrays})
    (out / WEIGHTS_FILE).write_bytes(buf.getvalue())


BAD = {
    "name": (
        lambda s: s.update(name="mlp(){} int x"),
        "firmware name 'mlp(){} int x' is not a C++ identifier made by fpga-export",
    ),
    "node name": (
        lambda s: node(s, "dense_1").update(name="dense_1;\nsystem"),
        "name 'dense_1;\\nsystem' is not a C++ identifier made by fpga-export",
    ),
    "NUL in source": (
        lambda s: node(s, "dense_1").update(source="x\0#include </etc/passwd>"),
        "string 'x\\x00#include </etc/passwd>' is not allowed in a saved state",
    ),
    "op kind": (
        lambda s: node(s, "dense_1")["op"].update(kind="shell"),
        "unknown op kind 'shell'",
    ),
    "op field type": (
        lambda s: node(s, "dense_1")["op"]["fields"].update(units="6"),
        "op dense.units: '6' is not of the type <class 'int'>",
    ),
    "op string": (
        lambda s: node(s, "dense_1").update(
            op={"kind": "activation", "fields": {**ACT, "function": "relu>(); abort(); //"}}
        ),
        "string 'relu>(); abort(); //' is not allowed in a saved state",
    ),
    "missing field": (
        lambda s: node(s, "dense_1").pop("strategy"),
        "fields do not match Node of this fpga-export (missing: strategy; unknown: -)",
    ),
    "unknown field": (
        lambda s: node(s, "dense_1").update(run="rm -rf ~"),
        "fields do not match Node of this fpga-export (missing: -; unknown: run)",
    ),
    "node type": (
        lambda s: node(s, "dense_1").update(reuse_factor=1.5),
        "reuse_factor: 1.5 is not of the type <class 'int'>",
    ),
    "shape": (
        lambda s: node(s, "dense_1").update(shape={"tuple": [7]}),
        "is inconsistent: ValueError: dense_1: shape (7,) is not the op's (6,)",
    ),
    "config": (
        lambda s: s["config"].update(io_type="io_shell"),
        "config: unknown io_type 'io_shell'",
    ),
    "version": (lambda s: s.update(version=99), "state format version 99 is not 1"),
}
ACT = {
    "function": "relu",
    "alpha": None,
    "max_value": None,
    "slope": None,
    "table_size": 1024,
    "table_range": 8.0,
    "min_value": None,
}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return Firmware(
        mlp((8, 6, 3), seed=2), ExportConfig(output_dir=tmp_path_factory.mktemp("s") / "prj")
    ).write()


@pytest.mark.parametrize("case", BAD)
def test_invalid_state_is_refused(saved, tmp_path, case):
    import shutil

    out = tmp_path / "prj"
    shutil.copytree(saved, out)
    change, message = BAD[case]
    edit(out, change)
    with pytest.raises(StateError, match=re.escape(message)):
        load(out)


def test_weights_file_with_pickled_objects_is_refused(saved, tmp_path):
    import shutil

    out = tmp_path / "prj"
    shutil.copytree(saved, out)
    set_weights(out, n1_w0=np.array([{"payload": 1}], dtype=object))
    with pytest.raises(StateError, match="cannot read the weights .*allow_pickle=False"):
        load(out)


def test_weights_of_the_wrong_shape_are_refused(saved, tmp_path):
    import shutil

    out = tmp_path / "prj"
    shutil.copytree(saved, out)
    set_weights(out, n1_w0=np.zeros((7, 6)))  # dense_1's kernel is (8, 6)
    with pytest.raises(StateError, match="graph is inconsistent: ValueError: .*"):
        load(out)


def test_values_that_are_not_data_fail_loudly_on_save():
    g = mlp((4, 3), seed=0)
    g["dense_1"].notes = [object()]
    with pytest.raises(StateError, match=r"node 'dense_1'.notes\[0\]: a value of type object"):
        dump(ExportConfig(), g, "mlp")
    g = mlp((4, 3), seed=0)
    g.extra = 1
    with pytest.raises(StateError, match="Graph has attributes fpga_export.state does not save"):
        dump(ExportConfig(), g, "mlp")
