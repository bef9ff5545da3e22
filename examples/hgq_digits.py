"""High-granularity quantization (HGQ2, Keras 3), exported exactly: csim == HGQ2 bit for bit.

An HGQ2 MLP learns a bit width for every weight and every activation value while it trains on
scikit-learn digits; CSimCallback reports firmware accuracy every epoch (when a learned width
changes a type, the csim library is rebuilt once, with a warning). The export needs no
precision settings: every type comes from the live quantizers, and tensors with many widths
become per-element quantizers whose container type the summary names. At the end the
firmware's outputs are compared with HGQ2's own inference (``model(x, training=False)``).

Run: .venv/bin/python examples/hgq_digits.py [output_dir]   (FPGA_EXPORT_EPOCHS=2: quick)
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(output_dir: Path, epochs: int) -> None:
    import keras
    import numpy as np
    from hgq.layers import QDense
    from hgq.quantizer import Quantizer, QuantizerConfig
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from keras_plugin import CSimCallback

    print("==> loading scikit-learn digits (8x8 images, 10 classes)", flush=True)
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.3, random_state=0)

    keras.utils.set_random_seed(0)
    # the pixels are multiples of 1/16 in [0, 1]: one fixed type ap_ufixed<5,1> holds them
    pixels = QuantizerConfig(
        "kif", "datalane", k0=0, i0=1, f0=4, overflow_mode="SAT", trainable=False,
        homogeneous_axis=None, heterogeneous_axis=(),
    )  # fmt: skip
    inp = keras.Input((64,), name="pixels")
    h = Quantizer(pixels, name="pixels_q")(inp)
    h = QDense(32, activation="relu", beta0=1e-5, name="fc1")(h)
    h = QDense(16, activation="relu", beta0=1e-5, name="fc2")(h)
    out = QDense(10, beta0=1e-5, name="logits")(h)
    model = keras.Model(inp, out, name="hgq_digits")
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    csim = CSimCallback(output_dir=output_dir / "project", overwrite=True)
    print(f"==> HGQ2 training for {epochs} epochs, firmware accuracy every epoch", flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(
            x_train, y_train, epochs=epochs, batch_size=64, validation_data=(x_val, y_val),
            callbacks=[csim], verbose=2,
        )  # fmt: skip
    rebuilds = sum("recompiling csim" in str(w.message) for w in caught)
    print(f"csim rebuilt after epochs whose learned widths changed a type: {rebuilds} time(s)")

    fw = csim.firmware
    print(fw.summary())
    got = fw.predict(x_val)
    want = np.asarray(model(x_val, training=False))
    same = np.mean(np.all(got == want, axis=1))
    print(f"csim == HGQ2 (bit for bit):    {same:.2%} of {len(x_val)} samples")
    print(f"firmware accuracy:             {np.mean(got.argmax(1) == y_val):.4f}")
    print(f"HLS project:                   {fw.output_dir}")
    if same != 1.0 or not fw.exact:
        sys.exit("csim differs from HGQ2")


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="hgq-"))
    main(out, int(os.environ.get("FPGA_EXPORT_EPOCHS", "4")))
