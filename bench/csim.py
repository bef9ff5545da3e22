"""csim benchmark: export, compile, refresh and predict speed of the jet-tagging MLP shape.

16 -> 64 relu -> 32 relu -> 32 relu -> 5 softmax, ap_fixed<16,6>, io_parallel, latency, RF 1.
Run: .venv/bin/python bench/csim.py   (prints a table; no assertions)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def jet_mlp():
    from fpga_export.ir import Graph, Node
    from fpga_export.layers.activation import Activation
    from fpga_export.layers.dense import Dense
    from fpga_export.layers.input import Input

    rng = np.random.default_rng(0)
    g = Graph("jet_mlp")
    prev = g.add(Node("input_1", Input(), shape=(16,))).name
    sizes = [16, 64, 32, 32, 5]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        w = {"kernel": rng.normal(0, 1 / np.sqrt(a), (a, b)), "bias": rng.normal(0, 0.1, b)}
        prev = g.add(Node(f"dense_{i + 1}", Dense(units=b), [prev], weights=w)).name
        fn = "softmax" if i == 3 else "relu"
        prev = g.add(Node(f"{fn}_{i + 1}", Activation(function=fn), [prev])).name
    g.inputs, g.outputs = ["input_1"], [prev]
    return g


def small_cnn():
    """16x16x1 -> Conv2D 8 3x3 relu -> MaxPool 2 -> Conv2D 16 3x3 relu -> Flatten -> Dense 10
    softmax (the Keras breadth issue's benchmark CNN)."""
    from fpga_export.ir import Graph, Node
    from fpga_export.layers.activation import Activation
    from fpga_export.layers.conv import Conv2D
    from fpga_export.layers.dense import Dense
    from fpga_export.layers.input import Input
    from fpga_export.layers.pool import Pooling2D
    from fpga_export.layers.reshape import Flatten

    rng = np.random.default_rng(0)
    g = Graph("small_cnn")

    def conv(name, prev, c_in, filters):
        w = {
            "kernel": rng.normal(0, 1 / np.sqrt(9 * c_in), (3, 3, c_in, filters)),
            "bias": rng.normal(0, 0.1, filters),
        }
        g.add(Node(name, Conv2D(filters=filters), [prev], weights=w))
        return g.add(Node(f"{name}_relu", Activation(function="relu"), [name])).name

    prev = g.add(Node("input_1", Input(), shape=(16, 16, 1))).name
    prev = conv("conv_1", prev, 1, 8)
    prev = g.add(Node("pool_1", Pooling2D(op="max"), [prev])).name
    prev = conv("conv_2", prev, 8, 16)
    prev = g.add(Node("flatten", Flatten(), [prev])).name
    w = {"kernel": rng.normal(0, 0.05, (5 * 5 * 16, 10)), "bias": np.zeros(10)}
    g.add(Node("dense", Dense(units=10), [prev], weights=w))
    g.add(Node("softmax", Activation(function="softmax"), ["dense"]))
    g.inputs, g.outputs = ["input_1"], ["softmax"]
    return g


def timed(fn, repeat=1):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    from fpga_export.config import ExportConfig
    from fpga_export.firmware import Firmware

    os.environ["FPGA_EXPORT_CACHE"] = tempfile.mkdtemp(prefix="fe-bench-cache-")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cfg = ExportConfig(output_dir=Path(tmp) / "prj", precision="ap_fixed<16,6>")
        t_export, fw = timed(lambda: Firmware(jet_mlp(), cfg))
        t_write, _ = timed(fw.write)
        rows.append(("export (graph + passes)", f"{t_export * 1e3:.1f} ms"))
        rows.append(("write project", f"{t_write * 1e3:.1f} ms"))
        t_first, _ = timed(fw.compile)
        rows.append(("first compile (g++ -O2)", f"{t_first:.2f} s"))
        fw2 = Firmware(jet_mlp(), ExportConfig(output_dir=Path(tmp) / "prj2"))
        t_cached, _ = timed(fw2.compile)
        rows.append(("cached compile (new Firmware, same types)", f"{t_cached * 1e3:.1f} ms"))
        weights = {n.name: dict(n.weights) for n in fw.graph if n.weights}
        t_refresh, _ = timed(lambda: fw.set_weights(weights), repeat=20)
        rows.append(("weight refresh (all layers)", f"{t_refresh * 1e3:.2f} ms"))
        rng = np.random.default_rng(1)
        for n in (1_000, 100_000):
            x = rng.normal(0, 1, (n, 16))
            fw.predict(x[:10])
            t, _ = timed(lambda x=x: fw.predict(x), repeat=3)
            rows.append(
                (f"predict {n:,} samples ({os.cpu_count()} threads)", f"{n / t:,.0f} samples/s")
            )
        x = rng.normal(0, 1, (10_000, 16))
        t, _ = timed(lambda: fw.reference(x))
        rows.append(("numpy reference interpreter, 10,000 samples", f"{1e4 / t:,.0f} samples/s"))
        for io_type in ("io_parallel", "io_stream"):
            cfg = ExportConfig(output_dir=Path(tmp) / f"cnn_{io_type}", io_type=io_type)
            fw = Firmware(small_cnn(), cfg)
            fw.write()
            t_first, _ = timed(fw.compile)
            rows.append((f"small CNN {io_type}: first compile", f"{t_first:.2f} s"))
            x = rng.normal(0, 1, (5_000, 16, 16, 1))
            fw.predict(x[:10])
            t, _ = timed(lambda x=x, fw=fw: fw.predict(x), repeat=2)
            rows.append(
                (f"small CNN {io_type}: predict 5,000 samples", f"{5_000 / t:,.0f} samples/s")
            )
    width = max(len(r[0]) for r in rows)
    print(f"{'jet MLP 16-64-32-32-5, ap_fixed<16,6>':<{width}}  value")
    print("-" * (width + 22))
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
