"""ExportConfig: validation (exact messages), hls4ml dicts, per-node precedence."""

import re

import pytest

import fpga_export.layers  # noqa: F401  (registers every op)
from fpga_export.config import ExportConfig
from fpga_export.ir import OP_REGISTRY, Node
from fpga_export.layers.activation import Activation
from fpga_export.passes.infer_types import AUTO
from fpga_export.types import FixedType
from graphs import mlp

T = FixedType.parse
TYPES = {"input_1": "InputLayer", "dense_1": "Dense", "dense_1_relu": "Activation"}
TYPES |= {"dense_2": "Dense", "dense_3": "Dense", "sigmoid": "Activation"}


def graph():
    """input_1 -> dense_1 -> dense_1_relu -> dense_2 -> dense_3 -> sigmoid"""
    g = mlp((4, 8, 6, 3))
    g.add(Node("dense_1_relu", Activation("relu"), ["dense_1"]), after="dense_1")
    g["dense_2"].inputs = ["dense_1_relu"]
    g.add(Node("sigmoid", Activation("sigmoid"), ["dense_3"]))
    g.outputs = ["sigmoid"]
    return g


def applied(**kw):
    return ExportConfig(**kw).apply(graph(), TYPES)


def raises(message, **kw):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        applied(**kw)


# ---------------------------------------------------------------------- model-wide


def test_defaults():
    c = ExportConfig()
    assert (c.backend, c.io_type, c.strategy, c.reuse_factor) == (
        "vitis",
        "io_parallel",
        "latency",
        1,
    )
    assert (c.part, c.clock_period, c.max_width, c.overwrite) == (
        "xcvu13p-flga2577-2-e",
        5.0,
        64,
        False,
    )
    ctx = c.type_context()
    assert ctx.default == T("ap_fixed<16,6>")
    assert ctx.role_defaults == {} and ctx.input_precision is None and ctx.max_width == 64
    g = applied()
    assert all(n.precision == {} for n in g)
    assert all((n.reuse_factor, n.strategy) == (1, "latency") for n in g)


def test_model_precision_forms():
    ctx = ExportConfig(precision="fixed<8,3>", input_precision="ap_fixed<10,4>").type_context()
    assert ctx.default == T("ap_fixed<8,3>") and ctx.input_precision == T("ap_fixed<10,4>")
    ctx = ExportConfig(
        precision={"default": "ap_fixed<12,4>", "weight": "ap_fixed<6,1>", "accum": "auto"},
        max_width=40,
    ).type_context()
    assert ctx.default == T("ap_fixed<12,4>") and ctx.max_width == 40
    assert ctx.role_defaults == {"kernel": T("ap_fixed<6,1>"), "accum": AUTO}
    ctx = ExportConfig(precision="auto").type_context()
    assert ctx.default == T("ap_fixed<16,6>")
    assert {"result", "accum", "kernel", "bias", "table"} <= set(ctx.role_defaults)
    assert set(ctx.role_defaults.values()) == {AUTO}
    # "default": "auto" makes every role auto, explicit roles win
    ctx = ExportConfig(precision={"kernel": "ap_fixed<4,1>", "default": "Auto"}).type_context()
    assert ctx.role_defaults["kernel"] == T("ap_fixed<4,1>") and ctx.role_defaults["bias"] == AUTO


def test_normalization_case_insensitive():
    c = ExportConfig(backend="Vitis", strategy="Resource", hls_config={"Model": {}})
    assert (c.backend, c.strategy) == ("vitis", "resource")
    g = c.apply(graph(), TYPES)
    assert {n.strategy for n in g} == {"resource"}


def test_hls_model_replaces_keywords():
    hls = {"Model": {"Precision": "ap_fixed<10,2>", "ReuseFactor": 2, "Strategy": "Resource"}}
    c = ExportConfig(precision="ap_fixed<20,8>", reuse_factor=4, hls_config=hls)
    assert c.type_context().default == T("ap_fixed<10,2>")
    g = c.apply(graph(), TYPES)
    assert {(n.reuse_factor, n.strategy) for n in g} == {(2, "resource")}
    ctx = ExportConfig(
        hls_config={"Model": {"Precision": {"default": "ap_fixed<14,5>", "weight": "auto"}}}
    ).type_context()
    assert ctx.default == T("ap_fixed<14,5>") and ctx.role_defaults == {"kernel": AUTO}


def test_replace_validates_again():
    c = ExportConfig().replace(io_type="io_stream", reuse_factor=3)
    assert (c.io_type, c.reuse_factor) == ("io_stream", 3)
    with pytest.raises(ValueError, match="unknown io_type"):
        c.replace(io_type="io_serial")


# ---------------------------------------------------------------------- per layer


def test_precedence_layers_over_layername_over_layertype_over_model():
    hls = {
        "Model": {"Precision": "ap_fixed<16,6>", "ReuseFactor": 1},
        "LayerType": {
            "Dense": {"Precision": {"result": "ap_fixed<20,8>", "weight": "ap_fixed<8,2>"}},
            "Activation": {"Precision": "ap_fixed<12,4>"},
        },
        "LayerName": {
            "dense_2": {"Precision": {"result": "ap_fixed<18,7>"}, "ReuseFactor": 2},
            "dense_3": {"Strategy": "resource", "ReuseFactor": 3},
        },
    }
    layers = {"dense_2": {"precision": {"result": "ap_fixed<22,9>"}, "reuse_factor": 4}}
    g = applied(hls_config=hls, layers=layers)
    # LayerType only
    assert g["dense_1"].precision == {"result": T("ap_fixed<20,8>"), "kernel": T("ap_fixed<8,2>")}
    # layers > LayerName > LayerType, merged per role
    assert g["dense_2"].precision == {"result": T("ap_fixed<22,9>"), "kernel": T("ap_fixed<8,2>")}
    assert (g["dense_2"].reuse_factor, g["dense_2"].strategy) == (4, "latency")
    assert (g["dense_3"].reuse_factor, g["dense_3"].strategy) == (3, "resource")
    # a whole-layer type applies to the roles this activation has
    assert g["dense_1_relu"].precision == {"result": T("ap_fixed<12,4>")}
    assert g["sigmoid"].precision == {"result": T("ap_fixed<12,4>"), "table": T("ap_fixed<12,4>")}
    assert g["input_1"].precision == {}
    assert (g["input_1"].reuse_factor, g["input_1"].strategy) == (1, "latency")


def test_layer_entry_forms():
    layers = {
        "dense_1": {"precision": "ap_fixed<9,3>", "accum": "auto", "weight": "ap_fixed<5,1>"},
        "dense_2": {"precision": {"accum": "ap_fixed<30,12>"}, "bias": "fixed<7,2>"},
        "input_1": {"precision": "ap_ufixed<8,0>"},
        "sigmoid": {"table": "ap_fixed<18,2>", "strategy": "RESOURCE"},
    }
    g = applied(layers=layers)
    assert g["dense_1"].precision == {
        "result": T("ap_fixed<9,3>"),
        "accum": AUTO,
        "kernel": T("ap_fixed<5,1>"),
        "bias": T("ap_fixed<9,3>"),
    }
    assert g["dense_2"].precision == {"accum": T("ap_fixed<30,12>"), "bias": T("ap_fixed<7,2>")}
    assert g["input_1"].precision == {"result": T("ap_ufixed<8,0>")}
    assert g["sigmoid"].precision == {"table": T("ap_fixed<18,2>")}
    assert g["sigmoid"].strategy == "resource"


def test_io_type_and_backend_in_any_case():
    c = ExportConfig(io_type=" IO_Stream", backend="Vitis")
    assert (c.io_type, c.backend) == ("io_stream", "vitis")


def test_layer_names_may_be_framework_names():
    g = mlp((4, 3))
    g["dense_1"].layer = "dense-1"  # the framework's name of the layer node dense_1 stands for
    c = ExportConfig(layers={"dense-1": {"reuse_factor": 3}})
    c.apply(g, {"input_1": "InputLayer", "dense_1": "Dense"})
    assert g["dense_1"].reuse_factor == 3


def test_layer_names_are_matched_exactly_not_through_identifiers():
    g = mlp((4, 3))
    g["dense_1"].layer = "dense-1"
    with pytest.raises(
        ValueError,
        match="^"
        + re.escape(
            "layers: no layer is named 'dense 1' (names are matched exactly); did you mean "
            "'dense_1' (layer 'dense-1')?"
        )
        + "$",
    ):
        ExportConfig(layers={"dense 1": {}}).apply(g, {"input_1": "InputLayer", "dense_1": "Dense"})


def test_a_name_of_one_node_and_the_layer_of_another_is_ambiguous():
    """Layers "a b" and "a_b": node a_b is made from "a b", node a_b_2 from "a_b"."""
    g = mlp((4, 3, 2))
    g["dense_1"].layer, g["dense_2"].layer = "a b", "a_b"
    g.replace("dense_1", Node("a_b", g["dense_1"].op, ["input_1"], layer="a b"))
    g.replace("dense_2", Node("a_b_2", g["dense_2"].op, ["a_b"], layer="a_b"))
    types = {"input_1": "InputLayer", "a_b": "Dense", "a_b_2": "Dense"}
    ExportConfig(layers={"a b": {"reuse_factor": 2}, "a_b_2": {"reuse_factor": 3}}).apply(g, types)
    assert (g["a_b"].reuse_factor, g["a_b_2"].reuse_factor) == (2, 3)
    with pytest.raises(
        ValueError,
        match="^"
        + re.escape(
            "hls_config['LayerName']: 'a_b' is ambiguous: it names node 'a_b' (from layer "
            "'a b') by its node name and node 'a_b_2' (from layer 'a_b') by its layer name; "
            "name each by a name that matches it only (its layer name or its node name)"
        )
        + "$",
    ):
        ExportConfig(hls_config={"LayerName": {"a_b": {}}}).apply(g, types)


def test_a_layer_given_by_node_name_and_framework_name_is_given_twice():
    g = mlp((4, 3))
    g["dense_1"].layer = "dense-1"
    with pytest.raises(
        ValueError,
        match="^"
        + re.escape(
            "layers: 'dense_1' and 'dense-1' both name layer 'dense_1'; give its settings once"
        )
        + "$",
    ):
        ExportConfig(layers={"dense_1": {}, "dense-1": {}}).apply(g, {"dense_1": "Dense"})


def test_hls4ml_generated_config_is_accepted():
    """The shape of hls4ml's config_from_keras_model(granularity='name') output."""
    hls = {
        "Model": {
            "Precision": {"default": "fixed<16,6>"},
            "ReuseFactor": 1,
            "Strategy": "Latency",
            "TraceOutput": False,
        },
        "LayerName": {
            "input_1": {"Trace": False, "Precision": {"result": "fixed<16,6>"}},
            "dense_1": {
                "Trace": False,
                "Precision": {"result": "auto", "weight": "auto", "bias": "auto"},
                "ReuseFactor": 1,
            },
            "dense_1_relu": {"Trace": False, "Precision": {"result": "fixed<16,6>"}},
        },
    }
    g = applied(hls_config=hls)
    assert g["input_1"].precision == {"result": T("ap_fixed<16,6>")}
    assert g["dense_1"].precision == {"result": AUTO, "kernel": AUTO, "bias": AUTO}


# ---------------------------------------------------------------------- errors

FORMS = (
    "ap_fixed<W,I[,Q[,O[,N]]]>, ap_ufixed<W,I[,Q[,O[,N]]]>, ap_int<W>, ap_uint<W>, "
    "fixed<W,I[,Q[,O[,N]]]>, ufixed<W,I[,Q[,O[,N]]]>, int<W>, uint<W> "
    "(Q a rounding mode such as AP_RND, O an overflow mode such as AP_SAT, N = 0)"
)
ROLES = "{ROLES}"  # filled in when the test runs: more ops may register while collecting


def all_roles():
    """Every type role of every registered op and the separable layer's role names, sorted,
    then the hls4ml alias."""
    roles = {r for op in OP_REGISTRY.values() for r in (*op.roles, *op.weight_roles.values())}
    roles |= {"depthwise", "depthwise_accum", "depthwise_result", "pointwise"}
    return ", ".join(sorted(roles)) + ", weight (= kernel)"


@pytest.mark.parametrize(
    "kw, message",
    [
        (
            {"backend": "libero"},
            "unknown backend 'libero'; available backends: vitis, vivado, catapult, oneapi, quartus "
            "(any case)",
        ),
        (
            {"io_type": "io_serial"},
            "unknown io_type 'io_serial'; expected one of io_parallel, io_stream (any case)",
        ),
        (
            {"strategy": "fast"},
            "strategy: unknown strategy 'fast'; expected one of latency, resource (any case)",
        ),
        ({"reuse_factor": 0}, "reuse_factor: reuse factor must be an int >= 1, got 0"),
        ({"reuse_factor": True}, "reuse_factor: reuse factor must be an int >= 1, got True"),
        (
            {"precision": "ap_fixd<16,6>"},
            f"precision: cannot parse fixed-point type 'ap_fixd<16,6>': expected one of {FORMS}",
        ),
        (
            {"precision": 16},
            "precision: expected a type string such as 'ap_fixed<16,6>' or 'auto', got 16",
        ),
        (
            {"precision": {"default": "ap_fixed<16,6>", "weights": "ap_fixed<8,3>"}},
            f"precision: unknown type role 'weights'; type roles: {ROLES}",
        ),
        (
            {"input_precision": "auto"},
            "input_precision: 'auto' is not possible for inputs; give a type",
        ),
        ({"clock_period": 0}, "clock_period must be a positive, finite number of ns, got 0"),
        ({"max_width": 200}, "max_width must be between 1 and 128 bits, got 200"),
        (
            {"backend": ["vitis"]},
            "unknown backend ['vitis']; available backends: vitis, vivado, catapult, oneapi, quartus "
            "(any case)",
        ),
        (
            {"io_type": {"a": 1}},
            "unknown io_type {'a': 1}; expected one of io_parallel, io_stream (any case)",
        ),
        (
            {"clock_period": float("inf")},
            "clock_period must be a positive, finite number of ns, got inf",
        ),
        (
            {"clock_period": float("nan")},
            "clock_period must be a positive, finite number of ns, got nan",
        ),
        ({"clock_period": "5"}, "clock_period must be a positive, finite number of ns, got '5'"),
        (
            {"part": "xcvu9p}\nexec touch pwned"},
            "part must be an FPGA part name such as 'xcvu13p-flga2577-2-e': letters, digits, '-', "
            "'_' and '.', starting with a letter or digit; got 'xcvu9p}\\nexec touch pwned'",
        ),
        (
            {"output_dir": 3},
            "output_dir must be a folder path (str or os.PathLike) or None, got int",
        ),
        (
            {"reuse_factor": 2**40},
            f"reuse_factor: reuse factor must be at most 2**31 - 1, got {2**40}",
        ),
        ({"layers": {1: {}}}, "layers: layer names are strings, got 1"),
        (
            {"hls_config": {"LayerType": {None: {}}}},
            "hls_config['LayerType']: layer names are strings, got None",
        ),
        ({"overwrite": "yes"}, "overwrite must be True or False, got 'yes'"),
        ({"name": ""}, "name must be a non-empty string, got ''"),
        ({"layers": [1]}, "layers: expected a dict, got list"),
        (
            {"layers": {"dense_1": {"reuse": 2}}},
            "layers['dense_1']: unknown key 'reuse'; accepted keys: precision, reuse_factor, "
            "strategy, table_size, table_range, parallelization_factor, implementation, "
            f"softmax_implementation, or a type role: {ROLES}",
        ),
        (
            {"layers": {"dense_1": {"precision": "ap_fixed<16,6,AP_SAT>"}}},
            "layers['dense_1'].precision: 'AP_SAT' in 'ap_fixed<16,6,AP_SAT>' is an overflow "
            "mode; the rounding mode comes first: ap_fixed<W,I,Q,O>, e.g. "
            "ap_fixed<16,6,AP_TRN,AP_SAT>",
        ),
        (
            {"layers": {"dense_1": {"precision": {"accum": "ap_fixed<0,6>"}}}},
            "layers['dense_1'].precision['accum']: invalid fixed-point type 'ap_fixed<0,6>': "
            "width W must be >= 1, got 0",
        ),
        (
            {"layers": {"dense_1": {"accum": "ap_fixd<16,6>"}}},
            "layers['dense_1'].accum: cannot parse fixed-point type 'ap_fixd<16,6>': "
            f"expected one of {FORMS}",
        ),
        (
            {"layers": {"dense_1": {"precision": {"accum": "auto"}, "accum": "auto"}}},
            "layers['dense_1']: type role 'accum' is given twice",
        ),
        (
            {"layers": {"dense_1": {"strategy": "Resource_Unrolled"}}},
            "layers['dense_1'].strategy: unknown strategy 'Resource_Unrolled'; expected one of "
            "latency, resource (any case)",
        ),
        (
            {"layers": {"dense_1": {"reuse_factor": 2.0}}},
            "layers['dense_1'].reuse_factor: reuse factor must be an int >= 1, got 2.0",
        ),
        (
            {"hls_config": {"Model": {}, "Layers": {}}},
            "hls_config: unknown key 'Layers'; accepted keys: Model, LayerName, LayerType, "
            "Flows, Optimizers, SkipOptimizers, WriterConfig, PytorchModel, InputShape",
        ),
        (
            {"hls_config": {"Model": {"BramFactr": 10}}},
            "hls_config['Model']: unknown key 'BramFactr'; accepted keys: Precision, "
            "ReuseFactor, Strategy, ParallelizationFactor, BramFactor, TraceOutput, "
            "InputsChannelLast, ChannelsLastConversion, TransposeOutputs, Compression, "
            "TargetCycles, PipelineStyle, PipelineInterval, ConvImplementation",
        ),
        (
            {"hls_config": {"Model": {"Precision": "ap_fixed<16>"}}},
            "hls_config['Model']['Precision']: cannot parse fixed-point type 'ap_fixed<16>': "
            f"expected one of {FORMS}",
        ),
        (
            {"hls_config": {"Model": {"Strategy": "Fastest"}}},
            "hls_config['Model']['Strategy']: unknown strategy 'Fastest'; expected one of "
            "latency, resource (any case)",
        ),
        (
            {"hls_config": {"LayerName": {"dense_1": {"precision": "ap_fixed<8,3>"}}}},
            "hls_config['LayerName']['dense_1']: unknown key 'precision'; accepted keys: "
            "Precision, ReuseFactor, Strategy, Trace, table_size, table_range, "
            "ParallelizationFactor, TableSize, Static, Implementation, Skip, ConvImplementation, "
            "RecurrentReuseFactor, Compression, TargetCycles, TableRangePower2, "
            "table_range_power2, hls4ml_softmax, or a type role with '_t' (accum_t)",
        ),
        (
            {"hls_config": {"LayerName": {"dense_1": {"Precision": {"weight": "x"}}}}},
            "hls_config['LayerName']['dense_1']['Precision']['weight']: cannot parse "
            f"fixed-point type 'x': expected one of {FORMS}",
        ),
        (
            {"hls_config": {"LayerType": {"Dense": {"ReuseFactor": -1}}}},
            "hls_config['LayerType']['Dense']['ReuseFactor']: reuse factor must be an int "
            ">= 1, got -1",
        ),
    ],
)
def test_config_errors(kw, message):
    message = message.replace("{ROLES}", all_roles())
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        ExportConfig(**kw)


def test_unknown_layer_names_list_the_models_layers():
    names = "input_1, dense_1, dense_1_relu, dense_2, dense_3, sigmoid"
    raises(
        f"layers: unknown layer name 'dense_9'; the model's layers are: {names}",
        layers={"dense_9": {"reuse_factor": 2}},
    )
    raises(
        f"hls_config['LayerName']: unknown layer names 'fc1', 'fc2'; the model's layers are: "
        f"{names}",
        hls_config={"LayerName": {"fc1": {}, "dense_1": {}, "fc2": {}}},
    )
    raises(
        "hls_config['LayerType']: no layer of type 'Conv2D' in the model; its layer types "
        "are: Activation, Dense, InputLayer",
        hls_config={"LayerType": {"Conv2D": {"ReuseFactor": 2}}},
    )
    raises(
        "layers: no layer is named 'dense-1' (names are matched exactly); did you mean 'dense_1'?",
        layers={"dense_1": {}, "dense-1": {}},
    )


def test_role_the_layer_does_not_have():
    raises(
        "layers['dense_1_relu']: layer 'dense_1_relu' (Activation) has no type role 'accum'; "
        "its type roles: result",
        layers={"dense_1_relu": {"accum": "auto"}},
    )
    raises(
        "hls_config['LayerType']['Activation']: layer 'dense_1_relu' (Activation) "
        "has no type role 'kernel'; its type roles: result",
        hls_config={"LayerType": {"Activation": {"Precision": {"weight": "ap_fixed<8,3>"}}}},
    )
    raises(
        "layers['dense_2']: layer 'dense_2' (Dense) has no type role 'table'; "
        "its type roles: result, accum, kernel, bias, weight (= kernel)",
        layers={"dense_2": {"precision": {"table": "ap_fixed<8,3>"}}},
    )


def test_table_settings_per_layer(tmp_path):
    """layers= and hls4ml LayerName can size an activation's lookup tables."""
    import numpy as np

    from fpga_export.firmware import Firmware
    from fpga_export.layers.activation import Activation
    from fpga_export.layers.dense import Dense
    from graphs import single

    g = single(Activation(function="sigmoid"), (4,), name="sig")
    cfg = ExportConfig(
        output_dir=tmp_path / "p", layers={"layer": {"table_size": 64, "table_range": 4}}
    )
    cfg.apply(g, {"layer": "Activation", "input_1": "InputLayer"})
    assert (g["layer"].op.table_size, g["layer"].op.table_range) == (64, 4)
    fw = Firmware(g, cfg).compile()
    assert fw.graph["layer"].weights["table"].shape == (64,)
    x = np.random.default_rng(0).normal(0, 3, (100, 4))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))

    g2 = single(Activation(function="tanh"), (4,))
    ExportConfig(hls_config={"LayerName": {"layer": {"table_size": 128}}}).apply(g2, {})
    assert g2["layer"].op.table_size == 128
    with pytest.raises(
        ValueError,
        match=re.escape(
            "layer 'layer': Activation table_size must be an integer power of two from 2 to "
            "2**20, got 100"
        ),
    ):
        ExportConfig(layers={"layer": {"table_size": 100}}).apply(
            single(Activation(function="tanh"), (4,)), {}
        )
    g3 = single(Dense(units=2), (4,), {"kernel": np.ones((4, 2)), "bias": np.zeros(2)})
    msg = (
        "layer 'layer' (dense) has no setting 'table_size'; "
        "table_size / table_range apply to activations computed with lookup tables"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        ExportConfig(layers={"layer": {"table_size": 64}}).apply(g3, {})


def test_parallelization_factor_per_layer():
    """Ours (``layers``) and hls4ml's ``ParallelizationFactor`` (LayerName / LayerType)."""
    import numpy as np

    from fpga_export.layers.conv import Conv2D
    from fpga_export.layers.dense import Dense
    from graphs import single

    w = {"kernel": np.ones((3, 3, 1, 2)), "bias": np.zeros(2)}
    g = single(Conv2D(filters=2), (6, 6, 1), dict(w))
    ExportConfig(layers={"layer": {"parallelization_factor": 4}}).apply(g, {})
    assert g["layer"].op.parallelization_factor == 4
    hls = {"LayerType": {"Conv2D": {"ParallelizationFactor": 2}}}
    g = single(Conv2D(filters=2), (6, 6, 1), dict(w))
    ExportConfig(hls_config=hls).apply(g, {"layer": "Conv2D"})
    assert g["layer"].op.parallelization_factor == 2
    g3 = single(Dense(units=2), (4,), {"kernel": np.ones((4, 2)), "bias": np.zeros(2)})
    msg = (
        "layer 'layer' (dense) has no setting 'parallelization_factor'; "
        "parallelization_factor applies to convolutions (io_parallel output pixels per step)"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        ExportConfig(hls_config={"LayerName": {"layer": {"ParallelizationFactor": 2}}}).apply(
            g3, {}
        )
