"""Fuzz ExportConfig: any keyword values (and applying the config to a small graph and typing
it) give a config or a clear ValueError/TypeError, nothing else."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fpga_export.config import ExportConfig
from fpga_export.ir import Node
from fpga_export.layers.activation import Activation
from fpga_export.passes import run_pipeline
from graphs import mlp

CASES = 3000
LAYER_TYPES = {"input_1": "InputLayer", "dense_1": "Dense", "act": "Activation"}
NAMES = ["input_1", "dense_1", "act", "dense-1", "Dense", "x", "", "a b", "*"]
ROLES = ["result", "accum", "kernel", "bias", "weight", "default", "table", "Result"]
KEYS = ["precision", "reuse_factor", "strategy", "table_size", "table_range", "Precision",
        "ReuseFactor", "Strategy", "Trace", "TraceOutput", "Model", "LayerName", "LayerType"]  # fmt: skip

odd = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),  # nan, inf, -0.0 ...
    st.text(max_size=8),
    st.binary(max_size=4),
    st.sampled_from([[], ["vitis"], (1,), {}, {"a": 1}, set(), object(), math.inf, 2**64, -1]),
)
odd_key = st.one_of(  # hashable
    st.none(), st.booleans(), st.integers(-3, 2**70), st.floats(), st.text(max_size=8),
    st.binary(max_size=4), st.just((1,)),
)  # fmt: skip
# the type parser has its own fuzz test (test_types_fuzz.py): here a fixed mix is enough
type_value = st.one_of(
    st.sampled_from(["auto", "AUTO ", "ap_fixed<16,6>", "ap_ufixed<4,9,AP_RND,AP_SAT_SYM>",
                     "fixed<128,-894>", "ap_fixed<64,1023>", "ap_int<3>", "ap_fixed<16,1100>",
                     "ap_fixed<0,0>", "ap_fixed<16,6,AP_SAT>", "ap_fixed<8,3,AP_RND,AP_SAT,1>"]),
    odd,
)  # fmt: skip
precision = st.one_of(
    type_value, st.dictionaries(st.one_of(st.sampled_from(ROLES), odd_key), type_value, max_size=3)
)
value = st.one_of(
    precision,
    st.integers(-2, 64),
    st.sampled_from(["latency", "Resource", "fast", 1024, 4096, 1.5]),
    odd,
)
layer_entry = st.one_of(
    st.dictionaries(st.one_of(st.sampled_from(KEYS + ROLES), odd_key), value, max_size=2), odd
)
layer_map = st.one_of(
    st.dictionaries(st.one_of(st.sampled_from(NAMES), odd_key), layer_entry, max_size=2), odd
)
hls = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "Model": st.one_of(
                st.dictionaries(st.sampled_from(KEYS), value, max_size=4), layer_entry
            ),
            "LayerName": layer_map,
            "LayerType": st.one_of(
                st.dictionaries(
                    st.one_of(st.sampled_from(["Dense", "Activation", "Conv2D"]), odd_key),
                    layer_entry,
                    max_size=2,
                ),
                odd,
            ),
            "Other": odd,
        },
    ),
    odd,
)
FIELDS = {
    "output_dir": st.one_of(st.sampled_from(["prj", "", "a\nb"]), odd),
    "backend": st.one_of(st.sampled_from(["vitis", "Vitis ", "VITIS", "vivado"]), odd),
    "precision": precision,
    "reuse_factor": st.one_of(st.integers(-2, 2**40), odd),
    "strategy": st.one_of(st.sampled_from(["latency", "Resource", " LATENCY "]), odd),
    "io_type": st.one_of(st.sampled_from(["io_parallel", "IO_Stream", "io_serial"]), odd),
    "part": st.one_of(st.sampled_from(["xcvu9p", "xcu250-figd2104-2L-e", "a}b", "-x"]), odd),
    "clock_period": st.one_of(st.floats(), st.integers(-5, 10**30), odd),
    "layers": layer_map,
    "hls_config": hls,
    "input_precision": type_value,
    "overwrite": odd,
    "max_width": st.one_of(st.integers(-2, 200), odd),
    "name": st.one_of(st.text(max_size=6), odd),
}


TYPES = ["ap_fixed<16,6>", "ap_fixed<8,3,AP_RND,AP_SAT>", "ap_ufixed<10,4>", "fixed<12,4>",
         "auto"]  # fmt: skip
valid_precision = st.one_of(
    st.sampled_from(TYPES),
    st.dictionaries(
        st.sampled_from(["default", "accum", "weight", "result"]),
        st.sampled_from(TYPES),
        max_size=2,
    ),
)
VALID = {
    "output_dir": st.sampled_from([None, "prj"]),
    "backend": st.sampled_from(["vitis", " Vitis"]),
    "precision": valid_precision,
    "reuse_factor": st.sampled_from([1, 3]),
    "strategy": st.sampled_from(["latency", "Resource"]),
    "io_type": st.sampled_from(["io_parallel", "IO_STREAM"]),
    "part": st.sampled_from(["xcvu9p-flga2104-2L-e", "xc7z020clg400-1"]),
    "clock_period": st.sampled_from([5, 2.5, 10.0]),
    "layers": st.dictionaries(
        st.sampled_from(["dense_1", "act"]),
        st.fixed_dictionaries(
            {}, optional={"precision": valid_precision, "reuse_factor": st.just(3)}
        ),
        max_size=2,
    ),
    "hls_config": st.fixed_dictionaries(
        {}, optional={"Model": st.fixed_dictionaries({}, optional={"Precision": valid_precision})}
    ),
    "input_precision": st.sampled_from([None, "ap_fixed<10,4>"]),
    "overwrite": st.booleans(),
    "max_width": st.sampled_from([16, 64]),
    "name": st.sampled_from([None, "my model"]),
}


@st.composite
def config_kwargs(draw):
    """One or two fields fuzzed, the others valid or left out."""
    fuzzed = draw(st.sets(st.sampled_from(sorted(FIELDS)), min_size=1, max_size=2))
    kw = {}
    for field in FIELDS:
        if field in fuzzed:
            kw[field] = draw(FIELDS[field])
        elif draw(st.booleans()):
            kw[field] = draw(VALID[field])
    return kw


def graph():
    g = mlp((4, 3))
    g.add(Node("act", Activation("sigmoid"), ["dense_1"]))
    g.outputs = ["act"]
    return g


@settings(max_examples=CASES, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(config_kwargs())
def test_fuzz_export_config(kw):
    try:
        config = ExportConfig(**kw)
    except (ValueError, TypeError) as exc:
        assert str(exc)
        return
    config.type_context()
    try:
        g = config.apply(graph(), LAYER_TYPES)
        run_pipeline(g, config)
    except (ValueError, TypeError) as exc:
        assert str(exc)
