"""Keras layer names reach the firmware only through fpga_export.codegen.names, and settings
find layers by their Keras names."""

from __future__ import annotations

import shutil

import keras
import numpy as np
import pytest

import keras_plugin  # noqa: F401  (installs export_fpga)

needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")

# The issue's exploit, and a variant that also compiled before names were escaped (the
# comment line it leaves behind, " (Dense)", is swallowed by a macro): a layer name that
# runs a command when the csim library is loaded.
ISSUE = 'x\n#include <cstdlib>\nstatic int p=std::system("touch pwned");\n'
COMPILING = (
    'x\n#ifndef PW\n#define PW\n#include <cstdlib>\nstatic int p=std::system("touch pwned");\n'
    "#endif\n#define q(x)\nq"
)
# every awkward character Keras 3 accepts in a layer name ('/' it refuses)
AWKWARD = [
    "a\n#include <cstdlib>\r\"'* # \\",
    "?? ??= ??( $(touch pwned) `touch pwned`; rm -rf ~ \\",
    "\u2028\u2029\v\f\x85\x00\x1b end\\",
    "caf\u00e9 \u202eRTL\u202c \U0001f600",
    "Dense",
    "dense",
]


def _dense_model(names, model_name="model", input_name="in\n\\", activation="relu"):
    x = keras.Input((3,), name=input_name)
    h = x
    for name in names:
        h = keras.layers.Dense(3, activation=activation, name=name)(h)
    return keras.Model(x, h, name=model_name)


@needs_gxx
@pytest.mark.parametrize("name", [ISSUE, COMPILING], ids=["issue", "compiling"])
def test_a_layer_name_cannot_run_code(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = _dense_model([name], input_name="x", activation=None)
    fw = model.export_fpga(tmp_path / "prj").compile()
    x = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prj"]  # no "pwned"


@needs_gxx
def test_awkward_layer_and_model_names_give_valid_exact_firmware(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = _dense_model(AWKWARD, model_name="defines\n?? \\")
    fw = model.export_fpga(tmp_path / "prj").compile()
    x = np.random.default_rng(0).normal(size=(16, 3))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prj"]
    assert fw.name == "defines_top"  # a top file "defines.h" would replace ours
    weights = sorted(p.name for p in (tmp_path / "prj" / "firmware" / "weights").iterdir())
    assert len({w.lower() for w in weights}) == 2 * len(AWKWARD)  # "Dense", "dense": 2 files
    for f in (tmp_path / "prj").rglob("*"):
        if f.is_file() and f.suffix in (".h", ".cpp", ".tcl"):
            assert f.read_bytes().isascii(), f
    # the layers' own names are what the settings and the trace table know them by
    assert [n.layer for n in fw.graph if n.layer] == ["in\n\\", *AWKWARD]


def test_settings_find_layers_by_their_keras_names():
    """ "a b" and "a_b" are different layers (the C++ names are a_b and a_b_2)."""
    model = _dense_model(["a b", "a_b"])
    fw = model.export_fpga(layers={"a b": {"reuse_factor": 3}, "a_b_2": {"reuse_factor": 9}})
    assert {n.name: n.reuse_factor for n in fw.graph if n.op.kind == "dense"} == {
        "a_b": 3,
        "a_b_2": 9,
    }
    fw = model.export_fpga(hls_config={"LayerName": {"a b": {"ReuseFactor": 9}}})
    assert {n.name: n.reuse_factor for n in fw.graph if n.op.kind == "dense"} == {
        "a_b": 9,
        "a_b_2": 1,
    }
    with pytest.raises(ValueError, match="^layers: 'a_b' is ambiguous: it names node 'a_b' "):
        model.export_fpga(layers={"a_b": {"reuse_factor": 3}})
    with pytest.raises(ValueError, match=r"^layers: no layer is named 'a-b' \(names are"):
        model.export_fpga(layers={"a-b": {"reuse_factor": 3}})
