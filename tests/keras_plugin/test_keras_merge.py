"""Keras merge layers: a residual CNN with two inputs and two outputs end to end, every merge
layer in one multi-output model, Keras 3 / tf_keras twins, and refusals."""

import re

import keras
import numpy as np
import pytest
import tf_keras

from keras_plugin import to_graph

FLAVORS = [pytest.param(keras, id="keras3"), pytest.param(tf_keras, id="tf_keras")]
IO_TYPES = ["io_parallel", "io_stream"]


def residual(K):
    """img (8,8,1) -> Conv2D -> relu -> Conv2D(same) -> Add(skip) -> GAP -> Concatenate with
    the features input -> Dense heads: class (softmax) and regression (linear)."""
    L = K.layers
    img = K.Input((8, 8, 1), name="img")
    feats = K.Input((5,), name="feats")
    h = L.Conv2D(4, 3, name="c1")(img)
    h = L.Activation("relu", name="r1")(h)
    r = L.Conv2D(4, 3, padding="same", name="c2")(h)
    h = L.Add(name="skip")([h, r])
    g = L.GlobalAveragePooling2D(name="gap")(h)
    z = L.Concatenate(name="cat")([g, feats])
    cls = L.Dense(3, activation="softmax", name="cls")(z)
    reg = L.Dense(1, name="reg")(z)
    return K.Model([img, feats], [cls, reg], name="resnet")


def zoo(K):
    """Every merge layer on two vectors, plus image concatenations on two axes."""
    L = K.layers
    a, b = K.Input((6,), name="a"), K.Input((6,), name="b")
    im = K.Input((3, 4, 2), name="im")
    ha = L.Dense(6, name="da")(a)
    outs = [
        L.Add(name="add")([ha, b]),
        L.Subtract(name="sub")([ha, b]),
        L.Multiply(name="mul")([ha, b]),
        L.Average(name="avg")([ha, b]),
        L.Maximum(name="max")([ha, b]),
        L.Minimum(name="min")([ha, b]),
        L.Dot(axes=1, name="dot")([ha, b]),
        L.Average(name="avg3")([ha, b, L.Activation("relu", name="rb")(b)]),
        L.Concatenate(axis=1, name="cat_rows")([im, L.Activation("relu", name="ri")(im)]),
        L.Concatenate(axis=-1, name="cat_ch")([im, L.Conv2D(3, 1, name="pw")(im)]),
    ]
    return K.Model([a, b, im], outs, name="zoo")


def twins(make):
    k3, tk = make(keras), make(tf_keras)
    rng = np.random.default_rng(0)
    weights = [rng.normal(0, 0.5, w.shape) for w in k3.get_weights()]
    k3.set_weights(weights)
    tk.set_weights(weights)
    return k3, tk


def inputs(model, n, seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 1, (n, *t.shape[1:])) for t in model.inputs]


def keras_float(model, xs):
    return [np.asarray(y, np.float64) for y in model.predict(xs, verbose=0)]


@pytest.mark.parametrize("make", [residual, zoo])
def test_keras3_and_tf_keras_give_the_identical_graph(make, tmp_path):
    k3, tk = twins(make)
    g3, gt = to_graph(k3), to_graph(tk)
    assert [(n.name, n.op, n.inputs, n.shape) for n in g3] == [
        (n.name, n.op, n.inputs, n.shape) for n in gt
    ]
    assert (g3.inputs, g3.outputs) == (gt.inputs, gt.outputs)
    for a, b in zip(g3, gt, strict=True):
        assert a.weights.keys() == b.weights.keys()
        for w in a.weights:
            np.testing.assert_array_equal(a.weights[w], b.weights[w])
    if make is residual:
        ops = {n.name: n.op.kind for n in g3}
        assert ops["skip"] == "merge" and ops["cat"] == "concatenate"
        assert g3["skip"].inputs == ["r1", "c2"] and g3["cat"].inputs == ["gap", "feats"]
        xs = inputs(k3, 16, 1)
        f3 = k3.export_fpga(tmp_path / "k3", precision="ap_fixed<18,8>").compile()
        ft = tk.export_fpga(tmp_path / "tk", precision="ap_fixed<18,8>").compile()
        for y3, yt in zip(f3.predict(xs), ft.predict(xs), strict=True):
            np.testing.assert_array_equal(y3, yt)


# Keras float vs csim: 14 fraction bits per conversion (ap_fixed<24,10>): measured worst
# errors are 0.0017 (softmax head, through lookup tables), 0.0008 (regression head) and at
# most 0.0014 in the zoo (dot); the bounds leave about 2x margin.
TOLERANCE = {"residual": [0.004, 0.002], "zoo": [0.003] * 10}


@pytest.mark.parametrize("io_type", IO_TYPES)
@pytest.mark.parametrize("make", [residual, zoo])
def test_csim_equals_interpreter_and_is_close_to_keras(make, io_type, tmp_path):
    model, _ = twins(make)
    fw = model.export_fpga(tmp_path / io_type, precision="ap_fixed<24,10>", io_type=io_type)
    fw.compile()
    xs = inputs(model, 64, 2)
    got, want = fw.predict(xs), fw.reference(xs)
    assert len(got) == len(model.outputs)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    for g, k, tol in zip(got, keras_float(model, xs), TOLERANCE[make.__name__], strict=True):
        assert g.shape == k.shape
        np.testing.assert_allclose(g, k, atol=tol)
    top = (fw.output_dir / "firmware" / f"{model.name}.cpp").read_text()
    if make is residual and io_type == "io_stream":
        # r1 fans out to c2 and the skip
        assert (
            "FE_PROCESS(skip, nnet::merge_stream<skip_config, skip_packet_t>(skip_out, "
            "r1_to_skip, c2_out));" in top
        )
        assert "#pragma HLS STREAM variable=r1_to_skip depth=2\n" not in top  # lags a conv
        fw.check_dataflow(xs[:2] if not isinstance(xs, list) else [x[:2] for x in xs])
        assert "nnet::concatenate_stream_last<" in top
    if make is zoo and io_type == "io_stream":
        assert "nnet::concatenate_stream<" in top and "nnet::dot_stream<" in top


@pytest.mark.parametrize("K", FLAVORS)
def test_unsupported_merges_are_refused(K):
    L = K.layers

    def refused(build, msg):
        with pytest.raises(ValueError, match=re.escape(msg) + "$"):
            to_graph(build())

    def broadcast():
        a, b = K.Input((3, 4), name="a"), K.Input((1, 4), name="b")
        return K.Model([a, b], L.Multiply(name="m")([a, b]))

    refused(
        broadcast,
        "layer 'm' (Multiply): inputs of different shapes (3, 4) and (1, 4) (broadcasting) "
        "are not supported",
    )

    def dot_matrix():
        a, b = K.Input((3, 4), name="a"), K.Input((3, 4), name="b")
        return K.Model([a, b], L.Dot(axes=2, name="d")([a, b]))

    refused(
        dot_matrix,
        "layer 'd' (Dot): Dot with axes=2 on inputs of shape (3, 4) is not supported: only "
        "two vectors (n,) with axes=1 (a scalar per sample)",
    )

    def dot_normalized():
        a, b = K.Input((4,), name="a"), K.Input((4,), name="b")
        return K.Model([a, b], L.Dot(axes=1, normalize=True, name="d")([a, b]))

    refused(dot_normalized, "layer 'd' (Dot): Dot with normalize=True is not supported")


def many(K):
    """Concatenations of 3 and 4 inputs on the channel and the row axis."""
    L = K.layers
    a, b = K.Input((3, 2, 2), name="a"), K.Input((3, 2, 1), name="b")
    c = L.Conv2D(3, 1, name="pw")(a)
    ch = L.Concatenate(name="cat_ch")([a, b, c])
    rows = L.Concatenate(axis=1, name="cat_rows")([ch, ch, L.Activation("relu", name="r")(ch), ch])
    return K.Model([a, b], [ch, rows], name="many")


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_concatenate_of_several_inputs(io_type, tmp_path):
    model, tk = twins(many)
    layers = {"cat_rows": {"result": "ap_fixed<10,4,AP_RND,AP_SAT>"}}
    fw = model.export_fpga(
        tmp_path / io_type, precision="ap_fixed<24,10>", io_type=io_type, layers=layers
    )
    g = fw.graph
    assert g["cat_ch_part1"].inputs == ["a", "b"] and g["cat_ch"].inputs == ["cat_ch_part1", "pw"]
    assert g["cat_rows_part2"].inputs == ["cat_rows_part1", "r"]
    assert (g["cat_ch"].shape, g["cat_rows"].shape) == ((3, 2, 6), (12, 2, 6))
    # the parts take the layer's settings, so the chain converts exactly like one node
    for part in ("cat_rows_part1", "cat_rows_part2", "cat_rows"):
        assert str(g[part].result) == "ap_fixed<10,4,AP_RND,AP_SAT>"
    assert [n.name for n in to_graph(tk)] == [n.name for n in to_graph(model)]
    fw.compile()
    xs = inputs(model, 32, 4)
    got, want = fw.predict(xs), fw.reference(xs)
    for y, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(y, w)
    k_ch, k_rows = keras_float(model, xs)
    np.testing.assert_allclose(got[0], k_ch, atol=1e-3)  # 14 fraction bits, a few conversions
    t = g["cat_rows"].result
    rows = np.concatenate([got[0], got[0], np.maximum(got[0], 0), got[0]], axis=1)
    np.testing.assert_array_equal(got[1], t.quantize(rows))
    np.testing.assert_allclose(got[1], np.clip(k_rows, t.min, t.max), atol=2**-6 + 1e-3)
