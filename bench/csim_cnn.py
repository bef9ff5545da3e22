"""csim vs TensorFlow on two CNNs (issue 17's CNN rows): prints a table, asserts nothing.

- cnn2d: 32x32x3 -> Conv2D 16 3x3 relu -> MaxPool 2 -> Conv2D 32 3x3 relu -> MaxPool 2 ->
  Flatten -> Dense 10 (1.18 M MACs).
- cnn1d: 128x4 -> Conv1D 16 k5 relu -> MaxPool 2 -> Conv1D 32 k5 relu -> MaxPool 2 ->
  Conv1D 32 k3 relu -> GlobalMaxPool -> Dense 5 (0.41 M MACs).

ap_fixed<16,6>, latency, RF 1, both io types. Throughput (samples/s, GMAC/s of the
convolutions and the Dense) of csim on every core, and of the same float Keras model's
``predict_on_batch`` (TensorFlow, batch 256) in the same run; best of a few rounds. ``uptime``
before and after: other work on the machine skews both.

Run:  .venv/bin/python bench/csim_cnn.py [--n 2000] [--models cnn2d,cnn1d]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def cnn2d():
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(10),
        ],
        name="cnn",
    )


def cnn1d():
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((128, 4)),
            keras.layers.Conv1D(16, 5, activation="relu"),
            keras.layers.MaxPooling1D(),
            keras.layers.Conv1D(32, 5, activation="relu"),
            keras.layers.MaxPooling1D(),
            keras.layers.Conv1D(32, 3, activation="relu"),
            keras.layers.GlobalMaxPooling1D(),
            keras.layers.Dense(5),
        ],
        name="cnn1d",
    )


MODELS = {"cnn2d": cnn2d, "cnn1d": cnn1d}


def macs(m) -> int:
    """Multiply-accumulates per sample of the model's Conv and Dense layers."""
    total = 0
    for layer in m.layers:
        if hasattr(layer, "kernel"):
            out = layer.output.shape[1:-1]  # spatial output positions ([] for Dense)
            total += int(np.prod(out, dtype=np.int64)) * int(np.prod(layer.kernel.shape))
    return total


def best(fn, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def run(name: str, n: int) -> None:
    m = MODELS[name]()
    shape = m.input_shape[1:]
    x = np.random.default_rng(1).uniform(-1, 1, (n, *shape)).astype(np.float32)
    rows = []
    for io_type in ("io_parallel", "io_stream"):
        out = tempfile.mkdtemp(prefix="bench-cnn-")
        fw = m.export_fpga(f"{out}/p", io_type=io_type).compile()
        fw.predict(x[:64])
        rows.append((f"csim {io_type}", n / best(lambda fw=fw: fw.predict(x))))
    m.predict_on_batch(x[:256])

    def tf_run():
        for i in range(0, n, 256):
            m.predict_on_batch(x[i : i + 256])

    rows.append(("TensorFlow float, batch 256", n / best(tf_run)))
    tf_rate, k = rows[-1][1], macs(m)
    print(f"{name}: {shape} , {k:,} MACs/sample, {n} samples, {os.cpu_count()} cores")
    print(f"{'':32s}{'samples/s':>12s}{'GMAC/s':>9s}{'vs TF':>8s}")
    for label, rate in rows:
        print(f"{label:32s}{rate:12,.0f}{rate * k / 1e9:9.2f}{rate / tf_rate:8.2f}")


def main() -> None:
    import keras_plugin  # noqa: F401

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--models", default=",".join(MODELS))
    args = ap.parse_args()
    print("load before:", os.getloadavg())
    for name in args.models.split(","):
        run(name, args.n)
    print("load after:", os.getloadavg())


if __name__ == "__main__":
    main()
