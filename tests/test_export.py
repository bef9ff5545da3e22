import re

import pytest

import fpga_export


def test_export_refuses_unknown_objects():
    msg = "cannot export an object of type builtins.dict: expected a live keras.Model, tf_keras.Model or torch.nn.Module"
    with pytest.raises(TypeError, match=re.escape(msg)):
        fpga_export.export({})


def test_export_dispatches_to_keras(tmp_path):
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")])
    fw = fpga_export.export(model, tmp_path / "p", precision="ap_fixed<18,8>")
    assert isinstance(fw, fpga_export.Firmware)
    assert fw.graph["d"].types["kernel"] == fpga_export.FixedType.parse("ap_fixed<18,8>")
    x = np.random.default_rng(0).uniform(-1, 1, (5, 3))
    np.testing.assert_array_equal(fw.compile().predict(x), fw.reference(x))
