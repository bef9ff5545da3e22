"""``CSimCallback``: firmware (csim) accuracy in the Keras logs, every epoch.

::

    cb = CSimCallback((x_val, y_val), precision="ap_fixed<16,6>")
    model.fit(x, y, epochs=20, callbacks=[cb, keras.callbacks.EarlyStopping("csim_accuracy")])

On train begin the model is exported and the csim library compiled once.  At the end of an
epoch (every ``every`` epochs) the current weights are pushed into the compiled library
(no recompilation unless the architecture or the types changed), csim runs on the
validation data and these entries are written into ``logs`` (so EarlyStopping,
ModelCheckpoint, History and TensorBoard see them):

- ``csim_<metric>`` for each requested metric, computed by a ``keras.metrics`` object reset
  before each use ("accuracy" is resolved as ``compile`` resolves it: sparse categorical,
  categorical or binary accuracy from the shapes of the labels and outputs; these three are
  computed in numpy with Keras' float32 operations, the same value, see
  ``keras_plugin.accuracy``);
- ``csim_agreement``: for outputs with more than one value per sample, the fraction of
  samples whose csim argmax equals the float model's argmax; for one output value per
  sample, the fraction of samples within one LSB of the output type of the float output;
- ``csim_max_abs_diff``: the largest |csim - float| over all outputs.

The float outputs come from Keras' compiled predict function (``predict_on_batch``: the
values ``model.predict`` gives). ``timings`` holds the seconds of each evaluation by part:
``refresh`` (weights pushed), ``csim``, ``float``, ``metrics``, ``overflow`` (when logged)
and ``total``.

Validation data: the ``validation_data`` argument ``(x, y)`` or ``(x, y, sample_weight)``
(arrays), or, when it is None, the validation data of ``model.fit`` (``validation_data=``
arrays or a finite ``tf.data.Dataset``, or ``validation_split``), read from ``fit``'s
frame (Keras 3 on TensorFlow and tf_keras are tested; ``fit`` does not hand it to
callbacks).  Either way it is read and checked at train begin (shape; no NaN or infinity),
as is the ``keep_best`` folder.

With ``overflow=True`` (or an int: that many validation samples) ``csim_overflow`` is also
logged: the number of values, over all nodes and samples, that saturated or wrapped, counted
by the numpy interpreter (bit-identical to csim; see ``fpga_export.metrics``).  It costs one
interpreter run plus one per node, about 40x the csim run (0.4 s for 10,000 samples of a
16-64-32-32-5 MLP), so it is off by default.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
import warnings
from pathlib import Path

import keras
import numpy as np

from fpga_export import project
from fpga_export.config import ExportConfig
from fpga_export.metrics import compare, count_overflow

from .accuracy import accuracy

__all__ = ["CSimCallback", "count_overflow"]

ON_MISMATCH = ("warn", "stop")
_MIN_MONITORS = ("loss", "diff", "overflow", "error")


def _export_keys() -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(ExportConfig))


def _numpy(a):
    if a is None:
        return None
    if isinstance(a, (list, tuple)):
        return [_numpy(v) for v in a]
    return np.asarray(keras.ops.convert_to_numpy(a) if not isinstance(a, np.ndarray) else a)


class CSimCallback(keras.callbacks.Callback):
    """Reports firmware (csim) metrics in the Keras logs; see the module docstring.

    Args:
        validation_data: ``(x, y)`` or ``(x, y, sample_weight)``; None: use fit's.
        metrics: Keras metric names or ``keras.metrics.Metric`` objects.
        every: run csim every N epochs (other epochs get no csim entries).
        on_mismatch: ``"warn"`` or ``"stop"`` (``model.stop_training``) when
            ``csim_agreement < agreement_threshold``; also how a csim failure is handled.
        agreement_threshold: see ``on_mismatch``.
        keep_best: folder: the firmware project of the best epoch by ``monitor`` is written
            there (with that epoch's weights). It must be new, empty or an fpga-export
            project (checked at train begin); ``overwrite`` never applies to it.
        monitor: log entry that decides the best epoch (``"csim_accuracy"``).
        mode: ``"max"``, ``"min"`` or ``"auto"`` (min for losses, diffs; max otherwise).
        threads: csim threads (default: all cores).
        verbose: 1 prints export/compile progress and a line per csim evaluation.
        overflow: log ``csim_overflow`` (see the module docstring); an int counts on that
            many validation samples only.
        **export_kwargs: exactly the keyword arguments of ``export_fpga`` (``output_dir``
            included; default: a fresh temporary folder).
    """

    def __init__(
        self,
        validation_data=None,
        *,
        metrics=("accuracy",),
        every: int = 1,
        on_mismatch: str = "warn",
        agreement_threshold: float = 0.9,
        keep_best=None,
        monitor: str = "csim_accuracy",
        mode: str = "auto",
        threads: int | None = None,
        verbose: int = 1,
        overflow: bool | int = False,
        **export_kwargs,
    ):
        super().__init__()
        unknown = sorted(set(export_kwargs) - set(_export_keys()))
        if unknown:
            raise TypeError(
                f"CSimCallback got unknown argument(s) {', '.join(unknown)}; export arguments "
                f"are: {', '.join(_export_keys())}"
            )
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"every must be an int >= 1, got {every!r}")
        if on_mismatch not in ON_MISMATCH:
            raise ValueError(
                f"on_mismatch must be one of {', '.join(ON_MISMATCH)}, got {on_mismatch!r}"
            )
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if isinstance(metrics, (str, keras.metrics.Metric)):
            metrics = (metrics,)
        self.validation_data = validation_data
        self.metric_specs = tuple(metrics)
        self.every = every
        self.on_mismatch = on_mismatch
        self.agreement_threshold = float(agreement_threshold)
        self.keep_best = Path(keep_best) if keep_best is not None else None
        self.monitor = monitor
        if mode == "auto":
            mode = "min" if any(k in monitor for k in _MIN_MONITORS) else "max"
        self.mode = mode
        self.threads = threads
        self.verbose = verbose
        if not isinstance(overflow, (bool, int)) or overflow < 0:
            raise ValueError(f"overflow must be True, False or an int >= 0, got {overflow!r}")
        self.overflow = overflow
        self.export_kwargs = export_kwargs
        self.firmware = None
        self.best = None
        self.best_epoch = None
        self.history: list[dict] = []  # csim entries per evaluated epoch (with "epoch")
        # seconds per evaluated epoch: refresh, csim, float, metrics (overflow), total
        self.timings: list[dict] = []
        self._data = None
        self._metrics = []

    # tf_keras (legacy Keras 2) asks its callbacks these; Keras 3 does not
    _supports_tf_logs = False

    def _implements_train_batch_hooks(self):
        return False

    def _implements_test_batch_hooks(self):
        return False

    def _implements_predict_batch_hooks(self):
        return False

    # -- train begin ---------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._data = self._resolve_data()
        x = self._data[0]
        self._check_keep_best()
        if len(self.model.outputs) != 1:
            raise ValueError(
                f"CSimCallback supports single-output models; {self.model.name!r} has "
                f"{len(self.model.outputs)} outputs"
            )
        self._say(f"CSimCallback: exporting {self.model.name!r} ...")
        start = time.perf_counter()
        fw = self.model.export_fpga(**self.export_kwargs)
        self._say("CSimCallback: compiling csim ...")
        # a csim-only project (no weight values, no testbench data, no synthesis limits:
        # those are write()'s and build()'s); a CompileError (naming the log) stops fit here
        fw.compile(verbose=False)
        self._say(
            f"CSimCallback: csim ready in {time.perf_counter() - start:.1f} s ({fw.output_dir})"
        )
        self.firmware = fw
        self._check_shapes(x)
        self._metrics = self._metric_objects()  # reset before each use
        self.best = None
        self.best_epoch = None
        self.history = []
        self.timings = []

    def _resolve_data(self):
        data = self.validation_data
        where = "validation_data"
        if data is None:
            data = _fit_validation_data(self.model)
            where = "model.fit validation data"
            if data is None:
                raise ValueError(
                    "CSimCallback needs validation data: pass CSimCallback(validation_data="
                    "(x, y)) or model.fit(..., validation_data=(x, y))"
                )
        if _is_dataset(data):
            data = _dataset_to_numpy(data)
        if not isinstance(data, (list, tuple)) or len(data) not in (2, 3):
            raise ValueError(
                f"{where} must be a tuple (x, y) or (x, y, sample_weight), "
                f"got {type(data).__name__}"
            )
        x, y, *sw = (_numpy(v) for v in data)
        if isinstance(x, list):
            raise ValueError("CSimCallback supports single-input models; x must be one array")
        if len(x) != len(y):
            raise ValueError(f"{where}: x has {len(x)} samples but y has {len(y)}")
        if len(x) == 0:
            raise ValueError(
                f"CSimCallback: {where} has no samples; firmware metrics need at least one"
            )
        for label, a in (("x", x), ("y", y), ("sample_weight", sw[0] if sw else None)):
            if a is not None and a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
                raise ValueError(f"{where}: {label} contains NaN or infinity")
        return x, y, (sw[0] if sw else None)

    def _check_keep_best(self):
        """The keep_best folder must take a project without losing anything (checked before
        the first epoch; ``overwrite`` is for ``output_dir`` only and never applies here)."""
        if self.keep_best is None:
            return
        self.keep_best = project.output_path(self.keep_best)
        if self.keep_best.exists() and not self.keep_best.is_dir():
            raise ValueError(f"CSimCallback: keep_best {self.keep_best} is a file, not a folder")
        if (
            self.keep_best.is_dir()
            and any(self.keep_best.iterdir())
            and not project.is_project(self.keep_best)
        ):
            raise ValueError(
                f"CSimCallback: keep_best folder {self.keep_best} exists, is not empty and is "
                "not an fpga-export project; give a new or empty folder (keep_best never "
                "writes into a folder of yours, whatever overwrite says)"
            )

    def _check_shapes(self, x):
        want = tuple(self.firmware.graph[self.firmware.graph.inputs[0]].shape)
        if x.ndim != len(want) + 1 or tuple(x.shape[1:]) != want:
            raise ValueError(
                f"CSimCallback: validation x has shape {tuple(x.shape)}, but the model input "
                f"is (batch, {', '.join(map(str, want))})"
            )

    # -- epoch end -----------------------------------------------------------------------
    def on_epoch_end(self, epoch, logs=None):
        if self.firmware is None or (epoch + 1) % self.every:
            return
        logs = logs if logs is not None else {}
        start = time.perf_counter()
        try:
            results, seconds = self._evaluate()
        except Exception as exc:  # a csim failure must not lose the training run
            results = {k: math.nan for k in self._names()}
            logs.update(results)
            action = "stopping training" if self.on_mismatch == "stop" else "continuing"
            warnings.warn(
                f"CSimCallback: csim failed at epoch {epoch + 1} ({type(exc).__name__}: "
                f"{exc}); logged NaN, {action}",
                RuntimeWarning,
                stacklevel=2,
            )
            if self.on_mismatch == "stop":
                self.model.stop_training = True
            self.history.append({"epoch": epoch, **results})
            return
        logs.update(results)
        self.history.append({"epoch": epoch, **results})
        total = time.perf_counter() - start
        self.timings.append({**seconds, "total": total})
        if self.verbose:
            text = " - ".join(f"{k}: {v:.4f}" for k, v in results.items())
            print(f"CSimCallback epoch {epoch + 1}: {text} ({total:.2f} s)", flush=True)
        agreement = results["csim_agreement"]
        if agreement < self.agreement_threshold:
            msg = (
                f"CSimCallback: csim agreement {agreement:.4f} is below "
                f"{self.agreement_threshold} at epoch {epoch + 1}"
            )
            if self.on_mismatch == "stop":
                print(msg + "; stopping training", flush=True)
                self.model.stop_training = True
            else:
                warnings.warn(msg, RuntimeWarning, stacklevel=2)
        self._keep_best(epoch, {**logs, **results})

    def _names(self):
        names = [f"csim_{n}" for n, _ in self._metric_objects()]
        names += ["csim_agreement", "csim_max_abs_diff"]
        return names + (["csim_overflow"] if self.overflow else [])

    def _evaluate(self):
        """(results, seconds per part: refresh, csim, float, metrics[, overflow])."""
        x, y, sw = self._data
        t = [time.perf_counter()]
        self.firmware.refresh_from(self.model)  # weights only: pushed, no recompilation
        t.append(time.perf_counter())
        y_csim = np.asarray(self.firmware.predict(x, threads=self.threads))
        t.append(time.perf_counter())
        y_float = self._float_predict(x).reshape(y_csim.shape)
        t.append(time.perf_counter())
        results = csim_metrics(y, y_csim, y_float, self._metrics, sw, self._output_lsb())
        t.append(time.perf_counter())
        parts = ["refresh", "csim", "float", "metrics"]
        if self.overflow:
            n = len(x) if self.overflow is True else int(self.overflow)
            results["csim_overflow"] = float(count_overflow(self.firmware.graph, x[:n]))
            t.append(time.perf_counter())
            parts.append("overflow")
        return results, {k: b - a for k, a, b in zip(parts, t[:-1], t[1:], strict=True)}

    def _float_predict(self, x, chunk: int = 8192):
        """The float model's outputs, by Keras' own compiled predict function (the values
        ``model.predict`` gives; an eager ``model(x)`` costs several times more)."""
        parts = [
            np.asarray(self.model.predict_on_batch(x[i : i + chunk]))
            for i in range(0, len(x), chunk)
        ]
        return np.concatenate(parts, axis=0).astype(np.float64)

    def _output_lsb(self) -> float:
        g = self.firmware.graph
        return g[g.outputs[0]].result.lsb

    def _metric_objects(self):
        y_pred_shape = tuple(self.model.outputs[0].shape)
        y_true = self._data[1] if self._data is not None else None
        return [_make_metric(m, y_true, y_pred_shape) for m in self.metric_specs]

    def _keep_best(self, epoch, logs):
        if self.keep_best is None:
            return
        value = logs.get(self.monitor)
        if value is None or not np.isfinite(value):
            return
        better = (
            self.best is None
            or (self.mode == "max" and value > self.best)
            or (self.mode == "min" and value < self.best)
        )
        if not better:
            return
        self.best, self.best_epoch = float(value), epoch
        fw = self.firmware
        home = fw.output_dir
        try:
            fw.write(self.keep_best, overwrite=False)  # overwrite is for output_dir only
        except OSError as exc:  # e.g. a file changed there meanwhile: keep training
            warnings.warn(
                f"CSimCallback: could not write the best project to {self.keep_best}: {exc}",
                RuntimeWarning,
                stacklevel=2,
            )
            return
        finally:
            fw.output_dir = home
        self._say(
            f"CSimCallback: {self.monitor} = {value:.4f}, project written to {self.keep_best}"
        )

    def _say(self, text):
        if self.verbose:
            print(text, flush=True)


def csim_metrics(y_true, y_csim, y_float, metrics, sample_weight=None, lsb=None) -> dict:
    """The callback's numbers for one run (also usable on its own).

    ``metrics``: [(name, keras.metrics.Metric)], each fresh; ``lsb``: output type LSB, used
    for the agreement of single-value outputs.
    """
    out = {}
    for name, metric in metrics:
        y_pred = y_csim.astype(getattr(metric, "dtype", None) or "float32")  # as Keras feeds it
        value = accuracy(metric, y_true, y_pred, sample_weight)  # numpy, the same value
        if value is None:
            metric.reset_state()
            metric.update_state(y_true, y_pred, sample_weight=sample_weight)
            value = float(keras.ops.convert_to_numpy(metric.result()))
        out[f"csim_{name}"] = value
    out.update(compare(y_csim, y_float, lsb))
    return out


def _make_metric(spec, y_true, y_pred_shape):
    """(log name, fresh keras.metrics.Metric) for a name or Metric object."""
    if isinstance(spec, keras.metrics.Metric):
        return spec.name, spec.__class__.from_config(spec.get_config())
    if not isinstance(spec, str):
        raise ValueError(f"metrics: expected names or keras.metrics.Metric objects, got {spec!r}")
    if spec in ("accuracy", "acc"):
        n_out = y_pred_shape[-1] if y_pred_shape else 1
        if n_out == 1:
            return spec, keras.metrics.BinaryAccuracy(name=spec)
        if y_true is not None and y_true.ndim == len(y_pred_shape) and y_true.shape[-1] == n_out:
            return spec, keras.metrics.CategoricalAccuracy(name=spec)
        return spec, keras.metrics.SparseCategoricalAccuracy(name=spec)
    found = keras.metrics.get(spec)
    if isinstance(found, keras.metrics.Metric):
        return spec, found
    return spec, keras.metrics.MeanMetricWrapper(found, name=spec)


def _is_dataset(data) -> bool:
    return type(data).__name__ in ("DatasetV2", "_TensorSliceDataset") or hasattr(
        data, "as_numpy_iterator"
    )


def _dataset_to_numpy(ds):
    batches = list(ds.as_numpy_iterator())
    if not batches:
        raise ValueError("validation dataset is empty")
    if not isinstance(batches[0], (list, tuple)) or len(batches[0]) not in (2, 3):
        raise ValueError("validation dataset must yield (x, y) or (x, y, sample_weight)")
    return tuple(np.concatenate([b[i] for b in batches]) for i in range(len(batches[0])))


def _fit_validation_data(model):
    """The validation data of the running ``model.fit`` (Keras 3 TensorFlow trainer)."""
    frame = sys._getframe(1)
    while frame is not None:
        loc = frame.f_locals
        if frame.f_code.co_name == "fit" and loc.get("self") is model and "val_x" in loc:
            if loc.get("val_x") is None:
                return None
            x, y, sw = loc["val_x"], loc.get("val_y"), loc.get("val_sample_weight")
            if _is_dataset(x):
                return x
            return (x, y) if sw is None else (x, y, sw)
        frame = frame.f_back
    return None
