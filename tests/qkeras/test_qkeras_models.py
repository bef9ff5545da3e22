"""Whole QKeras models: the jet-tagging MLP and a small CNN are exact (csim == QKeras bit for
bit on inputs spanning the full range, ties and saturation included), softmax heads agree on
the argmax, exports are deterministic, .h5 round trips, and the csim callback follows
training without recompiling while the derived types still hold the weights."""

import filecmp
import sys

import numpy as np
import pytest
import tf_keras
from qkeras import QActivation, QConv2D, QDense
from qkeras.utils import load_qmodel

from keras_plugin import CSimCallback
from qmodels import INPUT_Q, exact_fraction, inputs, randomize

L = tf_keras.layers
W6 = "quantized_bits(6,0,alpha=1)"


def jet_mlp(kernel=W6, head=None, name="jet"):
    """16 -> 64 -> 32 -> 32 -> 5, 6-bit weights, quantized_relu(6) activations."""
    x_in = tf_keras.Input((16,), name="x")
    h = QActivation(INPUT_Q, name="qin")(x_in)
    for i, units in enumerate((64, 32, 32)):
        h = QDense(units, kernel_quantizer=kernel, bias_quantizer=W6, name=f"fc{i + 1}")(h)
        h = QActivation("quantized_relu(6)", name=f"relu{i + 1}")(h)
    h = QDense(5, kernel_quantizer=kernel, bias_quantizer=W6, name="out")(h)
    if head is not None:
        h = L.Activation(head, name="head")(h)
    return tf_keras.Model(x_in, h, name=name)


def trained(model, seed=0, epochs=2):
    """A couple of epochs on a synthetic 5-class problem: realistic weight distributions."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 2, (2048, *model.input_shape[1:])).astype(np.float32)
    y = (np.abs(x.reshape(len(x), -1)).sum(axis=1) * 7).astype(int) % 5
    model.compile("adam", "sparse_categorical_crossentropy" if model.output_shape[-1] == 5
                  and model.layers[-1].name == "head" else "mse")  # fmt: skip
    target = y if model.layers[-1].name == "head" else np.eye(5)[y]
    model.fit(x, target, epochs=epochs, batch_size=128, verbose=0)
    return model


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("kernel", [W6, "quantized_bits(6,0)"], ids=["alpha1", "auto_po2"])
def test_jet_mlp_is_exact(kernel, io_type, tmp_path):
    tf_keras.utils.set_random_seed(0)
    model = trained(jet_mlp(kernel))
    fw = model.export_fpga(tmp_path / "jet", io_type=io_type).compile()
    assert fw.exact is True, fw.summary()
    x = inputs((16,), n=4096)
    got = fw.predict(x)
    want = model.predict(x, verbose=0)
    print(f"jet MLP {kernel} {io_type}: exact match {exact_fraction(got, want):.2%}")
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, fw.reference(x))


def test_softmax_head_exact_against_reference_and_argmax_reported(tmp_path):
    tf_keras.utils.set_random_seed(1)
    model = trained(jet_mlp(head="softmax", name="jet_softmax"))
    fw = model.export_fpga(tmp_path / "jet").compile()
    assert fw.graph["out"].exact and not fw.graph["head"].exact
    assert "head: NOT EXACT: activation softmax is approximated" in fw.summary()
    x = inputs((16,), n=4096)
    got = fw.predict(x)
    np.testing.assert_array_equal(got, fw.reference(x))
    want = model.predict(x, verbose=0)
    agree = np.mean(got.argmax(axis=1) == want.argmax(axis=1))
    print(f"jet MLP softmax head: argmax agreement {agree:.2%}")
    assert agree > 0.97
    # the logits before the (approximated) softmax are exact
    logits = tf_keras.Model(model.input, model.get_layer("out").output)
    np.testing.assert_array_equal(fw.trace(x)["out"], logits.predict(x, verbose=0))


def cnn():
    x_in = tf_keras.Input((10, 10, 1), name="img")
    h = QActivation(INPUT_Q, name="qin")(x_in)
    h = QConv2D(4, 3, kernel_quantizer="quantized_bits(4,0)", bias_quantizer=W6,
                activation="quantized_relu(6,2)", name="c1")(h)  # fmt: skip
    h = L.MaxPooling2D(2, name="pool")(h)
    h = QConv2D(8, 3, padding="same", kernel_quantizer=W6, bias_quantizer=W6, name="c2")(h)
    skip = QActivation("quantized_relu(6,2)", name="r2")(h)
    h = L.Add(name="add")([skip, QActivation("quantized_bits(6,2)", name="q3")(h)])
    h = L.GlobalAveragePooling2D(name="gap")(h)
    h = QDense(3, kernel_quantizer=W6, bias_quantizer=W6, name="out")(h)
    return randomize(tf_keras.Model(x_in, h, name="qcnn"), scale=0.5)


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_small_cnn_with_plain_keras_layers_is_exact(io_type, tmp_path):
    model = cnn()
    fw = model.export_fpga(tmp_path / io_type, io_type=io_type).compile()
    assert fw.exact is True, fw.summary()
    x = inputs((10, 10, 1), n=512)
    got = fw.predict(x)
    want = model.predict(x, verbose=0)
    print(f"QKeras CNN {io_type}: exact match {exact_fraction(got, want):.2%}")
    np.testing.assert_array_equal(got, want)


def test_exports_are_deterministic(tmp_path):
    model = cnn()
    a = model.export_fpga(tmp_path / "a", name="same").write()
    b = model.export_fpga(tmp_path / "b", name="same").write()
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    match, mismatch, errors = filecmp.cmpfiles(a, b, [str(f) for f in files], shallow=False)
    assert not mismatch and not errors and len(match) == len(files)


def test_h5_round_trip_exports_the_same_firmware(tmp_path):
    tf_keras.utils.set_random_seed(2)
    model = trained(jet_mlp(kernel="quantized_bits(6,0)"), epochs=1)
    model.save(tmp_path / "jet.h5")
    loaded = load_qmodel(str(tmp_path / "jet.h5"))
    fa = model.export_fpga(tmp_path / "a", name="jet").compile()
    fb = loaded.export_fpga(tmp_path / "b", name="jet").compile()
    x = inputs((16,), n=512)
    np.testing.assert_array_equal(fa.predict(x), fb.predict(x))
    np.testing.assert_array_equal(fb.predict(x), loaded.predict(x, verbose=0))


def test_callback_follows_qat_without_recompiling(monkeypatch):
    import fpga_export.firmware as firmware

    builds = []
    real = firmware.build_library
    monkeypatch.setattr(
        firmware, "build_library", lambda *a, **k: builds.append(1) or real(*a, **k)
    )
    tf_keras.utils.set_random_seed(3)
    model = jet_mlp()
    model.compile("adam", "mse")
    rng = np.random.default_rng(4)
    x = rng.normal(0, 2, (512, 16)).astype(np.float32)
    y = rng.normal(0, 1, (512, 5)).astype(np.float32)
    seen = []

    class Check(tf_keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            fw = cb.firmware
            seen.append(fw.exact)
            np.testing.assert_array_equal(fw.predict(x[:64]), model.predict(x[:64], verbose=0))

    cb = CSimCallback((x, y), metrics=(), verbose=0)
    model.fit(x, y, epochs=3, batch_size=64, verbose=0, callbacks=[cb, Check()])
    assert seen == [True] * 3
    assert len(builds) == 1  # the types derived at export still hold the trained weights


def test_qkeras_handlers_load_only_when_qkeras_is_in_the_process():
    assert "keras_plugin.handlers.qkeras" in sys.modules  # loaded by the exports above
    import subprocess

    code = (
        "import sys, keras_plugin; "
        "assert 'qkeras' not in sys.modules and 'keras_plugin.handlers.qkeras' not in sys.modules"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "TF_USE_LEGACY_KERAS"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
