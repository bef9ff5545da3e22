"""Layer handlers, one module per layer family; importing this package registers them all
in :data:`keras_plugin.convert.KERAS_LAYERS`."""

from . import conv, core, embedding, merge, recurrent, reshape  # noqa: F401
