"""hls_config: every key hls4ml's config generators emit is accepted (fpga_export.hls4ml_keys);
no-effect keys are validated and noted once; bad values give exact messages."""

import re

import numpy as np
import pytest
import yaml

import fpga_export.layers  # noqa: F401  (registers every op)
from fpga_export import hls4ml_keys as hk
from fpga_export.config import ExportConfig
from fpga_export.ir import Node
from fpga_export.layers.activation import Activation
from fpga_export.layers.activation_hls4ml import Hls4mlActivation
from fpga_export.layers.conv import Conv2D
from fpga_export.layers.norm import LayerNormalization
from fpga_export.layers.recurrent import LSTM
from fpga_export.passes.infer_types import AUTO
from fpga_export.types import FixedType
from graphs import mlp, single

T = FixedType.parse
TYPES = {"input_1": "InputLayer", "dense_1": "Dense", "dense_1_relu": "Activation"}
TYPES |= {"dense_2": "Dense", "sigmoid": "Activation"}


def graph():
    """input_1 -> dense_1 -> dense_1_relu -> dense_2 -> sigmoid"""
    g = mlp((4, 8, 3))
    g.add(Node("dense_1_relu", Activation("relu"), ["dense_1"]), after="dense_1")
    g["dense_2"].inputs = ["dense_1_relu"]
    g.add(Node("sigmoid", Activation("sigmoid"), ["dense_2"]))
    g.outputs = ["sigmoid"]
    return g


def applied(hls, types=TYPES):
    c = ExportConfig(hls_config=hls, activation_tables="fpga-export")
    return c, c.apply(graph(), types)


def raises(message, **kw):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        ExportConfig(**kw).apply(graph(), TYPES)


# every no-effect key with a value hls4ml's generators (or users, for WriterConfig) give
TOP = {
    "Flows": ["vivado:ip"],
    "Optimizers": ["eliminate_linear_activation"],
    "WriterConfig": {"Namespace": None, "WriteWeightsTxt": True, "WriteTar": False},
    "PytorchModel": object(),
    "InputShape": (4,),
}
MODEL = {
    "BramFactor": 1_000_000_000,
    "TraceOutput": False,
    "InputsChannelLast": False,
    "ChannelsLastConversion": "full",
    "TransposeOutputs": True,
    "Compression": False,
    "TargetCycles": None,
    "PipelineStyle": "auto",
    "PipelineInterval": None,
    "ConvImplementation": "LineBuffer",
}
LAYER = {
    "Trace": False,
    "Skip": False,
    "ConvImplementation": "Encoded",
    "RecurrentReuseFactor": 1,
    "Compression": True,
    "TargetCycles": 100,
}


def test_the_key_tables_are_consistent():
    assert set(TOP) | {"SkipOptimizers", "Model", "LayerName", "LayerType"} == set(hk.TOP_KEYS)
    no_effect = set(hk.NO_EFFECT)
    assert set(MODEL) == (set(hk.MODEL_KEYS) & no_effect)
    assert set(LAYER) == (set(hk.LAYER_KEYS) & no_effect)
    assert no_effect <= set(hk.TOP_KEYS) | set(hk.MODEL_KEYS) | set(hk.LAYER_KEYS)


def test_every_no_effect_key_is_accepted_and_noted_once():
    layer = dict(LAYER, Precision="ap_fixed<12,4>")
    hls = dict(TOP, Model=dict(MODEL), LayerName={"dense_1": layer, "dense_2": dict(LAYER)})
    c, g = applied(hls)
    assert g["dense_1"].precision == dict.fromkeys(g["dense_1"].op.roles, T("ap_fixed<12,4>"))
    keys = [*TOP, *MODEL, *(k for k in LAYER if k not in MODEL)]
    assert c.notes == tuple(hk.note(k) for k in keys)
    assert c.notes[0] == (
        "hls_config: Flows accepted, no effect: fpga-export runs its own pass pipeline "
        "(fpga_export.passes.DEFAULT_PIPELINE)"
    )
    assert hk.note("BramFactor") == (
        "hls_config: BramFactor accepted, no effect: every weight stays inside the firmware "
        "(no external BRAM ports)"
    )
    # SkipOptimizers instead of Optimizers (hls4ml takes one or the other)
    assert ExportConfig(hls_config={"SkipOptimizers": ["fuse_bias_add"]}).notes == (
        hk.note("SkipOptimizers"),
    )


def test_mapped_layer_keys():
    """TableSize / table_size, ParallelizationFactor (also model-wide), Static, <role>_t."""
    g = single(Activation("sigmoid"), (4,))
    ExportConfig(hls_config={"LayerName": {"layer": {"TableSize": 256}}}).apply(g, {})
    assert g["layer"].op.table_size == 256
    w = {"kernel": np.ones((3, 3, 1, 2)), "bias": np.zeros(2)}
    g = single(Conv2D(filters=2), (6, 6, 1), dict(w))
    ExportConfig(hls_config={"Model": {"ParallelizationFactor": 4}}).apply(g, {})
    assert g["layer"].op.parallelization_factor == 4
    # a model-wide value is only for the layers that have the setting; a layer's wins
    g = single(Conv2D(filters=2), (6, 6, 1), dict(w))
    hls = {
        "Model": {"ParallelizationFactor": 4},
        "LayerName": {"layer": {"ParallelizationFactor": 2}},
    }
    ExportConfig(hls_config=hls).apply(g, {})
    assert g["layer"].op.parallelization_factor == 2
    kernels = {"kernel": np.ones((3, 8)), "recurrent_kernel": np.ones((2, 8)), "bias": np.ones(8)}
    for static, implementation in ((True, "static"), (False, "unrolled")):
        g = single(LSTM(units=2), (5, 3), dict(kernels))
        ExportConfig(hls_config={"LayerType": {"LSTM": {"Static": static}}}).apply(
            g, {"layer": "LSTM"}
        )
        assert g["layer"].op.implementation == implementation
    hls = {"LayerName": {"dense_1": {"accum_t": "ap_fixed<30,12>", "weight_t": "auto"}}}
    _, g = applied(hls)
    assert g["dense_1"].precision == {"accum": T("ap_fixed<30,12>"), "kernel": AUTO}


def test_hls4ml_role_names_and_class_wide_roles():
    """Precision roles as hls4ml names them; roles hls4ml gives a whole layer class (every
    Activation has a table) are noted where our node has none, not refused."""
    hls = {
        "LayerType": {"Activation": {"Precision": {"result": "auto", "table": "fixed<18,8>"}}},
        "LayerName": {"dense_2": {"Precision": {"default": "fixed<10,3>", "weight": "auto"}}},
    }
    c, g = applied(hls)
    assert g["sigmoid"].precision == {"result": AUTO, "table": T("ap_fixed<18,8>")}
    assert g["dense_1_relu"].precision == {"result": AUTO}
    assert g["dense_2"].precision == {
        "result": T("ap_fixed<10,3>"),
        "accum": T("ap_fixed<10,3>"),
        "kernel": AUTO,
        "bias": T("ap_fixed<10,3>"),
    }
    assert c.notes == (
        "hls_config: Precision 'table' accepted, no effect on dense_1_relu: computed without "
        "a lookup table",
    )
    g = single(LSTM(units=2), (5, 3))
    hls = {"LayerName": {"layer": {"Precision": {"recurrent_weight": "fixed<8,1>"}}}}
    ExportConfig(hls_config=hls).apply(g, {})
    assert g["layer"].precision == {"recurrent_kernel": T("ap_fixed<8,1>")}


def test_model_precision_maximum_caps_auto_types():
    c = ExportConfig(
        hls_config={"Model": {"Precision": {"default": "fixed<16,6>", "maximum": "fixed<24,8>"}}}
    )
    ctx = c.type_context()
    assert (ctx.default, ctx.max_width) == (T("ap_fixed<16,6>"), 24)
    assert c.notes == (
        "hls_config: Precision maximum ap_fixed<24,8>: 'auto' types are at most 24 bits wide "
        "(max_width), keeping their integer bits",
    )
    assert (
        ExportConfig(max_width=20, precision={"maximum": "fixed<24,8>"}).type_context().max_width
        == 20
    )


def test_linear_activation_layers_of_hls4ml_are_noted():
    """hls4ml lists '<layer>_linear' after a Dense with a linear activation."""
    hls = {"LayerName": {"dense_2_linear": {"Trace": False, "Precision": {"result": "auto"}}}}
    c, _ = applied(hls)
    assert c.notes[-1] == (
        "hls_config: LayerName 'dense_2_linear' accepted, no effect: a linear activation "
        "(hls4ml's '<layer>_linear') is no node here"
    )
    raises(
        "hls_config['LayerName']: unknown layer name 'dense_9_linear'; the model's layers are: "
        "input_1, dense_1, dense_1_relu, dense_2, sigmoid",
        hls_config={"LayerName": {"dense_9_linear": {}}},
    )


def test_layer_type_may_be_an_hls4ml_class():
    """A torch Linear is hls4ml's 'Dense'; softmax activations are its 'Softmax' class."""
    types = {"input_1": "Input", "dense_1": "Linear", "dense_1_relu": "ReLU"}
    types |= {"dense_2": "Linear", "sigmoid": "Sigmoid"}
    hls = {
        "LayerType": {
            "InputLayer": {"Precision": {"result": "fixed<8,3>"}},
            "Dense": {"ReuseFactor": 2},
            "Activation": {"Precision": "fixed<12,4>"},
        }
    }
    _, g = applied(hls, types)
    assert g["input_1"].precision == {"result": T("ap_fixed<8,3>")}
    assert [g[n].reuse_factor for n in ("dense_1", "dense_2")] == [2, 2]
    assert g["sigmoid"].precision == dict.fromkeys(("result", "table"), T("ap_fixed<12,4>"))
    g = single(Activation("softmax"), (4,))
    hls = {"LayerType": {"Softmax": {"TableSize": 512}, "Activation": {"TableSize": 128}}}
    ExportConfig(hls_config=hls).apply(g, {"input_1": "InputLayer", "layer": "Activation"})
    assert g["layer"].op.table_size == 512  # the hls4ml class is the more specific name
    raises(
        "hls_config['LayerType']: no layer of type 'Softmax' in the model; its layer types "
        "are: Activation, Dense, InputLayer",
        hls_config={"LayerType": {"Softmax": {}}},
    )


def test_a_yaml_loaded_config_works():
    """``fpga-export convert -c hls4ml.yml`` passes the YAML's HLSConfig mapping as is."""
    text = """
HLSConfig:
  Model:
    Precision:
      default: fixed<16,6>
      maximum: fixed<32,12>
    ReuseFactor: 2
    Strategy: Resource
    BramFactor: 1000000000
    TraceOutput: false
  LayerName:
    dense_1:
      Precision:
        weight: ap_fixed<8,2>
        result: auto
      ReuseFactor: 4
      Trace: true
    sigmoid:
      TableSize: 2048
      Precision:
        table: ufixed<18,0,RND,SAT>
"""
    c, g = applied(yaml.safe_load(text)["HLSConfig"])
    assert g["dense_1"].precision == {"kernel": T("ap_fixed<8,2>"), "result": AUTO}
    assert (g["dense_1"].reuse_factor, g["dense_1"].strategy) == (4, "resource")
    assert (g["dense_2"].reuse_factor, c.type_context().max_width) == (2, 32)
    assert g["sigmoid"].op.table_size == 2048
    assert g["sigmoid"].precision == {"table": T("ap_ufixed<18,0,AP_RND,AP_SAT>")}


BOOL = "expected True or False, got"


@pytest.mark.parametrize(
    "hls, message",
    [
        ({"Model": {"TraceOutput": "no"}}, f"hls_config['Model']['TraceOutput']: {BOOL} 'no'"),
        (
            {"Model": {"ChannelsLastConversion": "half"}},
            "hls_config['Model']['ChannelsLastConversion']: unknown value 'half'; expected one "
            "of full, internal, off (any case)",
        ),
        (
            {"Model": {"BramFactor": -1}},
            "hls_config['Model']['BramFactor']: expected a number >= 0, got -1",
        ),
        (
            {"Model": {"Precision": {"default": "fixed<16,6>", "maximum": "auto"}}},
            "hls_config['Model']['Precision']['maximum']: give a type, not 'auto'",
        ),
        ({"Flows": "vivado:ip"}, "hls_config['Flows']: expected a list of names, got 'vivado:ip'"),
        ({"WriterConfig": True}, "hls_config['WriterConfig']: expected a dict, got bool"),
        (
            {"LayerName": {"dense_1": {"Trace": 1}}},
            f"hls_config['LayerName']['dense_1']['Trace']: {BOOL} 1",
        ),
        (
            {"LayerName": {"sigmoid": {"Implementation": "fastest"}}},
            "hls_config['LayerName']['sigmoid']['Implementation']: unknown value 'fastest'; "
            "expected one of latency, stable, argmax, legacy (any case)",
        ),
        (
            {"LayerName": {"sigmoid": {"Skip": True}}},
            "hls_config['LayerName']['sigmoid']['Skip']: True (drop the softmax) is not "
            "supported; remove the softmax from the model, or set Skip to False",
        ),
        (
            {"LayerType": {"LSTM": {"Static": "yes"}}},
            f"hls_config['LayerType']['LSTM']['Static']: {BOOL} 'yes'",
        ),
        (
            {"LayerName": {"sigmoid": {"TableSize": 64, "table_size": 128}}},
            "hls_config['LayerName']['sigmoid']: 'TableSize' and 'table_size' both set table_size",
        ),
        (
            {"LayerName": {"dense_1": {"Precision": {"weights": "fixed<8,2>"}}}},
            "hls_config['LayerName']['dense_1']['Precision']: unknown type role 'weights'; "
            "type roles: {ROLES}",
        ),
        (
            {"LayerName": {"dense_1": {"acum_t": "fixed<8,2>"}}},
            "hls_config['LayerName']['dense_1']: unknown key 'acum_t'; accepted keys: "
            + ", ".join(hk.LAYER_KEYS)
            + ", or a type role with '_t' (accum_t)",
        ),
        (
            {"Model": {"ConvImplementation": "Im2col"}},
            "hls_config['Model']['ConvImplementation']: unknown value 'Im2col'; expected one "
            "of LineBuffer, Encoded (any case)",
        ),
    ],
)
def test_bad_values(hls, message):
    from test_config import all_roles

    raises(message.replace("{ROLES}", all_roles()), hls_config=hls)


def test_a_role_hls4ml_never_gives_the_layer_is_still_refused():
    raises(
        "hls_config['LayerName']['sigmoid']: layer 'sigmoid' (Hls4mlActivation) has no type role "
        "'kernel'; its type roles: result, table",
        hls_config={"LayerName": {"sigmoid": {"Precision": {"weight": "fixed<8,2>"}}}},
    )


# ------------------------------------------------------------------ activation tables


def softmax_graph():
    """input_1 -> dense_1 -> dense_1_relu -> dense_2 -> sigmoid, and dense_2 -> softmax"""
    g = graph()
    g.add(Node("softmax", Activation("softmax"), ["dense_2"]))
    g.outputs = ["sigmoid", "softmax"]
    return g


def kinds(g) -> dict[str, str]:
    return {n.name: n.op.kind for n in g if "activation" in n.op.kind}


def test_hls_config_computes_activations_as_hls4ml():
    """With an hls4ml config the table activations are hls4ml's; relu stays as it is."""
    c = ExportConfig(hls_config={"Model": {"Precision": "fixed<16,6>"}})
    g = c.apply(softmax_graph(), dict(TYPES, softmax="Softmax"))
    assert kinds(g) == {
        "dense_1_relu": "activation",
        "sigmoid": "activation_hls4ml",
        "softmax": "activation_hls4ml",
    }
    assert c.notes == (
        "activation_tables: sigmoid, softmax computed as hls4ml computes them (its tables and "
        "truncated index, layers/activation_hls4ml.py; activation_tables='fpga-export' for "
        "fpga-export's nearest-centre tables)",
    )
    # without hls_config, fpga-export's own; either can be asked for
    for kw, kind in (({}, "activation"), ({"activation_tables": "hls4ml"}, "activation_hls4ml")):
        g = ExportConfig(**kw).apply(softmax_graph(), TYPES)
        assert kinds(g)["softmax"] == kind
    c = ExportConfig(hls_config={"Model": {}}, activation_tables="fpga-export")
    assert kinds(c.apply(softmax_graph(), TYPES))["sigmoid"] == "activation"
    assert c.notes == ()


def test_softmax_implementation_key():
    hls = {"LayerName": {"softmax": {"Implementation": "Latency", "TableSize": 256}}}
    g = ExportConfig(hls_config=hls).apply(softmax_graph(), TYPES)
    op = g["softmax"].op
    assert (op.softmax_implementation, op.table_size) == ("latency", 256)
    hls = {"LayerType": {"Softmax": {"Implementation": "argmax"}}}
    g = ExportConfig(hls_config=hls).apply(softmax_graph(), TYPES)
    assert g["softmax"].op.roles == ("result",)
    # fpga-export's softmax has one implementation: noted, not refused
    c = ExportConfig(hls_config=hls, activation_tables="fpga-export")
    c.apply(softmax_graph(), TYPES)
    assert c.notes == (
        "hls_config: Implementation accepted, no effect on softmax: not a softmax computed as "
        "hls4ml's (fpga-export's softmax has one implementation; activation_tables='hls4ml' "
        "for hls4ml's)",
    )
    g = ExportConfig(layers={"softmax": {"softmax_implementation": "latency"}},
                     activation_tables="hls4ml").apply(softmax_graph(), TYPES)  # fmt: skip
    assert g["softmax"].op.softmax_implementation == "latency"


def test_hls4ml_softmax_key():
    """hls4ml main's softmax by default, hls4ml 0.8 - 1.0's by request; main's types are
    set with hls4ml's Precision keys."""
    g = ExportConfig(hls_config={"Model": {}}).apply(softmax_graph(), TYPES)
    assert g["softmax"].op.hls4ml_softmax == "main"
    prec = {"inv_inp": "ufixed<12,4,RND,SAT>", "accum": "fixed<20,8>"}
    hls = {"LayerName": {"softmax": {"hls4ml_softmax": "1.0"}}}
    hls_main = {"LayerName": {"softmax": {"Precision": prec}}}
    assert ExportConfig(hls_config=hls).apply(softmax_graph(), TYPES)["softmax"].op == (
        Hls4mlActivation("softmax", hls4ml_softmax="1.0")
    )
    g = ExportConfig(hls_config=hls_main).apply(softmax_graph(), TYPES)
    assert g["softmax"].precision["inv_inp"] == FixedType.parse("ap_ufixed<12,4,AP_RND,AP_SAT>")
    g = ExportConfig(layers={"softmax": {"hls4ml_softmax": "1.0"}},
                     activation_tables="hls4ml").apply(softmax_graph(), TYPES)  # fmt: skip
    assert g["softmax"].op.hls4ml_softmax == "1.0"
    with pytest.raises(ValueError) as info:
        ExportConfig(layers={"softmax": {"hls4ml_softmax": "1.1"}},
                     activation_tables="hls4ml").apply(softmax_graph(), TYPES)  # fmt: skip
    assert str(info.value) == (
        "layer 'softmax': unknown hls4ml_softmax '1.1'; expected 'main' (hls4ml's newer "
        "softmax, the default) or '1.0' (hls4ml 0.8 - 1.0)"
    )


@pytest.mark.parametrize(
    "kw, message",
    [
        (
            {"hls_config": {"LayerName": {"softmax": {"Implementation": "legacy"}}}},
            "layer 'softmax': softmax Implementation 'legacy' (hls4ml's oldest softmax) is not "
            "supported; use one of stable, latency, argmax ('stable' is hls4ml's default)",
        ),
        (
            {"activation_tables": "hls4mlx"},
            "activation_tables must be 'hls4ml', 'fpga-export' or None (hls4ml's when "
            "hls_config is given), got 'hls4mlx'",
        ),
    ],
)
def test_activation_table_errors(kw, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        ExportConfig(**kw).apply(softmax_graph(), TYPES)


def test_fused_activation_classes_of_hls4mls_keras3_parser():
    """hls4ml 1.x's Keras 3 parser splits a layer's activation into "<layer>_<function>" of
    class Softmax, ELU, LeakyReLU, HardActivation or Activation; a LayerType entry for one
    of them reaches exactly those nodes (here: fused activations, framework class
    "Activation")."""
    g = mlp((4, 8, 3))
    fused = {"elu": "dense_1_elu", "leaky_relu": "dense_2_leaky_relu"}
    g.add(Node(fused["elu"], Activation("elu"), ["dense_1"]), after="dense_1")
    g["dense_2"].inputs = [fused["elu"]]
    g.add(Node(fused["leaky_relu"], Activation("leaky_relu"), ["dense_2"]))
    g.add(Node("hard", Activation("hard_sigmoid"), ["dense_2"]))
    g.outputs = [fused["leaky_relu"], "hard"]
    types = {"input_1": "InputLayer", "dense_1": "Dense", "dense_2": "Dense"}
    types |= dict.fromkeys([*fused.values(), "hard"], "Activation")
    hls = {
        "LayerType": {
            "ELU": {"Precision": {"result": "fixed<10,4>"}},
            "LeakyReLU": {"Precision": {"result": "fixed<11,4>"}},
            "HardActivation": {"Precision": {"result": "fixed<12,4>"}},
        }
    }
    g = ExportConfig(hls_config=hls).apply(g, types)
    got = {n: g[n].precision.get("result") for n in (*fused.values(), "hard")}
    assert got == {
        "dense_1_elu": T("ap_fixed<10,4>"),
        "dense_2_leaky_relu": T("ap_fixed<11,4>"),
        "hard": T("ap_fixed<12,4>"),
    }


def test_nodes_that_differ_from_hls4ml_are_named():
    g = mlp((4, 3))
    g.add(Node("e", Activation("elu", alpha=0.5), ["dense_1"]))
    g.add(Node("s", Activation("sigmoid"), ["dense_1"]))
    w = {"gamma": np.ones(4), "beta": np.zeros(4)}
    g.add(Node("ln", LayerNormalization(epsilon=0.5), ["dense_1"], weights=w))
    g.outputs = ["e", "s", "ln"]
    c = ExportConfig(hls_config={"Model": {}})
    g = c.apply(g, {})
    assert kinds(g) == {"e": "activation_hls4ml", "s": "activation_hls4ml"}
    assert g["ln"].op.kind == "layernorm"  # hls4ml refuses this epsilon
    assert c.notes[1] == (
        "activation_tables: ln can differ from hls4ml's csim: layer normalization with epsilon "
        "0.5 keeps fpga-export's own 1/sqrt table (hls4ml refuses an epsilon whose "
        "-round(log10) is below 1)"
    )
    w = {"kernel": np.ones((3, 8)), "recurrent_kernel": np.ones((2, 8)), "bias": np.ones(8)}
    c = ExportConfig(hls_config={"Model": {}})
    c.apply(single(LSTM(units=2, go_backwards=True), (5, 3), w), {})
    assert c.notes == (
        "activation_tables: layer can differ from hls4ml's csim: hls4ml's recurrent layers run "
        "forwards only (it ignores go_backwards); computed with fpga-export's own cell "
        "(layers/recurrent.py)",
    )
