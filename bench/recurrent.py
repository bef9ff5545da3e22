"""Recurrent jet tagger benchmark: 20 timesteps x 6 features -> LSTM 32 (or GRU 32) -> last
step -> Dense 5, in PyTorch (and Keras 3 when keras_plugin converts recurrent layers).

Per model, at ap_fixed<16,6> with the default recurrent types and tables (1024 entries over
[-8, 8)), io_parallel, latency, static implementation: first compile time (empty csim
cache), csim samples/s (batch of 10,000, all cores), float vs csim (argmax agreement, max
|diff| of the 5 outputs), the framework's own float inference on the same batch in the
same run (torch forward / Keras call, all cores: the ratio), and ``fw.estimate()``.
Weights: the frameworks' own random initializers (seeded), inputs normal(0, 1): untrained
models, so the argmax agreement is a harder test than on a trained tagger (its classes are
close together).
Run: .venv/bin/python bench/recurrent.py   (prints a table; no assertions)
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

STEPS, FEATURES, UNITS, CLASSES, N = 20, 6, 32, 5, 10_000


def torch_model(kind: str):
    import torch
    from torch import nn

    import torch_plugin  # noqa: F401

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            cls = {"LSTM": nn.LSTM, "GRU": nn.GRU}[kind]
            self.rnn = cls(FEATURES, UNITS, batch_first=True)
            self.fc = nn.Linear(UNITS, CLASSES)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.fc(out[:, -1])

    model = Tagger().eval()

    def run_float(x):
        with torch.no_grad():
            return model(torch.from_numpy(x)).double().numpy()

    def export(path):
        return model.export_fpga(path, input_shape=(STEPS, FEATURES), precision="ap_fixed<16,6>")

    return export, run_float


def keras_model(kind: str):
    import keras

    import keras_plugin  # noqa: F401

    keras.utils.set_random_seed(0)
    layer = {"LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU}[kind]
    model = keras.Sequential(
        [keras.Input((STEPS, FEATURES)), layer(UNITS), keras.layers.Dense(CLASSES)]
    )

    def run_float(x):
        return np.asarray(model(x), dtype=np.float64)

    def export(path):
        return model.export_fpga(path, precision="ap_fixed<16,6>")

    return export, run_float


def measure(name, factory, kind, tmp: Path) -> dict:
    export, run_float = factory(kind)
    export(tmp / "warm-up")  # one-time imports and tracing set-up are not the export
    start = time.perf_counter()
    fw = export(tmp / name.replace(" ", "_"))
    t_export = time.perf_counter() - start
    start = time.perf_counter()
    fw.compile()
    t_compile = time.perf_counter() - start
    x = np.random.default_rng(1).normal(0, 1, (N, STEPS, FEATURES)).astype(np.float32)
    fw.predict(x[:10])
    best = min(_timed(lambda: fw.predict(x)) for _ in range(3))
    run_float(x[:256])
    best_float = min(_timed(lambda: run_float(x)) for _ in range(3))
    y, y_float = fw.predict(x), run_float(x)
    gates = 4 if kind == "LSTM" else 3
    macs = STEPS * gates * UNITS * (FEATURES + UNITS) + UNITS * CLASSES
    est = fw.estimate()
    return {
        "model": name,
        "export": f"{t_export * 1e3:.0f} ms",
        "first compile": f"{t_compile:.1f} s",
        "csim": f"{N / best:,.0f} /s",
        "csim GMAC/s": f"{N * macs / best / 1e9:.2f}",
        "float (framework)": f"{N / best_float:,.0f} /s",
        "csim / float": f"{best_float / best:.2f}x",
        "argmax agree": f"{np.mean(y.argmax(1) == y_float.argmax(1)):.4f}",
        "max |diff|": f"{np.abs(y - y_float).max():.4f}",
        "DSP": f"{est.total.dsp:,}",
        "LUT": f"{est.total.lut:,}",
        "FF": f"{est.total.ff:,}",
        "BRAM_18K": f"{est.total.bram_18k:,}",
        "latency": f"{est.latency:,}",
        "II": f"{est.ii:,}",
    }


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def keras_has_recurrent() -> bool:
    try:
        import keras

        from keras_plugin.convert import KERAS_LAYERS
    except ImportError:
        return False
    return KERAS_LAYERS.resolve(keras.layers.LSTM) is not None


def main():
    os.environ["FPGA_EXPORT_CACHE"] = tempfile.mkdtemp(prefix="fe-bench-rnn-cache-")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("LSTM", "GRU"):
            rows.append(measure(f"PyTorch {kind}", torch_model, kind, Path(tmp)))
        if keras_has_recurrent():
            for kind in ("LSTM", "GRU"):
                rows.append(measure(f"Keras 3 {kind}", keras_model, kind, Path(tmp)))
        else:
            print("(keras_plugin has no recurrent handlers here: Keras rows left out)")
    head = list(rows[0])
    print(
        f"Recurrent jet tagger: {STEPS} x {FEATURES} -> {UNITS} units -> Dense {CLASSES}, "
        f"ap_fixed<16,6>, io_parallel, static; csim on {N:,} samples, {os.cpu_count()} threads"
    )
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r[h] for h in head) + " |")


if __name__ == "__main__":
    main()
