"""csim throughput of dense-heavy models against single-core float32 numpy BLAS (issue 17).

Models: the jet MLP 16-64-32-32-5 (relu, softmax) and 16-{100,200,500}x5-5 MLPs (relu),
ap_fixed<16,6> everywhere, io_parallel, latency, RF 1. "before": the library as main built it
(-O2, firmware code path: CXXFLAGS=-UFPGA_EXPORT_CSIM_KERNELS, FPGA_EXPORT_CSIM_PORTABLE=1);
"after": the default build (csim kernels, -march=native). BLAS: the same layers in float32
(x @ W + b, relu; BLAS_CHUNK samples a matmul) on one thread, in the same run. Measurements
are interleaved in ROUNDS rounds, the best of each kept (a busy machine slows all alike).
"before" uses this branch's bridge (threads take chunks as they go); its kernels and flags
are main's. Every csim output is checked against the numpy reference on a slice. GMAC/s
counts every MAC of the network; the csim kernel skips the rows of inputs that are 0 (exact:
such a row adds 0), about half of them after a relu here, BLAS computes them.
Run: .venv/bin/python bench/csim_kernels.py   (prints a table; no assertions)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from csim import jet_mlp  # noqa: E402

SECONDS = 0.1  # per measurement
ROUNDS = 9  # every measurement once per round, best kept: load changes hit all alike


def wide_mlp(width: int, depth: int = 5):
    from fpga_export.ir import Graph, Node
    from fpga_export.layers.activation import Activation
    from fpga_export.layers.dense import Dense
    from fpga_export.layers.input import Input

    rng = np.random.default_rng(0)
    g = Graph(f"mlp_{width}")
    prev = g.add(Node("input_1", Input(), shape=(16,))).name
    sizes = [16] + [width] * depth + [5]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        w = {"kernel": rng.normal(0, 1 / np.sqrt(a), (a, b)), "bias": rng.normal(0, 0.1, b)}
        prev = g.add(Node(f"dense_{i + 1}", Dense(units=b), [prev], weights=w)).name
        if i < len(sizes) - 2:
            prev = g.add(Node(f"relu_{i + 1}", Activation(function="relu"), [prev])).name
    g.inputs, g.outputs = ["input_1"], [prev]
    return g


def dense_layers(graph) -> list[tuple[np.ndarray, np.ndarray]]:
    return [
        (n.weights["kernel"].astype(np.float32), n.weights["bias"].astype(np.float32))
        for n in graph
        if n.op.kind == "dense"
    ]


def rate(fn, n: int) -> float:
    t = time.perf_counter()
    fn()
    return n / (time.perf_counter() - t)


def sized(x: np.ndarray, fn_of_batch, target: float = SECONDS) -> tuple[np.ndarray, object]:
    """A batch of about ``target`` seconds for ``fn_of_batch`` and the call on it."""
    probe = x[:1000]
    fn_of_batch(probe)
    per_second = rate(lambda: fn_of_batch(probe), len(probe))
    n = int(min(400_000, max(1_000, per_second * target)))
    batch = np.resize(x, (n, x.shape[1]))
    return batch, lambda: fn_of_batch(batch)


BLAS_CHUNK = 2048  # samples per matmul: the activations stay in the caches (BLAS's best)


def blas_forward(layers):
    def run(x32):
        out = []
        for lo in range(0, len(x32), BLAS_CHUNK):
            h = x32[lo : lo + BLAS_CHUNK]
            for w, b in layers:
                h = h @ w
                h += b
                np.maximum(h, 0, out=h)
            out.append(h)
        return out

    return run


def single_sample_us(fw, x: np.ndarray) -> float:
    one = x[:1]
    times = []
    for _ in range(2000):
        t = time.perf_counter()
        fw.predict(one)
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1e6


def compiled(graph, out: Path, before: bool):
    from fpga_export.config import ExportConfig
    from fpga_export.firmware import Firmware

    saved = {k: os.environ.get(k) for k in ("CXXFLAGS", "FPGA_EXPORT_CSIM_PORTABLE")}
    if before:
        os.environ["CXXFLAGS"] = "-UFPGA_EXPORT_CSIM_KERNELS"
        os.environ["FPGA_EXPORT_CSIM_PORTABLE"] = "1"
    try:
        cfg = ExportConfig(output_dir=out, precision="ap_fixed<16,6>")
        return Firmware(graph, cfg).compile()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def main():
    from threadpoolctl import threadpool_limits

    os.environ["FPGA_EXPORT_CACHE"] = tempfile.mkdtemp(prefix="fe-bench-cache-")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    models = [("jet 16-64-32-32-5", jet_mlp())]
    models += [(f"16-{w}x5-5", wide_mlp(w)) for w in (100, 200, 500)]
    x = np.random.default_rng(1).normal(0, 1, (20_000, 16))
    rows, calls, overhead = [], [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, graph in models:
            row = {"model": label, "macs": sum(w.size for w, _ in dense_layers(graph))}
            rows.append(row)
            with threadpool_limits(limits=1):
                batch, call = sized(x.astype(np.float32), blas_forward(dense_layers(graph)))
            calls.append((row, "blas", len(batch), call))
            for when in ("before", "after"):
                fw = compiled(graph, Path(tmp) / f"{graph.name}_{when}", when == "before")
                np.testing.assert_array_equal(fw.predict(x[:500]), fw.reference(x[:500]))
                batch, call = sized(x, lambda b, fw=fw: fw.predict(b, threads=1))
                calls.append((row, f"{when} 1", len(batch), call))
                many = np.resize(batch, (len(batch) * cores, 16))
                call = lambda fw=fw, many=many: fw.predict(many, threads=cores)  # noqa: E731
                calls.append((row, f"{when} all", len(many), call))
                if label.startswith("jet"):
                    overhead[when] = single_sample_us(fw, x)
        for _ in range(ROUNDS):
            for row, key, n, call in calls:
                if key == "blas":
                    with threadpool_limits(limits=1):
                        r = rate(call, n)
                else:
                    r = rate(call, n)
                row[key] = max(row.get(key, 0.0), r)
    print_table(rows, cores, overhead)


def print_table(rows, cores: int, overhead: dict[str, float]) -> None:
    print("ap_fixed<16,6>, io_parallel, latency, RF 1; csim before/after vs float32 BLAS")
    head = (
        f"{'model':<22} {'MAC/smp':>8} | {'samples/s 1 core':>23} "
        f"| {'GMAC/s 1 core':>13} | {f'samples/s {cores} cores':>23} | {'BLAS f32 1 core':>16} "
        f"| {'csim/BLAS 1 core':>16}"
    )
    sub = (
        f"{'':<22} {'':>8} | {'before':>11} {'after':>11} | {'before':>6} {'after':>6} | "
        f"{'before':>11} {'after':>11} | {'samples/s':>10} {'GMAC/s':>5} | {'before':>7} "
        f"{'after':>8}"
    )
    print(head)
    print(sub)
    print("-" * len(head))
    for r in rows:
        b1, ball = r["before 1"], r["before all"]
        a1, aall = r["after 1"], r["after all"]
        gm = r["macs"] / 1e9
        print(
            f"{r['model']:<22} {r['macs']:>8,} | {b1:>11,.0f} {a1:>11,.0f} | {b1 * gm:>6.2f} "
            f"{a1 * gm:>6.2f} | {ball:>11,.0f} {aall:>11,.0f} | {r['blas']:>10,.0f} "
            f"{r['blas'] * gm:>6.1f} | {b1 / r['blas']:>6.0%} {a1 / r['blas']:>8.0%}"
        )
    for when, us in overhead.items():
        print(f"jet MLP predict of 1 sample ({when}): {us:.1f} us (median of 2000 calls)")


if __name__ == "__main__":
    main()
