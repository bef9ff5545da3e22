"""End-to-end demo: train a small Keras MLP on scikit-learn digits, export it to Vitis HLS,
compile the bit-accurate C simulation and compare float and firmware accuracy; then estimate
its resources and latency, profile its values against the float model and write the HTML
report.

Run: make demo   (or .venv/bin/python examples/demo.py [output_dir])
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def step(text: str) -> float:
    print(f"==> {text}", flush=True)
    return time.perf_counter()


def main(output_dir: Path) -> None:
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    t = step("loading scikit-learn digits (8x8 images, 10 classes, offline)")
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)  # pixels in [0, 1]
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=0)

    t = step("building and training a Keras MLP 64 -> 32 relu -> 16 relu -> 10 softmax")
    import keras

    import keras_plugin  # noqa: F401  (adds Model.export_fpga)

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
    model.fit(x_train, y_train, epochs=30, batch_size=64, verbose=0)
    print(f"    trained in {time.perf_counter() - t:.1f} s")

    t = step(f"exporting to a Vitis HLS project in {output_dir}")
    firmware = model.export_fpga(
        output_dir,
        precision="ap_fixed<16,6>",
        layers={"output": {"accum": "ap_fixed<24,10>"}},
        overwrite=True,
    )
    firmware.write()
    print(f"    written in {time.perf_counter() - t:.2f} s")

    t = step("compiling the C simulation (g++, cached by content hash)")
    firmware.compile(verbose=False)
    print(f"    ready in {time.perf_counter() - t:.2f} s")

    t = step("evaluating float model and firmware on the test set")
    float_pred = model.predict(x_test, verbose=0).argmax(1)
    csim_pred = firmware.predict(x_test).argmax(1)
    exact = np.array_equal(firmware.predict(x_test), firmware.reference(x_test))
    print()
    print(firmware.summary())
    print()
    print(f"test samples:              {len(x_test)}")
    print(f"float Keras accuracy:      {np.mean(float_pred == y_test):.4f}")
    print(f"firmware (csim) accuracy:  {np.mean(csim_pred == y_test):.4f}")
    print(f"argmax agreement:          {np.mean(float_pred == csim_pred):.4f}")
    print(f"csim == numpy reference:   {exact} (bit for bit)")
    print(f"HLS project:               {firmware.output_dir}")

    t = step("will it fit? resource and latency estimate (no synthesis)")
    est = firmware.estimate()
    print(f"    estimated in {1e3 * (time.perf_counter() - t):.1f} ms")
    print(
        f"    {est.total.dsp:,} DSP, {est.total.lut:,} LUT, {est.total.ff:,} FF, "
        f"{est.total.bram_18k:,} BRAM_18K; latency {est.latency} cycles = {est.latency_ns:g} ns, "
        f"interval {est.ii}; fits {firmware.config.part}: {est.fits()}"
    )

    t = step("is the precision right? profiling the test set against the float model")
    profile = firmware.profile(x_test, model)
    overflow = sum(n.overflow for n in profile.nodes)
    print(f"    values outside their types: {overflow}")
    for name, settings in profile.suggest(error=2.0**-6, weights=False).items():
        print(f"    suggested {name}: {settings['precision']['result']}")

    t = step("writing the HTML report (graph, types, estimate, profile)")
    report = firmware.report_html(profile=profile, overwrite=True)
    print(f"HTML report:               {report}")


if __name__ == "__main__":
    default = Path(__file__).resolve().parent / "output" / "digits_mlp"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
