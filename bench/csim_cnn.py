"""csim vs TensorFlow on a CNN (issue 17's CNN row): prints a table, asserts nothing.

32x32x3 -> Conv2D 16 3x3 relu -> MaxPool 2 -> Conv2D 32 3x3 relu -> MaxPool 2 -> Flatten ->
Dense 10, ap_fixed<16,6>, latency, RF 1, both io types. Throughput (samples/s, GMAC/s of the
convolutions and the Dense) of csim on every core, and of the same float Keras model's
``predict_on_batch`` (TensorFlow, batch 256) in the same run; best of a few rounds.

Run:  .venv/bin/python bench/csim_cnn.py [--n 2000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def model():
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


def macs() -> int:
    conv1 = 30 * 30 * 16 * 3 * 3 * 3
    conv2 = 13 * 13 * 32 * 3 * 3 * 16
    return conv1 + conv2 + 6 * 6 * 32 * 10


def best(fn, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    import keras_plugin  # noqa: F401

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    n = ap.parse_args().n
    m = model()
    x = np.random.default_rng(1).uniform(-1, 1, (n, 32, 32, 3)).astype(np.float32)
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
    tf_rate = rows[-1][1]
    print(f"CNN 32x32x3 conv-pool-conv-pool-dense, {macs():,} MACs/sample, {n} samples, "
          f"{os.cpu_count()} cores")  # fmt: skip
    print(f"{'':32s}{'samples/s':>12s}{'GMAC/s':>9s}{'vs TF':>8s}")
    for name, rate in rows:
        print(f"{name:32s}{rate:12,.0f}{rate * macs() / 1e9:9.2f}{rate / tf_rate:8.2f}")


if __name__ == "__main__":
    main()
