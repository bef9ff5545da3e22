"""Firmware: the object users hold after an export."""

from __future__ import annotations

import functools
import json
import os
import tempfile
import threading
import warnings
from pathlib import Path

import jinja2
import numpy as np

from . import __version__, project, state
from .backends import get_backend
from .backends.vitis_build import TOOLS as VENDOR_TOOLS  # noqa: F401
from .backends.vitis_build import BuildError, VendorToolNotFoundError  # noqa: F401
from .backends.vitis_limits import Finding, enforce
from .codegen.context import EmitContext
from .codegen.names import top_name
from .csim import CSimLibrary, build_library
from .csim.build import cache_dir
from .csim.lock import ReadWriteLock
from .ir import Graph, Interpreter
from .passes import ExactnessWarning, run_pipeline

_CSIM_TEMPLATES = Path(__file__).parent / "csim" / "templates"
_BRIDGE_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_CSIM_TEMPLATES),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_LOCK_CREATION = threading.Lock()


def _exclusive(method):
    """The method changes weights, library or project: no prediction runs meanwhile."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock.exclusive():
            return method(self, *args, **kwargs)

    return locked


class Firmware:
    """A typed graph plus everything needed to write, simulate and build it.

    ``write()`` writes the HLS project, ``compile()`` builds (or reuses) the csim library
    and pushes the weights, ``predict()``/``trace()`` run it, ``reference()`` runs the
    bit-accurate numpy interpreter that csim must equal, ``build()`` runs the vendor tool.

    Arrays in and out are the framework's: where the graph records a layout for an input,
    output or traced node (``graph.layouts``, e.g. PyTorch's channels-first tensors of a
    channels-last firmware), ``predict``/``reference``/``trace`` take and return arrays in
    that layout (``input_shapes``/``output_shapes``) and convert at the boundary.

    A Firmware is safe to use from several threads: predictions (``predict``, ``trace``,
    ``reference``) run side by side, weight pushes, compiles and rewrites (``set_weights``,
    ``refresh_from``, ``compile``, ``write``, ``save_state``) wait for them and hold them off
    (``fpga_export.csim.lock``), so every call sees one complete set of weights.
    """

    def __init__(self, graph: Graph, config=None, *, frontend=None):
        if config is None:
            from .config import ExportConfig

            config = ExportConfig()
        self.config = config
        self.backend = get_backend(self.config.backend)
        self.graph = run_pipeline(graph, self.config)
        self.name = top_name(
            getattr(self.config, "name", None) or graph.name or "model",
            EmitContext.global_names(self.graph),
        )
        self.output_dir: Path | None = (
            project.output_path(self.config.output_dir)
            if self.config.output_dir is not None
            else None
        )
        self._frontend = frontend  # callable(model, config) -> Graph, for refresh_from
        self._lib: CSimLibrary | None = None
        self._written = False
        self._files: dict[Path, dict[str, str]] = {}  # folder -> files this object wrote
        self._complete: set[Path] = set()  # folders written with weight values and tb data
        self._rw = ReadWriteLock()

    @property
    def _lock(self) -> ReadWriteLock:
        lock = self.__dict__.get("_rw")  # also for objects made without __init__
        if lock is None:
            with _LOCK_CREATION:
                lock = self.__dict__.setdefault("_rw", ReadWriteLock())
        return lock

    @classmethod
    def load(cls, folder) -> Firmware:
        """The Firmware saved in a project folder (its ``csim/firmware_state.json`` and
        ``csim/firmware_weights.npz``: data only, validated; see ``fpga_export.state``).

        The C++ project is generated again from that data, by this package, into a folder
        of its own under the fpga-export cache (``$FPGA_EXPORT_CACHE/projects``; shared
        by every load of the same architecture), and ``output_dir`` is that folder: nothing
        in ``folder`` other than the two data files is read, compiled or run.
        """
        config, graph, name = state.load(folder)
        fw = cls.__new__(cls)
        fw.config, fw.graph, fw.name = config, graph, name
        fw.backend = get_backend(config.backend)
        fw._frontend, fw._lib, fw._written, fw._files = None, None, False, {}
        fw._complete = set()
        arch = state.dump(config, graph, name)[0]
        digest = project.sha256(arch + __version__.encode())[:20]
        fw.output_dir = cache_dir().parent / "projects" / f"{name}-{digest}"
        return fw

    # -- reference ---------------------------------------------------------------------
    def reference(self, x):
        """Bit-accurate numpy result (what csim returns, by construction and by test)."""
        with self._lock.shared():
            return self._shape_outputs(Interpreter(self.graph).run(self._inputs(x)))

    # -- project -----------------------------------------------------------------------
    @_exclusive
    def write(
        self,
        output_dir=None,
        *,
        overwrite: bool | None = None,
        tb_data=None,
        check_limits: bool = True,
    ) -> Path:
        """Write the HLS project; returns its folder.

        Only files this package wrote (recorded in the folder's manifest,
        ``fpga_export.project``) are ever replaced or removed: a re-export into a project
        keeps every file you added. A folder that exists, is not empty and is not an
        fpga-export project is refused unless ``overwrite=True``, which writes the project
        beside its files; ``overwrite=True`` also replaces files the export wrote earlier
        and you changed since. Files the export did not write are never replaced (the
        export refuses and names them). The current folder, its parents and the home folder
        are refused. Concurrent writers of one folder take turns. ``tb_data`` are testbench
        inputs (default: 8 random samples).

        Before writing, the firmware is checked against the synthesis tool's limits
        (``check_limits()``): a crossed limit raises ``HardwareLimitError`` naming the layer and
        what to change, multipliers beyond the part's DSPs warn (``ResourceUseWarning``).
        ``check_limits=False`` skips the check (``compile()`` never runs it: csim is not
        synthesis).

        ``compile()`` of a project not written yet writes a csim-only project: weight headers
        without values (csim pushes them at run time) and no testbench data; ``write()`` and
        ``build()`` write them.
        """
        if check_limits:
            enforce(self.check_limits())
        return self._write(output_dir, overwrite=overwrite, tb_data=tb_data)

    def _write(self, output_dir=None, *, overwrite=None, tb_data=None, complete=True) -> Path:
        """Write the project: ``complete`` (for the vendor tool) or csim-only (no weight
        values, no testbench data: nothing formatted or run that csim does not read)."""
        if output_dir is not None:
            self.output_dir = project.output_path(output_dir)
        if self.output_dir is None:
            self.output_dir = Path(tempfile.mkdtemp(prefix=f"fpga-export-{self.name}-"))
        overwrite = self.config.overwrite if overwrite is None else overwrite
        files = self._project_files(tb_data, complete=complete)
        out = self.output_dir
        self._files[out.resolve()] = project.write_project(out, files, overwrite=overwrite)
        complete_folders = self._complete_folders
        if complete:
            complete_folders.add(out.resolve())
        else:
            complete_folders.discard(out.resolve())
        self._written = True
        return out

    @property
    def _complete_folders(self) -> set[Path]:
        return self.__dict__.setdefault("_complete", set())  # also objects made without __init__

    def _is_complete(self) -> bool:
        """The project in ``output_dir`` holds weight values and testbench data."""
        folder = self.output_dir
        return self._written and folder is not None and folder.resolve() in self._complete_folders

    def _rewrite(self) -> Path:
        """Write the project again as completely as it was written."""
        return self._write(complete=self._is_complete())

    def check_limits(self) -> list[Finding]:
        """What the synthesis tool would refuse (severity "error": arrays, loops, ROMs over
        its limits), what does not fit the part ("warning": multipliers beyond its DSPs) and
        notes (a part not in the table), each naming the layer and what to change."""
        return self.backend.check(self.graph, self.config)

    def _project_files(self, tb_data=None, *, complete=True) -> project.ProjectFiles:
        """Every file of the project, in memory (written by ``project.write_project``);
        csim-only (``complete=False``): no weight values, no testbench data."""
        tb = self._testbench_data(tb_data) if complete else (None, None)
        files = project.ProjectFiles()
        ins, outs, ctx = self.backend.write(
            self.graph, self.config, files, self.name, __version__, *tb, values=complete
        )
        self._write_bridge(files, ins, outs, ctx)
        files.json(
            "project.json", self.backend.describe(self.graph, self.config, self.name, __version__)
        )
        self._add_state(files)
        return files

    def _testbench_data(self, tb_data=None) -> tuple[np.ndarray, np.ndarray]:
        """(inputs, expected outputs) of the C++ testbench, one flat row per sample: the
        numpy reference run on ``tb_data`` (default: 8 random samples)."""
        tb_in = self._inputs(tb_data) if tb_data is not None else self._random_inputs(8)
        tb_out = Interpreter(self.graph).run(tb_in)
        flat = lambda arrays: np.concatenate(  # noqa: E731
            [
                np.asarray(a).reshape(len(a), -1)
                for a in (arrays if isinstance(arrays, list) else [arrays])
            ],
            axis=1,
        )
        return flat(tb_in), flat(tb_out)

    def _add_state(self, files: project.ProjectFiles) -> None:
        data, weights = state.dump(self.config, self.graph, self.name)
        files.add(state.STATE_FILE, data)
        files.add(state.WEIGHTS_FILE, weights)

    @_exclusive
    def save_state(self, folder=None) -> Path:
        """Write the current state (settings, typed graph, weights) into the project folder
        (default: ``output_dir``; written first if needed), replacing only the state files
        (``Firmware.load`` reads them); returns the folder."""
        if folder is None:
            if not self._written:
                self.write(check_limits=False)  # csim state: not synthesis
            folder = self.output_dir
        files = project.ProjectFiles()
        self._add_state(files)
        written = project.write_project(Path(folder), files, overwrite=False, update=True)
        self._files.get(Path(folder).resolve(), {}).update(written)
        return Path(folder)

    def _write_bridge(self, files: project.ProjectFiles, ins, outs, ctx) -> None:
        files.copy("csim/fe_trace.h", _CSIM_TEMPLATES / "fe_trace.h")
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
        text = _BRIDGE_TEMPLATES.get_template("bridge.cpp.j2").render(
            name=self.name,
            weights=weights,
            inputs=ins,
            outputs=outs,
            stream=ctx.stream,
            stream_class=self.backend.stream_class,
            call_args=", ".join(
                [f"in{i}" for i in range(len(ins))] + [f"out{i}" for i in range(len(outs))]
            ),
            trace_offsets=offsets or [0],
            trace_size=total,
        )
        files.text(f"csim/{self.name}_bridge.cpp", text)

    # -- csim ----------------------------------------------------------------------------
    @_exclusive
    def compile(self, *, verbose: bool = False) -> Firmware:
        """Build the csim library (reused from the cache when identical) and load it. A
        project not written yet is written csim-only (see ``write``)."""
        if not self._written:
            self._write(complete=False)
        out = self.output_dir
        with project.locked(out):  # no other export rewrites the sources while g++ reads them
            if project.recorded(out) != self._files.get(out.resolve()):
                self._rewrite()  # another export wrote the folder since: ours again
            lib_path, _ = build_library(out, self.name, verbose=verbose)
        sizes = lambda names: [self.graph[n].size for n in names]  # noqa: E731
        lib = CSimLibrary(lib_path, sizes(self.graph.inputs), sizes(self.graph.outputs))
        self._push_weights(lib, self.graph)
        self._lib = lib
        return self

    @property
    def compiled(self) -> bool:
        return self._lib is not None

    def _push_weights(self, lib: CSimLibrary, nodes) -> None:
        for node in nodes:
            for w in node.op.weight_roles:
                lib.set_weight(EmitContext.weight_var(node, w), node.weights[w])

    def _run_csim(self, x, run):
        """``run(library, inputs)`` with the lock held shared; inputs are checked before
        anything is compiled (compiled here when needed)."""
        while True:
            with self._lock.shared():
                xs = self._inputs(x)
                if self._lib is not None:
                    return run(self._lib, xs)
            with self._lock.exclusive():
                if self._lib is None:
                    self.compile()

    def predict(self, x, *, threads: int | None = None):
        """Run csim on a batch: one array (or a list, one per input); float32/float64.
        Ctrl-C stops it within a fraction of a second (KeyboardInterrupt)."""
        threads = threads or _cores()
        return self._run_csim(x, lambda lib, xs: self._shape_outputs(lib.predict(xs, threads)))

    def trace(self, x) -> dict[str, np.ndarray]:
        """Every node's csim output, by node name (single-threaded), each in its framework
        layout when the graph records one (else the firmware's channels-last array)."""
        return self._run_csim(x, lambda lib, xs: self._split_trace(lib.trace(xs)))

    def _split_trace(self, flat: np.ndarray) -> dict[str, np.ndarray]:
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
        if not self.backend.dataflow_sim:
            raise ValueError(
                f"check_dataflow simulates hls::stream FIFOs; the {self.config.backend} backend's "
                f"streams are {self.backend.stream_class} (check the design with backend='vitis')"
            )
        xs = self._inputs(x)
        if not self._written:
            self._write(complete=False)
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

    @_exclusive
    def set_weights(self, weights: dict[str, dict[str, np.ndarray]]) -> None:
        """Replace weights by node name (``{"dense_1": {"kernel": ..., "bias": ...}}``)
        and push them into the compiled library without recompiling. All are checked
        before any is replaced. A written project keeps the old values until ``write()``;
        ``build()`` writes the new ones first."""
        updates = []
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
                updates.append((node, w, value))
        for node, w, value in updates:
            node.weights[w] = value
        if updates:  # written weight values are stale: build() writes them again
            self._complete_folders.clear()
        if self._lib is not None:
            try:
                self._push_weights(self._lib, list({id(n): n for n, _, _ in updates}.values()))
            except BaseException:  # half pushed (Ctrl-C?): the next call loads a fresh copy
                self._lib = None
                raise

    @_exclusive
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
        compiled, self._lib = self._lib is not None, None  # never the old library, new graph
        self.graph = fresh
        self._rewrite()  # csim of the live model; build() checks
        if compiled:
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
    def build(
        self,
        csim=True,
        synth=True,
        cosim=False,
        export=False,
        vsynth=False,
        *,
        log=None,
        verbose: bool = True,
    ) -> Path:
        """Run the backend's HLS tool on the project: Vitis HLS (``vitis-run`` 2023.2+, else
        ``vitis_hls``), or ``vivado_hls`` for ``backend="vivado"``.

        Steps: C simulation, C synthesis, C/RTL co-simulation, IP export, Vivado synthesis of
        the RTL (``vsynth``). Prints each step with the elapsed time (``verbose``); raises
        BuildError naming the log and its first error when the tool fails. Returns the log
        path; ``report()`` then reads the results.
        """
        from .backends.vitis_build import OPTIONS_FILE, BuildOptions

        self.backend.find_tool()  # a clear error before anything is written
        enforce(self.check_limits())  # also when compile() wrote the project
        if not self._is_complete():  # not written, or csim-only (compile())
            self.write(check_limits=False)
        options = BuildOptions(csim, synth, cosim, export, vsynth)
        self._write_file(OPTIONS_FILE, options.tcl())  # recorded: never a file of yours
        return self.backend.run_build(self.output_dir, options, log=log, verbose=verbose)

    @_exclusive
    def _write_file(self, rel: str, text: str) -> None:
        """One more file of ours in the written project, recorded in its manifest."""
        files = project.ProjectFiles()
        files.text(rel, text)
        folder = Path(self.output_dir)
        written = project.write_project(folder, files, overwrite=False, update=True)
        self._files.get(folder.resolve(), {}).update(written)

    def report(self, top: str | None = None):
        """The synthesis report of the project, read by the backend (Vitis/Vivado:
        ``fpga_export.read_report``; oneAPI, i++, Catapult: ``backends.oneapi_report``,
        ``quartus_report``, ``catapult_report``): latency, II and resources of the top and of
        each layer (kernel, component or process), per loop where the tool reports loops,
        post-synthesis (Vivado) or Quartus-fit numbers when they ran. Resources are in the
        vendor's kinds (``report.resource_labels``)."""
        from .backends.vitis_report import ReportNotFoundError

        if not self._written or self.output_dir is None:
            raise ReportNotFoundError(
                "no synthesis report yet: the project was not written; run "
                "firmware.build(synth=True) first"
            )
        try:
            return self.backend.read_report(self.output_dir, top=top or self.name)
        except ReportNotFoundError as e:
            raise ReportNotFoundError(
                f"no synthesis report for {self.name!r} in {self.output_dir} yet: run "
                f"firmware.build(synth=True) first ({e})"
            ) from None

    # -- inspection ------------------------------------------------------------------------
    def estimate(self):
        """Resources (DSP, LUT, FF, BRAM_18K, URAM), latency and interval of the firmware as
        the backend writes it, per layer and in total, against the part's capacity
        (``fpga_export.estimate``; the model: docs/estimate.md). Takes no synthesis."""
        from .estimate import estimate

        with self._lock.shared():
            return estimate(self.graph, self.config, self.backend)

    def report_html(self, path=None, *, x=None, profile=None, overwrite: bool = False) -> Path:
        """Write a self-contained HTML report (``fpga_export.report_html``): settings, the graph
        as a diagram, every node's types and exactness, the estimate against the part, the
        profile plots (``profile=``, or ``x=`` sample inputs when ``profile()`` exists) and the
        synthesis report's numbers beside the estimate when the project folder holds one.
        Default path: ``<output_dir>/report.html`` of the written project. Replaces only a
        report it wrote (one edited since: ``overwrite=True``); returns the path."""
        from .report_html import write_html

        folder = self.output_dir if self._written else None
        if path is None:
            if folder is None:
                raise ValueError(
                    "the project was not written yet: pass a path "
                    "(firmware.report_html('report.html')) or call firmware.write() first"
                )
            path = Path(folder) / "report.html"
        return write_html(self, path, x=x, profile=profile, overwrite=overwrite, project_dir=folder)

    def profile(self, x, model=None, *, csim: bool | None = None):
        """Per-node statistics of the values for the samples ``x``: fixed point (csim, or
        its bit-identical numpy reference when csim is not compiled; ``csim=True`` compiles)
        and the live ``model``'s float values when given; type ranges, overflow, values
        below one LSB, weights. ``.suggest()`` gives ``layers=`` settings, ``.plot()`` a
        figure, ``.table()`` text (``fpga_export.profile``)."""
        from .profile import profile

        return profile(self, x, model, csim=csim)

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
            if note := n.op.describe(n):
                extra += f"  ({note})"
            lines.append(f"  {n.name}: {types}{extra}")
        if self.config.notes:  # hls4ml keys accepted without effect
            lines.append("")
            lines.extend(self.config.notes)
        lines.extend(self._exactness_lines())
        lines.append("")
        lines.append("estimate (fw.estimate(); no synthesis, docs/estimate.md):")
        lines.extend("  " + line for line in str(self.estimate()).splitlines())
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
            hint = (
                ": a list or tuple is read as one array per input; pass a batch of samples as "
                "one array (np.stack(samples))"
                if isinstance(x, (list, tuple)) and len(xs) > len(g.inputs)
                else ""
            )
            raise ValueError(
                f"{self.name} has {len(g.inputs)} input(s), got {len(xs)} array(s){hint}"
            )
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
            if out and len(a) != len(out[0]):
                raise ValueError(
                    f"{self.name}: input {name!r} has {len(a)} samples, input {g.inputs[0]!r} "
                    f"has {len(out[0])}; give every input the same number of samples"
                )
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


@functools.cache
@functools.cache
def _cores() -> int:
    """Cores this process may run on (its affinity mask, e.g. under taskset or a batch
    system), else all; asked once."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


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
