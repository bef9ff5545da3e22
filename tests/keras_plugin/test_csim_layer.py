"""CSimLayer: the compiled csim as a non-trainable Keras layer."""

import shutil

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
