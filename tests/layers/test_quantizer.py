"""layers.quantizer helpers."""

from fpga_export.layers.quantizer import exact_type


def test_exact_type_of_values_beyond_the_type_bounds_is_none():
    assert str(exact_type([0.75, -2.0])) == "ap_fixed<4,2>"
    assert exact_type([2.0**-1030]) is None  # its LSB would be below 2**-1022
    assert exact_type([2.0**1023]) is None
