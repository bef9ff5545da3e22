"""QKeras quantizer objects -> exact fixed-point types and IR ops (imported with QKeras only).

Weights: the live quantizer is called on the live weight exactly as the QKeras layer's
``call()`` does, so the values (power-of-two ``alpha`` scales, binary/ternary levels, po2
exponents ...) are QKeras' own; their type is the quantizer's nominal type when that holds
them (stable while training), else the smallest type holding them exactly
(:func:`fpga_export.layers.quantizer.exact_type`); values no type of <= 32 bits holds
exactly (a float ``alpha`` such as ``"auto"``) get a type of ``bits + 8`` bits, and the export
reports them as not exact with the worst-case error.

Activations: each supported quantizer becomes an op whose conversion into the quantizer's
type rounds and saturates exactly like QKeras (``tf.round`` is round-half-to-even:
``AP_RND_CONV``; QKeras clips: ``AP_SAT``, or ``AP_SAT_SYM`` when symmetric):

=====================================  =========================================================
``quantized_bits(b, i)``               linear into ``ap_fixed<b, i+1, AP_RND_CONV, AP_SAT>``
                                       (``keep_negative=False``: ``ap_ufixed<b, i>``; b = 1:
                                       ``binary``)
``quantized_relu(b, i)``               relu into ``ap_ufixed<b, i, AP_RND_CONV, AP_SAT>``;
                                       ``negative_slope``: ``leaky_clip`` into ``ap_fixed<b,
                                       i+1>``; ``relu_upper_bound`` (with
                                       ``is_quantized_clip=False``): a clipped relu
``quantized_tanh(b)``                  (hard tanh, QKeras' default) linear into
                                       ``ap_fixed<b, 1, AP_RND_CONV, AP_SAT>``
``quantized_sigmoid(b)``               (hard sigmoid) ``hard_sigmoid`` (slope 1/2, or 3/16 for
                                       QKeras' "smooth" sigmoid) into ``ap_ufixed<b, 0, ...>``
``binary``, ``ternary``                the ``binary`` / ``ternary`` quantizer functions
``stochastic_binary/ternary``          their inference form (binary / ternary)
``quantized_po2``, ``quantized_relu_po2``  ``Po2Quantizer``: powers of two, exponent thresholds
                                       on the input grid (``max_value`` caps the exponent)
``"relu"``, ``"softmax"`` ... strings  the Keras activation (not a quantizer: approximated)
=====================================  =========================================================

``use_real_tanh``/``use_real_sigmoid`` are exported with lookup tables (approximate) into the
quantizer's type. Refused with the reason: data-dependent scales on activations (``alpha=
"auto"``), ``use_sigmoid``, ``qnoise_factor != 1``, po2 ``quadratic_approximation`` and
``negative_slope``, ``quantized_ulaw``, ``quantized_hswish``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import tensorflow as tf
from qkeras import quantizers as qq

from fpga_export.frontend import HandlerRegistry, UnsupportedLayerError
from fpga_export.layers.activation import Activation
from fpga_export.layers.dense import fit_integer_bits
from fpga_export.layers.quantizer import Po2Quantizer, Quantizer, exact_type, is_power_of_two
from fpga_export.types import FixedType

__all__ = ["QUANTIZERS", "ActivationSpec", "QuantizerError", "activation_spec", "quantize_weight"]

QUANTIZERS = HandlerRegistry("QKeras quantizers", behaviour_methods=("__call__",))
"""QKeras quantizer class -> ``fn(q) -> ActivationSpec`` (as an activation)."""

APPROX_EXTRA_BITS = 8  # weights no exact type holds: quantizer bits + this many


class QuantizerError(ValueError):
    """A QKeras quantizer that cannot be exported (the message says why)."""


@dataclass
class ActivationSpec:
    op: object  # an IR op (Activation or Quantizer)
    result: FixedType  # the quantizer's type (the node's given result type)
    weights: dict = field(default_factory=dict)


def name(q) -> str:
    """A quantizer as QKeras prints it (its __str__ fails for array alphas)."""
    try:
        return str(q)
    except Exception:
        return f"{type(q).__name__}(alpha={_alpha(getattr(q, 'alpha', None))})"


def _alpha(alpha) -> str:
    if np.ndim(alpha) > 0:
        return f"an array of {np.size(alpha)} per-channel values"
    return repr(alpha)


def _int(value) -> int:
    """QKeras keeps some settings as tf.Variables (``use_variables=True``)."""
    return int(np.asarray(value.numpy() if hasattr(value, "numpy") else value))


def _check_common(q) -> None:
    noise = getattr(q, "qnoise_factor", 1.0)
    noise = float(np.asarray(noise.numpy() if hasattr(noise, "numpy") else noise))
    if noise != 1.0:
        raise QuantizerError(
            f"{name(q)} has qnoise_factor={noise}: its output blends float and quantized values "
            "(set qnoise_factor=1.0 for the exported model)"
        )


def _unit_alpha(q, what: str) -> None:
    alpha = getattr(q, "alpha", None)
    if alpha is None or (not isinstance(alpha, str) and np.all(np.asarray(alpha) == 1.0)):
        return
    raise QuantizerError(
        f"{name(q)} as {what}: alpha={_alpha(alpha)} scales each batch by a factor computed "
        "from the data (or per channel), which firmware cannot reproduce; use alpha=1 for "
        "activations"
    )


def activation_spec(q, what: str = "an activation") -> ActivationSpec:
    """The IR op and result type of a QKeras quantizer used as an activation."""
    try:
        handler = QUANTIZERS.lookup(q, name(q))
    except UnsupportedLayerError as e:
        why = str(e).split(" is not supported")[1].split("; supported classes")[0]
        raise QuantizerError(
            f"quantizer {name(q)} ({type(q).__name__}) as {what} is not supported{why}; supported "
            f"quantizers: {', '.join(e.supported)}"
        ) from None
    return handler(q, what)


# ---------------------------------------------------------------------- activations


def _rounding(q) -> str:
    return "RND_CONV"  # tf.round: half to even (stochastic rounding is off at inference)


@QUANTIZERS.register(qq.quantized_bits)
def _quantized_bits(q, what):
    _check_common(q)
    _unit_alpha(q, what)
    bits, integer, keep = _int(q.bits), _int(q.integer), bool(q.keep_negative)
    if bits - keep <= 0:  # QKeras: sign(x) with sign(0) = +1
        return ActivationSpec(Quantizer("binary"), FixedType(2, 2), {"param": [-1.0, 1.0]})
    if keep:
        sat = "SAT_SYM" if q.symmetric else "SAT"
        t = FixedType(bits, integer + 1, True, _rounding(q), sat)
    else:
        t = FixedType(bits, integer, False, _rounding(q), "SAT")
    return ActivationSpec(Activation("linear"), t)


@QUANTIZERS.register(qq.quantized_relu)
def _quantized_relu(q, what):
    _check_common(q)
    if q.use_sigmoid:
        raise QuantizerError(f"{name(q)}: use_sigmoid=1 is not supported (a sigmoid-shaped relu)")
    bits, integer = _int(q.bits), _int(q.integer)
    slope = float(q.negative_slope)
    if slope == 0.0:
        t = FixedType(bits, integer, False, _rounding(q), "SAT")
        bound = q.relu_upper_bound
        if bound is None or q.is_quantized_clip or bound >= t.max:
            return ActivationSpec(Activation("relu"), t)
        if t.quantize(np.array([bound]))[0] != bound:
            raise QuantizerError(
                f"{name(q)}: relu_upper_bound={bound} is not a value of {t}; QKeras outputs it "
                "as is, which no fixed-point type of the quantizer holds"
            )
        return ActivationSpec(Activation("relu", max_value=float(bound)), t)
    if q.relu_upper_bound is not None and not q.is_quantized_clip:
        raise QuantizerError(f"{name(q)}: negative_slope together with relu_upper_bound")
    m = 2.0 ** (bits - 1)
    if slope * m != int(slope * m):
        raise QuantizerError(
            f"{name(q)}: negative_slope={slope} times 2^(bits-1) is not an integer, so QKeras' "
            "lowest output is not on its own grid"
        )
    t = FixedType(bits, integer + 1, True, _rounding(q), "SAT")
    return ActivationSpec(Quantizer("leaky_clip"), t, {"param": [slope, -(2.0**integer)]})


@QUANTIZERS.register(qq.quantized_tanh)
def _quantized_tanh(q, what):
    bits = _int(q.bits)
    sat = "SAT_SYM" if q.symmetric else "SAT"
    t = FixedType(bits, 1, True, _rounding(q), sat)
    if q.use_real_tanh:
        return ActivationSpec(Activation("tanh"), t)
    if qq._sigmoid is not qq.hard_sigmoid:
        raise QuantizerError(
            f"{name(q)}: QKeras' internal sigmoid is set to {qq._sigmoid.__name__!r}; only the "
            "default 'hard' one (tanh = clip(x, -1, 1)) is supported, or use_real_tanh=True"
        )
    return ActivationSpec(Activation("linear"), t)  # 2 * hard_sigmoid(x) - 1 = clip(x, -1, 1)


@QUANTIZERS.register(qq.quantized_sigmoid)
def _quantized_sigmoid(q, what):
    bits = _int(q.bits)
    if q.symmetric:
        raise QuantizerError(
            f"{name(q)}: symmetric=True (an output floor of 2^-{bits}) is not supported"
        )
    t = FixedType(bits, 0, False, _rounding(q), "SAT")
    if q.use_real_sigmoid or qq._sigmoid is tf.keras.backend.sigmoid:
        return ActivationSpec(Activation("sigmoid"), t)
    slope = {qq.hard_sigmoid: 0.5, qq.smooth_sigmoid: 0.1875}.get(qq._sigmoid)
    if slope is None:
        raise QuantizerError(f"{name(q)}: unknown internal sigmoid {qq._sigmoid!r}")
    return ActivationSpec(Activation("hard_sigmoid", slope=slope), t)


def _f32(value) -> float:
    return float(np.float32(value))


@QUANTIZERS.register(qq.binary, qq.stochastic_binary)
def _binary(q, what):
    alpha = q.alpha
    if isinstance(alpha, str) or np.ndim(alpha) > 0:
        _unit_alpha(q, what)  # refuses
    scale = 1.0 if alpha is None else _f32(alpha)
    levels = [0.0, scale] if q.use_01 else [-scale, scale]
    return ActivationSpec(Quantizer("binary"), exact_type(levels), {"param": levels})


@QUANTIZERS.register(qq.ternary, qq.stochastic_ternary)
def _ternary(q, what):
    alpha, threshold = q.alpha, q.threshold
    if isinstance(alpha, str) or np.ndim(alpha) > 0:
        _unit_alpha(q, what)
    if isinstance(threshold, str):
        raise QuantizerError(f"{name(q)} as {what}: threshold={threshold!r} depends on the data")
    scale = 1.0 if alpha is None else _f32(alpha)
    thres = _f32(q.default_threshold if threshold is None else threshold)
    return ActivationSpec(
        Quantizer("ternary"), exact_type([-scale, scale]), {"param": [thres, scale]}
    )


def _refuse(reason: str):
    def handler(q, what):
        raise QuantizerError(f"{name(q)} as {what} is not supported: {reason}")

    return handler


@QUANTIZERS.register(qq.quantized_po2, qq.quantized_relu_po2)
def _po2(q, what):
    """``sign * 2^clip(round(log2|x|))`` (relu_po2: ``2^min_exp`` for x < 0); a max_value
    caps the exponent at its own rounded log2."""
    _check_common(q)
    relu = isinstance(q, qq.quantized_relu_po2)
    if q.quadratic_approximation:
        raise QuantizerError(f"{name(q)}: quadratic_approximation=True is not supported")
    if relu and q.negative_slope:
        raise QuantizerError(f"{name(q)}: negative_slope is not supported for quantized_relu_po2")
    lo, hi = int(q._min_exp), int(q._max_exp)
    if q.max_value is not None:
        hi = max(lo, min(hi, _log2_rounded(float(q.max_value), q.log2_rounding)))
    op = Po2Quantizer(min_exp=lo, max_exp=hi, relu=relu, rounding=q.log2_rounding,
                      eps=_f32(tf.keras.backend.epsilon()))  # fmt: skip
    levels = [2.0**e for e in range(lo, hi + 1)]
    return ActivationSpec(op, exact_type(levels if relu else levels + [-v for v in levels]))


def _log2_rounded(v: float, rounding: str) -> int:
    """round(log2 v) (never a tie) or floor(log2 v), exactly."""
    m, e = np.frexp(v)  # v = m * 2^e, 0.5 <= m < 1: floor(log2 v) = e - 1
    k = int(e) - 1
    if rounding == "floor":
        return k
    return k + 1 if Fraction(v) ** 2 >= Fraction(2) ** (2 * k + 1) else k


QUANTIZERS.register(qq.quantized_ulaw)(_refuse("u-law companding is not implemented"))
QUANTIZERS.register(qq.quantized_hswish)(_refuse("hard swish is not implemented"))


# ---------------------------------------------------------------------- weights


def quantize_weight(q, weight, reshape=None) -> tuple[np.ndarray, FixedType | None, str]:
    """(values, type, hint) of a weight under quantizer ``q`` (None: the float weight, no
    type); ``hint`` says why the type cannot hold the values exactly ("" when it can).

    ``reshape`` (a callable on tensors) reproduces the shape the layer's ``call()`` feeds
    the quantizer (per-channel scales depend on it); the values come back in the
    weight's own shape.
    """
    value = tf.convert_to_tensor(weight)
    if q is None:
        return np.array(value.numpy(), dtype=np.float64), None, ""
    _check_common(q)
    fed = reshape(value) if reshape is not None else value
    out = q(fed)
    values = np.array(tf.reshape(out, value.shape).numpy(), dtype=np.float64)
    hint = (
        ""
        if _po2_scale(q)
        else (
            f"{name(q)} scales them by factors that are not powers of two "
            f"(alpha={_alpha(q.alpha)}); use alpha=1 or alpha='auto_po2' for an exact export"
        )
    )
    return values, weight_type(q, values), hint


def _po2_scale(q) -> bool:
    """Whether the scale the quantizer applied (``q.scale`` after a call: alpha, or the
    per-channel scale of alpha="auto"/"auto_po2") is made of powers of two."""
    scale = getattr(q, "scale", None)
    if scale is None:
        return True
    s = np.abs(np.asarray(scale.numpy() if hasattr(scale, "numpy") else scale, np.float64))
    return is_power_of_two(s[s > 0])


def weight_type(q, values: np.ndarray) -> FixedType:
    """The quantizer's nominal type if it holds the values, else the smallest exact type
    (<= 32 bits) when the scale is a power of two, else ``bits + 8`` bits (not exact)."""
    nominal = _nominal(q)
    if nominal is not None and np.array_equal(nominal.quantize(values), values):
        return nominal
    t = exact_type(values, max_width=32) if _po2_scale(q) else None
    if t is not None:
        return t
    bits = _int(getattr(q, "bits", 8)) + APPROX_EXTRA_BITS  # not exact: reported later
    return fit_integer_bits(values, bits).with_(rounding="RND_CONV")


def _nominal(q) -> FixedType | None:
    """The type every value of the quantizer (with unit scale) belongs to."""
    if isinstance(q, qq.quantized_bits):
        bits, keep = _int(q.bits), bool(q.keep_negative)
        if bits - keep <= 0:
            return FixedType(2, 2)
        return FixedType(bits, _int(q.integer) + keep, keep)
    if isinstance(q, (qq.binary, qq.ternary)):
        return FixedType(2, 2)
    return None
