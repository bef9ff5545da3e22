"""CSimLayer: the compiled csim as a non-trainable Keras layer."""

import shutil
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_plugin import CSimLayer

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 5)).astype("float32")


@pytest.fixture(scope="module")
def firmware(tmp_path_factory):
    keras.utils.set_random_seed(2)
    model = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(7, activation="relu", name="d1"),
            keras.layers.Dense(4, name="out"),
        ],
        name="layer_mlp",
    )
    return model.export_fpga(tmp_path_factory.mktemp("prj") / "prj").compile()


def test_layer_in_a_sequential_gives_firmware_predict(firmware):
    layer = firmware.as_keras_layer()
    assert isinstance(layer, CSimLayer)
    assert not layer.trainable and layer.trainable_weights == []
    model = keras.Sequential([keras.Input((5,)), layer])
    want = firmware.predict(X)
    np.testing.assert_array_equal(
        model.predict(X, batch_size=16, verbose=0), want.astype("float32")
    )
    np.testing.assert_array_equal(np.asarray(layer(X)), want.astype("float32"))  # eager
    assert model.output_shape == (None, 4)
    model.compile(loss="mse")
    assert model.evaluate(X, want, verbose=0) == 0.0


def test_layer_in_graph_mode(firmware):
    layer = firmware.as_keras_layer()

    @tf.function
    def run(x):
        return layer(x) * 2.0

    got = run(tf.constant(X))
    np.testing.assert_array_equal(got.numpy(), 2.0 * firmware.predict(X).astype("float32"))


def test_config_round_trip(firmware, tmp_path):
    layer = firmware.as_keras_layer(name="csim")
    config = layer.get_config()
    assert config["project"] == str(firmware.output_dir)
    again = CSimLayer.from_config(config)
    np.testing.assert_array_equal(np.asarray(again(X)), np.asarray(layer(X)))
    model = keras.Sequential([keras.Input((5,)), layer])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_missing_project_folder_is_a_clear_error(firmware, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(firmware.output_dir, copy)
    config = {**firmware.as_keras_layer().get_config(), "project": str(copy)}
    CSimLayer.from_config(config)  # loads from the copy
    shutil.rmtree(copy)
    with pytest.raises(FileNotFoundError) as err:
        CSimLayer.from_config(config)
    assert str(err.value) == (
        f"CSimLayer: firmware project folder {copy} does not exist (moved or deleted?); "
        "export the model again and create the layer with firmware.as_keras_layer()"
    )


def test_empty_batch(firmware):
    layer = firmware.as_keras_layer()
    empty = np.zeros((0, 5), dtype="float32")
    assert np.asarray(layer(empty)).shape == (0, 4)  # eager
    model = keras.Sequential([keras.Input((5,)), layer])
    assert model.predict_on_batch(empty).shape == (0, 4)  # tf.function


class Payload:
    """Unpickling this creates a marker file: proof that something unpickled it."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def saved_model(firmware, tmp_path):
    layer = firmware.as_keras_layer(name="csim")
    model = keras.Sequential([keras.Input((5,)), layer])
    path = tmp_path / "m.keras"
    model.save(path)
    return model, path


@pytest.mark.parametrize("safe_mode", [True, False])
def test_load_model_never_unpickles_or_compiles_the_project_folder(firmware, tmp_path, safe_mode):
    import pickle

    copy = tmp_path / "prj"
    shutil.copytree(firmware.output_dir, copy)
    layer = CSimLayer(copy, name="csim")
    model = keras.Sequential([keras.Input((5,)), layer])
    path = tmp_path / "m.keras"
    model.save(path)
    marker = tmp_path / "pwned"
    (copy / "csim" / "keras_layer.pkl").write_bytes(pickle.dumps(Payload(marker)))
    for cpp in (copy / "firmware").glob("*.cpp"):  # C++ found there must never be compiled
        cpp.write_text('#error "compiled from the project folder"\n')
    (copy / "csim" / "layer_mlp_bridge.cpp").write_text('#error "compiled"\n')
    loaded = keras.models.load_model(path, safe_mode=safe_mode)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert not Path(loaded.layers[0].firmware.output_dir).is_relative_to(copy)
    assert not marker.exists()
    # only the pickle (an older fpga-export's state): refused, never unpickled
    for f in ("firmware_state.json", "firmware_weights.npz"):
        (copy / "csim" / f).unlink()
    with pytest.raises(ValueError) as err:
        keras.models.load_model(path, safe_mode=safe_mode)
    assert (
        f"CSimLayer: {copy} holds a firmware state saved by an older fpga-export as a pickle "
        "(csim/keras_layer.pkl), which is never loaded (unpickling can run code); export the "
        "model again and create the layer with firmware.as_keras_layer()"
    ) in str(err.value)
    assert not marker.exists()


def test_saved_model_keeps_the_current_weights(firmware, tmp_path):
    copy = tmp_path / "prj"
    shutil.copytree(firmware.output_dir, copy)
    from fpga_export.firmware import Firmware

    fw = Firmware.load(copy).compile()
    kernel = RNG.normal(size=(5, 7))
    fw.set_weights({"d1": {"kernel": kernel}})
    model = keras.Sequential([keras.Input((5,)), CSimLayer(copy, firmware=fw)])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    want = fw.predict(X).astype("float32")
    assert not np.array_equal(want, firmware.predict(X).astype("float32"))
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), want)
