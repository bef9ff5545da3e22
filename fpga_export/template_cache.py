"""Jinja2 templates compiled once per machine, not once per process: a bytecode cache in the
fpga-export cache folder (``$FPGA_EXPORT_CACHE/templates``, default
``~/.cache/fpga-export/templates``; the csim libraries live beside it).

Compiling a template (parse, generate Python, compile) costs tens of milliseconds, paid by the
first ``write()`` in every process; the cache holds the compiled code. An entry is keyed by the
template's name and file, checked against its source's checksum and the Python version (Jinja2's
``Bucket``), and written under a temporary name, then renamed (a reader never sees half of one).
The folder is resolved at each use, so ``FPGA_EXPORT_CACHE`` set after import is honoured.
"""

from __future__ import annotations

import os
from pathlib import Path

import jinja2


def cache_root() -> Path:
    """The fpga-export cache folder (csim libraries, compiled templates)."""
    return Path(os.environ.get("FPGA_EXPORT_CACHE") or Path.home() / ".cache" / "fpga-export")


class TemplateCache(jinja2.FileSystemBytecodeCache):
    def __init__(self):
        self.pattern = "%s.jinja"

    @property
    def directory(self) -> str:
        return str(cache_root() / "templates")

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:  # the folder is not one (a file in its place ...): compile
            pass

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            Path(self.directory).mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:  # a read-only cache folder: templates are compiled in each process
            pass


BYTECODE_CACHE = TemplateCache()
