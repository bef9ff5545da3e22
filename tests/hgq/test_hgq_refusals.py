"""What cannot be exported exactly from HGQ2 is refused with the layer, its class and the
reason, or reported NOT EXACT with the reason."""

import numpy as np
import pytest

pytest.importorskip("hgq")

import keras  # noqa: E402
from hgq import layers as hl  # noqa: E402

import keras_plugin  # noqa: E402,F401


def export(layer_fn, shape=(6,), inputs=1, path=None):
    ins = [keras.Input(shape, name=f"x{i}") for i in range(inputs)]
    out = layer_fn(ins[0] if inputs == 1 else ins)
    return keras.Model(ins, out).export_fpga(path)


def refused(tmp_path, layer_fn, **kw) -> str:
    with pytest.raises(ValueError) as e:
        export(layer_fn, path=tmp_path / "p", **kw)
    return str(e.value)


def test_lookup_table_without_input_quantizer_is_refused(tmp_path):
    msg = refused(tmp_path, hl.QUnaryFunctionLUT("tanh", enable_iq=False, name="lut"))
    assert msg == (
        "layer 'lut' (QUnaryFunctionLUT): a lookup table needs the layer's input quantizer "
        "(enable_iq=True)"
    )


def test_qsoftmax_is_refused(tmp_path):
    msg = refused(tmp_path, hl.QSoftmax(name="sm"))
    assert msg == (
        "layer 'sm' (QSoftmax): QSoftmax uses lookup tables that fixed-point firmware does "
        "not reproduce"
    )


def test_einsum_that_is_not_a_dense_is_refused(tmp_path):
    layer = hl.QEinsumDense("abc,cd->abd", output_shape=(4, 3), name="ein")
    msg = refused(tmp_path, layer, shape=(4, 6))
    assert msg == (
        "layer 'ein' (QEinsumDense): equation 'abc,cd->abd' with bias_axes=None on an input "
        "of shape (4, 6) is not a Dense; only 'ab,bc->ac' (or '...b,bc->...c') on 1-D inputs "
        "with the bias on the output axis"
    )


def test_average_of_three_is_refused(tmp_path):
    msg = refused(tmp_path, hl.QAveragePow2(name="avg"), inputs=3)
    assert msg == (
        "layer 'avg' (QAveragePow2): QAveragePow2 of 3 inputs scales by 0.25, not 1/3; only "
        "2^k inputs"
    )


def test_unregistered_hgq_layer_is_refused(tmp_path):
    msg = refused(tmp_path, hl.QConv3D(2, 2, name="c3"), shape=(4, 4, 4, 1))
    assert msg == "layer 'c3' (QConv3D): 3-D convolutions are not supported"


def test_float_activation_is_not_exact_and_says_why(tmp_path):
    inp = keras.Input((6,), name="x")
    model = keras.Model(inp, hl.QDense(4, activation="tanh", name="d")(inp))
    fw = model.export_fpga(tmp_path / "p")
    assert fw.exact is False
    assert "  d_tanh: NOT EXACT: activation tanh is approximated" in fw.summary()


def test_wide_float32_sums_are_not_exact(tmp_path):
    """HGQ2 sums in float32: products and sums of more than 24 significant bits round there."""
    inp = keras.Input((4,), name="x")
    layer = hl.QDense(2, name="d")
    model = keras.Model(inp, layer(inp))
    layer.iq.quantizer._f.assign(np.full((1, 4), 12.0, "float32"))
    layer.iq.quantizer._i.assign(np.full((1, 4), 10.0, "float32"))
    layer.kq.quantizer._b.assign(np.full(layer.kq.quantizer._b.shape, 14.0, "float32"))
    fw = model.export_fpga(tmp_path / "p")
    assert fw.exact is False
    assert "the framework computes it in float32" in fw.summary()


def test_wrapping_weight_quantizer_on_data_is_refused(tmp_path):
    from hgq.quantizer import Quantizer, QuantizerConfig

    cfg = QuantizerConfig("kbi", "weight", overflow_mode="WRAP", homogeneous_axis=(0,))
    q = Quantizer(cfg, name="wq")
    msg = refused(tmp_path, q, shape=(4,))
    assert msg == (
        "layer 'wq' (Quantizer): quantizer 'wq' is a weight quantizer with overflow_mode='WRAP' "
        "used on data: HGQ2 then only rounds (it never wraps); use a 'datalane' quantizer config"
    )
