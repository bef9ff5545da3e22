"""Time-major sequences: torch ``(T, batch, F)`` tensors, as ``nn.RNN/LSTM/GRU`` with
``batch_first=False`` read and return them.

The firmware (and every IR node) holds one sample at a time, so a tensor whose batch is not
its first axis has no IR node of its own. A :class:`TimeMajor` is the batch-first sequence
``(batch, T, F)`` (a :class:`~torch_plugin.convert.Value` of per-sample shape ``(T, F)``)
seen with the time axis first. It comes from a model input exported with ``batch_axis=1``
(the firmware input is the batch-first sequence), from ``x.transpose(0, 1)`` /
``x.permute(1, 0, 2)`` of a batch-first sequence (``torch_plugin.handlers.reshape``) or
from a recurrent module's output, and is used by a recurrent module with
``batch_first=False``, by ``seq[t]`` (an IR ``Timestep``: ``(batch, F)``) and by the
transpose back to batch first. Anything else is refused, a time-major model output too
(the firmware returns batch-first outputs: return ``out.transpose(0, 1)``).
"""

from __future__ import annotations

from fpga_export.layers.reshape import Timestep

from .convert import NodeCall, Structured, Value


def timestep(call: NodeCall, seq: Value, index: int) -> Value:
    """``seq[:, index]`` of a batch-first sequence Value (T, F) per sample: a Value (F,), on
    a node named after ``call`` (the indexing)."""
    seq = call.canonical(seq)
    node = call.add(Timestep(index=int(index)), [seq])
    return call.value(node, shape=seq.shape[1:])


class TimeMajor(Structured):
    """A ``(T, batch, F)`` torch tensor: ``sequence`` is the same tensor batch-first."""

    def __init__(self, sequence: Value, origin: str):
        self.sequence = sequence
        self.origin = origin  # for messages: where it came from

    def describe(self) -> str:
        steps, features = self.sequence.shape
        return (
            f"a time-major sequence (T, batch, F) = ({steps}, batch, {features}) (from "
            f"{self.origin}): only a recurrent module with batch_first=False, seq[t] and "
            "seq.transpose(0, 1) / seq.permute(1, 0, 2) back to batch first can use it"
        )

    def getitem(self, call: NodeCall, index):
        items = index if isinstance(index, tuple) else (index,)
        t = items[0]
        rest_full = all(i == slice(None) for i in items[1:]) and len(items) <= 3
        steps = self.sequence.shape[0]
        if isinstance(t, int) and not isinstance(t, bool) and -steps <= t < steps and rest_full:
            return timestep(call, self.sequence, t)
        return super().getitem(call, index)
