"""QKeras benchmark: the jet-tagging MLP (16 -> 64 -> 32 -> 32 -> 5, 6-bit weights,
quantized_relu(6)) trained briefly, exported with no precision settings.

Prints export and compile times, csim and QKeras samples/s, the exact-match fraction
(csim == QKeras bit for bit) and the derived types. Runs in its own legacy-Keras process.
Run: .venv/bin/python bench/csim_qkeras.py   (prints a table; no assertions)
"""

from __future__ import annotations

import os
import tempfile
import time

os.environ["TF_USE_LEGACY_KERAS"] = "1"  # before TensorFlow is imported
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> None:
    import numpy as np
    import tf_keras
    from qkeras import QActivation, QDense

    import keras_plugin  # noqa: F401

    w6 = "quantized_bits(6,0,alpha=1)"
    tf_keras.utils.set_random_seed(0)
    x_in = tf_keras.Input((16,), name="x")
    h = QActivation("quantized_bits(10,4)", name="qin")(x_in)
    for i, units in enumerate((64, 32, 32)):
        h = QDense(units, kernel_quantizer=w6, bias_quantizer=w6, name=f"fc{i + 1}")(h)
        h = QActivation("quantized_relu(6)", name=f"relu{i + 1}")(h)
    model = tf_keras.Model(x_in, QDense(5, kernel_quantizer=w6, bias_quantizer=w6)(h))
    rng = np.random.default_rng(0)
    x = rng.normal(0, 3, (100_000, 16)).astype(np.float32)
    y = np.eye(5)[rng.integers(0, 5, 100_000)]
    model.compile("adam", "mse")
    model.fit(x[:20_000], y[:20_000], epochs=2, batch_size=256, verbose=0)

    rows = []
    t = time.perf_counter()
    fw = model.export_fpga(tempfile.mkdtemp(prefix="bench-qkeras-"), name="jet_qkeras")
    rows.append(("export (walk + quantizers + types)", f"{(time.perf_counter() - t) * 1e3:.0f} ms"))
    t = time.perf_counter()
    fw.write()
    fw.compile()
    rows.append(("write + first compile", f"{time.perf_counter() - t:.2f} s"))
    fw.predict(x[:1000])
    t = time.perf_counter()
    got = fw.predict(x)
    rows.append(("csim predict 100,000", f"{len(x) / (time.perf_counter() - t):,.0f} samples/s"))
    t = time.perf_counter()
    want = model.predict(x, batch_size=4096, verbose=0)
    rows.append(("QKeras predict 100,000", f"{len(x) / (time.perf_counter() - t):,.0f} samples/s"))
    same = np.mean(np.all(got == want, axis=1))
    rows.append(("csim == QKeras (bit for bit)", f"{same:.2%} of samples"))
    rows.append(("firmware exact (summary)", str(fw.exact)))
    for n in fw.graph:
        if "accum" in n.types:
            rows.append((f"derived types {n.name}", f"accum {n.types['accum']}"))
    width = max(len(r[0]) for r in rows)
    print(f"{'QKeras jet MLP':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
