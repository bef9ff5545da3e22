"""Handler for Keras' Embedding layer (Keras 3 and tf_keras).

The token ids arrive as the model input: export with ``input_precision="ap_uint<B>"`` (B
bits hold ids up to 2**B - 1) so they travel into the firmware exactly. Ids outside
``[0, input_dim - 1]`` are clamped in the firmware (see ``fpga_export/layers/embedding.py``).
"""

from __future__ import annotations

from fpga_export.layers.embedding import Embedding

from ..convert import KERAS_LAYERS, LayerCall, array
from ..flavors import each


@KERAS_LAYERS.register(*each(lambda k: k.layers.Embedding))
def embedding(layer, call: LayerCall) -> str:
    mode = getattr(layer, "quantization_mode", None)  # Keras 3 only
    if mode is not None:
        raise call.refuse(
            f"Keras-quantized Embedding (quantization_mode={mode!r}) is not supported; export "
            "the float model and set precision= instead"
        )
    if layer.mask_zero:
        raise call.refuse(
            "mask_zero=True is not supported (the firmware has no masks); rebuild the model "
            "with mask_zero=False"
        )
    (shape,) = call.input_shapes
    if len(shape) != 1:
        raise call.refuse(
            f"Embedding on an input of shape {shape} per sample is not supported: only 1-D "
            "sequences of token ids"
        )
    op = Embedding(vocab_size=int(layer.input_dim), output_dim=int(layer.output_dim))
    return call.add(op, weights={"embeddings": array(layer.embeddings)})
