"""``model.export_fpga(...)``: installed on ``keras.Model`` (and ``tf_keras.Model``)."""

from __future__ import annotations

from fpga_export.config import ExportConfig

from .convert import to_graph
from .flavors import FLAVORS


def export_fpga(
    self,
    output_dir=None,
    *,
    backend="vitis",
    precision="ap_fixed<16,6>",
    reuse_factor=1,
    strategy="latency",
    io_type="io_parallel",
    part="xcvu13p-flga2577-2-e",
    clock_period=5.0,
    layers=None,
    hls_config=None,
    input_precision=None,
    overwrite=False,
    max_width=64,
    name=None,
    activation_tables=None,
):
    """Export this live model as FPGA firmware; returns a ``fpga_export.Firmware``.

    Args:
        output_dir: project folder (``~`` expanded; default: a new temporary folder when
            written). Never the current folder, one of its parents or the home folder.
        backend: ``"vitis"``, ``"vivado"`` or ``"catapult"``.
        precision: model-wide type: ``"ap_fixed<16,6>"``, ``"auto"``, or a dict
            role -> type/``"auto"`` (``{"default": ..., "accum": "auto"}``).
        reuse_factor, strategy: model-wide (``"latency"`` or ``"resource"``).
        io_type: ``"io_parallel"`` or ``"io_stream"``.
        part, clock_period: FPGA part and clock period in ns for the vendor build.
        layers: per-layer settings by layer name: ``{"dense_1": {"precision": ...,
            "reuse_factor": 4, "strategy": "resource", "accum": "auto"}}``.
        hls_config: an hls4ml-style config dict (``Model``/``LayerName``/``LayerType``).
        input_precision: type of the model inputs (default: the model-wide type).
        overwrite: also write into a non-empty folder that is not an fpga-export project
            (beside its files), and replace files an earlier export wrote that were changed
            since. Files fpga-export did not write are never replaced or deleted
            (``Firmware.write``).
        max_width: cap (bits) for types computed by ``"auto"``.
        name: project and top-function name (default: the model's name).
        activation_tables: how sigmoid, tanh, softplus, softsign, elu, selu and softmax
            compute: ``"hls4ml"`` (hls4ml's tables and truncated index, so csim equals
            hls4ml's csim) or ``"fpga-export"`` (nearest-centre tables, more accurate).
            Default: ``"hls4ml"`` when ``hls_config`` is given, else ``"fpga-export"``.

    Per layer, ``layers`` wins over ``hls_config["LayerName"]``, which wins over
    ``hls_config["LayerType"]``, which wins over the model-wide settings.
    """
    config = ExportConfig(
        output_dir=output_dir,
        backend=backend,
        precision=precision,
        reuse_factor=reuse_factor,
        strategy=strategy,
        io_type=io_type,
        part=part,
        clock_period=clock_period,
        layers=layers,
        hls_config=hls_config,
        input_precision=input_precision,
        overwrite=overwrite,
        max_width=max_width,
        activation_tables=activation_tables,
        name=name,
    )
    graph = to_graph(self, config)
    from fpga_export.firmware import Firmware

    return Firmware(graph, config, frontend=to_graph)


def install() -> None:
    """Add ``export_fpga`` to the Model class of every installed Keras."""
    for flavor in FLAVORS:
        current = getattr(flavor.Model, "export_fpga", None)
        if current is not None and current is not export_fpga:
            raise RuntimeError(
                f"{flavor.name}.Model already has an export_fpga attribute that is not "
                f"fpga-export's ({current!r}); not replacing it"
            )
        flavor.Model.export_fpga = export_fpga
