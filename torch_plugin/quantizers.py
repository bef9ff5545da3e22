"""Brevitas quantizers -> fixed-point types (imported with Brevitas only, by
``torch_plugin.handlers.brevitas``).

Everything is read from the **live quantizers at inference** (eval mode): a weight is the
``QuantTensor`` its layer's ``quant_weight()`` returns, a bias the one its ``bias_quant``
returns for the layer's actual quantized input and weight (``Int16Bias`` & co. take their
scale from them), an activation the ``QuantTensor`` its proxy returns for the value it
receives. A Brevitas integer quantizer computes ``clamp(R(x / scale), min_int, max_int) *
scale`` (zero point 0), which is :class:`Grid`:

* a power-of-two ``scale = 2^e`` makes it a conversion into ``ap_fixed<b, b + e>``
  (``ap_ufixed`` unsigned) with ``R``'s rounding mode and saturation (``AP_SAT``;
  ``AP_SAT_SYM`` for a signed narrow range): exact;
* any other (float) scale needs a multiplication by ``1 / scale`` and by ``scale``, which
  the firmware does in fixed point: reported as not exact, with the worst-case error.

Rounding modes (the quantizer's ``float_to_int_impl``): ``ROUND`` (``torch.round``, half to
even) is ``AP_RND_CONV``, ``FLOOR`` is ``AP_TRN``, ``ROUND_TO_ZERO`` is ``AP_TRN_ZERO``,
stochastic rounding is ``ROUND`` at inference (``deterministic_inference=True``); ``CEIL``
and ``DPU`` rounding have no ap_fixed mode and are refused, as are non-zero zero points,
minifloat (``FloatQuantTensor``) and dynamic (per-batch) or group-wise scales, per-channel
activation scales and quantization delays that are still counting. Binary activation
quantizers (``sign(x) * scale``, e.g. ``SignedBinaryActPerTensorConst``) are the ``binary``
quantizer function: exact for any scale (the firmware outputs the two float32 values).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from brevitas.core.function_wrapper import (
    CeilSte,
    DPURoundSte,
    FloorSte,
    LearnedRoundSte,
    RoundSte,
    RoundToZeroSte,
    StochasticRoundSte,
    TensorClamp,
    TensorClampSte,
)
from brevitas.core.quant.binary import BinaryQuant, ClampedBinaryQuant
from brevitas.core.quant.delay import _DelayQuant
from brevitas.proxy.runtime_quant import DynamicActQuantProxyFromInjector
from brevitas.quant_tensor import IntQuantTensor, QuantTensor

from fpga_export.layers.dense import fit_integer_bits
from fpga_export.layers.quantizer import exact_type, is_power_of_two
from fpga_export.types import FixedType

from .trace import WRAPPED_TENSORS

__all__ = [
    "Grid",
    "QuantizerError",
    "act_grid",
    "approx_type",
    "param_grid",
    "param_type",
    "po2_type",
    "quantizer_name",
    "rounding",
]

WRAPPED_TENSORS[QuantTensor] = lambda q: q.value  # a QuantTensor flows as its value

APPROX_BITS = 18  # a float scale (or a value it scaled) in the firmware: 18 significant bits

ROUNDING = {RoundSte: "RND_CONV", FloorSte: "TRN", RoundToZeroSte: "TRN_ZERO"}
"""``float_to_int_impl`` class -> the ap_fixed rounding mode that computes the same."""

NO_ROUNDING_MODE = {
    CeilSte: "CEIL rounding (up, towards +inf)",
    DPURoundSte: "DPU rounding (half to even, but negative halves up)",
    LearnedRoundSte: "learned rounding",
}
CLAMPS = (TensorClamp, TensorClampSte)  # clamp to [min_int, max_int]: saturation


class QuantizerError(ValueError):
    """A Brevitas quantizer that cannot be exported (the message says why)."""


def quantizer_name(proxy) -> str:
    """The quantizer class a proxy was made from (``Int8ActPerTensorFixedPoint``)."""
    injector = getattr(proxy, "quant_injector", None)
    return getattr(injector, "__name__", type(proxy).__name__)


def _log2(v: float) -> int:
    _, e = np.frexp(v)
    return int(e) - 1


@dataclass(frozen=True)
class Grid:
    """The output grid of one quantizer at inference: ``clamp(R(x / scale)) * scale`` with
    ``bits``-bit integers (signed: ``[-2^(b-1) (+1 if narrow), 2^(b-1) - 1]``; unsigned:
    ``[0, 2^b - 1]``). ``scale`` has one value (per tensor) or one per output channel."""

    bits: int
    signed: bool
    narrow: bool
    scale: tuple[float, ...]
    rounding: str = "RND_CONV"
    binary: bool = False  # a binary quantizer: x >= 0 ? scale : -scale (no rounding)

    @property
    def po2(self) -> bool:
        """Every scale is a power of two: the grid is a fixed-point type."""
        return is_power_of_two(self.scale)

    @property
    def per_tensor(self) -> bool:
        return len(set(self.scale)) == 1

    @property
    def overflow(self) -> str:
        return "SAT_SYM" if self.narrow and self.signed else "SAT"

    def codes(self) -> FixedType:
        """The integers (scale 1) with the quantizer's rounding and saturation."""
        return FixedType(self.bits, self.bits, self.signed, self.rounding, self.overflow)

    def type(self, modes: bool = True) -> FixedType:
        """The fixed-point type of the grid (a per-tensor power-of-two scale), with the
        quantizer's rounding and saturation (``modes``) or without (for its values)."""
        assert self.po2 and self.per_tensor, self
        e = _log2(self.scale[0])
        if not modes:
            return FixedType(self.bits, self.bits + e, self.signed)
        return FixedType(self.bits, self.bits + e, self.signed, self.rounding, self.overflow)

    def union_type(self) -> FixedType:
        """One type holding the grids of every channel (power-of-two scales)."""
        exps = [_log2(s) for s in self.scale]
        lo, hi = min(exps), max(exps)
        return FixedType(self.bits + hi - lo, self.bits + hi, self.signed)


def _scales(scale, what: str, per_channel_ok: bool) -> tuple[float, ...]:
    s = np.asarray(scale.detach().cpu().to(torch.float64), dtype=np.float64).ravel()
    if not per_channel_ok and len(set(s.tolist())) > 1:
        raise QuantizerError(
            f"{what} has a scale per channel ({s.size} values); only per-tensor scales are "
            "supported for activations"
        )
    if not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise QuantizerError(f"{what} has scales {s.tolist()}: they must be finite and > 0")
    return tuple(float(v) for v in s)


def _zero_point(q, what: str) -> None:
    zp = np.asarray(q.zero_point.detach().cpu().to(torch.float64)).ravel()
    if np.any(zp != 0):
        shown = zp[zp != 0][:3].tolist()
        raise QuantizerError(
            f"{what} has the zero point {shown[0] if zp.size == 1 else shown}: asymmetric "
            "quantizers (zero point != 0, e.g. ShiftedUint8ActPerTensorFloat) are not "
            "supported; use one with a zero point of 0"
        )


def _int_quant(proxy):
    """The ``IntQuant`` module computing ``clamp(R(x / scale))`` inside a proxy, if any."""
    from brevitas.core.quant.int_base import IntQuant

    for m in proxy.modules():
        if isinstance(m, IntQuant):
            return m
    return None


def _lookup(table: dict, obj):
    for cls in type(obj).__mro__:
        if cls in table:
            return table[cls]
    return None


def rounding(impl, what: str) -> str:
    """The ap_fixed rounding mode of a ``float_to_int_impl`` module (QuantizerError if none)."""
    if isinstance(impl, StochasticRoundSte):
        if impl.deterministic_inference:
            return "RND_CONV"  # torch.round at inference
        raise QuantizerError(
            f"{what} rounds stochastically at inference (deterministic_inference=False)"
        )
    mode = _lookup(ROUNDING, impl)
    if mode is not None:
        return mode
    why = _lookup(NO_ROUNDING_MODE, impl) or f"rounding by {type(impl).__name__}"
    raise QuantizerError(
        f"{what} uses {why}, which no ap_fixed rounding mode computes; supported: ROUND "
        "(AP_RND_CONV), FLOOR (AP_TRN), ROUND_TO_ZERO (AP_TRN_ZERO)"
    )


def _check_delay(quant, what: str) -> None:
    delay = quant.delay_wrapper.delay_impl
    if isinstance(delay, _DelayQuant) and delay.quant_delay_steps > 0:
        raise QuantizerError(
            f"{what} still delays quantization (quant_delay_steps has not run out: it returns "
            "its float input until then); export after the delay"
        )


def _check_int_quant(iq, what: str) -> tuple[str, bool]:
    """(rounding mode, narrow range) of an IntQuant, refusing what no type computes."""
    if iq is None:
        raise QuantizerError(f"{what} is not an integer quantizer (no IntQuant inside)")
    mode = rounding(iq.float_to_int_impl, what)
    if not isinstance(iq.tensor_clamp_impl, CLAMPS):
        raise QuantizerError(
            f"{what} clamps with {type(iq.tensor_clamp_impl).__name__}; only TensorClamp "
            "(saturation to the integer range) is supported"
        )
    _check_delay(iq, what)
    narrow = bool(iq.narrow_range)
    if narrow and not bool(iq.signed):
        raise QuantizerError(
            f"{what} is unsigned with a narrow range ([0, 2^b - 2]), which no saturation mode "
            "of an unsigned type computes; use narrow_range=False"
        )
    return mode, narrow


def act_grid(proxy, out, what: str) -> Grid:
    """The grid of activation proxy ``proxy`` from ``out``, the QuantTensor it returned at
    inference."""
    what = f"{what} ({quantizer_name(proxy)})"
    if isinstance(proxy, DynamicActQuantProxyFromInjector) or getattr(proxy, "is_groupwise", False):
        raise QuantizerError(
            f"{what} computes its scale from each batch (dynamic or group-wise "
            "quantization), which firmware cannot reproduce"
        )
    if not isinstance(out, IntQuantTensor):
        raise QuantizerError(
            f"{what} returns {type(out).__name__}: only integer quantizers (IntQuantTensor) are "
            "supported (minifloat quantization is not)"
        )
    _zero_point(out, what)
    scale = _scales(out.scale, what, per_channel_ok=False)[:1]
    binary = _binary_quant(proxy)
    if binary is not None:  # sign(x) * scale, sign(0) = +1
        _check_delay(binary, what)
        return Grid(1, True, False, scale, binary=True)
    mode, narrow = _check_int_quant(_int_quant(proxy), what)
    return Grid(_bits(out, what), bool(out.signed), narrow, scale, mode)


def _bits(q, what: str) -> int:
    bits = float(q.bit_width.detach().reshape(-1)[0])
    if bits != int(bits) or bits < 1:
        raise QuantizerError(f"{what} has the bit width {bits:g}: only whole numbers are supported")
    return int(bits)


def _binary_quant(proxy):
    """The binary quantizer (``x >= 0 ? scale : -scale``) inside a proxy, if any."""
    for m in proxy.modules():
        if isinstance(m, (BinaryQuant, ClampedBinaryQuant)):
            return m
    return None


def param_grid(proxy, q, what: str) -> Grid:
    """The grid of a weight or bias from the QuantTensor ``q`` its quantizer returned (the
    values themselves are Brevitas' own: only their grid is read here)."""
    what = f"{what} ({quantizer_name(proxy)})"
    if not isinstance(q, IntQuantTensor):
        raise QuantizerError(
            f"{what} returns {type(q).__name__}: only integer quantizers (IntQuantTensor) are "
            "supported (minifloat quantization is not)"
        )
    if getattr(proxy, "is_groupwise", False):
        raise QuantizerError(f"{what} has group-wise scales, which are not supported")
    _zero_point(q, what)
    narrow = bool(getattr(proxy, "is_narrow_range", False))
    return Grid(_bits(q, what), bool(q.signed), narrow,
                _scales(q.scale, what, per_channel_ok=True))  # fmt: skip


def param_type(grid: Grid, values: np.ndarray) -> FixedType | None:
    """The type of weights on ``grid`` (power-of-two scales): the grid's own type (per
    tensor) or the union of the channels' grids; None for a float scale."""
    if not grid.po2:
        return None
    t = grid.type(modes=False) if grid.per_tensor else grid.union_type()
    if np.array_equal(t.quantize(values), values):
        return t
    return exact_type(values, max_width=64)  # values outside the nominal grid (never seen)


def po2_type(values) -> FixedType | None:
    """The smallest type holding powers of two (and zeros) exactly; None for other values."""
    v = np.abs(np.asarray(values, dtype=np.float64)).ravel()
    return exact_type(v) if is_power_of_two(v[v != 0]) else None


def approx_type(values, bits: int = APPROX_BITS) -> FixedType:
    """A ``bits``-bit signed type whose integer part just holds max |values| (rounding to
    nearest): the firmware's approximation of float-scaled values."""
    return fit_integer_bits(values, bits).with_(rounding="RND_CONV", overflow="SAT")
