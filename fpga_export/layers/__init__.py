"""Layer families: one file per family, each registering its ops by subclassing Op.

Imported explicitly here so that the registry is complete once ``fpga_export`` is imported.
"""

from . import (  # noqa: F401
    activation,
    activation_hls4ml,
    conv,
    dense,
    depthwise,
    embedding,
    fixed_quantizer,
    input,
    layernorm_hls4ml,
    lookup,
    merge,
    norm,
    pool,
    quantizer,
    recurrent,
    recurrent_hls4ml,
    reshape,
)
