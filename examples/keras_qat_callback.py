"""Firmware accuracy during training: a Keras MLP on scikit-learn digits with CSimCallback.

Every epoch the callback pushes the new weights into the compiled C simulation (no
recompilation) and logs ``csim_accuracy``; EarlyStopping monitors it, and a plot of float
vs firmware accuracy per epoch is saved as a PNG.

Run: .venv/bin/python examples/keras_qat_callback.py [output_dir]
     (FPGA_EXPORT_EPOCHS=3 for a quick run)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(output_dir: Path, epochs: int) -> None:
    import keras
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from keras_plugin import CSimCallback

    print("==> loading scikit-learn digits (8x8 images, 10 classes)", flush=True)
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.3, random_state=0)

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((64,), name="pixels"),
            keras.layers.Dense(32, activation="relu", name="dense_1"),
            keras.layers.Dense(16, activation="relu", name="dense_2"),
            keras.layers.Dense(10, activation="softmax", name="output"),
        ],
        name="digits_mlp",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )

    # narrow types: as training goes on the firmware falls behind the float model, and
    # EarlyStopping on csim_accuracy keeps the weights that are best *in firmware*
    csim = CSimCallback(
        output_dir=output_dir / "project",
        precision="ap_fixed<12,5>",
        layers={"output": {"accum": "ap_fixed<18,8>"}},
        keep_best=output_dir / "best_project",
        overwrite=True,
    )
    stop = keras.callbacks.EarlyStopping(
        monitor="csim_accuracy", mode="max", patience=4, restore_best_weights=True
    )

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds = getattr(self, "seconds", []) + [time.perf_counter() - self.start]

    timer = EpochTimer()
    print(f"==> training up to {epochs} epochs with CSimCallback + EarlyStopping", flush=True)
    history = model.fit(
        x_train,
        y_train,
        epochs=epochs,
        batch_size=64,
        validation_data=(x_val, y_val),
        callbacks=[timer, csim, stop],  # timer first: its epoch time includes the callback
        verbose=2,
    )
    h = history.history
    epochs_run = range(1, len(h["loss"]) + 1)
    overhead = [t["total"] for t in csim.timings]
    print()
    print(f"epochs run:                 {len(h['loss'])}")
    print(f"best csim_accuracy:         {csim.best:.4f} (epoch {csim.best_epoch + 1})")
    print(f"best firmware project:      {csim.keep_best}")
    print(
        f"callback cost per epoch:    {np.median(overhead) * 1e3:.1f} ms (median) vs epoch "
        f"{np.median(timer.seconds) * 1e3:.0f} ms, {len(x_val)} validation samples"
    )

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs_run, h["val_accuracy"], "o-", label="float Keras (val_accuracy)")
    ax.plot(epochs_run, h["csim_accuracy"], "s--", label="firmware csim (csim_accuracy)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy")
    ax.set_title("digits MLP: float vs ap_fixed<12,5> firmware")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    png = output_dir / "keras_qat_callback.png"
    fig.savefig(png, dpi=100)
    print(f"plot:                       {png}")


if __name__ == "__main__":
    default = Path(__file__).resolve().parent / "output" / "keras_qat_callback"
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    out.mkdir(parents=True, exist_ok=True)
    main(out, int(os.environ.get("FPGA_EXPORT_EPOCHS", "40")))
