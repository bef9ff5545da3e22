"""The ``fpga-export`` command (also ``python -m fpga_export``).

One function per subcommand and one that declares its arguments; ``SUBCOMMANDS`` lists the
declaring functions. A subcommand raises ``CommandError`` for a problem the user can fix:
``main`` prints it as one line and returns 2 (no traceback).

    fpga-export report DIR [--html [PATH]] [--json] [--overwrite]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__

__all__ = ["CommandError", "main"]


class CommandError(Exception):
    """A one-line message for the user; exit status 2."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CommandError as e:
        print(f"{parser.prog} {args.command}: error: {e}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fpga-export",
        description="Inspect fpga-export projects (the exports themselves run in Python).",
    )
    parser.add_argument("--version", action="version", version=f"fpga-export {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for declare in SUBCOMMANDS:
        declare(sub)
    return parser


# -- report ----------------------------------------------------------------------------------
def _declare_report(sub) -> None:
    p = sub.add_parser(
        "report",
        help="summary and resource estimate of a written project; --html writes a report page",
        description="Print the summary and the resource/latency estimate of the firmware saved "
        "in an fpga-export project folder (and the synthesis report when the folder holds one).",
    )
    p.add_argument("dir", metavar="DIR", help="the project folder (an export's output_dir)")
    p.add_argument(
        "--html",
        nargs="?",
        const="",
        default=None,
        metavar="PATH",
        help="also write the self-contained HTML report (default: DIR/report.html)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON instead")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an HTML report fpga-export wrote even if it was edited since",
    )
    p.set_defaults(run=report)


def report(args) -> int:
    from .report_html import ReportFileError, report_data, synthesis, write_html

    folder = Path(args.dir).expanduser()
    fw = _load(folder)
    if args.json:
        print(json.dumps(report_data(fw, folder), indent=1))
    else:
        # the summary holds the estimate; a loaded firmware's own project is regenerated
        # elsewhere: DIR is the project here
        lines = fw.summary().splitlines()
        print("\n".join(s for s in lines if not s.startswith(("project: ", "csim: "))))
        print(f"project: {folder}")
        found, _ = synthesis(fw, folder)
        print()
        print(found.table() if found else f"synthesis report: none in {folder}")
    if args.html is not None:
        path = Path(args.html).expanduser() if args.html else folder / "report.html"
        try:
            path = write_html(fw, path, overwrite=args.overwrite, project_dir=folder)
        except (ReportFileError, FileNotFoundError) as e:
            raise CommandError(str(e)) from None
        print(f"wrote {path}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _load(folder: Path):
    """The Firmware saved in ``folder``, or a CommandError saying why not."""
    from .firmware import Firmware
    from .state import STATE_FILE, StateError

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


SUBCOMMANDS = (_declare_report,)
