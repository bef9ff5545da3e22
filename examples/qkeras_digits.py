"""Quantization-aware training with QKeras, exported exactly: csim == QKeras bit for bit.

A QKeras MLP (6-bit weights, quantized_relu(6) activations, an 8-bit input quantizer) is
trained on scikit-learn digits with CSimCallback reporting firmware accuracy every epoch
(no recompilation between epochs). The export needs no precision settings: every type comes
from the live quantizers. At the end the firmware's outputs are compared with QKeras'.

QKeras needs legacy Keras, chosen before TensorFlow is imported: this script sets
TF_USE_LEGACY_KERAS=1 itself (in your own scripts, set it first thing, or in the shell).

Run: .venv/bin/python examples/qkeras_digits.py [output_dir]   (FPGA_EXPORT_EPOCHS=2: quick)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ["TF_USE_LEGACY_KERAS"] = "1"  # before TensorFlow is imported
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(output_dir: Path, epochs: int) -> None:
    import numpy as np
    import tf_keras
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from keras_plugin import CSimCallback

    print("==> loading scikit-learn digits (8x8 images, 10 classes)", flush=True)
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.3, random_state=0)

    tf_keras.utils.set_random_seed(0)
    w6 = quantized_bits(6, 0, alpha=1)
    model = tf_keras.Sequential(
        [
            tf_keras.Input((64,), name="pixels"),
            QActivation(quantized_bits(8, 0, keep_negative=False), name="pixels_q"),
            QDense(32, kernel_quantizer=w6, bias_quantizer=w6, name="fc1"),
            QActivation(quantized_relu(6, 2), name="relu1"),
            QDense(16, kernel_quantizer=w6, bias_quantizer=w6, name="fc2"),
            QActivation(quantized_relu(6, 2), name="relu2"),
            QDense(10, kernel_quantizer=w6, bias_quantizer=w6, name="logits"),
        ],
        name="qkeras_digits",
    )
    model.compile(
        optimizer=tf_keras.optimizers.Adam(0.01),
        loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    csim = CSimCallback(output_dir=output_dir / "project", overwrite=True)
    print(f"==> QAT for {epochs} epochs, firmware accuracy every epoch", flush=True)
    model.fit(
        x_train, y_train, epochs=epochs, batch_size=64, validation_data=(x_val, y_val),
        callbacks=[csim], verbose=2,
    )  # fmt: skip

    fw = csim.firmware
    print(fw.summary())
    got = fw.predict(x_val)
    want = model.predict(x_val, verbose=0)
    same = np.mean(np.all(got == want, axis=1))
    print(f"csim == QKeras (bit for bit):  {same:.2%} of {len(x_val)} samples")
    print(f"firmware accuracy:             {np.mean(got.argmax(1) == y_val):.4f}")
    print(f"HLS project:                   {fw.output_dir}")
    if same != 1.0:
        sys.exit("csim differs from QKeras")


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="qkeras-"))
    main(out, int(os.environ.get("FPGA_EXPORT_EPOCHS", "8")))
