"""``CSimValidator``: firmware (csim) accuracy in a plain PyTorch training loop.

::

    validator = CSimValidator(model, example_input=x_val[:1], precision="ap_fixed<16,6>")
    for epoch in range(epochs):
        train_one_epoch(model, ...)
        print(validator.evaluate(val_loader))   # {"csim_accuracy": ..., ...}

The model is exported and the csim library compiled once, in the constructor. Each
``evaluate`` pulls the model's current weights into the compiled library (no recompilation
unless the architecture or the types changed), runs csim and the float model on the data,
and returns:

- ``csim_<metric>`` for each metric: ``"accuracy"`` (argmax of the outputs against class
  indices, or against the argmax of one-hot labels; for one output value per sample,
  ``output > 0.5`` against the label), ``"mse"``, ``"mae"``, or a callable
  ``fn(y_true, y_pred) -> float`` on numpy arrays (logged as ``csim_<fn.__name__>``);
- ``csim_agreement``, ``csim_max_abs_diff``: csim vs the float model on the same samples
  (``fpga_export.metrics.compare``);
- ``csim_overflow``: values that saturated or wrapped over all nodes and samples
  (``fpga_export.metrics.count_overflow``; about 40x the csim run, ``overflow=False`` skips
  it, an int counts on that many samples).

For a model exported with ``batch_axis=1`` (a time-major input), ``x`` and the loader's
``x`` batches are ``(T, batch, F)``, as the model takes them; they are concatenated on the
batch axis and transposed for the firmware.

The model itself (for a Brevitas model: its quantized output) runs in inference mode
(``eval()``, no gradient); every module's training flag is restored afterwards.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from fpga_export.metrics import compare, firmware_overflow

from .export import export_fpga
from .trace import inference_mode, unwrap

__all__ = ["CSimValidator"]


def _array(v) -> np.ndarray:
    if isinstance(v, torch.Tensor):
        return v.detach().cpu().numpy()
    return np.asarray(v)


def _accuracy(y_true, y_pred) -> float:
    pred = y_pred.reshape(len(y_pred), -1)
    true = np.asarray(y_true)
    if pred.shape[1] == 1:
        return float(np.mean((pred[:, 0] > 0.5) == (true.reshape(len(true)) > 0.5)))
    if true.ndim == 2 and true.shape[1] == pred.shape[1]:
        true = true.argmax(1)  # one-hot labels
    return float(np.mean(pred.argmax(1) == true.reshape(len(true))))


METRICS = {
    "accuracy": _accuracy,
    "mse": lambda t, p: float(np.mean((p.reshape(t.shape) - t) ** 2)),
    "mae": lambda t, p: float(np.mean(np.abs(p.reshape(t.shape) - t))),
}


class CSimValidator:
    """Exports ``model`` once and evaluates its firmware on validation data (module doc).

    Args:
        model: the live ``torch.nn.Module`` being trained.
        example_input: a tensor the model accepts (batch included); or give ``input_shape=``.
        metrics: default metrics of :meth:`evaluate`.
        threads: csim threads (default: all cores).
        overflow: compute ``csim_overflow`` (True), on at most that many samples (an int),
            or not (False).
        **export_kwargs: the keyword arguments of ``export_fpga`` (``input_shape``,
            ``precision``, ``io_type``, ``output_dir`` ...).
    """

    def __init__(
        self,
        model: torch.nn.Module,
        example_input=None,
        *,
        metrics=("accuracy",),
        threads: int | None = None,
        overflow: bool | int = True,
        **export_kwargs,
    ):
        if not isinstance(overflow, (bool, int)) or overflow < 0:
            raise ValueError(f"overflow must be True, False or an int >= 0, got {overflow!r}")
        self.model = model
        self.metrics = (metrics,) if isinstance(metrics, str) or callable(metrics) else metrics
        self.threads = threads
        self.overflow = overflow
        self.firmware = export_fpga(model, example_input=example_input, **export_kwargs)
        if len(self.firmware.graph.inputs) != 1 or len(self.firmware.graph.outputs) != 1:
            raise ValueError(
                "CSimValidator supports single-input, single-output models; "
                f"{type(model).__name__} has {len(self.firmware.graph.inputs)} inputs and "
                f"{len(self.firmware.graph.outputs)} outputs"
            )
        self.firmware.compile()
        self.batch_axis = self.firmware.graph.batch_axis(0)
        self.dtype = torch.as_tensor(example_input).dtype if example_input is not None else None
        self.history: list[dict] = []  # the results of every evaluate()
        self.timings: list[dict] = []  # seconds per evaluate(): refresh, csim, total

    def evaluate(self, data, metrics=None) -> dict[str, float]:
        """Firmware metrics of the model's current weights on ``data``: a DataLoader (or any
        iterable of ``(x, y)`` batches) or an ``(x, y)`` tuple of tensors/arrays."""
        start = time.perf_counter()
        x, y = self._collect(data)
        fw = self.firmware
        fw.refresh_from(self.model)  # weights only: pushed into the library, no rebuild
        t_refresh = time.perf_counter() - start
        y_csim = np.asarray(fw.predict(x, threads=self.threads))
        y_float = self._float(x)
        t_csim = time.perf_counter() - start - t_refresh
        results = {}
        for m in self.metrics if metrics is None else metrics:
            name, fn = self._metric(m)
            results[f"csim_{name}"] = fn(y, y_csim)
        g = fw.graph
        results.update(compare(y_csim, y_float, g[g.outputs[0]].result.lsb))
        if self.overflow is not False:
            n = len(x) if self.overflow is True else int(self.overflow)
            results["csim_overflow"] = float(firmware_overflow(fw, x[:n]))
        self.history.append(results)
        self.timings.append(
            {"refresh": t_refresh, "csim": t_csim, "total": time.perf_counter() - start}
        )
        return results

    @staticmethod
    def _metric(spec):
        if callable(spec):
            return getattr(spec, "__name__", "metric"), spec
        if spec in ("acc",):
            spec = "accuracy"
        if spec not in METRICS:
            raise ValueError(
                f"unknown metric {spec!r}; give one of {', '.join(METRICS)} or a callable "
                "fn(y_true, y_pred) -> float"
            )
        return spec, METRICS[spec]

    def _collect(self, data) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(data, (tuple, list)) and len(data) == 2 and not _is_batch_list(data):
            x, y = (_array(v) for v in data)
        else:
            xs, ys = [], []
            for batch in data:
                if not isinstance(batch, (tuple, list)) or len(batch) != 2:
                    raise ValueError(
                        "CSimValidator.evaluate: the data loader must yield (x, y) batches, "
                        f"got {type(batch).__name__}"
                    )
                xs.append(_array(batch[0]))
                ys.append(_array(batch[1]))
            if not xs:
                raise ValueError("CSimValidator.evaluate: the data loader yielded no batches")
            x, y = np.concatenate(xs, axis=self.batch_axis), np.concatenate(ys)
        x = np.moveaxis(x, self.batch_axis, 0)  # the firmware's batch-first samples
        if len(x) != len(y):
            raise ValueError(f"CSimValidator.evaluate: x has {len(x)} samples but y has {len(y)}")
        if len(x) == 0:
            raise ValueError(
                "CSimValidator.evaluate: the data has no samples; firmware metrics need at "
                "least one"
            )
        return x, y

    def _float(self, x: np.ndarray, chunk: int = 4096) -> np.ndarray:
        dtype = self.dtype or torch.get_default_dtype()
        parts = []
        with inference_mode(self.model):
            for lo in range(0, len(x), chunk):
                part = torch.as_tensor(x[lo : lo + chunk]).movedim(0, self.batch_axis)
                out = unwrap(self.model(part.to(dtype)))
                parts.append(out.detach().cpu().to(torch.float64).numpy())
        return np.concatenate(parts)


def _is_batch_list(data) -> bool:
    """A list of (x, y) batches rather than one (x, y) pair."""
    return all(isinstance(b, (tuple, list)) and len(b) == 2 for b in data)
