"""model.export_fpga and the numerical agreement of the exported graph with Keras."""

import dataclasses
import inspect

import keras
import numpy as np
import pytest
import tf_keras

import keras_plugin
from fpga_export.config import ExportConfig
from fpga_export.ir import Interpreter
from fpga_export.passes import run_pipeline
from fpga_export.types import FixedType
from keras_plugin import to_graph

FLAVORS = [pytest.param(keras, id="keras3"), pytest.param(tf_keras, id="tf_keras")]


def test_export_fpga_is_installed_on_both_model_classes():
    assert keras.Model.export_fpga is keras_plugin.export_fpga
    assert tf_keras.Model.export_fpga is keras_plugin.export_fpga
    keras_plugin.install()  # idempotent
    assert keras.Sequential.export_fpga is keras_plugin.export_fpga


def test_export_fpga_signature_matches_export_config():
    params = inspect.signature(keras_plugin.export_fpga).parameters
    fields = {f.name: f.default for f in dataclasses.fields(ExportConfig)}
    assert list(params)[1:] == list(fields)
    for name, default in fields.items():
        assert params[name].default == default, name
        if name != "output_dir":
            assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, name


@pytest.mark.parametrize("K", FLAVORS)
def test_export_fpga_returns_a_typed_firmware(K, tmp_path):
    model = K.Sequential(
        [K.Input((4,), name="x"), K.layers.Dense(3, activation="relu", name="d")], name="tiny"
    )
    fw = model.export_fpga(
        tmp_path / "prj",
        precision="ap_fixed<18,8>",
        layers={"d": {"accum": "ap_fixed<30,12>", "reuse_factor": 2}},
        io_type="io_stream",
        name="top",
    )
    from fpga_export.firmware import Firmware

    assert isinstance(fw, Firmware)
    assert fw.config.io_type == "io_stream" and fw.config.output_dir == tmp_path / "prj"
    assert fw.name == "top"
    d = fw.graph["d"]
    assert d.types["accum"] == FixedType.parse("ap_fixed<30,12>")
    assert d.types["kernel"] == FixedType.parse("ap_fixed<18,8>") and d.reuse_factor == 2
    assert [n.name for n in fw.graph] == ["x", "d", "d_relu"]
    with pytest.raises(ValueError, match="unknown io_type 'io_serial'"):
        model.export_fpga(io_type="io_serial")


def keras_mlp(K, seed=0):
    """A small MLP, trained for a few steps so its weights are not the initial ones."""
    K.utils.set_random_seed(seed)
    model = K.Sequential(
        [
            K.Input((6,), name="x"),
            K.layers.Dense(16, activation="relu", name="fc1"),
            K.layers.Dropout(0.1, name="drop"),
            K.layers.Dense(8, activation="relu", name="fc2"),
            K.layers.Dense(3, name="out"),
        ],
        name="mlp",
    )
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = np.stack([x[:, 0] * x[:, 1], np.sin(x[:, 2]), x[:, 3:].sum(1)], axis=1)
    model.compile(optimizer=K.optimizers.Adam(0.01), loss="mse")
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    return model


def error_bound(model, x, lsb):
    """Worst-case |Interpreter - Keras| for Dense(+ReLU) layers whose types are all one
    ap_fixed with LSB ``lsb`` and AP_TRN/AP_WRAP, without overflow (the caller checks the
    values stay far inside the type's range). Per element, e = bound on |error|, a = |exact
    value|:

    * input conversion (truncation): e < lsb;
    * Dense, y_j = b_j + sum_i x_i w_ij: each weight is truncated (error < lsb), so each exact
      product x_i w_ij is off by at most e_i (|w_ij| + lsb) + a_i lsb, and its conversion to
      accum adds < lsb; the bias conversion and the result conversion add < 2 lsb;
    * ReLU is 1-Lipschitz and its result type is its input type (exact);
    * Keras itself computes in float32: 2^-20 relative to the sum of |terms| per layer (and
      2^-24 for the float32 input) is a generous bound for these sizes.
    """
    v = x  # exact values (float64)
    e = lsb + np.abs(x) * 2.0**-24
    for layer in model.layers:
        if not isinstance(layer, (keras.layers.Dense, tf_keras.layers.Dense)):
            continue  # Dropout: the identity
        w, b = (t.astype(np.float64) for t in layer.get_weights())
        a, n_in = np.abs(v), w.shape[0]
        e = e @ (np.abs(w) + lsb) + a.sum(1, keepdims=True) * lsb + (n_in + 2) * lsb
        e = e + (a @ np.abs(w) + np.abs(b)) * 2.0**-20
        v = v @ w + b
        if layer.get_config()["activation"] == "relu":
            v = np.maximum(v, 0)
    return e


@pytest.mark.parametrize("K", FLAVORS)
def test_interpreter_matches_keras_within_the_type_tolerance(K):
    """ap_fixed<24,10>: 14 fraction bits (LSB 2^-14 ~ 6.1e-5), integer range +-512."""
    model = keras_mlp(K)
    x = np.random.default_rng(1).normal(size=(200, 6))
    config = ExportConfig(precision="ap_fixed<24,10>")
    graph = run_pipeline(to_graph(model, config), config)
    got = Interpreter(graph).run(x)
    want = np.asarray(model(x.astype("float32")), dtype=np.float64)
    bound = error_bound(model, x, 2.0**-14)
    assert np.abs(want).max() < 100  # far from the +-512 range: no overflow
    assert np.all(np.abs(got - want) <= bound)
    assert bound.max() < 0.05  # the bound itself is meaningful
    assert np.abs(got - want).max() > 0  # and the types do matter


def test_broken_qkeras_gives_a_clear_error(monkeypatch):
    """QKeras in the process but fpga-export's QKeras support cannot load: say so."""
    import sys
    import types

    import keras

    from keras_plugin import to_graph

    monkeypatch.setitem(sys.modules, "qkeras", types.ModuleType("qkeras"))
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(ImportError) as info:
        to_graph(model)
    assert str(info.value).startswith(
        "the model may use QKeras layers, but fpga-export's QKeras support failed to load: "
        "ImportError: "
    )
    assert str(info.value).endswith(
        "QKeras needs legacy Keras: set TF_USE_LEGACY_KERAS=1 before TensorFlow is imported"
    )
    assert "keras_plugin.handlers.qkeras" not in sys.modules
