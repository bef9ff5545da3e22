"""QKeras tests: this process must use legacy Keras (TF_USE_LEGACY_KERAS=1 before TensorFlow
is imported), which the root conftest checks before collecting this folder."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import qkeras  # noqa: E402,F401  (imports TensorFlow with legacy Keras)
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402

import keras_plugin  # noqa: E402,F401  (adds export_fpga)

assert tf.keras.Model is tf_keras.Model, "tests/qkeras need TF_USE_LEGACY_KERAS=1"
