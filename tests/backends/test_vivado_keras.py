"""CSimCallback with backend="vivado": csim metrics every epoch from the vivado project's csim,
which equals a Vitis export of the same weights bit for bit; its CSimLayer."""

import json

import keras
import numpy as np
import pytest

from keras_plugin import CSimCallback

RNG = np.random.default_rng(0)
X = RNG.normal(size=(120, 5)).astype("float32")
Y = (X[:, 0] + X[:, 1] > 0).astype("int64")


def test_callback_with_the_vivado_backend(tmp_path):
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(6, activation="relu"), keras.layers.Dense(2)],
        name="viv_cb",
    )
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    cb = CSimCallback((X, Y), verbose=0, backend="vivado", output_dir=tmp_path / "viv")
    history = model.fit(X, Y, epochs=2, batch_size=40, verbose=0, callbacks=[cb])
    fw = cb.firmware
    assert fw.config.backend == "vivado"
    assert json.loads((fw.output_dir / "project.json").read_text())["backend"] == "vivado"
    y = fw.predict(X)
    np.testing.assert_array_equal(y, fw.reference(X))
    assert history.history["csim_accuracy"][-1] == pytest.approx(np.mean(y.argmax(1) == Y))
    vitis = model.export_fpga(tmp_path / "vitis").compile()
    np.testing.assert_array_equal(vitis.predict(X), y)
    layer = fw.as_keras_layer()  # the CSim layer of the vivado firmware
    out = np.asarray(layer(X))
    np.testing.assert_array_equal(out, y.astype(out.dtype))
