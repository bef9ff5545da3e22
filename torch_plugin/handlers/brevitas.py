"""Handlers for Brevitas layers (loaded by ``torch_plugin.export`` once Brevitas is in the
process; registering them makes the classes fx leaves).

Each layer is evaluated as its ``forward`` does at inference, on the arguments it received
while the shapes were propagated (``meta["fe_args"]``): input quantizer, ``quant_weight()``,
the bias quantizer with the actual quantized input and weight, output quantizer. Their
``QuantTensor`` outputs give the values and grids (``torch_plugin.quantizers``):

* a binary activation quantizer is the ``binary`` quantizer function (exact); one with a
  power-of-two scale is an ``Activation`` (``linear``, ``relu``, ``relu6``;
  ``sigmoid``/``tanh`` are approximated) whose given result type is the quantizer's: the
  conversion rounds and saturates like Brevitas. A float scale becomes
  ``<name>_prescale`` (times 1/scale), the activation into the integer codes, and
  ``<name>_scale`` (times scale): not exact, with a warning bounding the error.
* QuantLinear/QuantConv1d/QuantConv2d: the quantized weights (power-of-two scales: their
  grid's type) and biases, exact "auto" accumulator and result. A float weight scale (or
  1-2-bit weights with per-channel scales) is split: the layer on the integer codes, then a
  ``<name>_scale`` node multiplying each output channel by its scale and adding the bias.
* QuantIdentity, QuantReLU, QuantHardTanh, QuantSigmoid, QuantTanh: the input quantizer
  (if any), then the activation quantizer with its function. QuantEltwiseAdd: both inputs
  through its input quantizer, the sum (exact), the output quantizer. TruncAvgPool2d and
  TruncAdaptiveAvgPool2d: the exact average converted into the truncation's grid (window
  areas that are powers of two only). Plain torch layers between them (max pooling,
  flatten ...) get exact types. A ``QuantTensor`` flows as its value (``x.value`` too).
* A bias without quantizer (``bias_quant=None``) is Brevitas' float bias: your precision,
  reported as not exact (in a ``<name>_scale`` node: a 24-bit type, with the warning).
"""

from __future__ import annotations

import builtins

import numpy as np
from brevitas import nn as qnn
from brevitas.quant_tensor import QuantTensor
from torch import nn

from fpga_export.layers.activation import Activation
from fpga_export.layers.merge import Merge
from fpga_export.layers.norm import BatchNormalization
from fpga_export.layers.quantizer import Quantizer, exact_type, is_power_of_two
from fpga_export.types import FixedType

from ..convert import TORCH_FUNCTIONS, TORCH_MODULES, NodeCall, Value, channels_last, numpy
from ..quantizers import (
    QuantizerError,
    act_grid,
    approx_type,
    param_grid,
    param_type,
    po2_type,
    quantizer_name,
    rounding,
)
from ..trace import inference_mode
from .conv import _adaptive, _check_pool_options, _pool, conv_node
from .core import dense
from .merge import _operands

AUTO = "auto"
ZERO = FixedType(1, 1, False)  # holds a zero bias
FLOAT_BIAS_BITS = 24  # a float-scaled bias in the firmware: at least 24 bits (float32's)
FUNCTIONS = {nn.Identity: "linear", nn.ReLU: "relu", nn.ReLU6: "relu6", nn.Sigmoid: "sigmoid",
             nn.Tanh: "tanh"}  # fmt: skip
"""Activation module class (a Brevitas proxy's ``activation_impl``) -> IR function."""
CONVERSIONS = ("linear", "relu")  # functions a float-scale quantizer folds into its codes


def _exact(types: dict) -> dict:
    return {**types, "accum": AUTO, "result": AUTO}


def _refuse(call: NodeCall, e: QuantizerError) -> ValueError:
    return call.refuse(str(e))


def _received(call: NodeCall, index: int = 0):
    """What the module received as argument ``index`` at inference (tensor or QuantTensor)."""
    args, kwargs = call.fx_node.meta["fe_args"]
    return args[index] if index < len(args) else list(kwargs.values())[index - len(args)]


# ---------------------------------------------------------------------- activations


def _function(impl, call: NodeCall) -> tuple[str, dict]:
    if isinstance(impl, nn.Hardtanh):
        return "hardtanh", {"min_value": float(impl.min_val), "max_value": float(impl.max_val)}
    for cls in type(impl).__mro__:
        if cls in FUNCTIONS:
            return FUNCTIONS[cls], {}
    raise call.refuse(
        f"the activation {type(impl).__name__} is not supported; supported: "
        f"{', '.join(sorted(c.__name__ for c in FUNCTIONS))}, Hardtanh"
    )


def _scale_node(call, x: Value, scale, shift, suffix: str, hints: dict, shift_type=ZERO):
    """``x * scale + shift`` per channel (the IR's last axis) as a BatchNormalization node;
    a scale that is not a power of two gets an 18-bit type (``approx_type``; lossy, ``hints``
    say why)."""
    n = call.ir_shape(x)[-1]
    scale = np.broadcast_to(np.asarray(scale, np.float64), (n,)).copy()
    shift = np.broadcast_to(np.asarray(shift, np.float64), (n,)).copy()
    exact = po2_type(scale)
    given = {"scale": exact or approx_type(scale)}
    if shift_type is not None:
        given["bias"] = shift_type
    hints = {r: h for r, h in hints.items() if r != "scale" or exact is None}
    node = call.add(
        BatchNormalization(), [x], weights={"scale": scale, "shift": shift}, suffix=suffix,
        given=_exact(given), hints=hints, layer_type=call.layer_type,
    )  # fmt: skip
    return call.value(node, shape=x.shape, layout=x.layout)


def quant_act(call: NodeCall, x: Value, proxy, received, what: str, suffix: str = ""):
    """The nodes of activation proxy ``proxy`` on ``x`` (which receives ``received`` at
    inference); returns (Value, what the proxy returned)."""
    out = proxy(received)
    fused = getattr(proxy, "fused_activation_quant_proxy", None)
    if fused is None:
        return x, out
    function, kwargs = _function(fused.activation_impl, call)
    if not proxy.is_quant_enabled:
        if function == "linear":
            return x, out
        node = call.add(Activation(function, **kwargs), [x], suffix=suffix)
        return call.value(node, shape=x.shape, layout=x.layout), out
    try:
        grid = act_grid(proxy, out, what)
    except QuantizerError as e:
        raise _refuse(call, e) from None
    if grid.binary:
        if function != "linear":
            raise call.refuse(f"{what}: a binary quantizer after {function} is not supported")
        levels = [-grid.scale[0], grid.scale[0]]
        node = call.add(Quantizer("binary"), [x], weights={"param": levels}, suffix=suffix,
                        given={"result": exact_type(levels)})  # fmt: skip
        return call.value(node, shape=x.shape, layout=x.layout), out
    if grid.po2:
        node = call.add(
            Activation(function, **kwargs), [x], suffix=suffix, given={"result": grid.type()}
        )
        return call.value(node, shape=x.shape, layout=x.layout), out
    if function not in CONVERSIONS:  # the function first, then the float-scale quantizer
        node = call.add(Activation(function, **kwargs), [x], suffix=f"{suffix}_{function}")
        x, function = call.value(node, shape=x.shape, layout=x.layout), "linear"
    s = grid.scale[0]
    hint = (
        f"{quantizer_name(proxy)} divides by the float scale {s:.6g} (not a power of two) "
        "before rounding; a *FixedPoint quantizer is exact"
    )
    pre = "prescale" if not suffix else f"{suffix}_prescale"
    x = _scale_node(call, x, 1.0 / s, 0.0, pre, {"scale": hint})
    node = call.add(Activation(function), [x], suffix=suffix, given={"result": grid.codes()})
    x = call.value(node, shape=x.shape, layout=x.layout)
    post = "scale" if not suffix else f"{suffix}_scale"
    return _scale_node(call, x, s, 0.0, post, {"scale": hint}), out


@TORCH_MODULES.register(qnn.QuantIdentity, qnn.QuantReLU, qnn.QuantHardTanh, qnn.QuantSigmoid,
                        qnn.QuantTanh)  # fmt: skip
@channels_last  # element-wise: a model input it reads may as well arrive channels-last
def quant_activation(call: NodeCall) -> Value:
    m = call.module
    x = call.input()
    with inference_mode(m):
        received = m.unpack_input(_received(call))
        x, q = quant_act(call, x, m.input_quant, received, "input_quant", "input_quant")
        x, _ = quant_act(call, x, m.act_quant, q, "act_quant")
    return x


@TORCH_MODULES.register(qnn.QuantEltwiseAdd)
def quant_add(call: NodeCall) -> Value:
    m = call.module
    a, b = _operands(call, "addition")
    with inference_mode(m):
        qa = quant_act(call, a, m.input_quant, _received(call, 0), "input_quant", "input_quant")
        qb = quant_act(call, b, m.input_quant, _received(call, 1), "input_quant", "other_quant")
        total = qa[1] + qb[1]
        quantized = m.output_quant.is_quant_enabled  # then the quantizer takes the name
        node = call.add(Merge("add"), [qa[0], qb[0]], suffix="sum" if quantized else "")
        y = call.value(node, layout=qa[0].layout)
        y, _ = quant_act(call, y, m.output_quant, total, "output_quant")
    return y


# ---------------------------------------------------------------------- weight layers


def _weights(call: NodeCall, m, qw):
    """(torch weight values, given type or None, float scale per output channel or None)."""
    if not isinstance(qw, QuantTensor):
        return numpy(qw), None, None
    try:
        grid = param_grid(m.weight_quant, qw, "the weight quantizer")
    except QuantizerError as e:
        raise _refuse(call, e) from None
    values = numpy(qw.value)
    t = param_type(grid, values)
    if t is not None and (grid.per_tensor or grid.bits > 2):
        return values, t, None
    # integer codes (exact) times a scale per output channel
    codes = numpy(qw.int(float_datatype=True))
    f = values.shape[0]
    scale = np.broadcast_to(np.asarray(grid.scale, np.float64), (f,)).copy()
    t = FixedType(grid.bits, grid.bits, grid.signed)
    if not np.array_equal(t.quantize(codes), codes):
        t = exact_type(codes)  # binary weights: codes +-1 in a 1-bit quantizer
    return codes, t, scale


UNQUANTIZED_BIAS = (
    "bias_quant=None: Brevitas adds its float bias; a bias quantizer such as Int16Bias or "
    "Int8BiasPerTensorFixedPointInternalScaling is exact"
)


def _bias(call: NodeCall, m, qb, n: int):
    """(bias values, given type or None, hint)."""
    if m.bias is None:
        return np.zeros(n), ZERO, ""
    if not isinstance(qb, QuantTensor):
        return numpy(m.bias), None, UNQUANTIZED_BIAS
    try:
        grid = param_grid(m.bias_quant, qb, "the bias quantizer")
    except QuantizerError as e:
        raise _refuse(call, e) from None
    values = numpy(qb.value).reshape(n)
    t = param_type(grid, values)
    if t is not None:
        return values, t, ""
    hint = f"{quantizer_name(m.bias_quant)} scales it by float factors (not powers of two)"
    return values, approx_type(values, max(grid.bits, FLOAT_BIAS_BITS)), hint


def weight_layer(call: NodeCall, build) -> Value:
    """QuantLinear / QuantConv: ``build(call, x, weight, bias, **node_kw) -> Value`` adds the
    float layer's node (geometry) with the given weights."""
    m = call.module
    x = call.input()
    with inference_mode(m):
        received = m.unpack_input(_received(call))
        x, quant_input = quant_act(call, x, m.input_quant, received, "input_quant", "input_quant")
        qw = m.quant_weight(quant_input)
        qb = m.bias_quant(m.bias, quant_input, qw) if m.bias is not None else None
        out = m.inner_forward_impl(quant_input, qw, qb)
        weight, w_type, scale = _weights(call, m, qw)
        bias, b_type, b_hint = _bias(call, m, qb, weight.shape[0])
        hints = {"bias": b_hint} if b_hint else {}
        if scale is None:
            given = _exact({"kernel": w_type} if w_type else {})
            if b_type is not None:
                given["bias"] = b_type
            y = build(call, x, weight, bias, given=given, hints=hints)
        else:
            given = _exact({"kernel": w_type, "bias": ZERO})
            y = build(call, x, weight, np.zeros_like(bias), given=given)
            hint = (
                f"{quantizer_name(m.weight_quant)} scales the integer weights by float factors "
                "(not powers of two); a *FixedPoint weight quantizer is exact"
            )
            # the scale node is ours: a float bias gets a type there too (24 bits, lossy)
            shift_type = b_type or approx_type(bias, FLOAT_BIAS_BITS)
            y = _scale_node(call, y, scale, bias, "scale", {"scale": hint, **hints},
                            shift_type=shift_type)  # fmt: skip
        y, _ = quant_act(call, y, m.output_quant, out, "output_quant", "output_quant")
    return y


@TORCH_MODULES.register(qnn.QuantLinear)
def quant_linear(call: NodeCall) -> Value:
    return weight_layer(call, dense)


@TORCH_MODULES.register(qnn.QuantConv1d, qnn.QuantConv2d)
@channels_last
def quant_conv(call: NodeCall) -> Value:
    return weight_layer(call, conv_node)


# ---------------------------------------------------------------------- pooling


def _trunc_type(call: NodeCall, m, out) -> FixedType:
    """The grid TruncAvgPool2d's truncation converts the exact average into."""
    proxy = m.trunc_quant
    what = f"the truncation ({quantizer_name(proxy)})"
    if not isinstance(out, QuantTensor):
        raise call.refuse("the input is not a QuantTensor, so Brevitas averages in float")
    scale = float(out.scale.detach().reshape(-1)[0])
    if not is_power_of_two([scale]):
        raise call.refuse(
            f"{what} outputs the scale {scale:.6g}, not a power of two: the window area is not "
            "a power of two, so the average is not a fixed-point value; use a window of 2, 4, "
            "8 ... values"
        )
    tq = proxy.tensor_quant
    try:
        mode = rounding(tq.float_to_int_impl, what)
    except QuantizerError as e:
        raise _refuse(call, e) from None
    bits, signed = int(out.bit_width.item()), bool(out.signed)
    narrow = bool(tq.narrow_range) and signed
    e = int(np.frexp(scale)[1]) - 1  # scale = 2^e
    return FixedType(bits, bits + e, signed, mode, "SAT_SYM" if narrow else "SAT")


@TORCH_MODULES.register(qnn.TruncAvgPool2d)
@channels_last
def trunc_avg_pool(call: NodeCall) -> Value:
    m = call.module
    _check_pool_options(call, m.ceil_mode, divisor=m.divisor_override)
    out = call.fx_node.meta.get("fe_value")
    given = {"result": _trunc_type(call, m, out)} if m.is_trunc_quant_enabled else {}
    return _pool(call, "average", 2, m.kernel_size, m.stride, m.padding, m.count_include_pad,
                 given=given)  # fmt: skip


@TORCH_MODULES.register(qnn.TruncAdaptiveAvgPool2d)
@channels_last
def trunc_adaptive_avg_pool(call: NodeCall) -> Value:
    m = call.module
    out = call.fx_node.meta.get("fe_value")
    given = {"result": _trunc_type(call, m, out)} if m.is_trunc_quant_enabled else {}
    return _adaptive(call, "average", 2, given=given)


# ---------------------------------------------------------------------- the rest


@TORCH_FUNCTIONS.register(builtins.getattr)
def quant_tensor_attribute(call: NodeCall) -> Value:
    """``x.value`` of a QuantTensor is the tensor itself."""
    attr = call.const(1, "name")
    if attr not in ("value", "tensor"):
        raise call.refuse(f"the attribute {attr!r} is not supported (only a QuantTensor's .value)")
    return call.input(0, "obj")


def _refused(reason: str):
    def handler(call: NodeCall):
        raise call.refuse(f"not supported: {reason}")

    return handler


TORCH_MODULES.register(qnn.QuantHardSwish)(_refused("hard swish has no firmware function"))
TORCH_MODULES.register(qnn.QuantConv3d)(_refused("3-D convolutions"))
TORCH_MODULES.register(qnn.QuantConvTranspose1d, qnn.QuantConvTranspose2d,
                       qnn.QuantConvTranspose3d)(_refused("transposed convolutions"))  # fmt: skip
TORCH_MODULES.register(qnn.QuantRNN, qnn.QuantLSTM)(_refused("recurrent layers"))
TORCH_MODULES.register(qnn.QuantMultiheadAttention, qnn.QuantScaledDotProductAttention)(
    _refused("attention")
)
TORCH_MODULES.register(qnn.QuantScaleBias, qnn.QuantEmbedding, qnn.QuantCat, qnn.QuantUpsample,
                       qnn.QuantUpsamplingBilinear2d, qnn.QuantUpsamplingNearest2d)(
    _refused("no handler for this Brevitas layer yet")
)  # fmt: skip
