"""The commands on a written project folder: ``predict``, ``summary``, ``build``, ``report``.

Each reads the firmware's saved state (``Firmware.load``: data only, validated); nothing in the
folder is run or compiled (``build`` regenerates the project into it first).
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click
import numpy as np

from .cli import _DIR, _QUIET, CommandError, Progress, load_project

# -- predict ---------------------------------------------------------------------------------


def _read_array(path: Path, fw) -> list[np.ndarray]:
    """The arrays of a .npy (one input) or .npz (one array per input, by input name or in
    order); never unpickled."""
    path = path.expanduser()
    if not path.is_file():
        raise CommandError(
            f"input {path} does not exist" if not path.exists() else f"input {path} is not a file"
        )
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic != b"\x93NUMPY" and not magic.startswith(b"PK\x03\x04"):
        raise CommandError(f"{path} is not a .npy/.npz file (np.save and np.savez write them)")
    try:
        data = np.load(path, allow_pickle=False)
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise CommandError(
                f"{path} holds Python objects (pickled), which fpga-export does not load: save "
                "a numeric array, e.g. np.save(path, x.astype(np.float32))"
            ) from None
        raise CommandError(f"cannot read {path} as a .npy/.npz array: {e}") from None
    except (OSError, EOFError) as e:
        raise CommandError(f"cannot read {path} as a .npy/.npz array: {e}") from None
    if isinstance(data, np.ndarray):
        return [data]
    with data:
        names = list(data.files)
        inputs = list(fw.graph.inputs)
        keys = inputs if set(inputs) <= set(names) else names
        return [data[k] for k in keys]


@click.command(short_help="Run the csim of a project on inputs from .npy/.npz files.")
@_DIR
@click.option(
    "-i",
    "--input",
    "inputs",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path),
    help="Input samples (.npy; once per model input, or one .npz with an array per input).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write the outputs (.npy; .npz for several outputs, by output name).",
)
@click.option("--threads", type=click.IntRange(min=1), help="Default: every core.")
@click.option("--overwrite", is_flag=True, help="Replace an existing -o file.")
@_QUIET
def predict(directory, inputs, output, threads, overwrite, quiet):
    """Run the bit-accurate C simulation of the firmware saved in DIR (compiled when needed)
    on the samples in --input; print a summary of the outputs, or write them with -o."""
    progress = Progress(quiet)
    fw = load_project(directory)
    xs = [a for path in inputs for a in _read_array(path, fw)]
    if output is not None and output.suffix not in (".npy", ".npz"):
        raise CommandError(f"output {output}: give a .npy or .npz file name")
    if output is not None and not output.expanduser().parent.is_dir():
        raise CommandError(f"output {output}: folder {output.parent} does not exist")
    if output is not None and output.exists() and not overwrite:
        raise CommandError(f"output {output} exists: pass --overwrite to replace it")
    names = list(fw.graph.inputs)
    if len(xs) != len(names):
        raise CommandError(
            f"{fw.name} has {len(names)} input(s) ({', '.join(names)}), got {len(xs)} array(s): "
            "give --input once per model input (.npy), or one .npz with an array per input"
        )
    try:
        fw._inputs(xs)  # the shape/dtype check, before compiling
    except ValueError as e:
        raise CommandError(str(e)) from None
    if not fw.compiled:
        with progress.step("compiling csim"):
            fw.compile()
    with progress.step(f"predicting {len(xs[0])} samples"):
        ys = fw.predict(xs, threads=threads)
    outs = ys if isinstance(ys, list) else [ys]
    names = list(fw.graph.outputs)
    if output is None:
        for name, y in zip(names, outs, strict=True):
            click.echo(_describe(name, y))
        return
    if output.suffix == ".npy":
        if len(outs) > 1:
            raise CommandError(
                f"{fw.name} has {len(outs)} outputs ({', '.join(names)}): write a .npz"
            )
        np.save(output, outs[0])
    else:
        np.savez(output, **dict(zip(names, outs, strict=True)))
    click.echo(f"wrote {output}")


def _describe(name: str, y: np.ndarray) -> str:
    lines = [
        f"output {name!r}: shape {y.shape}, min {y.min():.6g}, max {y.max():.6g}, "
        f"mean {y.mean():.6g}"
    ]
    if y.ndim == 2 and y.shape[1] > 1:
        counts = np.bincount(y.argmax(axis=1), minlength=y.shape[1])
        lines.append(f"  argmax counts per class: {counts.tolist()}")
    with np.printoptions(precision=6, threshold=40, edgeitems=3, linewidth=96):
        first = np.array2string(y[:3], prefix="  ")
    lines.append(f"  first samples:\n  {first}")
    return "\n".join(lines)


# -- summary ---------------------------------------------------------------------------------


def _summary_lines(fw, folder: Path) -> str:
    # the summary holds the estimate; a loaded firmware's own project is regenerated
    # elsewhere: DIR is the project here
    lines = fw.summary().splitlines()
    kept = [s for s in lines if not s.startswith(("project: ", "csim: "))]
    return "\n".join([*kept, f"project: {folder}"])


@click.command(short_help="Print the summary of a written project.")
@_DIR
def summary(directory):
    """Print the summary of the firmware saved in DIR: graph, types, exactness, estimate."""
    fw = load_project(directory)
    click.echo(_summary_lines(fw, directory.expanduser()))


# -- build -----------------------------------------------------------------------------------


@click.command(short_help="Run the vendor HLS tool (Vitis/Vivado HLS) on a project.")
@_DIR
@click.option("--csim/--no-csim", default=True, show_default=True, help="C simulation.")
@click.option("--synth/--no-synth", default=True, show_default=True, help="C synthesis.")
@click.option("--cosim/--no-cosim", default=False, show_default=True, help="C/RTL cosim.")
@click.option("--export/--no-export", default=False, show_default=True, help="IP export.")
@click.option(
    "--vsynth/--no-vsynth", default=False, show_default=True, help="Vivado synthesis of the RTL."
)
@click.option("--overwrite", is_flag=True, help="Replace generated files you edited in DIR.")
@_QUIET
def build(directory, csim, synth, cosim, export, vsynth, overwrite, quiet):
    """Regenerate the project in DIR from its saved firmware and run its backend's HLS tool
    on it (Vitis: vitis-run 2023.2+ or vitis_hls on PATH; Vivado HLS: vivado_hls); then
    `fpga-export report DIR`. Only files
    fpga-export wrote are replaced (edited ones with --overwrite)."""
    fw = load_project(directory)
    fw.backend.find_tool()  # the clear error before anything is written
    folder = directory.expanduser()
    Progress(quiet).note(f"regenerating {folder} from its saved firmware")
    fw.write(folder, overwrite=overwrite)
    with contextlib.redirect_stdout(sys.stderr):  # its progress lines: stderr, as ours
        log = fw.build(csim, synth, cosim, export, vsynth, verbose=not quiet)
    click.echo(f"build log: {log}")


# -- report ----------------------------------------------------------------------------------


@click.command(short_help="Summary, estimate and synthesis report; --html writes a page.")
@_DIR
@click.option(
    "--html",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="PATH",
    help="Also write the self-contained HTML report (default: DIR/report.html).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead.")
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace an HTML report fpga-export wrote even if it was edited since.",
)
def report(directory, html, as_json, overwrite):
    """Print the summary and the resource/latency estimate of the firmware saved in DIR (and
    the synthesis report when DIR holds one)."""
    from .report_html import ReportFileError, report_data, synthesis, write_html

    folder = directory.expanduser()
    fw = load_project(folder)
    if as_json:
        click.echo(json.dumps(report_data(fw, folder), indent=1))
    else:
        click.echo(_summary_lines(fw, folder))
        found, _ = synthesis(fw, folder)
        click.echo()
        click.echo(found.table() if found else f"synthesis report: none in {folder}")
    if html is not None:
        path = Path(html).expanduser() if html else folder / "report.html"
        try:
            path = write_html(fw, path, overwrite=overwrite, project_dir=folder)
        except (ReportFileError, FileNotFoundError) as e:
            raise CommandError(str(e)) from None
        click.echo(f"wrote {path}", err=as_json)
