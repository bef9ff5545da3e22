"""HGQ2 QSum and QMeanPow2: csim == HGQ2 (model(x, training=False)) bit for bit in both io
types, with per-element input widths (set at random, as training learns them), over the last
axis, an inner axis, several axes, with and without keepdims, followed by a quantizer."""

import numpy as np
import pytest

pytest.importorskip("hgq")

import keras  # noqa: E402
from hgq import layers as hl  # noqa: E402
from hgq.quantizer import Quantizer  # noqa: E402
from hmodels import data, kif_config, randomize  # noqa: E402

import keras_plugin  # noqa: E402,F401
from fpga_export.layers.dense import Dense  # noqa: E402
from fpga_export.layers.fixed_quantizer import FixedQuantizer  # noqa: E402


def sum_model():
    inp = keras.Input((4, 6), name="x")
    q = Quantizer(kif_config("WRAP", "RND"), name="q")(inp)
    last = hl.QSum(axes=-1, name="sum_last")(q)  # (4,)
    inner = hl.QMeanPow2(axes=1, keepdims=True, name="mean_t")(q)  # (1, 6), scale 1/4
    both = hl.QSum(axes=(1, 2), scale=0.5, keepdims=True, name="sum_all")(q)  # (1, 1)
    # (HGQ2 0.2.0 cannot build a QSum with enable_oq: its output quantizer stays unbuilt)
    both = Quantizer(kif_config("SAT", "RND_CONV"), name="q_all")(both)
    mean6 = hl.QMeanPow2(axes=-1, name="mean_c")(q)  # (4,), scale 2^round(log2 1/6) = 1/8
    return keras.Model(inp, [last, inner, both, mean6], name="sum_model")


def build(seed: int = 0):
    keras.utils.set_random_seed(seed)
    model = sum_model()
    randomize(model, seed, i_range=(-1, 3), f_range=(0, 4))
    return model


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_csim_equals_hgq(tmp_path, io_type):
    model = build()
    fw = model.export_fpga(tmp_path / "p", io_type=io_type)
    assert fw.exact is True, fw.summary()
    assert any(isinstance(n.op, FixedQuantizer) for n in fw.graph)  # per-element widths
    fw.compile()
    q = model.get_layer("q")
    x = np.asarray(q(data(model, 200, seed=1), training=False))
    want = [np.asarray(w) for w in model(x, training=False)]
    for got, ref, w in zip(fw.predict(x), fw.reference(x), want, strict=True):
        np.testing.assert_array_equal(got, w)
        np.testing.assert_array_equal(ref, w)


def test_nodes_and_scales(tmp_path):
    fw = build().export_fpga(tmp_path / "p")
    g = fw.graph
    assert [n.name for n in g if n.name.startswith("mean_t")] == [
        "mean_t_iq", "mean_t_flat", "mean_t", "mean_t_reshape",
    ]  # fmt: skip
    assert isinstance(g["mean_t"].op, Dense) and g["mean_t"].shape == (6,)
    assert g["mean_t_reshape"].shape == (1, 6)
    k = g["mean_t"].weights["kernel"]
    assert k.shape == (24, 6) and set(np.unique(k)) == {0.0, 0.25}
    np.testing.assert_array_equal((k != 0).sum(axis=0), 4)  # each output: 4 timesteps
    assert set(np.unique(g["mean_c"].weights["kernel"])) == {0.0, 0.125}
    assert g["sum_all"].weights["kernel"].shape == (24, 1)
    assert g["sum_all"].given["accum"] == "auto"


def test_sum_to_a_scalar_is_refused(tmp_path):
    inp = keras.Input((6,), name="x")
    model = keras.Model(inp, hl.QSum(axes=-1, name="s")(inp))
    with pytest.raises(ValueError) as e:
        model.export_fpga(tmp_path / "p")
    assert str(e.value) == (
        "layer 's' (QSum): a sum over every axis of (6,) without keepdims leaves no axis per "
        "sample; use keepdims=True"
    )
