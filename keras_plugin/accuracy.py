"""Keras' accuracy metrics in numpy, giving exactly the value ``keras.metrics`` gives.

``CSimCallback`` evaluates its metrics every epoch; a fresh Keras metric object costs a few
milliseconds of eager operations for 10,000 samples, the same numbers in numpy a tenth of
that. Only cases whose result provably equals Keras' are taken (else ``None``: the caller
asks Keras):

- ``SparseCategoricalAccuracy``, ``CategoricalAccuracy`` (outputs ``(n, classes)``) and
  ``BinaryAccuracy`` (one output per sample, any threshold), the classes themselves;
- no sample weights, float32 metric and ``floatx``, fewer than 2**24 samples.

Keras computes one 0/1 match per sample in float32 (labels converted to the prediction's
dtype, argmax ties to the first index, as TensorFlow's and numpy's argmax do), sums them in
float32 (exact below 2**24: every partial sum is an integer) and divides by the count in
float32; the same operations here give the same float32.
"""

from __future__ import annotations

import keras
import numpy as np

__all__ = ["accuracy"]

_EXACT_COUNT = 1 << 24  # float32 holds every integer up to here: sums of 0/1 are exact


def accuracy(metric, y_true, y_pred, sample_weight=None) -> float | None:
    """``metric``'s result for these samples (a fresh state), or None when not one of the
    cases above."""
    kind = type(metric)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    n = len(y_pred)
    if (
        sample_weight is not None
        or metric.dtype != "float32"
        or keras.backend.floatx() != "float32"
        or not 0 < n < _EXACT_COUNT
        or len(y_true) != n
        or y_true.dtype.kind not in "biuf"
        or y_pred.dtype != np.float32
    ):
        return None
    if kind is keras.metrics.SparseCategoricalAccuracy:
        matches = _sparse(y_true, y_pred)
    elif kind is keras.metrics.CategoricalAccuracy:
        matches = _categorical(y_true, y_pred)
    elif kind is keras.metrics.BinaryAccuracy:
        matches = _binary(y_true, y_pred, metric.get_config()["threshold"])
    else:
        return None
    if matches is None:
        return None
    return float(np.float32(np.count_nonzero(matches)) / np.float32(n))


def _sparse(y_true, y_pred):
    if y_pred.ndim != 2 or y_true.shape not in ((len(y_pred),), (len(y_pred), 1)):
        return None
    labels = y_true.reshape(-1).astype(np.float32)  # converted to y_pred's dtype
    return labels == y_pred.argmax(axis=-1).astype(np.float32)


def _categorical(y_true, y_pred):
    if y_pred.ndim != 2 or y_true.shape != y_pred.shape:
        return None
    labels = y_true.argmax(axis=-1).astype(np.float32)
    return labels == y_pred.argmax(axis=-1).astype(np.float32)


def _binary(y_true, y_pred, threshold):
    n = len(y_pred)
    if y_pred.size != n or y_true.size != n or y_pred.ndim > 2 or y_true.ndim > 2:
        return None
    above = y_pred.reshape(-1) > np.float32(threshold)  # compared in y_pred's dtype
    return y_true.reshape(-1) == above.astype(y_true.dtype)
