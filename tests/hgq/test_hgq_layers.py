"""Every supported HGQ2 layer, in both io types: csim == HGQ2 (model(x, training=False)) bit
for bit, with per-element bit widths everywhere (set at random, as training learns them)."""

import numpy as np
import pytest

pytest.importorskip("hgq")

import keras  # noqa: E402
from hgq import layers as hl  # noqa: E402
from hgq.quantizer import Quantizer  # noqa: E402
from hmodels import data, kif_config, randomize  # noqa: E402

import keras_plugin  # noqa: E402,F401
from fpga_export.layers.fixed_quantizer import FixedQuantizer  # noqa: E402


def dense_model():
    """QDense (relu, SAT output quantizer), QBatchNormDense, QEinsumDense, the relu lookup
    table layer, a Quantizer layer, QDense."""
    inp = keras.Input((6,), name="x")
    x = hl.QDense(8, activation="relu", enable_oq=True, oq_conf=kif_config("SAT", "RND_CONV"),
                  name="dense")(inp)  # fmt: skip
    x = hl.QBatchNormDense(6, name="bn_dense")(x)
    x = hl.QEinsumDense("ab,bc->ac", output_shape=5, bias_axes="c", name="einsum")(x)
    x = hl.QUnaryFunctionLUT("relu", name="lut")(x)
    x = Quantizer(kif_config("WRAP", "TRN"), name="quant")(x)
    out = hl.QDense(3, name="out")(x)
    return keras.Model(inp, out, name="dense_model")


def conv1d_model():
    inp = keras.Input((10, 2), name="x")  # the global average is over 4 values: exact
    x = hl.QConv1D(4, 3, activation="relu", name="conv")(inp)
    x = hl.QDense(4, name="dense_seq")(x)  # a Dense at every timestep
    x = hl.QMaxPooling1D(2, name="maxpool")(x)
    x = hl.QAveragePooling1D(1, name="avgpool")(x)
    x = hl.QGlobalAveragePooling1D(name="gap")(x)
    out = hl.QDense(2, name="out")(x)
    return keras.Model(inp, out, name="conv1d_model")


def conv2d_model():
    inp = keras.Input((6, 6, 2), name="x")
    x = hl.QConv2D(3, (3, 3), padding="same", activation="relu", name="conv")(inp)
    x = hl.QMaxPooling2D((2, 2), name="maxpool")(x)
    x = hl.QAveragePooling2D((1, 1), name="avgpool")(x)
    y = hl.QGlobalMaxPooling2D(name="gmp")(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = hl.QDense(4, name="dense")(x)
    out = hl.QAdd(name="add")([x, hl.QDense(4, name="dense_gmp")(y)])
    return keras.Model(inp, out, name="conv2d_model")


def merge_model():
    inp = keras.Input((6,), name="x")
    a = hl.QDense(5, name="a")(inp)
    b = hl.QDense(5, activation="relu", name="b")(inp)
    m1 = hl.QAdd(name="add")([a, b])
    m2 = hl.QMultiply(name="mul")([a, b])
    m3 = hl.QMaximum(name="max")([m1, m2])
    m4 = hl.QMinimum(name="min")([m3, a])
    m5 = hl.QSubtract(name="sub")([m4, b])
    out = hl.QAveragePow2(name="avg")([m5, m1])
    return keras.Model(inp, out, name="merge_model")


def lut_model():
    """Lookup-table activations: HGQ2's own outputs for every input value (exact)."""
    inp = keras.Input((6,), name="x")
    x = hl.QDense(5, name="dense")(inp)
    x = hl.QUnaryFunctionLUT("tanh", name="tanh")(x)
    x = hl.QAffinedUnaryFunctionLUT("sigmoid", name="sigmoid")(x)
    out = hl.QDense(3, name="out")(x)
    return keras.Model(inp, out, name="lut_model")


MODELS = {"dense": dense_model, "conv1d": conv1d_model, "conv2d": conv2d_model,
          "merge": merge_model, "lut": lut_model}  # fmt: skip


def build(kind: str, seed: int = 0):
    keras.utils.set_random_seed(seed)
    model = MODELS[kind]()
    randomize(model, seed, i_range=(-1, 3), f_range=(0, 4))
    for layer in model.layers:
        if isinstance(layer, hl.QAffinedUnaryFunctionLUT):
            layer.scale.assign(np.array([1.5], "float32"))
            layer.bias.assign(np.array([-0.25], "float32"))
        if isinstance(layer, hl.QBatchNormDense):
            n = layer.moving_mean.shape[0]
            rng = np.random.default_rng(seed)
            layer.moving_mean.assign(rng.normal(0, 1, n).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2, n).astype("float32"))
    return model


def first_quantized(model, x):
    """x through the input quantizer of the layer reading the model input."""
    reader = model.inputs[0]._keras_history[0]._outbound_nodes[0].operation
    return np.asarray(reader.iq(x, training=False))


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("kind", list(MODELS))
def test_csim_equals_hgq(tmp_path, kind, io_type):
    model = build(kind)
    fw = model.export_fpga(tmp_path / "p", io_type=io_type)
    assert fw.exact is True, fw.summary()
    assert any(isinstance(n.op, FixedQuantizer) for n in fw.graph)  # per-element widths
    fw.compile()
    x = first_quantized(model, data(model, 200, seed=1))
    want = np.asarray(model(x, training=False))
    np.testing.assert_array_equal(fw.predict(x), want)
    np.testing.assert_array_equal(fw.reference(x), want)


def test_node_names_and_types(tmp_path):
    fw = build("dense").export_fpga(tmp_path / "p")
    names = [n.name for n in fw.graph]
    assert names[1:] == [
        "dense_iq", "dense", "dense_relu", "dense_oq", "bn_dense_iq", "bn_dense", "einsum_iq",
        "einsum", "lut_iq", "lut", "lut_oq", "quant", "out_iq", "out",
    ]  # fmt: skip
    # weights: their exact quantized values in exact types; sums never round
    dense = fw.graph["dense"]
    assert dense.given["accum"] == "auto" and dense.given["result"] == "auto"
    k = dense.types["kernel"]
    np.testing.assert_array_equal(k.quantize(dense.weights["kernel"]), dense.weights["kernel"])


def test_conv_parallelization_factor_is_hgq2s(tmp_path):
    """HGQ2's parallelization_factor (output pixels per step; default: all of them) becomes
    the convolution's."""
    model = build("conv2d")
    fw = model.export_fpga(tmp_path / "p")
    assert fw.graph["conv"].op.parallelization_factor == 36
    inp = keras.Input((6, 6, 2), name="x")
    out = hl.QConv2D(2, (3, 3), parallelization_factor=4, name="conv")(inp)
    small = keras.Model(inp, out)
    assert small.export_fpga(tmp_path / "q").graph["conv"].op.parallelization_factor == 4
