"""Handlers for Linear, BatchNorm1d/2d, LayerNorm, Embedding and the operations that are the
identity at inference (Dropout, Identity, ``.contiguous()`` ...).

Weights are read from the live module as float64 (exact for float32/float16/bfloat16).
BatchNorm uses its running statistics (the export is always the inference behaviour).
"""

from __future__ import annotations

import numpy as np
from torch import nn
from torch.nn import functional as F

from fpga_export.layers.dense import Dense
from fpga_export.layers.embedding import Embedding
from fpga_export.layers.norm import BatchNormalization, LayerNormalization

from ..convert import (
    TORCH_FUNCTIONS,
    TORCH_METHODS,
    TORCH_MODULES,
    NodeCall,
    Structured,
    Value,
    channels_last,
    numpy,
    structured,
)


@TORCH_MODULES.register(nn.Linear)
def linear(call: NodeCall):
    m = call.module
    bias = numpy(m.bias) if m.bias is not None else np.zeros(m.out_features)
    return dense(call, call.input(), numpy(m.weight), bias)


def dense(call: NodeCall, x: Value, weight, bias, **node_kw) -> Value:
    """Dense on a 1-D input with the torch ``weight`` (out, in). The IR input may hold the
    torch vector in another order (a flattened channels-last feature map): the kernel rows
    are permuted to match. ``node_kw``: ``given``/``hints`` of the node."""
    if len(x.shape) != 1:
        raise call.refuse(
            f"{call.layer_type} on an input of shape {x.shape} per sample is not supported: "
            "only 1-D inputs (flatten first)"
        )
    x = call.flat(x)
    kernel = np.asarray(weight).T  # (in, out), Keras layout
    if x.layout is not None:
        kernel = kernel[x.layout.index()]  # IR input i is torch input index[i]
    op = Dense(units=int(kernel.shape[1]))
    node = call.add(op, [x], weights={"kernel": kernel, "bias": bias}, **node_kw)
    return call.value(node)


@TORCH_MODULES.register(nn.BatchNorm1d, nn.BatchNorm2d)
@channels_last
def batch_norm(call: NodeCall):
    """Inference batch normalization over the channel axis (torch axis 1 = IR last axis)."""
    m = call.module
    if m.running_mean is None or m.running_var is None:
        raise call.refuse(
            "track_running_stats=False normalizes with batch statistics at inference, "
            "which the firmware cannot do; train with track_running_stats=True"
        )
    x = call.channels_last(call.input())
    gamma = numpy(m.weight) if m.weight is not None else None
    beta = numpy(m.bias) if m.bias is not None else None
    op, weights = BatchNormalization.from_moments(
        gamma, beta, numpy(m.running_mean), numpy(m.running_var), float(m.eps)
    )
    return call.value(call.add(op, [x], weights=weights), layout=x.layout)


@TORCH_MODULES.register(nn.LayerNorm)
def layer_norm(call: NodeCall):
    """Layer normalization over the last torch axis only (``normalized_shape`` of one int)."""
    m = call.module
    if len(m.normalized_shape) != 1:
        raise call.refuse(
            f"LayerNorm over normalized_shape={tuple(m.normalized_shape)} is not supported: "
            "only the last axis (normalized_shape=(n,))"
        )
    x = call.canonical(call.input())
    n = int(m.normalized_shape[0])
    gamma = numpy(m.weight) if m.weight is not None else np.ones(n)
    beta = numpy(m.bias) if getattr(m, "bias", None) is not None else np.zeros(n)
    op = LayerNormalization(epsilon=float(m.eps))
    return call.value(call.add(op, [x], weights={"gamma": gamma, "beta": beta}))


@TORCH_MODULES.register(nn.Embedding)
def embedding(call: NodeCall):
    """Token ids ``(L,)`` -> ``(L, E)``; export with ``input_precision="ap_uint<B>"`` so the
    ids travel exactly (ids outside the table are clamped in the firmware)."""
    m = call.module
    if m.max_norm is not None:
        raise call.refuse("max_norm is not supported (it renormalizes rows at run time)")
    x = call.input()
    if len(x.shape) != 1:
        raise call.refuse(
            f"Embedding on ids of shape {x.shape} per sample is not supported: only 1-D "
            "sequences of token ids"
        )
    op = Embedding(vocab_size=int(m.num_embeddings), output_dim=int(m.embedding_dim))
    return call.value(call.add(op, [call.flat(x)], weights={"embeddings": numpy(m.weight)}))


@TORCH_MODULES.register(
    nn.Identity, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout, nn.FeatureAlphaDropout
)
@TORCH_FUNCTIONS.register(F.dropout, F.dropout1d, F.dropout2d, F.alpha_dropout)
@TORCH_METHODS.register("contiguous", "clone", "detach")
@structured
def identity(call: NodeCall):
    """The identity at inference: the input's Value itself, no node. (``F.dropout`` too,
    whatever its ``training`` argument: the export is the inference behaviour.) A
    structured value (a time-major sequence ...) passes through too."""
    x = call.arg(0, "input")
    return x if isinstance(x, Structured) else call.input()


@TORCH_METHODS.register("float", "double", "to")
def cast(call: NodeCall):
    """``x.float()`` ... between floating-point dtypes: the identity for the firmware."""
    dtype = call.fx_node.meta["tensor_meta"].dtype
    if not dtype.is_floating_point:
        raise call.refuse(f"a conversion to {dtype} is not supported")
    return call.input(0, "self")
