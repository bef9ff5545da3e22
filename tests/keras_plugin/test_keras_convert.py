"""Walking live Keras 3 and tf_keras models into the IR (no compiler needed)."""

import re

import keras
import numpy as np
import pytest
import tf_keras  # works without TF_USE_LEGACY_KERAS

from fpga_export.config import ExportConfig
from fpga_export.passes import run_pipeline
from keras_plugin import KERAS_LAYERS, to_graph, weights_of
from keras_plugin.convert import convert

FLAVORS = [pytest.param(keras, id="keras3"), pytest.param(tf_keras, id="tf_keras")]


def exact(message):
    return "^" + re.escape(message) + "$"


def summary(graph):
    return [(n.name, n.op.kind, n.inputs, n.shape, n.source) for n in graph]


def sequential_mlp(K, with_input=True):
    layers = [
        K.layers.Dense(8, activation="relu", name="fc1"),
        K.layers.Dropout(0.2, name="drop"),
        K.layers.Dense(6, name="fc2"),
        K.layers.BatchNormalization(name="bn"),
        K.layers.Activation("tanh", name="act"),
        K.layers.Dense(3, activation="softmax", name="out"),
    ]
    if with_input:
        return K.Sequential([K.Input((4,), name="x"), *layers], name="mlp")
    model = K.Sequential(layers, name="mlp")
    model.build((None, 4))
    return model


MLP_NODES = [
    ("fc1", "dense", ["x"], (8,), "fc1 (Dense)"),
    ("fc1_relu", "activation", ["fc1"], (8,), "fc1 (Dense)"),
    ("drop", "identity", ["fc1_relu"], (8,), "drop (Dropout)"),
    ("fc2", "dense", ["drop"], (6,), "fc2 (Dense)"),
    ("bn", "batchnorm", ["fc2"], (6,), "bn (BatchNormalization)"),
    ("act", "activation", ["bn"], (6,), "act (Activation)"),
    ("out", "dense", ["act"], (3,), "out (Dense)"),
    ("out_softmax", "activation", ["out"], (3,), "out (Dense)"),
]


@pytest.mark.parametrize("K", FLAVORS)
def test_sequential_mlp(K):
    model = sequential_mlp(K)
    g = to_graph(model)
    assert g.name == "mlp" and g.inputs == ["x"] and g.outputs == ["out_softmax"]
    assert summary(g) == [("x", "input", [], (4,), "x (InputLayer)"), *MLP_NODES]
    assert [(g[n].op.function) for n in ("fc1_relu", "act", "out_softmax")] == [
        "relu",
        "tanh",
        "softmax",
    ]
    assert g["fc1"].op.units == 8 and g.lint() == []


@pytest.mark.parametrize("K", FLAVORS)
def test_sequential_built_without_input_layer(K):
    model = sequential_mlp(K, with_input=False)
    g = to_graph(model)
    (name,) = g.inputs
    assert model.inputs[0]._keras_history[0].name == name  # Keras' own input layer name
    assert g[name].shape == (4,)
    assert summary(g)[1:] == [
        (n, k, [name] if i == ["x"] else i, s, src) for n, k, i, s, src in MLP_NODES
    ]


@pytest.mark.parametrize("K", FLAVORS)
def test_sequential_built_by_calling_it(K):
    model = K.Sequential([K.layers.Dense(2, name="d")], name="called")
    model(np.zeros((5, 3), "float32"))
    g = to_graph(model)
    assert g[g.inputs[0]].shape == (3,) and g.outputs == ["d"]


@pytest.mark.parametrize("K", FLAVORS)
def test_functional_mlp_with_two_heads(K):
    x = K.Input((5,), name="features")
    h = K.layers.Dense(7, activation="elu", name="trunk")(x)
    h = K.layers.LeakyReLU(0.1, name="leaky")(h)
    a = K.layers.Dense(2, activation="sigmoid", name="head_a")(h)
    b = K.layers.Dense(1, name="head_b")(h)
    model = K.Model(x, [a, b], name="two-heads")
    g = to_graph(model)
    assert g.name == "two_heads"
    assert g.inputs == ["features"] and g.outputs == ["head_a_sigmoid", "head_b"]
    assert summary(g) == [
        ("features", "input", [], (5,), "features (InputLayer)"),
        ("trunk", "dense", ["features"], (7,), "trunk (Dense)"),
        ("trunk_elu", "activation", ["trunk"], (7,), "trunk (Dense)"),
        ("leaky", "activation", ["trunk_elu"], (7,), "leaky (LeakyReLU)"),
        ("head_a", "dense", ["leaky"], (2,), "head_a (Dense)"),
        ("head_a_sigmoid", "activation", ["head_a"], (2,), "head_a (Dense)"),
        ("head_b", "dense", ["leaky"], (1,), "head_b (Dense)"),
    ]
    assert g["leaky"].op.function == "leaky_relu"
    assert g["leaky"].op.alpha == pytest.approx(0.1)
    assert g["trunk_elu"].op.alpha == 1.0


@pytest.mark.parametrize("K", FLAVORS)
def test_weights_are_the_live_layers_exactly(K):
    model = sequential_mlp(K)
    rng = np.random.default_rng(1)
    for layer in model.layers:
        layer.set_weights([rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()])
    bn = model.get_layer("bn")
    bn.moving_variance.assign(np.abs(bn.moving_variance.numpy()) + 0.5)
    g = to_graph(model)
    for name in ("fc1", "fc2", "out"):
        kernel, bias = model.get_layer(name).get_weights()
        assert g[name].weights["kernel"].dtype == np.float64
        assert np.array_equal(g[name].weights["kernel"], kernel.astype(np.float64))
        assert np.array_equal(g[name].weights["bias"], bias.astype(np.float64))
    gamma, beta, mean, var = (w.astype(np.float64) for w in bn.get_weights())
    from fpga_export.layers.norm import BatchNormalization

    _, want = BatchNormalization.from_moments(gamma, beta, mean, var, bn.epsilon)
    assert g["bn"].weights.keys() == want.keys()
    for w in want:
        assert np.array_equal(g["bn"].weights[w], want[w])
    # the graph holds copies: changing the model later does not change it
    model.get_layer("fc1").kernel.assign(np.zeros((4, 8), "float32"))
    assert np.any(g["fc1"].weights["kernel"] != 0)


@pytest.mark.parametrize("K", FLAVORS)
def test_dense_without_bias_and_bn_without_scale_center(K):
    x = K.Input((3,), name="x")
    y = K.layers.Dense(2, use_bias=False, name="d")(x)
    y = K.layers.BatchNormalization(center=False, scale=False, epsilon=0.5, name="bn")(y)
    g = to_graph(K.Model(x, y))
    assert np.array_equal(g["d"].weights["bias"], np.zeros(2))
    from fpga_export.layers.norm import BatchNormalization

    _, want = BatchNormalization.from_moments(np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), 0.5)
    for w in want:
        assert np.array_equal(g["bn"].weights[w], want[w])


@pytest.mark.parametrize("K", FLAVORS)
def test_activation_layers(K):
    x = K.Input((4,), name="x")
    y = x
    layers = [
        K.layers.ReLU(name="relu"),
        K.layers.ReLU(max_value=6.0, name="relu6"),
        K.layers.ReLU(max_value=2.5, name="clipped"),
        K.layers.ReLU(negative_slope=0.25, name="leaky_as_relu"),
        K.layers.LeakyReLU(0.125, name="leaky"),
        K.layers.ELU(0.5, name="elu"),
        K.layers.Activation("hard_sigmoid", name="hs"),
        K.layers.Activation("selu", name="selu"),
        K.layers.Activation("softplus", name="softplus"),
        K.layers.Activation("softsign", name="softsign"),
        K.layers.Activation("linear", name="lin"),
        K.layers.Softmax(name="sm"),
    ]
    for layer in layers:
        y = layer(y)
    g = to_graph(K.Model(x, y))
    ops = {n.name: n.op for n in g if n.op.kind == "activation"}
    got = {k: (op.function, op.alpha, op.max_value, op.slope) for k, op in ops.items()}
    slope = 1 / 6 if K is keras else 0.2  # hard_sigmoid differs between Keras 3 and tf_keras
    assert got == {
        "relu": ("relu", None, None, None),
        "relu6": ("relu", None, 6.0, None),
        "clipped": ("relu", None, 2.5, None),
        "leaky_as_relu": ("leaky_relu", 0.25, None, None),
        "leaky": ("leaky_relu", 0.125, None, None),
        "elu": ("elu", 0.5, None, None),
        "hs": ("hard_sigmoid", None, None, slope),
        "selu": ("selu", None, None, None),
        "softplus": ("softplus", None, None, None),
        "softsign": ("softsign", None, None, None),
        "lin": ("linear", None, None, None),
        "sm": ("softmax", None, None, None),
    }


@pytest.mark.parametrize("K", FLAVORS)
def test_fused_activation_names_and_defaults(K):
    x = K.Input((4,), name="x")
    y = K.layers.Dense(4, activation="leaky_relu", name="a")(x)
    y = K.layers.Dense(4, activation="relu6", name="b")(y)
    y = K.layers.Dense(4, activation="hard_sigmoid", name="c")(y)
    y = K.layers.Dense(4, activation=None, name="d")(y)
    g = to_graph(K.Model(x, y))
    assert [n.name for n in g] == ["x", "a", "a_leaky_relu", "b", "b_relu6", "c"] + [
        "c_hard_sigmoid",
        "d",
    ]
    assert g["a_leaky_relu"].op.alpha == 0.2  # the activation function's default, not 0.3
    assert g["b_relu6"].op.max_value == 6.0


@pytest.mark.parametrize("K", FLAVORS)
def test_nested_model_is_inlined_and_shared_layers_repeat(K):
    inner = K.Sequential([K.Input((3,)), K.layers.Dense(3, name="inner_d")], name="inner")
    shared = K.layers.Dense(3, name="shared")
    x = K.Input((3,), name="x")
    y = shared(inner(x))
    y = shared(y)
    y = inner(y)
    g = to_graph(K.Model(x, y, name="outer"))
    assert [(n.name, n.inputs) for n in g] == [
        ("x", []),
        ("inner_d", ["x"]),
        ("shared", ["inner_d"]),
        ("shared_2", ["shared"]),
        ("inner_d_2", ["shared_2"]),
    ]
    assert np.array_equal(g["shared"].weights["kernel"], g["shared_2"].weights["kernel"])
    assert g["inner_d_2"].source == "inner_d (Dense)"


@pytest.mark.parametrize("K", FLAVORS)
def test_names_are_cpp_safe(K):
    x = K.Input((2,), name="in.put")
    y = K.layers.Dense(2, activation="relu", name="Dense-1")(x)
    y = K.layers.Dense(2, name="class")(y)
    g = to_graph(K.Model(x, y, name="my model"))
    assert [n.name for n in g] == ["in_put", "Dense_1", "Dense_1_relu", "l_class"]
    assert g.name == "my_model"
    assert to_graph(K.Model(x, y), ExportConfig(name="top")).name == "top"


@pytest.mark.parametrize("K", FLAVORS)
def test_config_applied_with_keras_class_names(K):
    model = sequential_mlp(K)
    cfg = ExportConfig(
        hls_config={
            "LayerType": {"Dense": {"ReuseFactor": 2}, "Activation": {"Precision": "fixed<9,2>"}},
            "LayerName": {"fc1": {"Strategy": "Resource"}},
        },
        layers={"out": {"reuse_factor": 3}},
    )
    g = to_graph(model, cfg)
    assert [(n.name, n.reuse_factor, n.strategy) for n in g if n.op.kind == "dense"] == [
        ("fc1", 2, "resource"),
        ("fc2", 2, "latency"),
        ("out", 3, "latency"),
    ]
    # the fused activations and the Activation layer are "Activation"; softmax has more roles
    assert str(g["fc1_relu"].precision["result"]) == "ap_fixed<9,2>"
    assert str(g["act"].precision["table"]) == "ap_fixed<9,2>"
    _, types = convert(model)
    assert types == {
        "x": "InputLayer",
        "fc1": "Dense",
        "fc1_relu": "Activation",
        "drop": "Dropout",
        "fc2": "Dense",
        "bn": "BatchNormalization",
        "act": "Activation",
        "out": "Dense",
        "out_softmax": "Activation",
    }
    with pytest.raises(
        ValueError,
        match=exact(
            "layers: unknown layer name 'fc3'; the model's layers are: x, fc1, fc1_relu, drop, "
            "fc2, bn, act, out, out_softmax"
        ),
    ):
        to_graph(model, ExportConfig(layers={"fc3": {"reuse_factor": 2}}))


@pytest.mark.parametrize("K", FLAVORS)
def test_pipeline_shapes_agree_with_keras(K):
    model = sequential_mlp(K)
    g = to_graph(model, ExportConfig())
    keras_shapes = {n.name: n.shape for n in g}
    g = run_pipeline(g, ExportConfig())
    for n in g:
        assert n.shape == keras_shapes[n.name], n.name
        assert "result" in n.types


@pytest.mark.parametrize("K", FLAVORS)
def test_weights_of_rereads_the_live_model(K):
    model = sequential_mlp(K)
    g = run_pipeline(to_graph(model, ExportConfig()), ExportConfig())
    assert "bn" not in g  # fused into fc2 by the pipeline
    model.get_layer("fc2").kernel.assign(np.full((8, 6), 0.25, "float32"))
    w = weights_of(model, g)
    assert np.array_equal(w["fc2"]["kernel"], np.full((8, 6), 0.25))
    assert set(w) >= {"fc1", "fc2", "bn", "out"}  # raw per-layer weights, by original name
    assert np.array_equal(w["out"]["bias"], model.get_layer("out").bias.numpy().astype(float))
    other = K.Sequential([K.Input((4,), name="x"), K.layers.Dense(8, name="fc1")])
    with pytest.raises(
        ValueError,
        match=exact(
            "the model no longer matches the graph: it has no layer for node 'fc2' (fc2 (Dense)); "
            "export it again"
        ),
    ):
        weights_of(other, to_graph(model))
    wider = K.Sequential([K.Input((4,), name="x"), K.layers.Dense(9, name="fc1")])
    with pytest.raises(
        ValueError,
        match=exact(
            "the model no longer matches the graph: fc1.kernel has shape (4, 9), the graph has "
            "(4, 8); export it again"
        ),
    ):
        weights_of(wider, to_graph(other))


# ---------------------------------------------------------------------- refusals


def supported():
    return ", ".join(KERAS_LAYERS.supported_names())


def test_supported_classes():
    core = {"InputLayer", "Dense", "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax"}
    core |= {"BatchNormalization", "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise"}
    assert core <= set(KERAS_LAYERS.supported_names())
    for K in (keras, tf_keras):  # registered on the class objects of both Kerases
        assert K.layers.Dense in KERAS_LAYERS and K.layers.InputLayer in KERAS_LAYERS


def test_unsupported_layer_conv3d_and_lstm():
    x = keras.Input((8, 8, 8, 1), name="img")
    y = keras.layers.Conv3D(2, 3, name="conv")(x)
    with pytest.raises(
        ValueError,
        match=exact(
            "layer 'conv' of class Conv3D (keras.src.layers.convolutional.conv3d) is not "
            f"supported; supported classes: {supported()}"
        ),
    ):
        to_graph(keras.Model(x, y))
    x = keras.Input((5, 3), name="seq")
    y = keras.layers.LSTM(4, name="lstm")(x)
    with pytest.raises(
        ValueError,
        match=exact(
            "layer 'lstm' of class LSTM (keras.src.layers.rnn.lstm) is not supported; "
            f"supported classes: {supported()}"
        ),
    ):
        to_graph(keras.Model(x, y))


def test_unsupported_is_a_typed_error():
    from fpga_export.frontend import UnsupportedLayerError

    x = tf_keras.Input((4,), name="x")
    y = tf_keras.layers.Dense(2, name="d")(x)
    y = tf_keras.layers.RepeatVector(2, name="repeat")(y)
    with pytest.raises(UnsupportedLayerError) as info:
        to_graph(tf_keras.Model(x, y))
    assert info.value.layer_name == "repeat"
    assert info.value.layer_class is tf_keras.layers.RepeatVector


@pytest.mark.parametrize("K", FLAVORS)
def test_subclass_that_redefines_call_is_refused(K):
    class Plain(K.layers.Dense):
        pass

    class Scaled(K.layers.Dense):
        def call(self, inputs):
            return 2 * super().call(inputs)

    x = K.Input((3,), name="x")
    g = to_graph(K.Model(x, Plain(2, name="plain")(x)))
    assert g["plain"].op.kind == "dense"
    with pytest.raises(
        ValueError,
        match=exact(
            f"layer 'scaled' of class Scaled ({__name__}) is not supported: it subclasses Dense but "
            "Scaled redefines call(), so its computation may differ; supported classes: "
            f"{supported()}"
        ),
    ):
        to_graph(K.Model(x, Scaled(2, name="scaled")(x)))


ACTIVATIONS = (
    "elu, hard_sigmoid, leaky_relu, linear, relu, relu6, selu, sigmoid, softmax, softplus, "
    "softsign, tanh"
)


@pytest.mark.parametrize("K", FLAVORS)
@pytest.mark.parametrize(
    "make, in_shape, message",
    [
        (
            lambda K: K.layers.Dense(2, activation="gelu", name="d"),
            (3,),
            f"layer 'd' (Dense): activation 'gelu' is not supported; supported: {ACTIVATIONS}",
        ),
        (
            lambda K: K.layers.Activation(lambda t: t * 2, name="a"),
            (3,),
            f"layer 'a' (Activation): activation '<lambda>' is not supported; supported: "
            f"{ACTIVATIONS}",
        ),
        (
            lambda K: K.layers.ReLU(threshold=0.5, name="r"),
            (3,),
            "layer 'r' (ReLU): ReLU with threshold=0.5 is not supported (only 0)",
        ),
        (
            lambda K: K.layers.ReLU(max_value=4.0, negative_slope=0.5, name="r"),
            (3,),
            "layer 'r' (ReLU): ReLU with both negative_slope=0.5 and max_value=4.0 is not "
            "supported",
        ),
        (
            lambda K: K.layers.ReLU(max_value=0.0, name="r"),
            (3,),
            "layer 'r' (ReLU): ReLU with max_value=0.0 is not supported (only > 0)",
        ),
        (
            lambda K: K.layers.Softmax(axis=1, name="sm"),
            (3, 4),
            "layer 'sm' (Softmax): Softmax over axis 1 is not supported: only the last axis",
        ),
        (
            lambda K: K.layers.BatchNormalization(axis=1, name="bn"),
            (3, 4),
            "layer 'bn' (BatchNormalization): BatchNormalization over axis [1] is not "
            "supported: only the last axis",
        ),
        (
            lambda K: K.layers.Dense(2, name="d"),
            (2, 3, 4),
            "layer 'd' (Dense): Dense on an input of shape (2, 3, 4) per sample is not "
            "supported: only 1-D inputs and sequences (timesteps, features)",
        ),
    ],
)
def test_layer_settings_refused(K, make, in_shape, message):
    x = K.Input(in_shape, name="x")
    model = K.Model(x, make(K)(x))
    with pytest.raises(ValueError, match=exact(message)):
        to_graph(model)


@pytest.mark.parametrize("K", FLAVORS)
def test_model_without_input_shape(K):
    model = K.Sequential([K.layers.Dense(2)], name="unbuilt")
    message = (
        "model 'unbuilt' (Sequential) has no defined inputs and outputs. A Sequential model "
        "needs an input shape: start it with keras.Input(shape=...), or call "
        "model.build((None, n_features)) or call it once on data. Subclassed models (a "
        "custom call()) cannot be walked: write them as Functional models."
    )
    with pytest.raises(ValueError, match=exact(message)):
        to_graph(model)

    class Sub(K.Model):
        def __init__(self):
            super().__init__(name="sub")
            self.d = K.layers.Dense(2)

        def call(self, x):
            return self.d(x)

    sub = Sub()
    sub(np.zeros((1, 3), "float32"))
    with pytest.raises(
        ValueError, match=exact(message.replace("'unbuilt' (Sequential)", "'sub' (Sub)"))
    ):
        to_graph(sub)


@pytest.mark.parametrize("K", FLAVORS)
def test_undefined_input_size(K):
    x = K.Input((None, 4), name="x")
    y = K.layers.Dense(2, name="d")(x)
    with pytest.raises(
        ValueError,
        match=exact(
            "model 'm': input 'x' has shape (batch, None, 4) with an undefined size; give every "
            "dimension but the batch a size, e.g. keras.Input(shape=(16,))"
        ),
    ):
        to_graph(K.Model(x, y, name="m"))


def test_not_a_model():
    with pytest.raises(
        ValueError,
        match=exact(
            "expected a Keras model (keras.Model or tf_keras.Model), got "
            "keras.src.layers.core.dense.Dense"
        ),
    ):
        to_graph(keras.layers.Dense(2))
