"""The ``fpga-export`` command (also ``python -m fpga_export``), built with click.

    fpga-export convert MODEL [-c config.yml] [-o DIR] [--precision ...] ...
    fpga-export predict DIR --input x.npy [-o y.npy]
    fpga-export summary DIR
    fpga-export build DIR [--synth/--no-synth] [--csim/--no-csim] [--cosim] ...
    fpga-export report DIR [--html [PATH]] [--json] [--overwrite]

A command raises ``CommandError`` for a problem the user can fix: ``main`` prints it as one
line and returns 2 (no traceback), as it does for a ValueError raised by fpga-export's own
checks (a setting, a shape, a file). Usage errors (click) exit with 2 too; anything unexpected,
also a ValueError from inside a library (numpy, a framework), returns 1 with the traceback.
Progress lines go to stderr (``--quiet``: none), results to stdout. Nothing is built into a
shell command: subprocesses get argument lists.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
import warnings
from contextlib import contextmanager
from pathlib import Path

import click

from . import __version__

__all__ = ["CommandError", "cli", "main"]

EXIT_CODES = """\b
Exit status:
  0  success
  2  usage error or a problem with the input you gave (option, file, model,
     setting, project folder, missing g++ or vendor tool): one line on stderr
  1  unexpected failure (the compiler or the vendor tool failed, or a bug):
     the message or traceback on stderr
"""


class CommandError(Exception):
    """A one-line message for the user; exit status 2."""


# errors a user's input or set-up causes: one line, exit status 2
def _user_errors() -> tuple[type[BaseException], ...]:
    from .backends.vitis_build import VendorToolNotFoundError
    from .csim.build import CompilerNotFoundError
    from .project import ProjectFolderError
    from .report_html import ReportFileError

    return (
        CommandError,
        ProjectFolderError,
        ReportFileError,
        VendorToolNotFoundError,
        CompilerNotFoundError,
    )


# the compiler or the vendor tool failed: one line naming the log, exit status 1
def _tool_failures() -> tuple[type[BaseException], ...]:
    from .backends.vitis_build import BuildError
    from .csim.build import CompileError

    return (BuildError, CompileError)


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit status.

    Usage errors, ``--help`` and ``--version`` raise SystemExit (2, 0, 0) as click does."""
    args = sys.argv[1:] if argv is None else [str(a) for a in argv]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
    ctx = None
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            ctx = cli.make_context("fpga-export", args)
            with ctx:
                cli.invoke(ctx)
            return 0
        except click.exceptions.Exit as e:
            raise SystemExit(e.exit_code) from None
        except click.ClickException as e:  # usage errors (exit 2)
            e.show()
            raise SystemExit(e.exit_code) from None
        except click.Abort:
            click.echo("fpga-export: aborted", err=True)
            return 1
        except KeyboardInterrupt:
            click.echo("fpga-export: interrupted", err=True)
            return 130
        except _user_errors() as e:
            click.echo(f"{_prog(ctx)}: error: {_one_line(e)}", err=True)
            return 2
        except _tool_failures() as e:
            click.echo(f"{_prog(ctx)}: failed: {_one_line(e)}", err=True)
            return 1
        except ValueError as e:
            if not _raised_by_us(e):
                return _unexpected(ctx, e)
            click.echo(f"{_prog(ctx)}: error: {_one_line(e)}", err=True)
            return 2
        except Exception as e:
            return _unexpected(ctx, e)


def _unexpected(ctx, e: BaseException) -> int:
    traceback.print_exc()
    click.echo(f"{_prog(ctx)}: failed: {type(e).__name__}: {_one_line(e)}", err=True)
    return 1


_OURS = tuple(
    str(Path(__file__).resolve().parent.parent / pkg) + os.sep
    for pkg in ("fpga_export", "keras_plugin", "torch_plugin")
)


def _raised_by_us(e: BaseException) -> bool:
    """Whether fpga-export's own code raised ``e`` (the innermost frame of its traceback is in
    one of our packages): a check of the user's input, not a failure inside a library."""
    tb = e.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and str(Path(tb.tb_frame.f_code.co_filename).resolve()).startswith(_OURS)


def _prog(ctx) -> str:
    sub = ctx.invoked_subcommand if ctx is not None else None
    return f"fpga-export {sub}" if sub else "fpga-export"


def _one_line(e) -> str:
    return " ".join(line.strip() for line in str(e).splitlines()) or type(e).__name__


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    click.echo(f"warning: {_one_line(message)} ({category.__name__})", err=True)


class Progress:
    """One line per long step on stderr: ``loading m.keras ... keras 3.15.1, 6.1 s``."""

    def __init__(self, quiet: bool):
        self.quiet = quiet

    @contextmanager
    def step(self, label: str):
        """``with progress.step("compiling csim") as done: ...; done.append("detail")``."""
        details: list[str] = []
        if not self.quiet:
            click.echo(f"{label} ...", err=True, nl=False)
        start = time.perf_counter()
        try:
            yield details
        except BaseException:
            if not self.quiet:
                click.echo(" failed", err=True)
            raise
        if not self.quiet:
            seconds = time.perf_counter() - start
            click.echo(f" {', '.join([*details, f'{seconds:.1f} s'])}", err=True)

    def note(self, text: str) -> None:
        if not self.quiet:
            click.echo(f"note: {text}", err=True)


_QUIET = click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
_DIR = click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES,
)
@click.version_option(
    __version__, "--version", prog_name="fpga-export", message="%(prog)s %(version)s"
)
def cli() -> None:
    """Export Keras / PyTorch model files to FPGA HLS firmware with a bit-accurate C
    simulation (csim), run the csim, build with the vendor tool and read the reports.

    Every command takes -h/--help.
    """


def _register() -> None:
    from .cli_convert import convert
    from .cli_project import build, predict, report, summary

    for command in (convert, predict, summary, build, report):
        command.epilog = EXIT_CODES
        cli.add_command(command)


def load_project(folder: Path):
    """The Firmware saved in ``folder``, or a CommandError saying why not."""
    from .firmware import Firmware
    from .state import STATE_FILE, StateError

    folder = folder.expanduser()
    if not folder.exists():
        raise CommandError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise CommandError(f"{folder} is not a folder")
    if not (folder / STATE_FILE).is_file():
        raise CommandError(
            f"{folder} is not an fpga-export project (no {STATE_FILE}; export a model "
            "with output_dir= first)"
        )
    try:
        return Firmware.load(folder)
    except StateError as e:
        raise CommandError(f"cannot load the firmware: {e}") from None


_register()
