"""Layer families: one file per family, each registering its ops by subclassing Op.

Imported explicitly here so that the registry is complete once ``fpga_export`` is imported.
"""

from . import activation, conv, dense, depthwise, input, merge, norm, pool, reshape  # noqa: F401
