"""Firmware: the object users hold after an export."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import jinja2
import numpy as np

from . import __version__
from .backends import get_backend
from .backends.vitis import GENERATOR, write_json
from .codegen.cpp import identifier
from .csim import CSimLibrary, build_library
from .ir import Graph, Interpreter
from .passes import ExactnessWarning, run_pipeline

_CSIM_TEMPLATES = Path(__file__).parent / "csim" / "templates"
_BRIDGE = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_CSIM_TEMPLATES),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
).get_template("bridge.cpp.j2")
_OUR_ENTRIES = {"firmware", "csim", "compat", "tb_data", "project.json", "build_prj.tcl"}
VENDOR_TOOLS = ("vitis-run", "vitis_hls")


class VendorToolNotFoundError(RuntimeError):
    pass


class BuildError(RuntimeError):
    pass


class Firmware:
    """A typed graph plus everything needed to write, simulate and build it.

    ``write()`` writes the HLS project, ``compile()`` builds (or reuses) the csim library
    and pushes the weights, ``predict()``/``trace()`` run it, ``reference()`` runs the
    bit-accurate numpy interpreter that csim must equal, ``build()`` runs the vendor tool.

    Arrays in and out are the framework's: where the graph records a layout for an input,
    output or traced node (``graph.layouts``, e.g. PyTorch's channels-first tensors of a
    channels-last firmware), ``predict``/``reference``/``trace`` take and return arrays in
    that layout (``input_shapes``/``output_shapes``) and convert at the boundary.
    """

    def __init__(self, graph: Graph, config=None, *, frontend=None):
        if config is None:
            from .config import ExportConfig

            config = ExportConfig()
        self.config = config
        self.backend = get_backend(self.config.backend)
        self.graph = run_pipeline(graph, self.config)
        self.name = identifier(getattr(self.config, "name", None) or graph.name or "model")
        self.output_dir: Path | None = (
            Path(self.config.output_dir) if self.config.output_dir is not None else None
        )
        self._frontend = frontend  # callable(model, config) -> Graph, for refresh_from
        self._lib: CSimLibrary | None = None
        self._written = False

    # -- reference ---------------------------------------------------------------------
    def reference(self, x):
        """Bit-accurate numpy result (what csim returns, by construction and by test)."""
        return self._shape_outputs(Interpreter(self.graph).run(self._inputs(x)))

    # -- project -----------------------------------------------------------------------
    def write(self, output_dir=None, *, overwrite: bool | None = None, tb_data=None) -> Path:
        """Write the HLS project; returns its folder.

        A folder that exists and is not an fpga-export project is refused unless
        ``overwrite=True``. ``tb_data`` are testbench inputs (default: 8 random samples).
        """
        if output_dir is not None:
            self.output_dir = Path(output_dir)
        if self.output_dir is None:
            self.output_dir = Path(tempfile.mkdtemp(prefix=f"fpga-export-{self.name}-"))
        out = self.output_dir
        overwrite = self.config.overwrite if overwrite is None else overwrite
        _prepare_folder(out, overwrite)
        tb_in = self._inputs(tb_data) if tb_data is not None else self._random_inputs(8)
        tb_out = Interpreter(self.graph).run(tb_in)
        flat = lambda arrays: np.concatenate(  # noqa: E731
            [
                np.asarray(a).reshape(len(a), -1)
                for a in (arrays if isinstance(arrays, list) else [arrays])
            ],
            axis=1,
        )
        ins, outs, ctx = self.backend.write(
            self.graph, self.config, out, self.name, __version__, flat(tb_in), flat(tb_out)
        )
        self._write_bridge(out, ins, outs, ctx)
        write_json(
            out / "project.json",
            self.backend.describe(self.graph, self.config, self.name, __version__),
        )
        self._written = True
        return out

    def _write_bridge(self, out: Path, ins, outs, ctx) -> None:
        (out / "csim").mkdir(exist_ok=True)
        shutil.copyfile(_CSIM_TEMPLATES / "fe_trace.h", out / "csim" / "fe_trace.h")
        weights = [
            {
                "var": ctx.weight_var(n, w),
                "type": ctx.type_name(n, role),
                "size": int(np.size(n.weights[w])),
            }
            for n in self.graph
            for w, role in n.op.weight_roles.items()
        ]
        offsets, total = [], 0
        for n in self.graph:
            offsets.append(total)
            total += n.size
        text = _BRIDGE.render(
            name=self.name,
            weights=weights,
            inputs=ins,
            outputs=outs,
            stream=ctx.stream,
            call_args=", ".join(
                [f"in{i}" for i in range(len(ins))] + [f"out{i}" for i in range(len(outs))]
            ),
            trace_offsets=offsets or [0],
            trace_size=total,
        )
        (out / "csim" / f"{self.name}_bridge.cpp").write_text(text)

    # -- csim ----------------------------------------------------------------------------
    def compile(self, *, verbose: bool = False) -> Firmware:
        """Build the csim library (reused from the cache when identical) and load it."""
        if not self._written:
            self.write()
        lib_path, _ = build_library(self.output_dir, self.name, verbose=verbose)
        sizes = lambda names: [self.graph[n].size for n in names]  # noqa: E731
        self._lib = CSimLibrary(lib_path, sizes(self.graph.inputs), sizes(self.graph.outputs))
        self._push_weights()
        return self

    @property
    def compiled(self) -> bool:
        return self._lib is not None

    def _need_lib(self) -> CSimLibrary:
        if self._lib is None:
            self.compile()
        return self._lib

    def _push_weights(self, nodes=None) -> None:
        from .codegen.context import EmitContext

        for node in nodes or self.graph:
            for w in node.op.weight_roles:
                self._lib.set_weight(EmitContext.weight_var(node, w), node.weights[w])

    def predict(self, x, *, threads: int | None = None):
        """Run csim on a batch: one array (or a list, one per input); float32/float64."""
        xs = self._inputs(x)
        lib = self._need_lib()
        ys = lib.predict(xs, threads or os.cpu_count() or 1)
        return self._shape_outputs(ys)

    def trace(self, x) -> dict[str, np.ndarray]:
        """Every node's csim output, by node name (single-threaded), each in its framework
        layout when the graph records one (else the firmware's channels-last array)."""
        xs = self._inputs(x)
        flat = self._need_lib().trace(xs)
        out, pos = {}, 0
        for n in self.graph:
            values = flat[:, pos : pos + n.size].reshape((len(flat), *n.shape))
            layout = self._layout(n.name)
            out[n.name] = layout.from_firmware(values) if layout else values
            pos += n.size
        return out

    # -- io_stream dataflow simulation (csim/dataflow.py) --------------------------------
    def check_dataflow(self, x, *, verbose: bool = False):
        """Run the io_stream top's processes concurrently over FIFOs of their generated
        depths (a separate csim library built with FPGA_EXPORT_DATAFLOW_SIM) on the samples
        ``x``. Returns a ``DataflowReport`` (each FIFO's depth and peak occupancy); raises
        ``DataflowDeadlockError`` naming the blocked processes and FIFOs on a deadlock.
        The outputs are not checked here: ``predict`` is the bit-exact csim."""
        from .codegen.context import EmitContext
        from .csim import dataflow

        if self.config.io_type != "io_stream":
            raise ValueError(
                f"check_dataflow simulates io_stream designs; {self.name!r} is "
                f"{self.config.io_type} (export with io_type='io_stream')"
            )
        xs = self._inputs(x)
        if not self._written:
            self.write()
        sizes = lambda names: [self.graph[n].size for n in names]  # noqa: E731
        lib = dataflow.build(
            self.output_dir, self.name, sizes(self.graph.inputs), sizes(self.graph.outputs),
            verbose=verbose,
        )  # fmt: skip
        for node in self.graph:
            for w in node.op.weight_roles:
                lib.set_weight(EmitContext.weight_var(node, w), node.weights[w])
        return dataflow.simulate(lib, xs)

    def minimize_fifo_depths(self, x, *, verbose: bool = False) -> dict[str, int]:
        """Set every io_stream FIFO to the depth the dataflow simulation of ``x`` needs (its
        peak occupancy, at least 2), rewrite the project and return the depths; what hls4ml
        needs a C/RTL cosimulation for. The computed depths are the starting point, so they
        must not deadlock; ``graph.fifo_depths`` keeps the result."""
        report = self.check_dataflow(x, verbose=verbose)
        self.graph.fifo_depths = report.minimal_depths()
        self.write()
        if self._lib is not None:
            self.compile()
        return dict(self.graph.fifo_depths)

    @property
    def input_shapes(self) -> list[tuple[int, ...]]:
        """Per-sample shapes ``predict`` takes, one per input (framework layout)."""
        return [self._io_shape(n) for n in self.graph.inputs]

    @property
    def output_shapes(self) -> list[tuple[int, ...]]:
        """Per-sample shapes ``predict`` returns, one per output (framework layout)."""
        return [self._io_shape(n) for n in self.graph.outputs]

    def _layout(self, name: str):
        return getattr(self.graph, "layouts", {}).get(name)  # graphs pickled before layouts

    def _io_shape(self, name: str) -> tuple[int, ...]:
        layout = self._layout(name)
        return tuple(layout.shape) if layout else tuple(self.graph[name].shape)

    def set_weights(self, weights: dict[str, dict[str, np.ndarray]]) -> None:
        """Replace weights by node name (``{"dense_1": {"kernel": ..., "bias": ...}}``)
        and push them into the compiled library without recompiling."""
        changed = []
        for name, ws in weights.items():
            node = self.graph[name]
            for w, value in ws.items():
                if w not in node.weights:
                    raise KeyError(
                        f"node {name!r} has no weight {w!r}; it has {list(node.weights)}"
                    )
                value = np.asarray(value, dtype=np.float64)
                if value.shape != node.weights[w].shape:
                    raise ValueError(
                        f"{name}.{w}: expected shape {node.weights[w].shape}, got {value.shape}"
                    )
                node.weights[w] = value
            changed.append(node)
        if self._lib is not None:
            self._push_weights(changed)

    def refresh_from(self, model) -> bool:
        """Pull the current weights of the live model into the firmware.

        Types derived from the weights ("auto", quantizer weight types) are derived again
        with the current ones as a floor (``Node.floor``): they only grow, so while the
        compiled types still hold the new weights and sums nothing changes and the weights
        are pushed without recompiling (returns True). If the architecture or a type changed
        (wider weights, a framework quantizer's new type), the project is rewritten and
        recompiled with a warning naming the changes, and False is returned.
        """
        if self._frontend is None:
            raise RuntimeError("this Firmware was not exported from a live model")
        graph = self._frontend(model, self.config)
        for node in graph:
            if node.name in self.graph:
                node.floor = dict(self.graph[node.name].types)
        with warnings.catch_warnings():  # the export warned already; not once per refresh
            warnings.simplefilter("ignore", ExactnessWarning)
            fresh = run_pipeline(graph, self.config)
        if _signature(fresh) == _signature(self.graph):
            self.set_weights({n.name: n.weights for n in fresh if n.weights})
            for old, new in zip(self.graph, fresh, strict=True):
                old.exact, old.notes = new.exact, new.notes
            return True
        warnings.warn(
            "model architecture or types changed since export: rewriting and recompiling csim"
            + _changes(self.graph, fresh),
            stacklevel=2,
        )
        self.graph = fresh
        self.write()
        if self._lib is not None:
            self.compile()
        return False

    def as_keras_layer(self, **kwargs):
        """This firmware's csim as a non-trainable ``keras.layers.Layer``
        (``keras_plugin.CSimLayer``; writes and compiles the project when needed)."""
        from keras_plugin.layer import CSimLayer

        return CSimLayer.from_firmware(self, **kwargs)

    def as_torch_module(self, **kwargs):
        """This firmware's csim as a ``torch.nn.Module`` without gradient
        (``torch_plugin.CSimModule``; compiles the project when needed)."""
        from torch_plugin.module import CSimModule

        return CSimModule(self, **kwargs)

    # -- vendor build ----------------------------------------------------------------------
    def build(self, csim=True, synth=True, cosim=False, export=False, *, log=None) -> Path:
        """Run Vitis HLS on the project; returns the log path."""
        tool = next((t for t in VENDOR_TOOLS if shutil.which(t)), None)
        if tool is None:
            raise VendorToolNotFoundError(
                "Vitis HLS not found: neither 'vitis-run' nor 'vitis_hls' is on PATH. build() "
                "runs the vendor tool (source Vitis' settings64.sh first). The C simulation "
                "needs no vendor tool: firmware.compile(); firmware.predict(x)."
            )
        if not self._written:
            self.write()
        args = [
            f"csim={int(csim)}",
            f"synth={int(synth)}",
            f"cosim={int(cosim)}",
            f"export={int(export)}",
        ]
        if tool == "vitis-run":
            cmd = ["vitis-run", "--mode", "hls", "--tcl", "build_prj.tcl", "-tclargs", *args]
        else:
            cmd = ["vitis_hls", "-f", "build_prj.tcl", "-tclargs", *args]
        log_path = Path(log) if log else self.output_dir / "vitis_hls.log"
        start = time.perf_counter()
        with open(log_path, "w") as f:
            code = subprocess.run(
                cmd, cwd=self.output_dir, stdout=f, stderr=subprocess.STDOUT
            ).returncode
        if code != 0:
            raise BuildError(
                f"{tool} failed with exit code {code} after "
                f"{time.perf_counter() - start:.0f} s; log: {log_path}"
            )
        return log_path

    # -- inspection ------------------------------------------------------------------------
    def summary(self) -> str:
        lines = [
            f"fpga-export firmware {self.name!r} "
            f"(backend {self.config.backend}, {self.config.io_type})"
        ]
        lines.append(str(self.graph))
        lines.append("")
        lines.append("types, strategy and reuse per node:")
        for n in self.graph:
            types = ", ".join(f"{r}={t}" for r, t in n.types.items())
            extra = f"  [{n.strategy}, reuse {n.reuse_factor}]" if "kernel" in n.types else ""
            lines.append(f"  {n.name}: {types}{extra}")
        lines.extend(self._exactness_lines())
        lines.append("")
        lines.append(f"project: {self.output_dir if self._written else '(not written yet)'}")
        lines.append(f"csim: {self._lib.path if self._lib else '(not compiled yet)'}")
        return "\n".join(lines)

    def _exactness_lines(self) -> list[str]:
        """Which nodes csim reproduces bit for bit (quantized models; passes.mark_exact)."""
        marked = [n for n in self.graph if n.exact is not None]
        if not marked:
            return []
        exact = sum(n.exact for n in marked)
        lines = ["", f"exactness (csim == framework bit for bit): {exact} of {len(marked)} nodes"]
        for n in marked:
            status = "exact" if n.exact else "NOT EXACT"
            why = f": {'; '.join(n.notes)}" if n.notes else ""
            lines.append(f"  {n.name}: {status}{why}")
        return lines

    @property
    def exact(self) -> bool | None:
        """True when every output is exact (csim == the framework's quantized model bit for
        bit); None for float models (no quantizers read)."""
        marked = [self.graph[o].exact for o in self.graph.outputs]
        return None if any(m is None for m in marked) else all(marked)

    def __repr__(self) -> str:
        return f"Firmware({self.name!r}, {len(self.graph)} nodes, {self.config.io_type})"

    # -- helpers -------------------------------------------------------------------------
    def _inputs(self, x) -> list[np.ndarray]:
        xs = list(x) if isinstance(x, (list, tuple)) else [x]
        g = self.graph
        if len(xs) != len(g.inputs):
            raise ValueError(f"{self.name} has {len(g.inputs)} input(s), got {len(xs)} array(s)")
        out = []
        for name, a in zip(g.inputs, xs, strict=True):
            a = np.asarray(a)
            if a.dtype.kind not in "fiub":
                raise ValueError(
                    f"input {name!r}: expected a float32/float64 array, got dtype {a.dtype}"
                )
            layout = self._layout(name)
            want = tuple(layout.shape) if layout else g[name].shape
            if a.ndim == len(want):
                a = a[None]  # a single sample
            if a.shape[1:] != want:
                raise ValueError(
                    f"input {name!r}: expected shape (batch, {', '.join(map(str, want))}), "
                    f"got {a.shape}"
                )
            a = a.astype(np.float64, copy=False)
            if not np.all(np.isfinite(a)):
                raise ValueError(f"input {name!r}: contains NaN or infinity")
            out.append(layout.to_firmware(a, g[name].shape) if layout else a)
        return out

    def _shape_outputs(self, ys):
        ys = ys if isinstance(ys, list) else [ys]
        shaped = []
        for y, o in zip(ys, self.graph.outputs, strict=True):
            y = np.asarray(y).reshape((len(y), *self.graph[o].shape))
            layout = self._layout(o)
            shaped.append(layout.from_firmware(y) if layout else y)
        return shaped[0] if len(shaped) == 1 else shaped

    def _random_inputs(self, n: int) -> list[np.ndarray]:
        rng = np.random.default_rng(0)
        xs = []
        for name in self.graph.inputs:
            t = self.graph[name].result
            x = rng.normal(0.0, 1.0, (n, *self.graph[name].shape))
            xs.append(np.clip(x, t.min, t.max))
        return xs


def _changes(old: Graph, new: Graph) -> str:
    """What differs, for the rebuild warning: changed types by node (a few), or the nodes."""
    if [n.name for n in old] != [n.name for n in new]:
        return f" (nodes now: {', '.join(n.name for n in new)})"
    diffs = [
        f"{a.name}.{r} {a.types[r]} -> {b.types[r]}"
        for a, b in zip(old, new, strict=True)
        for r in a.types
        if r in b.types and str(a.types[r]) != str(b.types[r])
    ]
    if not diffs:
        return ""
    more = f" and {len(diffs) - 4} more" if len(diffs) > 4 else ""
    return f" ({', '.join(diffs[:4])}{more}; fix types with layers= to avoid rebuilds)"


def _signature(graph: Graph, types: bool = True) -> str:
    layouts = getattr(graph, "layouts", {})
    return json.dumps(
        [{n: str(v) for n, v in sorted(layouts.items())}]
        + [
            [
                n.name,
                n.op.kind,
                n.inputs,
                list(n.shape),
                {r: str(t) for r, t in n.types.items()} if types else None,
                n.reuse_factor,
                n.strategy,
                {w: list(np.shape(v)) for w, v in n.weights.items()},
                str(n.op.attributes()),
            ]
            for n in graph
        ]
    )


def _prepare_folder(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"output path {out} exists and is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        if _is_our_project(out):
            for entry in out.iterdir():
                if entry.name in _OUR_ENTRIES or entry.name.endswith(("_test.cpp", ".log")):
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        elif overwrite:
            shutil.rmtree(out)
        else:
            raise FileExistsError(
                f"output folder {out} exists and is not an fpga-export project; "
                "choose another folder or pass overwrite=True to replace its contents"
            )
    out.mkdir(parents=True, exist_ok=True)


def _is_our_project(out: Path) -> bool:
    try:
        return json.loads((out / "project.json").read_text()).get("generator") == GENERATOR
    except (OSError, ValueError, AttributeError):
        return False
