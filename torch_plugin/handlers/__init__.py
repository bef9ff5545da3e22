"""Handlers, one module per layer family; importing this package registers them all in
:data:`torch_plugin.convert.TORCH_MODULES`, ``TORCH_FUNCTIONS`` and ``TORCH_METHODS``
(``brevitas`` is not imported here: ``torch_plugin.export`` loads it once Brevitas is)."""

from . import activation, conv, core, merge, recurrent, reshape  # noqa: F401
