"""CSimCallback during HGQ2 training, then the trained model end to end (csim == HGQ2): the
learned bit widths change the types between epochs, which rebuilds csim once per change with
the usual warning, and csim == HGQ2 at every epoch."""

import warnings

import numpy as np
import pytest

pytest.importorskip("hgq")

import keras  # noqa: E402
from hgq import layers as hl  # noqa: E402
from hgq.quantizer import Quantizer, QuantizerConfig  # noqa: E402

from keras_plugin import CSimCallback  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(256, 8)).astype("float32")
Y = (X[:, 0] + X[:, 1] > 0).astype("int64") + (X[:, 2] > 0.5).astype("int64")  # 3 classes
REBUILD = "model architecture or types changed since export: rewriting and recompiling csim"


def make_model(name="hgq_mlp"):
    """A fixed input quantizer (any float input is exact), then learned per-element widths."""
    keras.utils.set_random_seed(0)
    fixed = QuantizerConfig("kif", "datalane", i0=2, f0=5, overflow_mode="SAT",
                            trainable=False, homogeneous_axis=None, heterogeneous_axis=())  # fmt: skip
    inp = keras.Input((8,), name="x")
    x = Quantizer(fixed, name="in_q")(inp)
    x = hl.QDense(12, activation="relu", name="d1")(x)
    x = hl.QDense(8, activation="relu", name="d2")(x)
    out = hl.QDense(3, name="out")(x)
    model = keras.Model(inp, out, name=name)
    model.compile(keras.optimizers.Adam(0.02), keras.losses.SparseCategoricalCrossentropy(True),
                  metrics=["accuracy"], run_eagerly=True)  # fmt: skip
    return model


class Recorder(keras.callbacks.Callback):
    """After the CSimCallback: csim and HGQ2 outputs at each epoch; at the end of the first
    epoch it also widens one learned width, so the next epoch's types surely change."""

    def __init__(self, cb):
        super().__init__()
        self.cb, self.pairs = cb, []

    def on_epoch_end(self, epoch, logs=None):
        self.pairs.append((self.cb.firmware.predict(X), np.asarray(self.model(X, training=False))))
        if epoch == 0:
            q = self.model.get_layer("d2").iq.quantizer
            q._f.assign(q._f + 3.0)


def test_callback_follows_training_and_the_trained_model_is_exact(tmp_path):
    model = make_model("hgq_cb")
    cb = CSimCallback((X, Y), verbose=0)
    rec = Recorder(cb)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, Y, epochs=3, batch_size=64, verbose=0, callbacks=[cb, rec])
    rebuilds = [w for w in caught if str(w.message).startswith(REBUILD)]
    assert 1 <= len(rebuilds) <= 3  # at most once per epoch, at least for the forced change
    for csim, hgq in rec.pairs:
        np.testing.assert_array_equal(csim, hgq)
    assert [h["csim_agreement"] for h in cb.history] == [1.0, 1.0, 1.0]
    # the trained model, exported afresh: exact
    fw = model.export_fpga(tmp_path / "p").compile()
    assert fw.exact is True
    np.testing.assert_array_equal(fw.predict(X), np.asarray(model(X, training=False)))
