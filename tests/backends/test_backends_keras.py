"""CSimCallback with every backend besides Vitis: csim metrics every epoch from that project's
csim, equal to the interpreter and, with AP_RND_CONV/AP_SAT types (the same in the ap and ac
families), to a Vitis export of the same weights bit for bit; its CSimLayer."""

import json

import keras
import numpy as np
import pytest

from fpga_export.backends import BACKENDS
from keras_plugin import CSimCallback

RNG = np.random.default_rng(0)
X = RNG.normal(size=(120, 5)).astype("float32")
Y = (X[:, 0] + X[:, 1] > 0).astype("int64")
PRECISION = "ap_fixed<16,6,AP_RND_CONV,AP_SAT>"
OTHERS = [name for name in BACKENDS if name != "vitis"]


@pytest.mark.parametrize("backend", OTHERS)
def test_callback_with_each_backend(tmp_path, backend):
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(6, activation="relu"), keras.layers.Dense(2)],
        name=f"{backend}_cb",
    )
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    cb = CSimCallback(
        (X, Y), verbose=0, backend=backend, precision=PRECISION, output_dir=tmp_path / backend
    )
    history = model.fit(X, Y, epochs=2, batch_size=40, verbose=0, callbacks=[cb])
    fw = cb.firmware
    assert fw.config.backend == backend
    assert json.loads((fw.output_dir / "project.json").read_text())["backend"] == backend
    family = BACKENDS[backend].vendor
    assert {t.family for n in fw.graph for t in n.types.values()} == {family}
    y = fw.predict(X)
    np.testing.assert_array_equal(y, fw.reference(X))
    assert history.history["csim_accuracy"][-1] == pytest.approx(np.mean(y.argmax(1) == Y))
    vitis = model.export_fpga(tmp_path / "vitis", precision=PRECISION).compile()
    np.testing.assert_array_equal(vitis.predict(X), y)
    out = np.asarray(fw.as_keras_layer()(X))  # the CSim layer of this backend's firmware
    np.testing.assert_array_equal(out, y.astype(out.dtype))
