"""CSimCallback with backend="quartus": csim metrics every epoch from the quartus project's
csim (ac types), equal to the interpreter; with AP_RND_CONV/AP_SAT types (the same in both
families) equal to a Vitis export of the same weights too; its CSimLayer."""

import keras
import numpy as np
import pytest

from keras_plugin import CSimCallback

RNG = np.random.default_rng(0)
X = RNG.normal(size=(120, 5)).astype("float32")
Y = (X[:, 0] + X[:, 1] > 0).astype("int64")
PRECISION = "ap_fixed<16,6,AP_RND_CONV,AP_SAT>"


def test_callback_with_the_quartus_backend(tmp_path):
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(6, activation="relu"), keras.layers.Dense(2)],
        name="quartus_cb",
    )
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    cb = CSimCallback(
        (X, Y), verbose=0, backend="quartus", precision=PRECISION, output_dir=tmp_path / "quartus"
    )
    history = model.fit(X, Y, epochs=2, batch_size=40, verbose=0, callbacks=[cb])
    fw = cb.firmware
    assert fw.config.backend == "quartus"
    assert {t.family for n in fw.graph for t in n.types.values()} == {"ac"}
    y = fw.predict(X)
    np.testing.assert_array_equal(y, fw.reference(X))
    assert history.history["csim_accuracy"][-1] == pytest.approx(np.mean(y.argmax(1) == Y))
    vitis = model.export_fpga(tmp_path / "vitis", precision=PRECISION).compile()
    np.testing.assert_array_equal(vitis.predict(X), y)
    out = np.asarray(fw.as_keras_layer()(X))  # the CSim layer of the quartus firmware
    np.testing.assert_array_equal(out, y.astype(out.dtype))
