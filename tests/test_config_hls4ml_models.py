"""hls4ml generator configs on live Keras and torch models, end to end.

The dicts are built here as hls4ml 1.x's ``config_from_keras_model`` /
``config_from_pytorch_model`` build them (hls4ml is not a dependency): model level
``Precision {"default": ...}``, ``ReuseFactor``, ``Strategy``, ``BramFactor``, ``TraceOutput``
(+ torch's layout keys, ``PytorchModel``, ``InputShape``); per layer one ``Precision`` entry
per type attribute (``"auto"`` where hls4ml has no default, its table defaults
``fixed<18,8>`` / softmax ``fixed<18,8,RND,SAT>``) and the configurable attributes
(``Trace``, ``ReuseFactor``, ``TableSize``, softmax ``Implementation``/``Skip``, convolution
``ParallelizationFactor``/``ConvImplementation``). Where the config names a type, the node
has hls4ml's type; "auto" types never round (csim == the bit-exact interpreter, and the
accumulators hold every product bit)."""

import numpy as np
import pytest

from fpga_export import hls4ml_keys as hk
from fpga_export.types import FixedType

keras = pytest.importorskip("keras")
import keras_plugin  # noqa: E402,F401

T = FixedType.parse
D = "fixed<16,6>"
MODEL = {
    "Precision": {"default": D},
    "ReuseFactor": 1,
    "Strategy": "Latency",
    "BramFactor": 1_000_000_000,
    "TraceOutput": False,
}
AUTO4 = {"result": "auto", "accum": "auto", "weight": "auto", "bias": "auto"}
# per hls4ml layer class, what the generator emits for it at 'type'/'name' granularity
CLASS_CONFIG = {
    "InputLayer": {"Trace": False, "Precision": {"result": "auto"}},
    "Dense": {"Trace": False, "Precision": dict(AUTO4), "ReuseFactor": 1},
    "Activation": {
        "Trace": False,
        "Precision": {"result": "auto", "table": "fixed<18,8>"},
        "ReuseFactor": 1,
        "TableSize": 1024,
    },
    "Softmax": {
        "Trace": False,
        "Precision": {
            "result": "auto",
            "table": "fixed<18,8>",
            "exp_table": "fixed<18,8,RND,SAT>",
            "inv_table": "fixed<18,8,RND,SAT>",
        },
        "ReuseFactor": 1,
        "TableSize": 1024,
        "Implementation": "stable",
        "Skip": False,
    },
    "Conv2D": {
        "Trace": False,
        "Precision": dict(AUTO4),
        "ReuseFactor": 1,
        "ParallelizationFactor": 1,
        "ConvImplementation": "LineBuffer",
    },
    "MaxPooling2D": {
        "Trace": False,
        "Precision": {"result": "auto", "accum": "auto"},
        "ReuseFactor": 1,
        "ConvImplementation": "LineBuffer",
    },
    "Reshape": {"Trace": False, "Precision": {"result": "auto"}},
}


def generator_config(layers, granularity, model=MODEL, **top):
    """``layers``: hls4ml's layer list as (name, hls4ml class) pairs."""
    config = {"Model": {k: dict(v) if isinstance(v, dict) else v for k, v in model.items()}}
    if granularity == "type":
        config["LayerType"] = {cls: CLASS_CONFIG[cls] for _, cls in layers}
    elif granularity == "name":
        config["LayerName"] = {name: CLASS_CONFIG[cls] for name, cls in layers}
    return config | top


def mlp():
    keras.utils.set_random_seed(1)
    return keras.Sequential(
        [
            keras.Input((16,), name="inp"),
            keras.layers.Dense(32, activation="relu", name="fc1"),
            keras.layers.Dense(16, name="fc2"),
            keras.layers.Activation("sigmoid", name="sig"),
            keras.layers.Dense(5, activation="softmax", name="out"),
        ]
    )


MLP_LAYERS = [  # hls4ml's layer list: fused activations split off, '<layer>_linear' kept
    ("inp", "InputLayer"),
    ("fc1", "Dense"),
    ("fc1_relu", "Activation"),
    ("fc2", "Dense"),
    ("fc2_linear", "Activation"),
    ("sig", "Activation"),
    ("out", "Dense"),
    ("out_softmax", "Softmax"),
]


def tables_note(names: str) -> str:
    return (
        f"activation_tables: {names} computed as hls4ml computes them (its tables and "
        "truncated index, layers/activation_hls4ml.py; activation_tables='fpga-export' for "
        "fpga-export's nearest-centre tables)"
    )


def check_csim(fw, x):
    fw.compile()
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))


def assert_never_rounds(fw, dense):
    """An 'auto' accumulator holds every product's fraction bits, a result every sum's."""
    for name in dense:
        n = fw.graph[name]
        x = fw.graph[n.inputs[0]].types["result"]
        k, accum = n.types["kernel"], n.types["accum"]
        assert accum.frac >= x.frac + k.frac, name
        assert n.types["result"].frac >= accum.frac, name


def test_keras_mlp_model_granularity(tmp_path):
    fw = mlp().export_fpga(tmp_path / "p", hls_config=generator_config(MLP_LAYERS, "model"))
    types = {n.name: {r: str(t) for r, t in n.types.items()} for n in fw.graph}
    for dense in ("fc1", "fc2", "out"):
        assert types[dense] == dict.fromkeys(("result", "accum", "kernel", "bias"), str(T(D)))
    for name in ("inp", "fc1_relu", "sig", "out_softmax"):
        assert types[name]["result"] == str(T(D))
    x = np.random.default_rng(0).normal(0, 2, (64, 16))
    check_csim(fw, x)
    summary = fw.summary()
    for key in ("BramFactor", "TraceOutput"):
        assert hk.note(key) in summary.splitlines()


@pytest.mark.parametrize("granularity", ["type", "name"])
def test_keras_mlp_type_and_name_granularity(tmp_path, granularity):
    config = generator_config(MLP_LAYERS, granularity)
    fw = mlp().export_fpga(tmp_path / "p", hls_config=config)
    g = fw.graph
    assert g["inp"].types["result"] == T("ap_fixed<16,6>")  # hls4ml: 'auto' input = default
    assert g["sig"].types["table"] == T("ap_fixed<18,8>")
    assert g["sig"].op.table_size == 1024
    for role in ("exp_table", "inv_table"):
        assert g["out_softmax"].types[role] == T("ap_fixed<18,8,AP_RND,AP_SAT>")
    assert_never_rounds(fw, ("fc1", "fc2", "out"))
    x = np.random.default_rng(1).normal(0, 2, (64, 16))
    check_csim(fw, x)
    notes = fw.config.notes
    assert hk.note("Trace") in notes
    assert notes[-1] == tables_note("sig, out_softmax")
    assert {g[n].op.kind for n in ("sig", "out_softmax")} == {"activation_hls4ml"}
    assert notes[-2] == (
        "hls_config: Precision 'table' accepted, no effect on fc1_relu, out_softmax: computed "
        "without a lookup table"
    )
    linear = (
        "hls_config: LayerName 'fc2_linear' accepted, no effect: a linear activation "
        "(hls4ml's '<layer>_linear') is no node here"
    )
    assert (linear in notes) == (granularity == "name")


def test_keras_cnn_name_granularity(tmp_path):
    keras.utils.set_random_seed(2)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1), name="img"),
            keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
            keras.layers.MaxPooling2D(name="pool"),
            keras.layers.Flatten(name="flat"),
            keras.layers.Dense(3, name="fc"),
        ]
    )
    layers = [
        ("img", "InputLayer"),
        ("conv", "Conv2D"),
        ("conv_relu", "Activation"),
        ("pool", "MaxPooling2D"),
        ("flat", "Reshape"),
        ("fc", "Dense"),
        ("fc_linear", "Activation"),
    ]
    config = generator_config(layers, "name")
    config["LayerName"]["conv"] = dict(config["LayerName"]["conv"], ParallelizationFactor=2)
    fw = model.export_fpga(tmp_path / "p", hls_config=config)
    assert fw.graph["conv"].op.parallelization_factor == 2
    assert_never_rounds(fw, ("conv", "fc"))
    check_csim(fw, np.random.default_rng(2).normal(0, 2, (16, 8, 8, 1)))
    lines = fw.summary().splitlines()
    assert hk.note("ConvImplementation") in lines
    assert (
        "hls_config: Precision 'accum' accepted, no effect on pool: computed without an "
        "accumulator" in lines
    )


torch = pytest.importorskip("torch")
import torch_plugin  # noqa: E402,F401


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(16, 32)
        self.relu = torch.nn.ReLU()
        self.fc2 = torch.nn.Linear(32, 5)
        self.softmax = torch.nn.Softmax(dim=-1)

    def forward(self, x):
        return self.softmax(self.fc2(self.relu(self.fc1(x))))


TORCH_MODEL = MODEL | {
    "Precision": {"default": "ap_fixed<16,6>"},
    "ChannelsLastConversion": "full",
    "TransposeOutputs": False,
}
TORCH_LAYERS = [  # fx node names; hls4ml's layer classes
    ("x", "InputLayer"),
    ("fc1", "Dense"),
    ("relu", "Activation"),
    ("fc2", "Dense"),
    ("softmax", "Softmax"),
]


@pytest.mark.parametrize("granularity", ["model", "type", "name"])
def test_torch_generator_configs(tmp_path, granularity):
    torch.manual_seed(0)
    net = Net().eval()
    config = generator_config(
        TORCH_LAYERS, granularity, TORCH_MODEL, PytorchModel=net, InputShape=(16,)
    )
    fw = net.export_fpga(tmp_path / "p", input_shape=(16,), hls_config=config)
    g = fw.graph
    assert g["x"].types["result"] == T("ap_fixed<16,6>")
    if granularity == "model":
        for name in ("fc1", "fc2"):
            assert set(g[name].types.values()) == {T("ap_fixed<16,6>")}
    else:
        for role in ("exp_table", "inv_table"):
            assert g["softmax"].types[role] == T("ap_fixed<18,8,AP_RND,AP_SAT>")
        assert_never_rounds(fw, ("fc1", "fc2"))
    check_csim(fw, np.random.default_rng(3).normal(0, 2, (64, 16)).astype(np.float32))
    lines = fw.summary().splitlines()
    for key in ("PytorchModel", "InputShape", "ChannelsLastConversion", "TransposeOutputs"):
        assert hk.note(key) in lines


def test_torch_older_generator_model_keys(tmp_path):
    """hls4ml 0.8's config_from_pytorch_model: InputsChannelLast, a Precision string."""
    torch.manual_seed(0)
    model = {
        "Precision": "ap_fixed<16,6>",
        "ReuseFactor": 2,
        "InputsChannelLast": False,
        "TransposeOutputs": True,
        "Strategy": "Resource",
    }
    fw = Net().eval().export_fpga(tmp_path / "p", input_shape=(16,), hls_config={"Model": model})
    assert {(n.reuse_factor, n.strategy) for n in fw.graph} == {(2, "resource")}
    assert fw.config.notes == (
        hk.note("InputsChannelLast"),
        hk.note("TransposeOutputs"),
        tables_note("softmax"),
    )
