"""fpga_export.metrics: the framework-neutral csim-vs-float numbers."""

import re

import numpy as np
import pytest

from fpga_export.metrics import compare


def test_compare_multi_value_outputs_use_the_argmax():
    y_float = np.array([[0.1, 0.9], [0.8, 0.2], [0.4, 0.6]])
    y_csim = np.array([[0.2, 0.8], [0.3, 0.7], [0.45, 0.55]])
    got = compare(y_csim, y_float)
    assert got == {"csim_agreement": 2 / 3, "csim_max_abs_diff": pytest.approx(0.5)}


def test_compare_single_value_outputs_use_the_lsb():
    y_float = np.array([[1.0], [2.0], [3.0]])
    y_csim = np.array([[1.0 + 2**-10], [2.0 - 2**-9], [3.0]])
    assert compare(y_csim, y_float, lsb=2**-10)["csim_agreement"] == 2 / 3
    assert compare(y_csim, y_float)["csim_agreement"] == 1 / 3
    assert compare(y_csim, y_float)["csim_max_abs_diff"] == 2**-9


def test_compare_refuses_different_shapes():
    msg = "csim output has shape (2, 3), the float output (2, 4)"
    with pytest.raises(ValueError, match=re.escape(msg)):
        compare(np.zeros((2, 3)), np.zeros((2, 4)))
