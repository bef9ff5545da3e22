"""Keras DepthwiseConv1D/2D and SeparableConv1D/2D: Keras 3 and tf_keras export identically,
the firmware is close to Keras' float output, separable layers become a depthwise node and a
1x1 conv node addressable by name, and unsupported settings are refused."""

import re

import keras
import numpy as np
import pytest
import tf_keras

from fpga_export.layers.conv import Conv1D, Conv2D
from fpga_export.layers.depthwise import DepthwiseConv1D, DepthwiseConv2D
from keras_plugin import to_graph

FLAVORS = [pytest.param(keras, id="keras3"), pytest.param(tf_keras, id="tf_keras")]


def dw2d(K):
    L = K.layers
    return K.Sequential(
        [
            K.Input((7, 6, 2), name="x"),
            L.DepthwiseConv2D(
                (3, 3), depth_multiplier=2, padding="same", activation="relu", name="dw"
            ),  # fmt: skip
            L.SeparableConv2D(3, (2, 2), strides=(2, 1), depth_multiplier=2, name="sep"),
            L.DepthwiseConv2D((2, 2), padding="same", use_bias=False, name="dw2"),
            L.Flatten(name="f"),
            L.Dense(3, name="d"),
        ],
        name="dw2d",
    )


def dw1d(K):
    L = K.layers
    return K.Sequential(
        [
            K.Input((10, 3), name="x"),
            L.DepthwiseConv1D(3, padding="same", dilation_rate=2, name="dw"),
            L.SeparableConv1D(
                4, 3, depth_multiplier=2, padding="same", activation="relu", name="sep"
            ),  # fmt: skip
            L.SeparableConv1D(2, 2, strides=2, use_bias=False, name="sep2"),
            L.GlobalAveragePooling1D(name="g"),
        ],
        name="dw1d",
    )


def twins(make):
    k3, tk = make(keras), make(tf_keras)
    rng = np.random.default_rng(0)
    weights = [rng.normal(0, 0.5, w.shape) for w in k3.get_weights()]
    k3.set_weights(weights)
    tk.set_weights(weights)
    return k3, tk


def test_graph_structure_and_names():
    g = to_graph(dw2d(keras))
    ops = {n.name: n.op for n in g}
    assert isinstance(ops["dw"], DepthwiseConv2D) and ops["dw"].depth_multiplier == 2
    assert isinstance(ops["sep_depthwise"], DepthwiseConv2D)
    assert isinstance(ops["sep"], Conv2D) and ops["sep"].kernel_size == (1, 1)
    assert g["sep"].inputs == ["sep_depthwise"]
    assert g["sep_depthwise"].shape == (3, 5, 8) and g["sep"].shape == (3, 5, 3)
    np.testing.assert_array_equal(g["sep_depthwise"].weights["bias"], np.zeros(8))
    g1 = to_graph(dw1d(keras))
    assert isinstance(g1["sep_depthwise"].op, DepthwiseConv1D)
    assert isinstance(g1["sep"].op, Conv1D) and g1["sep"].op.kernel_size == (1,)
    assert g1["sep"].weights["kernel"].shape == (1, 6, 4)
    assert isinstance(g1["dw"].op, DepthwiseConv1D) and g1["dw"].op.dilation == (2,)


@pytest.mark.parametrize("make", [dw2d, dw1d])
def test_keras3_and_tf_keras_export_identically(make, tmp_path):
    k3, tk = twins(make)
    g3, gt = to_graph(k3), to_graph(tk)
    assert [(n.name, n.op, n.inputs, n.shape) for n in g3] == [
        (n.name, n.op, n.inputs, n.shape) for n in gt
    ]
    for a, b in zip(g3, gt, strict=True):
        assert a.weights.keys() == b.weights.keys()
        for w in a.weights:
            np.testing.assert_array_equal(a.weights[w], b.weights[w])
    x = np.random.default_rng(1).normal(0, 1, (16, *k3.input_shape[1:]))
    f3 = k3.export_fpga(tmp_path / "k3", precision="ap_fixed<18,8>").compile()
    ft = tk.export_fpga(tmp_path / "tk", precision="ap_fixed<18,8>").compile()
    np.testing.assert_array_equal(f3.predict(x), ft.predict(x))


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("make", [dw2d, dw1d])
def test_csim_close_to_keras_float(make, io_type, tmp_path):
    model, _ = twins(make)
    fw = model.export_fpga(tmp_path / io_type, precision="ap_fixed<24,10>", io_type=io_type)
    fw.compile()
    x = np.random.default_rng(2).normal(0, 1, (32, *model.input_shape[1:]))
    got = fw.predict(x)
    np.testing.assert_array_equal(got, fw.reference(x))
    try:
        want = model.predict(x, verbose=0)
    except Exception as e:  # tf.errors.InvalidArgumentError, from either Keras
        if "equal length strides" not in str(e):
            raise
        # TensorFlow's own CPU depthwise kernel (oneDNN off: the default on CPUs without
        # AVX-512) has no unequal strides; the firmware was checked against the reference
        pytest.skip("this TensorFlow build cannot run strides (2, 1) in a depthwise conv")
    # 14 fraction bits per conversion, a few conversions per layer
    np.testing.assert_allclose(got, want, atol=0.01)


def test_inner_depthwise_node_takes_its_own_precision(tmp_path):
    model, _ = twins(dw2d)
    layers = {"sep_depthwise": {"result": "ap_fixed<8,4>"}, "sep": {"accum": "ap_fixed<20,8>"}}
    fw = model.export_fpga(tmp_path / "p", precision="ap_fixed<18,8>", layers=layers)
    g = fw.graph
    assert str(g["sep_depthwise"].result) == "ap_fixed<8,4>"
    assert str(g["sep"].types["accum"]) == "ap_fixed<20,8>"
    assert str(g["sep"].result) == "ap_fixed<18,8>"
    fw.compile()
    x = np.random.default_rng(3).normal(0, 1, (8, 7, 6, 2))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))


def test_separable_layer_names_its_parts_roles(tmp_path):
    """hls4ml's layer-level role names on a SeparableConv: "depthwise"/"pointwise" kernels,
    "depthwise_result"/"depthwise_accum"; a whole-layer type covers both nodes, and the
    depthwise node's own entry still wins."""
    model, _ = twins(dw2d)
    layers = {
        "sep": {
            "precision": "ap_fixed<20,9>",
            "depthwise": "ap_fixed<9,2>",
            "pointwise": "ap_fixed<7,1>",
            "depthwise_result": "ap_fixed<12,5>",
            "depthwise_accum": "ap_fixed<22,8>",
        }
    }
    fw = model.export_fpga(tmp_path / "a", precision="ap_fixed<18,8>", layers=layers)
    g = fw.graph
    types = lambda n: {r: str(t) for r, t in g[n].types.items()}  # noqa: E731
    assert types("sep_depthwise") == {
        "result": "ap_fixed<12,5>",
        "accum": "ap_fixed<22,8>",
        "kernel": "ap_fixed<9,2>",
        "bias": "ap_fixed<20,9>",
    }
    assert types("sep") == {
        "result": "ap_fixed<20,9>",
        "accum": "ap_fixed<20,9>",
        "kernel": "ap_fixed<7,1>",
        "bias": "ap_fixed<20,9>",
    }
    fw.compile()
    x = np.random.default_rng(3).normal(0, 1, (8, 7, 6, 2))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))

    hls = {"LayerName": {"sep": {"Precision": {"pointwise": "ap_fixed<6,1>"}}}}
    mine = {"sep_depthwise": {"kernel": "ap_fixed<5,1>"}, "sep": {"depthwise": "ap_fixed<8,1>"}}
    g = model.export_fpga(hls_config=hls, layers=mine).graph
    assert str(g["sep"].types["kernel"]) == "ap_fixed<6,1>"
    assert str(g["sep_depthwise"].types["kernel"]) == "ap_fixed<5,1>"  # its own entry wins
    with pytest.raises(ValueError, match=re.escape(
        "layers['dw']: layer 'dw' (DepthwiseConv2D) has no type role 'pointwise'; its type "
        "roles: result, accum, kernel, bias"
    )):  # fmt: skip
        model.export_fpga(layers={"dw": {"pointwise": "ap_fixed<6,1>"}})


@pytest.mark.parametrize("K", FLAVORS)
def test_unsupported_settings_are_refused(K):
    L = K.layers

    def refused(layer, shape, msg):
        model = K.Sequential([K.Input(shape, name="x"), layer])
        with pytest.raises(ValueError, match=re.escape(msg)):
            to_graph(model)

    refused(
        L.SeparableConv2D(2, 3, data_format="channels_first", name="c"), (2, 6, 6),
        "layer 'c' (SeparableConv2D): data_format=\"channels_first\" is not supported: only "
        "\"channels_last\"",
    )  # fmt: skip
    refused(
        L.DepthwiseConv2D(3, data_format="channels_first", name="c"), (2, 6, 6),
        "layer 'c' (DepthwiseConv2D): data_format=\"channels_first\" is not supported",
    )  # fmt: skip
