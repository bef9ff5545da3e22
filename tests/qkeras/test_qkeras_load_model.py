"""``load_model`` on QKeras files as users saved them (``model.save("m.h5")``; ``to_json`` +
``save_weights``): loaded with QKeras' custom objects, the export is exact (csim == QKeras)."""

from __future__ import annotations

import numpy as np
import tf_keras
from qkeras import QActivation, QDense

from fpga_export import load_model
from qmodels import INPUT_Q, W6, inputs, randomize


def test_qkeras_h5_and_json(tmp_path):
    x_in = tf_keras.Input((6,), name="x")
    h = QActivation(INPUT_Q, name="in_q")(x_in)
    h = QDense(8, kernel_quantizer=W6, bias_quantizer=W6, name="q1")(h)
    h = QActivation("quantized_relu(6,2)", name="a1")(h)
    out = QDense(3, kernel_quantizer=W6, bias_quantizer=W6, name="q2")(h)
    model = randomize(tf_keras.Model(x_in, out, name="qmlp"))
    model.save(tmp_path / "q.h5")
    (tmp_path / "q.json").write_text(model.to_json())
    model.save_weights(tmp_path / "w.h5")
    x = inputs((6,), n=64)
    expected = model.predict(x, verbose=0)
    for args, loader in [
        ((tmp_path / "q.h5",), "qkeras.utils.load_qmodel"),
        ((tmp_path / "q.json", tmp_path / "w.h5"),
         "qkeras.utils.quantized_model_from_json + load_weights"),
    ]:  # fmt: skip
        loaded = load_model(*args)
        assert (loaded.framework, loaded.loader) == ("qkeras", loader)
        assert loaded.version.endswith(f" on tf_keras {tf_keras.__version__}")
        np.testing.assert_array_equal(loaded.model.predict(x, verbose=0), expected)
        fw = loaded.export(tmp_path / f"prj_{args[0].stem}")
        assert fw.exact is True
        np.testing.assert_array_equal(fw.compile().predict(x), expected)
