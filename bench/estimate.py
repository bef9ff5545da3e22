"""``fw.estimate()`` against real synthesis reports (issue 13).

For every set of ``shared/reports`` we can rebuild (bench/reference_models.py): build the
model, export it (no write, no csim: the estimate only needs the graph), time
``fw.estimate()`` (best of 3), read the report with ``read_report`` and print ours vs the
report's DSP / LUT / FF / BRAM_18K / latency / II with the ratio ours/report (a report range
min-max: the ratio is against the max). The MNIST MLP row compares with the synthesis
numbers given in issue 13. Then the estimate's own speed on three sizes of model.

Run: .venv/bin/python bench/estimate.py [--markdown] [--no-qkeras] [--layers SET]
(the QKeras set runs in a second process with TF_USE_LEGACY_KERAS=1; no assertions)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

COLUMNS = (("dsp", "DSP"), ("lut", "LUT"), ("ff", "FF"), ("bram_18k", "BRAM_18K"))
TIMED = ("jet_mlp_rf1", "svhn_cnn", "wide_mlp")  # the estimate-speed table


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    """(fastest wall time in s, last result) of ``repeat`` calls."""
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def _ours(est) -> dict:
    out = {k: int(getattr(est.total, k)) for k, _ in COLUMNS}
    out.update(latency=int(est.latency), ii=int(est.ii), nodes=len(est.layers))
    return out


def _theirs(ref, folder) -> dict:
    import reference_models as rm

    from fpga_export.backends.vitis_report import read_report

    if ref.folder is None:  # the MNIST MLP: issue 13's numbers
        return dict(rm.MNIST_ISSUE, source="issue 13")
    r = read_report(folder, top=ref.top)
    res, top = r.top.resources, r.top
    return {
        **{k: getattr(res, k) for k, _ in COLUMNS},
        "latency_min": top.latency_min,
        "latency_max": top.latency_max,
        "ii_min": top.interval_min,
        "ii_max": top.interval_max,
        "source": f"{r.tool} {r.version}",
    }


def measure(name: str) -> dict:
    """One table row: build, export, time the estimate, read the report."""
    import reference_models as rm

    import keras_plugin  # noqa: F401  (adds export_fpga)

    ref = next(s for s in rm.SETS if s.name == name)
    row = {"set": name, "folder": ref.folder, "note": ref.unsupported}
    if ref.folder is not None and rm.report_folder(ref.folder) is None:
        row["note"] = "shared/reports not found (set FPGA_EXPORT_REPORTS)"
        return row
    folder = None if ref.folder is None else rm.report_folder(ref.folder)
    row["report"] = _theirs(ref, folder)
    if ref.builder is None:
        return row
    model, kwargs, _ = rm.build(name)
    t = time.perf_counter()
    fw = model.export_fpga(**kwargs)
    row["export_s"] = time.perf_counter() - t
    row["estimate_s"], est = best_of(fw.estimate)
    row["ours"] = _ours(est)
    return row


def timing(name: str) -> dict:
    """Export and estimate times of one model (a reference set or the wide MLP)."""
    import reference_models as rm

    import keras_plugin  # noqa: F401

    model, kwargs, _ = rm.wide_mlp() if name == "wide_mlp" else rm.build(name)
    t = time.perf_counter()
    fw = model.export_fpga(**kwargs)
    export_s = time.perf_counter() - t
    est_s, est = best_of(fw.estimate)
    weights = sum(int(w.size) for n in fw.graph for w in n.weights.values())
    return {"set": name, "export_s": export_s, "estimate_s": est_s,
            "nodes": len(est.layers), "weights": weights}  # fmt: skip


def print_layers(name: str) -> None:
    """Our per-layer estimate of one set, then its report's per-layer table."""
    import reference_models as rm

    ref = next((s for s in rm.SETS if s.name == name), None)
    if ref is None or ref.builder is None or ref.legacy:
        rebuildable = [s.name for s in rm.SETS if s.builder and not s.legacy]
        sys.exit(f"--layers takes one of: {', '.join(rebuildable)} (Keras 3 sets)")
    import keras_plugin  # noqa: F401

    model, kwargs, folder = rm.build(name)
    print(f"{name}: fw.estimate()\n")
    print(model.export_fpga(**kwargs).estimate().table())
    if folder is not None:
        from fpga_export.backends.vitis_report import read_report

        print(f"\n{name}: {folder.name}\n")
        print(read_report(folder, top=ref.top).table())


def legacy_rows(names: list[str]) -> list[dict]:
    """``measure`` of the QKeras sets, in a process with legacy Keras."""
    if not names:
        return []
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--legacy-json", *names]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return [{"set": n, "note": f"QKeras process failed: {tail}"} for n in names]
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- formatting ------------------------------------------------------------------------------


def _n(v) -> str:
    return "–" if v is None else f"{v:,}"


def _ratio(ours, theirs) -> str:
    if ours is None or theirs is None:
        return ""
    if theirs == 0:
        return "(=)" if ours == 0 else "(∞)"
    return f"({ours / theirs:.2f})"


def _cell(ours, theirs, lo=None) -> str:
    report = _n(theirs) if lo is None or lo == theirs else f"{_n(lo)}-{_n(theirs)}"
    if ours is None:
        return f"– / {report}"
    return f"{_n(ours)} / {report} {_ratio(ours, theirs)}"


def comparison(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    head = ["set", "report", *(label for _, label in COLUMNS), "latency", "II", "estimate"]
    body = []
    for r in rows:
        ours, rep = r.get("ours") or {}, r.get("report") or {}
        cells = [_cell(ours.get(k), rep.get(k)) for k, _ in COLUMNS]
        cells.append(_cell(ours.get("latency"), rep.get("latency_max"), rep.get("latency_min")))
        cells.append(_cell(ours.get("ii"), rep.get("ii_max"), rep.get("ii_min")))
        est = f"{r['estimate_s'] * 1e3:.2f} ms" if "estimate_s" in r else "not rebuilt"
        body.append([r["set"], rep.get("source", ""), *cells, est])
    return head, body


def render(head: list[str], body: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in body])
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]
    out = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in [head, *body]]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in out)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    parser.add_argument("--no-qkeras", action="store_true", help="skip the QKeras set")
    parser.add_argument(
        "--layers", metavar="SET", help="print SET's estimate and report per layer, and stop"
    )
    parser.add_argument("--legacy-json", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.legacy_json:  # the QKeras process: rows as one JSON line
        print(json.dumps([measure(n) for n in args.legacy_json]))
        return
    if args.layers:
        print_layers(args.layers)
        return

    import reference_models as rm

    legacy = [] if args.no_qkeras else [s.name for s in rm.SETS if s.legacy]
    rows = {s.name: measure(s.name) for s in rm.SETS if not s.legacy}
    rows |= {r["set"]: r for r in legacy_rows(legacy)}
    rows = [rows[s.name] for s in rm.SETS if s.name in rows]

    print("fw.estimate() vs synthesis: ours / report (ours/report); estimate = best of 3\n")
    print(render(*comparison(rows), args.markdown))
    notes = [f"- {r['set']} ({r['folder'] or 'issue 13'}): {r['note']}" for r in rows if r["note"]]
    if notes:
        print("\nnot rebuilt / not compared:\n" + "\n".join(notes))

    timed = [timing(n) for n in TIMED]
    head = ["model", "nodes", "weights", "export", "estimate (best of 3)"]
    body = [[t["set"], str(t["nodes"]), f"{t['weights']:,}", f"{t['export_s'] * 1e3:.1f} ms",
             f"{t['estimate_s'] * 1e3:.2f} ms"] for t in timed]  # fmt: skip
    print("\nestimate speed\n")
    print(render(head, body, args.markdown))


if __name__ == "__main__":
    main()
