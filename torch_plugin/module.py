"""``CSimModule``: a compiled csim library as a ``torch.nn.Module`` (no gradient).

::

    csim = firmware.as_torch_module()     # or CSimModule(firmware)
    y = csim(x)                           # == torch.as_tensor(firmware.predict(x))
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["CSimModule", "NO_GRADIENT"]

NO_GRADIENT = (
    "CSimModule has no gradient: it runs the firmware's bit-accurate C simulation, which is "
    "not differentiable. Compute the loss on the float model (or call the CSimModule under "
    "torch.no_grad() for evaluation only)"
)


class _CSimFunction(torch.autograd.Function):
    """Runs csim in forward; backward raises (no gradient)."""

    @staticmethod
    def forward(ctx, module, _anchor, *xs):
        return module._run(xs)

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(NO_GRADIENT)


class CSimModule(torch.nn.Module):
    """Runs the firmware's csim on a batch of tensors.

    ``forward(x)`` (``forward(x1, x2, ...)`` for several inputs) takes tensors of the shapes
    the exported torch model takes (batch first, any batch size; any floating-point dtype,
    or integer ids for an Embedding input; any device, computed on the CPU; a time-major
    ``(T, batch, F)`` tensor for an input exported with ``batch_axis=1``, transposed to the
    firmware's ``(batch, T, F)`` here) and returns
    tensors of the torch model's output shapes (a tuple for several outputs), with the dtype
    of the first input (the default dtype for integer inputs) on its device.

    There is no gradient: with autograd enabled the outputs are attached to the autograd
    graph, and a ``backward()`` through them raises a RuntimeError saying so. The module has
    no parameters.

    Args:
        firmware: a ``fpga_export.Firmware`` (compiled here if needed).
        threads: csim threads (default: all cores).
    """

    def __init__(self, firmware, *, threads: int | None = None):
        super().__init__()
        if not firmware.compiled:
            firmware.compile()
        self.firmware = firmware
        self.threads = threads

    def forward(self, *xs):
        if len(xs) != len(self.firmware.graph.inputs):
            raise ValueError(
                f"CSimModule({self.firmware.name!r}) takes {len(self.firmware.graph.inputs)} "
                f"input tensor(s), got {len(xs)}"
            )
        graph = self.firmware.graph
        xs = tuple(torch.as_tensor(x).movedim(graph.batch_axis(i), 0) for i, x in enumerate(xs))
        if torch.is_grad_enabled():  # attach to autograd so a backward() gets our message
            anchor = torch.empty(0, requires_grad=True)
            return _CSimFunction.apply(self, anchor, *xs)
        return self._run(xs)

    def _run(self, xs):
        first = xs[0]
        dtype = first.dtype if first.is_floating_point() else torch.get_default_dtype()
        arrays = [x.detach().cpu().to(torch.float64).numpy() for x in xs]
        ys = self.firmware.predict(arrays if len(arrays) > 1 else arrays[0], threads=self.threads)
        outs = tuple(
            torch.from_numpy(np.ascontiguousarray(y)).to(device=first.device, dtype=dtype)
            for y in (ys if isinstance(ys, list) else [ys])
        )
        return outs[0] if len(outs) == 1 else outs

    def extra_repr(self) -> str:
        return f"firmware={self.firmware.name!r}, io_type={self.firmware.config.io_type!r}"
