"""keras_plugin.accuracy: Keras' accuracy metrics in numpy give exactly Keras' value."""

import keras
import numpy as np
import pytest

from keras_plugin.accuracy import accuracy

RNG = np.random.default_rng(0)
N = 997


def keras_value(metric, y_true, y_pred, sample_weight=None):
    metric.reset_state()
    metric.update_state(y_true, y_pred, sample_weight=sample_weight)
    return float(keras.ops.convert_to_numpy(metric.result()))


def tied(shape):
    """Fixed-point-like outputs: few distinct values, so rows often tie for the maximum."""
    return (RNG.integers(0, 4, shape) / 4).astype("float32")


def same_as_keras(metric, y_true, y_pred):
    fast = accuracy(metric, y_true, y_pred)
    assert fast is not None
    assert fast == keras_value(metric, y_true, y_pred)  # exactly: same float32 operations


@pytest.mark.parametrize("label_shape", [(N,), (N, 1)])
@pytest.mark.parametrize("dtype", ["int64", "int32", "float32", "float64"])
def test_sparse_categorical(label_shape, dtype):
    y_true = RNG.integers(0, 5, label_shape).astype(dtype)
    for y_pred in (tied((N, 5)), RNG.random((N, 5)).astype("float32")):
        same_as_keras(keras.metrics.SparseCategoricalAccuracy(), y_true, y_pred)


def test_categorical_with_one_hot_and_tied_soft_labels():
    one_hot = np.eye(5, dtype="float32")[RNG.integers(0, 5, N)]
    for y_true in (one_hot, tied((N, 5))):
        same_as_keras(keras.metrics.CategoricalAccuracy(), y_true, tied((N, 5)))


@pytest.mark.parametrize("label_shape", [(N,), (N, 1)])
@pytest.mark.parametrize("dtype", ["int64", "float32", "float64", "bool"])
@pytest.mark.parametrize("threshold", [0.5, 0.3])
def test_binary_at_and_around_the_threshold(label_shape, dtype, threshold):
    y_true = RNG.integers(0, 2, label_shape).astype(dtype)
    y_pred = np.concatenate([tied((N - 3, 1)), [[0.5], [0.3], [0.75]]]).astype("float32")
    same_as_keras(keras.metrics.BinaryAccuracy(threshold=threshold), y_true, y_pred)


def test_keras_is_asked_where_the_sum_is_not_a_count():
    y_true, y_pred = RNG.integers(0, 5, N), tied((N, 5))
    sparse = keras.metrics.SparseCategoricalAccuracy()
    assert accuracy(sparse, y_true, y_pred, sample_weight=np.ones(N)) is None
    assert accuracy(keras.metrics.SparseTopKCategoricalAccuracy(k=2), y_true, y_pred) is None
    binary = keras.metrics.BinaryAccuracy()
    assert accuracy(binary, RNG.integers(0, 2, (N, 3)), tied((N, 3))) is None  # mean per row
    assert accuracy(sparse, y_true, y_pred.astype("float64")) is None
    assert accuracy(sparse, y_true[:0], y_pred[:0]) is None
