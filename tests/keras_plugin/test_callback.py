"""CSimCallback: csim metrics in the Keras logs every epoch, without recompiling."""

import keras
import numpy as np
import pytest

import fpga_export.firmware
from keras_plugin import CSimCallback

RNG = np.random.default_rng(0)
X = RNG.normal(size=(200, 6)).astype("float32")
Y = (X[:, 0] + X[:, 1] > 0).astype("int64") + (X[:, 2] > 1).astype("int64")  # 3 classes


def make_model(lr=0.05, name="cb_mlp"):
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8, activation="relu", name="d1"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ],
        name=name,
    )
    model.compile(keras.optimizers.SGD(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class Recorder(keras.callbacks.Callback):
    """Placed after the CSimCallback: sees its logs and the weights it evaluated."""

    def __init__(self, cb):
        super().__init__()
        self.cb, self.logs, self.csim = cb, [], []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append(dict(logs))
        self.csim.append(self.cb.firmware.predict(X))


def fit(model, callbacks, epochs=2, **kw):
    return model.fit(X, Y, epochs=epochs, batch_size=50, verbose=0, callbacks=callbacks, **kw)


def test_metrics_equal_an_independent_computation(tmp_path):
    model = make_model()
    cb = CSimCallback((X, Y), verbose=0, precision="ap_fixed<16,6>")

    class Independent(keras.callbacks.Callback):
        seen = []

        def on_epoch_end(self, epoch, logs=None):
            fresh = model.export_fpga(tmp_path / f"e{epoch}").compile()  # current weights
            y = fresh.predict(X)
            y_float = model.predict(X, verbose=0)
            self.seen.append(
                (
                    dict(logs),
                    np.mean(y.argmax(1) == Y),
                    np.mean(y.argmax(1) == y_float.argmax(1)),
                    np.max(np.abs(y - y_float)),
                )
            )

    fit(model, [cb, Independent()])
    assert len(Independent.seen) == 2
    for logs, acc, agreement, diff in Independent.seen:
        assert logs["csim_accuracy"] == pytest.approx(acc, abs=1e-7)
        assert logs["csim_agreement"] == pytest.approx(agreement, abs=1e-12)
        assert logs["csim_max_abs_diff"] == pytest.approx(diff, abs=1e-6)


def test_weights_are_refreshed_without_recompiling(monkeypatch):
    calls = []
    real = fpga_export.firmware.build_library

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(fpga_export.firmware, "build_library", counting)
    model = make_model(lr=0.5)
    cb = CSimCallback((X, Y), verbose=0)
    rec = Recorder(cb)
    fit(model, [cb, rec], epochs=3)
    assert len(calls) == 1  # compiled once at train begin
    assert not np.array_equal(rec.csim[0], rec.csim[2])  # new weights reached csim
    np.testing.assert_array_equal(rec.csim[2], cb.firmware.reference(X))
    assert [t["refresh"] >= 0 for t in cb.timings] == [True] * 3


def test_uses_fit_validation_data_when_not_given():
    model = make_model()
    cb = CSimCallback(verbose=0)
    rec = Recorder(cb)
    model.fit(
        X,
        Y,
        epochs=1,
        batch_size=50,
        verbose=0,
        validation_data=(X[:40], Y[:40]),
        callbacks=[cb, rec],
    )
    csim = cb.firmware.predict(X[:40])
    assert rec.logs[0]["csim_accuracy"] == pytest.approx(np.mean(csim.argmax(1) == Y[:40]))


def test_wrong_validation_shape_fails_before_training():
    model = make_model()
    cb = CSimCallback((X[:, :5], Y), verbose=0)
    with pytest.raises(ValueError) as err:
        fit(model, [cb])
    assert str(err.value) == (
        "CSimCallback: validation x has shape (200, 5), but the model input is (batch, 6)"
    )
    assert model.optimizer.iterations.numpy() == 0


def test_no_validation_data_fails_before_training():
    with pytest.raises(ValueError) as err:
        fit(make_model(), [CSimCallback(verbose=0)])
    assert str(err.value) == (
        "CSimCallback needs validation data: pass CSimCallback(validation_data=(x, y)) or "
        "model.fit(..., validation_data=(x, y))"
    )


def test_unknown_export_argument():
    with pytest.raises(TypeError, match="unknown argument\\(s\\) precison"):
        CSimCallback((X, Y), precison="ap_fixed<8,3>")


def test_early_stopping_monitors_csim_accuracy():
    model = make_model(lr=0.0)  # nothing changes: no improvement after epoch 1
    cb = CSimCallback((X, Y), verbose=0)
    stop = keras.callbacks.EarlyStopping(monitor="csim_accuracy", mode="max", patience=0)
    history = fit(model, [cb, stop], epochs=5)
    assert len(history.history["loss"]) == 2
    assert stop.stopped_epoch == 1
    assert len(history.history["csim_accuracy"]) == 2


def test_on_mismatch_stop():
    model = make_model()
    cb = CSimCallback((X, Y), verbose=0, on_mismatch="stop", agreement_threshold=1.01)
    history = fit(model, [cb], epochs=4)
    assert len(history.history["loss"]) == 1


def test_csim_failure_logs_nan_and_training_continues():
    model = make_model()
    cb = CSimCallback((X, Y), verbose=0, every=1)

    class Break(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            def boom(*a, **k):
                raise RuntimeError("csim predict failed: boom")

            cb.firmware.predict = boom

    with pytest.warns(RuntimeWarning, match="csim failed at epoch 1 .*boom.*continuing"):
        history = fit(model, [cb, Break()], epochs=2)
    assert len(history.history["loss"]) == 2
    assert np.isnan(history.history["csim_accuracy"]).all()


def test_every_and_keep_best(tmp_path):
    model = make_model(lr=0.5)
    cb = CSimCallback((X, Y), verbose=0, every=2, keep_best=tmp_path / "best")
    history = fit(model, [cb], epochs=4)
    assert [h["epoch"] for h in cb.history] == [1, 3]
    assert len(history.history["csim_accuracy"]) == 2
    assert (tmp_path / "best" / "project.json").is_file()
    assert cb.best == max(h["csim_accuracy"] for h in cb.history)
    assert cb.firmware.output_dir != tmp_path / "best"
    # the best project is complete (weight values, testbench data); the callback's own is
    # csim-only: its weights are pushed at run time
    kernel = "firmware/weights/d1_kernel.h"
    assert "#error" not in (tmp_path / "best" / kernel).read_text()
    assert (tmp_path / "best" / "tb_data" / "tb_input_features.dat").is_file()
    assert "#error" in (cb.firmware.output_dir / kernel).read_text()
    assert not (cb.firmware.output_dir / "tb_data").exists()


def test_keep_best_never_writes_into_a_folder_of_the_users(tmp_path):
    """overwrite=True is for output_dir; keep_best refuses a foreign folder before epoch 1."""
    results = tmp_path / "results"
    results.mkdir()
    (results / "run1.csv").write_text("my results")
    model = make_model()
    cb = CSimCallback((X, Y), verbose=0, keep_best=results, overwrite=True)
    with pytest.raises(ValueError) as err:
        fit(model, [cb])
    assert str(err.value) == (
        f"CSimCallback: keep_best folder {results} exists, is not empty and is not an "
        "fpga-export project; give a new or empty folder (keep_best never writes into a "
        "folder of yours, whatever overwrite says)"
    )
    assert model.optimizer.iterations.numpy() == 0
    assert [p.name for p in results.iterdir()] == ["run1.csv"]
    assert (results / "run1.csv").read_text() == "my results"


def test_keep_best_keeps_the_users_files_in_its_project(tmp_path):
    model = make_model(lr=0.5)
    best = tmp_path / "best"
    cb = CSimCallback((X, Y), verbose=0, keep_best=best)
    fit(model, [cb], epochs=1)
    (best / "notes.txt").write_text("mine")
    fit(model, [CSimCallback((X, Y), verbose=0, keep_best=best)], epochs=2)
    assert (best / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("where", ["x", "y"])
def test_nan_in_validation_data_fails_before_training(where):
    x, y = X.copy(), Y.astype("float32")
    (x if where == "x" else y)[3] = np.nan
    model = make_model()
    with pytest.raises(ValueError) as err:
        fit(model, [CSimCallback((x, y), verbose=0)])
    assert str(err.value) == f"validation_data: {where} contains NaN or infinity"
    assert model.optimizer.iterations.numpy() == 0


def sum_model():
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(1, use_bias=False, name="sum")], name="summer"
    )
    model.layers[0].set_weights([np.ones((4, 1))])
    return model


@pytest.mark.parametrize("mode", ["AP_WRAP", "AP_SAT"])
def test_count_overflow_counts_out_of_range_results(mode):
    from keras_plugin.callback import count_overflow

    x = np.array([[1, 1, 1, 0], [1, 1, 1, 1.5], [-1, -1, -1, -1], [-2, -2, -1, 0], [3, 3, 0, -3]])
    fw = sum_model().export_fpga(
        precision="ap_fixed<16,6>", layers={"sum": {"result": f"ap_fixed<8,3,AP_TRN,{mode}>"}}
    )
    # result range [-4, 4): sums 3, 4.5, -4, -5, 3 -> two overflow
    assert count_overflow(fw.graph, x) == 2
    assert count_overflow(fw.graph, x[[0, 2]]) == 0


def test_csim_overflow_in_logs():
    model = make_model(lr=0.5)
    cb = CSimCallback((X * 8, Y), verbose=0, overflow=50, precision="ap_fixed<8,2>")
    history = fit(model, [cb], epochs=1)
    from keras_plugin.callback import count_overflow

    assert history.history["csim_overflow"] == [count_overflow(cb.firmware.graph, X[:50] * 8)]
    assert history.history["csim_overflow"][0] > 0


def test_named_and_object_metrics_match_keras_on_csim_outputs():
    model = make_model()
    top2 = keras.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")
    cb = CSimCallback(
        (X, Y), verbose=0, metrics=["accuracy", top2, "sparse_categorical_crossentropy"]
    )
    rec = Recorder(cb)
    fit(model, [cb, rec], epochs=1)
    logs, y = rec.logs[0], rec.csim[0].astype("float32")
    want_top2 = keras.metrics.SparseTopKCategoricalAccuracy(k=2)
    want_top2.update_state(Y, y)
    want_ce = keras.metrics.SparseCategoricalCrossentropy()
    want_ce.update_state(Y, y)
    assert logs["csim_accuracy"] == pytest.approx(np.mean(y.argmax(1) == Y))
    assert logs["csim_top2"] == pytest.approx(float(want_top2.result()))
    assert logs["csim_sparse_categorical_crossentropy"] == pytest.approx(float(want_ce.result()))


def test_numbers_equal_keras_metric_and_predict_exactly():
    """The numpy accuracy and the compiled float predict change no reported number."""
    from fpga_export.metrics import compare

    model = make_model(lr=0.5)
    cb = CSimCallback((X, Y), verbose=0, metrics=["accuracy", "acc"])
    rec = Recorder(cb)

    class Independent(keras.callbacks.Callback):
        seen = []

        def on_epoch_end(self, epoch, logs=None):
            y_csim = rec.csim[-1]
            metric = keras.metrics.SparseCategoricalAccuracy()
            metric.update_state(Y, y_csim.astype("float32"))
            lsb = cb.firmware.graph[cb.firmware.graph.outputs[0]].result.lsb
            want = {"csim_accuracy": float(metric.result()), "csim_acc": float(metric.result())}
            want.update(compare(y_csim, model.predict(X, verbose=0), lsb))
            self.seen.append((want, {k: logs[k] for k in want}))

    fit(model, [cb, rec, Independent()], epochs=2)
    for want, got in Independent.seen:
        assert got == want
    assert [sorted(t) for t in cb.timings] == [["csim", "float", "metrics", "refresh", "total"]] * 2


def test_compile_failure_stops_before_training(monkeypatch):
    from fpga_export.csim.build import CompileError

    def fail(project, name, **kw):
        raise CompileError(f"csim compilation of {name!r} failed; full log: {project}/x.log", None)

    monkeypatch.setattr(fpga_export.firmware, "build_library", fail)
    model = make_model()
    with pytest.raises(CompileError, match="full log: .*x.log"):
        fit(model, [CSimCallback((X, Y), verbose=0)])
    assert model.optimizer.iterations.numpy() == 0


def test_validation_split_and_dataset():
    import tensorflow as tf

    model = make_model()
    cb = CSimCallback(verbose=0)
    model.fit(X, Y, epochs=1, batch_size=50, verbose=0, validation_split=0.25, callbacks=[cb])
    np.testing.assert_array_equal(cb._data[0], X[150:])  # Keras' split: the last 25 %
    ds = tf.data.Dataset.from_tensor_slices((X[:30], Y[:30])).batch(8)
    cb = CSimCallback(ds, verbose=0)
    fit(make_model(), [cb], epochs=1)
    np.testing.assert_array_equal(cb._data[1], Y[:30])


def test_tf_keras_model_with_fit_validation_data_and_early_stopping():
    import tf_keras

    tf_keras.utils.set_random_seed(1)
    model = tf_keras.Sequential(
        [
            tf_keras.Input((6,)),
            tf_keras.layers.Dense(8, activation="relu"),
            tf_keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(tf_keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy", ["accuracy"])
    cb = CSimCallback(verbose=0)
    stop = tf_keras.callbacks.EarlyStopping(monitor="csim_accuracy", mode="max", patience=0)
    history = model.fit(
        X, Y, epochs=4, verbose=0, validation_data=(X[:60], Y[:60]), callbacks=[cb, stop]
    )
    assert len(history.history["loss"]) == 2
    y = cb.firmware.predict(X[:60])
    assert history.history["csim_accuracy"][-1] == pytest.approx(np.mean(y.argmax(1) == Y[:60]))


def test_empty_validation_data_fails_before_training():
    model = make_model()
    with pytest.raises(ValueError) as err:
        fit(model, [CSimCallback((X[:0], Y[:0]), verbose=0)])
    assert str(err.value) == (
        "CSimCallback: validation_data has no samples; firmware metrics need at least one"
    )
    assert model.optimizer.iterations.numpy() == 0
