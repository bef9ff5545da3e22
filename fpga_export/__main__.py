"""``python -m fpga_export``: the ``fpga-export`` command (``fpga_export.cli``)."""

from .cli import main

raise SystemExit(main())
