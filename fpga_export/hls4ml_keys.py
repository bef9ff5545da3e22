"""hls4ml's ``hls_config`` vocabulary: every key its config generators emit, and what each
means here (used by ``fpga_export.config``; the table for users is docs/hls_config.md).

Sources (hls4ml 0.8 - 1.x, read for the key names only; no code taken):
- ``hls4ml/utils/config.py``: ``config_from_keras_model``, ``config_from_pytorch_model``,
  ``config_from_onnx_model`` (granularity ``model``/``type``/``name``). Model level: ``Precision``
  (a string, or ``{"default": ..., "maximum": ...}``), ``ReuseFactor``, ``Strategy``,
  ``BramFactor``, ``TraceOutput``; torch adds ``InputsChannelLast`` (older) or
  ``ChannelsLastConversion``, ``TransposeOutputs`` and, beside ``Model``, ``PytorchModel`` and
  ``InputShape``. Per layer: ``Precision`` (one entry per type attribute, ``_t`` dropped;
  ``"auto"`` where the attribute has no default; quantizer types for QKeras layers),
  plus every configurable attribute under its PascalCase name (``Attribute.config_name``).
- ``hls4ml/model/layers.py`` (``Layer``: ``Trace``; the type attributes ``weight``, ``bias``,
  ``recurrent_weight``, ``recurrent_bias``, ``scale``, ``depthwise``, ``pointwise``,
  ``embeddings``, ``slope``, ``shift``) and ``hls4ml/backends/fpga/fpga_backend.py``,
  ``hls4ml/backends/vivado/vivado_backend.py`` (``accum``, ``ReuseFactor``, ``TableSize`` and
  ``table``, softmax ``Implementation``/``Skip``/``exp_table``/``inv_table``, recurrent
  ``RecurrentReuseFactor``/``Static``/``table``, ``ParallelizationFactor``,
  ``ConvImplementation``, ``dw_output``).
- ``hls4ml/model/graph.py`` (``HLSConfig``): ``Flows``, ``Optimizers``, ``SkipOptimizers``
  beside ``Model``; ``Compression``, ``TargetCycles``, ``PipelineStyle``,
  ``PipelineInterval``, ``ConvImplementation`` at model level; ``WriterConfig`` (project
  level in hls4ml, accepted here too). hls4ml reads layer keys in snake_case too
  (``table_size``) and ``<role>_t`` keys as types (``accum_t``).
"""

from __future__ import annotations

# ---------------------------------------------------------------------- no-effect keys
# key -> why it changes nothing in fpga-export's firmware (one summary line each)
_TRACE = "every node of the firmware can be traced (fw.trace(x))"
_FLOW = "fpga-export runs its own pass pipeline (fpga_export.passes.DEFAULT_PIPELINE)"
_LAYOUT = (
    "the firmware is channels-last; export_fpga(..., channels_last_io=) sets the interface "
    "(default: the model's own layout)"
)
_PIPELINE = "fpga-export chooses the pipeline style per model (README: Firmware structure)"
NO_EFFECT = {
    # beside Model / LayerName / LayerType
    "Flows": _FLOW,
    "Optimizers": _FLOW,
    "SkipOptimizers": _FLOW,
    "WriterConfig": "fpga-export writes its own project files (fw.write())",
    "PytorchModel": "the model is the one export_fpga is called on",
    "InputShape": "the input shape comes from the model (torch: input_shape= / example_input=)",
    # model level
    "BramFactor": "every weight stays inside the firmware (no external BRAM ports)",
    "TraceOutput": _TRACE,
    "InputsChannelLast": _LAYOUT,
    "ChannelsLastConversion": _LAYOUT,
    "TransposeOutputs": _LAYOUT,
    "Compression": "weights are stored dense; zero weights cost nothing (fw.estimate())",
    "TargetCycles": "the reuse factor sets the initiation interval",
    "PipelineStyle": _PIPELINE,
    "PipelineInterval": _PIPELINE,
    "ConvImplementation": "convolutions and pooling use one line-buffer window scan",
    # layer level
    "Trace": _TRACE,
    "Skip": "the softmax is kept (Skip: True, which drops it, is refused)",
    "RecurrentReuseFactor": "a recurrent cell shares its multipliers over ReuseFactor",
}

# ---------------------------------------------------------------------- accepted keys
# beside the three that carry settings
TOP_KEYS = (
    "Model",
    "LayerName",
    "LayerType",
    "Flows",
    "Optimizers",
    "SkipOptimizers",
    "WriterConfig",
    "PytorchModel",
    "InputShape",
)
MODEL_KEYS = (
    "Precision",
    "ReuseFactor",
    "Strategy",
    "ParallelizationFactor",
    "BramFactor",
    "TraceOutput",
    "InputsChannelLast",
    "ChannelsLastConversion",
    "TransposeOutputs",
    "Compression",
    "TargetCycles",
    "PipelineStyle",
    "PipelineInterval",
    "ConvImplementation",
)
# hls4ml layer key -> our op field (the value is validated by the op)
TUNABLE = {
    "TableSize": "table_size",
    "table_size": "table_size",
    "table_range": "table_range",
    "ParallelizationFactor": "parallelization_factor",
    "parallelization_factor": "parallelization_factor",
    "Implementation": "softmax_implementation",  # hls4ml's softmax (activation_tables)
    "Static": "implementation",  # True: "static" (one shared cell), False: "unrolled"
    "static": "implementation",
    "TableRangePower2": "table_range_power2",  # hls4ml's layer normalization
    "table_range_power2": "table_range_power2",
    "hls4ml_softmax": "hls4ml_softmax",  # fpga-export's: which hls4ml softmax ('main', '1.0')
}
LAYER_KEYS = (
    "Precision",
    "ReuseFactor",
    "Strategy",
    "Trace",
    "table_size",
    "table_range",
    "ParallelizationFactor",
    "TableSize",
    "Static",
    "Implementation",
    "Skip",
    "ConvImplementation",
    "RecurrentReuseFactor",
    "Compression",
    "TargetCycles",
    "TableRangePower2",
    "table_range_power2",
    "hls4ml_softmax",
)

# allowed values of the no-effect keys (hls4ml's choices; a typo is still an error)
CHOICES = {
    "ChannelsLastConversion": ("full", "internal", "off"),
    "PipelineStyle": ("auto", "dataflow", "pipeline"),
    "ConvImplementation": ("LineBuffer", "Encoded"),
    "Implementation": ("latency", "stable", "argmax", "legacy"),
}
BOOLEANS = (
    "TraceOutput",
    "Trace",
    "InputsChannelLast",
    "TransposeOutputs",
    "Compression",
    "Skip",
    "Static",
    "static",
)

# ---------------------------------------------------------------------- type roles
# hls4ml role (Precision key, type attribute without ``_t``) -> ours
ROLES = {
    "weight": "kernel",
    "recurrent_weight": "recurrent_kernel",
    "recurrent": "recurrent_kernel",  # QKeras recurrent_quantizer
    "dw_output": "depthwise_result",  # separable convolution: the depthwise output
}
# roles hls4ml gives a whole layer class whatever the instance computes: where our node has
# no such type (a relu has no lookup table), a note, not an error
OPTIONAL_ROLES = {
    "table": "computed without a lookup table",
    "exp_table": "computed without an exp table",
    "inv_table": "computed without a 1/sum table",
    "accum": "computed without an accumulator",
    "slope": "the slope is a constant",
    "shift": "the shift is a constant",
    "recurrent_bias": "no separate recurrent bias",
    "dw_output": "no depthwise output",
}
# settings hls4ml gives a whole layer class (every Activation has a TableSize): noted where
# our node has no such field; op field -> (hls4ml key, why it changes nothing there)
OPTIONAL_FIELDS = {
    "table_size": ("TableSize", "computed without a lookup table"),
    "softmax_implementation": (
        "Implementation",
        "not a softmax computed as hls4ml's (fpga-export's softmax has one implementation; "
        "activation_tables='hls4ml' for hls4ml's)",
    ),
    "hls4ml_softmax": (
        "hls4ml_softmax",
        "not a softmax computed as hls4ml's (activation_tables='hls4ml' for hls4ml's)",
    ),
    "table_range_power2": (
        "TableRangePower2",
        "not a layer normalization computed as hls4ml's (activation_tables='hls4ml')",
    ),
}
DEFAULT_ROLE = "default"  # hls4ml: a layer's Precision["default"] is its whole-layer type

# ---------------------------------------------------------------------- layer classes
# hls4ml layer class (config_from_pytorch_model / config_from_onnx_model LayerType keys) ->
# our op kinds, for LayerType names that are not a framework class of the model
CLASS_KINDS = {
    "Dense": ("dense",),
    "Conv1D": ("conv1d",),
    "Conv2D": ("conv2d",),
    "DepthwiseConv1D": ("depthwise_conv1d",),
    "DepthwiseConv2D": ("depthwise_conv2d",),
    "BatchNormalization": ("batchnorm",),
    "LayerNormalization": ("layernorm",),
    "Activation": ("activation", "activation_hls4ml"),
    "Softmax": ("activation", "activation_hls4ml"),
    "MaxPooling1D": ("pool1d",),
    "MaxPooling2D": ("pool2d",),
    "AveragePooling1D": ("pool1d",),
    "AveragePooling2D": ("pool2d",),
    "GlobalMaxPooling1D": ("global_pool1d",),
    "GlobalMaxPooling2D": ("global_pool2d",),
    "GlobalAveragePooling1D": ("global_pool1d",),
    "GlobalAveragePooling2D": ("global_pool2d",),
    "Embedding": ("embedding",),
    "SimpleRNN": ("simple_rnn",),
    "LSTM": ("lstm", "lstm_hls4ml"),
    "GRU": ("gru", "gru_hls4ml"),
    "Concatenate": ("concatenate",),
    "Merge": ("merge",),
    "Reshape": ("reshape", "flatten"),
    "Transpose": ("permute",),
    "ZeroPadding1D": ("zeropad1d",),
    "ZeroPadding2D": ("zeropad2d",),
    "Input": ("input",),
    "InputLayer": ("input",),
}


# hls4ml's classes of activations fused into a layer (its Keras 3 parser names them
# "<layer>_<function>": Softmax, ELU, LeakyReLU, HardActivation; the rest are "Activation")
ACTIVATION_CLASSES = {
    "Softmax": ("softmax",),
    "ELU": ("elu",),
    "LeakyReLU": ("leaky_relu",),
    "HardActivation": ("hard_sigmoid",),
}
CLASS_KINDS.update(dict.fromkeys(("ELU", "LeakyReLU", "HardActivation"), CLASS_KINDS["Softmax"]))


def class_matches(hls_class: str, op) -> bool:
    """Whether an hls4ml layer class name stands for this op (softmax, elu, leaky relu and
    hard sigmoid are classes of their own)."""
    if op.kind not in CLASS_KINDS.get(hls_class, ()):
        return False
    function = getattr(op, "function", None)
    if hls_class in ACTIVATION_CLASSES:
        return function in ACTIVATION_CLASSES[hls_class]
    if hls_class == "Activation":
        return not any(function in f for f in ACTIVATION_CLASSES.values())
    pool = getattr(op, "op", None)  # pooling: "max" or "average"
    if "MaxPooling" in hls_class:
        return pool == "max"
    if "AveragePooling" in hls_class:
        return pool == "average"
    return True


def note(key: str) -> str:
    """The summary line for a key that changes nothing."""
    return f"hls_config: {key} accepted, no effect: {NO_EFFECT[key]}"
