"""write() and CSimCallback costs (issue 17): prints a table, asserts nothing.

write(): one Dense n x n (strategy resource, reuse factor n, ap_fixed<16,6>) with 10k, 100k and
1M weights, each time a new Firmware into a new folder: the complete project of ``write()``
(weight values, testbench data computed by the numpy reference) and the project ``compile()``
writes before g++ runs (csim-only in this version: no weight text, no testbench data); each
the best of 3 in one process, and the 1M-weight write() as the first call of a fresh process
(median of 5 processes: template compilation and the allocator's first heap growth included).

CSimCallback: the jet MLP (16-64-32-32-5 softmax, ap_fixed<16,6>) trained at batch 256 on
``--train`` random samples, 10,000 validation samples: one epoch's training time, each part of
the callback (best of 10 runs after training: weights pushed, csim predict, float predict,
metrics) and its whole cost per epoch inside ``fit`` (median), as a share of the epoch.

Run:  .venv/bin/python bench/write_callback.py [--baseline CHECKOUT] [--train N]
``--baseline`` measures the same with another checkout's code too (e.g. the main branch) and
prints it beside this one: each side runs in a process of its own with that PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WRITE_SIZES = (100, 316, 1000)  # Dense n x n: 10k, 100k, 1M weights
VALIDATION = 10_000


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def dense_graph(n: int):
    import numpy as np

    from fpga_export.ir import Graph, Node
    from fpga_export.layers.dense import Dense
    from fpga_export.layers.input import Input

    rng = np.random.default_rng(0)
    g = Graph("wide")
    g.add(Node("input_1", Input(), shape=(n,)))
    w = {"kernel": rng.normal(0, 0.05, (n, n)), "bias": rng.normal(0, 0.05, n)}
    kw = {"strategy": "resource", "reuse_factor": n}
    g.add(Node("dense_1", Dense(units=n), ["input_1"], weights=w, **kw))
    g.inputs, g.outputs = ["input_1"], ["dense_1"]
    return g


def measure_write(tmp: Path) -> dict[str, float]:
    from fpga_export.config import ExportConfig
    from fpga_export.firmware import Firmware

    out, count = {}, 0

    def fresh(n):
        nonlocal count
        count += 1
        config = ExportConfig(output_dir=tmp / f"prj{count}", precision="ap_fixed<16,6>")
        return Firmware(dense_graph(n), config)

    def csim_project(fw):
        if hasattr(fw, "_write"):  # csim-only projects exist
            return fw._write(complete=False)
        return fw.write(check_limits=False)  # what compile() wrote before

    for n in WRITE_SIZES:
        weights = f"{n * n + n:,}"
        out[f"write(), {weights} weights"] = best(lambda n=n: fresh(n).write(), 3)
        out[f"compile()'s project, {weights} weights"] = best(lambda n=n: csim_project(fresh(n)), 3)
    return out


def jet_model():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((16,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(5, activation="softmax"),
        ],
        name="jet_mlp",
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def measure_callback(tmp: Path, n_train: int) -> dict[str, float]:
    import keras
    import numpy as np

    from keras_plugin import CSimCallback
    from keras_plugin.callback import csim_metrics

    rng = np.random.default_rng(0)
    x = rng.normal(size=(n_train, 16)).astype("float32")
    y = rng.integers(0, 5, n_train)
    xv = rng.normal(size=(VALIDATION, 16)).astype("float32")
    yv = rng.integers(0, 5, VALIDATION)

    epochs = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):  # placed before the CSimCallback
            epochs.append(time.perf_counter() - self.start)

    model = jet_model()
    cb = CSimCallback((xv, yv), verbose=0, precision="ap_fixed<16,6>", output_dir=tmp / "callback")
    model.fit(x, y, batch_size=256, epochs=5, verbose=0, callbacks=[EpochTimer(), cb])
    fw = cb.firmware
    y_csim = np.asarray(fw.predict(xv))
    y_float = cb._float_predict(xv)
    metrics = getattr(cb, "_metrics", None)  # made once at train begin (this version)
    lsb = cb._output_lsb()

    def run_metrics():  # as on_epoch_end: with its metric objects (made per epoch before)
        objects = metrics if metrics is not None else cb._metric_objects()
        csim_metrics(yv, y_csim, y_float, objects, None, lsb)

    epoch = statistics.median(epochs[1:])
    total = statistics.median(t["total"] for t in cb.timings[1:])
    return {
        "training epoch (no callback)": epoch,
        "callback: refresh (weights pushed)": best(lambda: fw.refresh_from(model), 10),
        "callback: csim predict": best(lambda: fw.predict(xv), 10),
        "callback: float predict": best(lambda: cb._float_predict(xv), 10),
        "callback: metrics": best(run_metrics, 10),
        "callback: total per epoch in fit": total,
        "callback share of the epoch": total / epoch,
    }


def first_write() -> None:
    """The 1M-weight write() as the first of a process (templates not compiled yet, the
    allocator's heap not grown yet): prints its seconds."""
    with tempfile.TemporaryDirectory(prefix="fe-bench-") as tmp:
        os.environ["FPGA_EXPORT_CACHE"] = str(Path(tmp) / "cache")
        from fpga_export.config import ExportConfig
        from fpga_export.firmware import Firmware

        n = WRITE_SIZES[-1]
        config = ExportConfig(output_dir=Path(tmp) / "prj", precision="ap_fixed<16,6>")
        fw = Firmware(dense_graph(n), config)
        start = time.perf_counter()
        fw.write()
        print(f"FIRST {time.perf_counter() - start}", flush=True)


def first_writes(env: dict, repeat: int = 5) -> float:
    """Median of ``first_write`` over ``repeat`` fresh processes."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--first-write"]
    times = []
    for _ in range(repeat):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        lines = [x for x in proc.stdout.splitlines() if x.startswith("FIRST ")]
        if not lines:
            raise RuntimeError(f"first write() failed:\n{proc.stderr[-3000:]}")
        times.append(float(lines[0].split()[1]))
    return statistics.median(times)


def child(n_train: int) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with tempfile.TemporaryDirectory(prefix="fe-bench-") as tmp:
        os.environ["FPGA_EXPORT_CACHE"] = str(Path(tmp) / "cache")
        results = measure_write(Path(tmp))
        results.update(measure_callback(Path(tmp), n_train))
    print("RESULTS " + json.dumps(results), flush=True)


def run(checkout: Path, n_train: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--train", str(n_train)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULTS "):
            results = json.loads(line[len("RESULTS ") :])
            weights = f"{WRITE_SIZES[-1] ** 2 + WRITE_SIZES[-1]:,}"
            results[f"first write() of a process, {weights} weights"] = first_writes(env)
            return results
    raise RuntimeError(f"measuring {checkout} failed:\n{proc.stderr[-3000:]}")


def cell(key: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.1f} %" if key.endswith("of the epoch") else f"{value * 1e3:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout to measure beside")
    parser.add_argument("--train", type=int, default=50_000, help="training samples")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--first-write", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.first_write:
        return first_write()
    if args.child:
        return child(args.train)
    columns = {}
    if args.baseline:
        print(f"before: {args.baseline.resolve()}")
        columns["before"] = run(args.baseline.resolve(), args.train)
    print(f"after:  {ROOT}")
    columns["after"] = run(ROOT, args.train)
    print(
        f"jet MLP callback: {args.train:,} training samples, batch 256, {VALIDATION:,} "
        f"validation samples; {os.cpu_count()} cores\n"
    )
    rows = list(columns["after"])
    width = max(map(len, rows))
    print(f"{'':<{width}}  " + "  ".join(f"{c:>10}" for c in columns))
    for row in rows:
        cells = [cell(row, col.get(row)) for col in columns.values()]
        print(f"{row:<{width}}  " + "  ".join(f"{c:>10}" for c in cells))


if __name__ == "__main__":
    main()
