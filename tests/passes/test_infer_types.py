"""passes.infer_types: max_width caps computed types and refuses wider quantizer types."""

from __future__ import annotations

import re

import pytest

from fpga_export.config import ExportConfig
from fpga_export.passes import run_pipeline
from fpga_export.types import FixedType
from graphs import mlp


def test_max_width_caps_automatic_weight_types():
    g = mlp((4, 3))
    g["dense_1"].precision = {"kernel": "auto", "bias": "auto"}
    cfg = ExportConfig(precision="ap_fixed<32,6>", max_width=12)
    types = run_pipeline(g, cfg)["dense_1"].types
    assert types["kernel"].width == 12 and types["bias"].width == 12


def test_a_quantizer_type_wider_than_max_width_is_refused():
    g = mlp((4, 3))
    g["dense_1"].given = {"kernel": FixedType.parse("ap_fixed<24,2>")}
    g["dense_1"].source = "fc (QDense)"
    message = (
        "dense_1: the kernel type ap_fixed<24,2> of its quantizer (fc (QDense)) is 24 bits "
        "wide, more than max_width=16; raise max_width, or set the layer's 'kernel' precision "
        "to accept a narrower (inexact) type"
    )
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        run_pipeline(g, ExportConfig(max_width=16))
    g = mlp((4, 3))
    g["dense_1"].given = {"kernel": FixedType.parse("ap_fixed<24,2>")}
    g["dense_1"].precision = {"kernel": "ap_fixed<16,2>"}  # the user's explicit choice
    assert str(run_pipeline(g, ExportConfig(max_width=16))["dense_1"].types["kernel"]) == (
        "ap_fixed<16,2>"
    )
