"""``fpga-export convert``: a model file (and a YAML config) -> a written project with csim."""

from __future__ import annotations

import re
from pathlib import Path

import click

from .cli import _QUIET, CommandError, Progress

_SHAPE = re.compile(r"^[\s(\[]*(\d+(\s*[,x]\s*\d+)*)\s*,?[\s)\]]*$")


def _shape(ctx, param, values) -> tuple | None:
    """``--input-shape 3,32,32`` (or ``3x32x32``, ``(3, 32, 32)``), once per model input."""
    shapes = []
    for text in values:
        m = _SHAPE.match(text)
        if not m:
            raise click.BadParameter(
                f"{text!r} is not a shape: give the per-sample sizes, e.g. 16 or 3,32,32"
            )
        dims = tuple(int(d) for d in re.split(r"\s*[,x]\s*", m.group(1)))
        if 0 in dims:
            raise click.BadParameter(f"{text!r}: every size must be at least 1")
        shapes.append(dims)
    if not shapes:
        return None
    return shapes[0] if len(shapes) == 1 else shapes


def _kwargs(ctx, param, values) -> dict | None:
    """``--module-kwarg n_in=16``: values read as YAML scalars (16 -> int, true -> bool)."""
    import yaml

    out = {}
    for text in values:
        key, sep, value = text.partition("=")
        if not sep or not key.strip().isidentifier():
            raise click.BadParameter(f"{text!r}: expected NAME=VALUE, e.g. n_hidden=32")
        try:
            out[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise click.BadParameter(f"{text!r}: the value is not a YAML scalar") from None
    return out or None


@click.command(
    short_help="Convert a model file into an HLS project and compile its csim.",
)
@click.argument("model", required=False, type=click.Path(path_type=Path))
@click.option(
    "-c",
    "--config",
    type=click.Path(path_type=Path),
    help="YAML config: export keywords (model, output_dir, precision, layers, hls_config, ...) "
    "or hls4ml's project file (KerasJson, KerasH5, OutputDir, HLSConfig, ...). Paths in it are "
    "relative to its folder; options given here win.",
)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(path_type=Path),
    help="Project folder (default: from the config, else MODEL's name + '_prj').",
)
@click.option(
    "--weights",
    type=click.Path(path_type=Path),
    help="Weights (HDF5) for a Keras architecture JSON MODEL.",
)
@click.option("--precision", help="Model-wide type, e.g. 'ap_fixed<16,6>' or auto.")
@click.option("--io-type", type=click.Choice(["io_parallel", "io_stream"], case_sensitive=False))
@click.option("--reuse-factor", type=click.IntRange(min=1), help="Model-wide reuse factor.")
@click.option("--strategy", type=click.Choice(["latency", "resource"], case_sensitive=False))
@click.option(
    "--backend",
    help="vitis, vivado (Vivado HLS 2019.2-2020.1), catapult (Siemens Catapult HLS), oneapi "
    "(Intel oneAPI SYCL) or quartus (Intel HLS Compiler i++); the last three with ac types; "
    "any case.",
)
@click.option("--part", help="FPGA part, e.g. xcvu13p-flga2577-2-e.")
@click.option("--clock-period", type=click.FloatRange(min=0, min_open=True), help="In ns.")
@click.option("--name", help="Project and top-function name (default: the model's).")
@click.option(
    "--activation-tables",
    type=click.Choice(["hls4ml", "fpga-export"], case_sensitive=False),
    help="sigmoid/tanh/softmax ... as hls4ml computes them or with fpga-export's tables "
    "(default: hls4ml with an hls4ml config, else fpga-export).",
)
@click.option(
    "--input-shape",
    multiple=True,
    callback=_shape,
    help="PyTorch: per-sample input shape, e.g. 3,32,32 (once per input).",
)
@click.option(
    "--module-class",
    help="PyTorch state dict: its module class, 'package.module:Class' or 'file.py:Class'.",
)
@click.option(
    "--module-kwarg",
    "module_kwargs",
    multiple=True,
    callback=_kwargs,
    metavar="NAME=VALUE",
    help="PyTorch: a constructor argument of --module-class.",
)
@click.option(
    "--allow-pickle",
    is_flag=True,
    default=None,
    help="PyTorch: also load a whole "
    "pickled module (runs code from the file: only files you trust).",
)
@click.option(
    "--overwrite",
    is_flag=True,
    default=None,
    help="Write beside other files in a non-empty folder; replace generated files you edited.",
)
@click.option("--no-compile", is_flag=True, help="Write the project only (no g++).")
@_QUIET
def convert(model, config, output_dir, no_compile, quiet, **options):
    """Convert MODEL (a .keras, .h5, architecture .json + --weights, or a PyTorch state dict
    with --module-class) into an HLS project and compile its csim.

    \b
    fpga-export convert model.keras -o my_prj --precision 'ap_fixed<16,6>'
    fpga-export convert arch.json --weights weights.h5 --io-type io_stream
    fpga-export convert -c hls4ml_config.yml
    fpga-export convert net.pt --module-class mynet.py:Net --input-shape 16
    """
    from .hls4ml_yaml import ConfigFileError, ProjectConfig, backend_name, read_config

    progress = Progress(quiet)
    project = ProjectConfig("none")
    if config is not None:
        try:
            project = read_config(config)
        except ConfigFileError as e:
            raise CommandError(str(e)) from None
        for note in project.notes:
            progress.note(f"{config}: {note}")
    load, export = dict(project.load), dict(project.export)
    for key in ("weights", "module_class", "module_kwargs", "allow_pickle"):
        if options.get(key) is not None:
            load[key] = options.pop(key)
        options.pop(key, None)
    if options.get("backend") is not None:
        notes: list[str] = []
        options["backend"] = backend_name(options["backend"], notes, "--backend")
        for note in notes:
            progress.note(note)
    given = {k: v for k, v in options.items() if v is not None}
    _override_hls_model(export, given, progress)
    export.update(given)
    if output_dir is not None:
        export["output_dir"] = output_dir
    if model is not None:
        load["model"] = model
    if "model" not in load:
        where = f" ({config} names none)" if config is not None else ""
        raise CommandError(f"no model given: pass MODEL or a config file with one{where}")
    model = load.pop("model")
    export.setdefault("output_dir", Path(f"{model.stem}_prj"))
    loaded = _load(model, load, progress)
    _check_shape(loaded, export)
    with progress.step("converting") as done:
        fw = loaded.export(**export)
        done.append(f"{len(fw.graph)} nodes, {fw.config.io_type}")
    with progress.step(f"writing {fw.output_dir}"):
        folder = fw.write()
    if not no_compile:
        with progress.step("compiling csim"):
            fw.compile()
    exact = fw.exact
    if exact is not None:
        progress.note("csim == framework bit for bit" if exact else _not_exact(fw))
    click.echo(f"wrote {folder}")


_HLS_MODEL_KEYS = {"precision": "Precision", "reuse_factor": "ReuseFactor", "strategy": "Strategy"}


def _override_hls_model(export: dict, given: dict, progress: Progress) -> None:
    """Options win over the config file, also over its ``hls_config["Model"]`` entries
    (which in ``export_fpga`` win over the keyword arguments): those entries are dropped."""
    hls = export.get("hls_config")
    model = hls.get("Model") if isinstance(hls, dict) else None
    if not isinstance(model, dict):
        return
    dropped = [k for ours, k in _HLS_MODEL_KEYS.items() if ours in given and k in model]
    if dropped:
        model = {k: v for k, v in model.items() if k not in dropped}
        export["hls_config"] = {**hls, "Model": model}
        names = ", ".join(f"--{o.replace('_', '-')}" for o, k in _HLS_MODEL_KEYS.items()
                          if k in dropped)  # fmt: skip
        progress.note(f"{names} replace{'s' if len(dropped) == 1 else ''} HLSConfig Model "
                      f"{', '.join(dropped)} of the config file")  # fmt: skip


def _load(model: Path, load: dict, progress: Progress):
    from .load import load_model

    with progress.step(f"loading {model}") as done:
        loaded = load_model(model, **load)
        done.append(f"{loaded.framework} {loaded.version} ({loaded.loader})")
    return loaded


def _check_shape(loaded, export: dict) -> None:
    if loaded.framework == "torch" and export.get("input_shape") is None:
        raise CommandError(
            "a PyTorch model does not record its input shape: pass --input-shape, the "
            "per-sample shape (batch excluded), e.g. --input-shape 16 or 3,32,32; once per input"
        )
    if loaded.framework != "torch" and "input_shape" in export:
        raise CommandError(
            f"--input-shape / input_shape is for PyTorch models; the {loaded.framework} model "
            f"{loaded.path} records its input shape"
        )


def _not_exact(fw) -> str:
    names = [n.name for n in fw.graph if n.exact is False]
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return f"NOT EXACT (csim != framework) at {', '.join(names[:5])}{more}: see fpga-export summary"
