"""Float per-module outputs of a live ``torch.nn.Module``, for ``Firmware.profile(x, model)``."""

from __future__ import annotations

import numpy as np
import torch


def float_trace(model, x) -> dict[str, np.ndarray]:
    """``{module path: float output}`` for ``x`` (as the model takes it), by forward hooks on
    every submodule, in inference mode (the training flag is restored). Left out: modules
    called more than once and outputs that are not tensors (a Brevitas ``QuantTensor``
    gives its ``value``)."""
    seen: dict[str, list] = {}

    def hook(name):
        def record(module, args, output):
            value = getattr(output, "value", output)
            if isinstance(value, torch.Tensor):
                seen.setdefault(name, []).append(value.detach().cpu().double().numpy())
            else:
                seen.setdefault(name, []).append(None)

        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules() if n]
    xs = x if isinstance(x, (list, tuple)) else [x]
    tensors = [torch.as_tensor(np.asarray(a), dtype=torch.float32) for a in xs]
    training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(*tensors)
    finally:
        model.train(training)
        for h in handles:
            h.remove()
    return {n: v[0] for n, v in seen.items() if len(v) == 1 and v[0] is not None}
