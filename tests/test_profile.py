"""Firmware.profile: per-node statistics, overflow, suggested types, plot, float traces."""

import json
import re
import sys

import numpy as np
import pytest

from fpga_export import ExportConfig, Firmware, FixedType
from fpga_export.layers.activation import Activation
from fpga_export.layers.dense import Dense
from fpga_export.metrics import count_overflow
from fpga_export.profile import Stats, suggest_type
from graphs import mlp, single

LSB = 2.0**-10  # ap_fixed<16,6>, the default type


def firmware(graph, layers=None) -> Firmware:
    config = ExportConfig(layers=layers)
    return Firmware(config.apply(graph, {}), config)


def test_stats_of_known_values():
    s = Stats.of([0, 0, 0.25, 0, 1, 0, 5, 0])
    assert (s.count, s.min, s.max, s.zeros) == (8, 0.0, 5.0, 5)
    # sorted 0 0 0 0 0 0.25 1 5, linear interpolation at (n - 1) * p / 100
    assert s.percentiles == {1: 0.0, 25: 0.0, 50: 0.0, 75: 0.4375, 99: pytest.approx(4.72)}
    # nonzero |x|: 0.25 1 5
    assert s.abs_percentiles == {
        1: pytest.approx(0.265),
        25: 0.625,
        50: 1.0,
        75: 3.0,
        99: pytest.approx(4.92),
    }
    assert s.histogram == {-2: 1, 0: 1, 2: 1}  # 2^e <= |x| < 2^(e+1)
    assert Stats.of([-0.75, 0.5, -4, 7.99, 8]).histogram == {-1: 2, 2: 2, 3: 1}
    assert Stats.of([]).count == 0


def test_relu_profile_is_exact():
    fw = firmware(single(Activation(function="relu"), (4,)))
    # 40 wraps in the input type (ap_fixed<16,6>: -32..32) to -24; 0.0005 is below one LSB
    x = np.array([[-3, -0.5, 0.25, 40], [1, 0.0005, 5, -1]])
    p = fw.profile(x)
    assert (p.source, p.float_source, p.samples) == ("reference", None, 2)
    inp, relu = p["input_1"], p["layer"]
    assert (inp.overflow, inp.below_lsb) == (1, 1)  # 40 and 0.0005
    assert (inp.float.min, inp.float.max) == (-3.0, 40.0)  # graph inputs: the x given
    assert (inp.fixed.min, inp.fixed.max) == (-24.0, 5.0)
    assert relu.float is None and relu.below_lsb is None  # no model: no float values
    assert relu.overflow == 0
    assert relu.fixed == Stats.of([0, 0, 0.25, 0, 1, 0, 5, 0])
    assert (relu.type.min, relu.type.max, relu.type.lsb) == (-32.0, 32 - LSB, LSB)
    assert relu.weights == []
    # input: float -3..40 -> signed, 40 + LSB needs 6 integer bits, + sign + 1 margin
    # relu: 0..5 -> unsigned, 5 + LSB needs 3 bits, + 1 margin; fraction bits kept (10)
    assert p.suggest() == {
        "input_1": {"precision": {"result": "ap_fixed<18,8>"}},
        "layer": {"precision": {"result": "ap_ufixed<14,4>"}},
    }


def test_weights_are_profiled_against_their_role_types():
    kernel = np.array([[1.0, 40.0], [2.0**-12, 0.0], [-0.5, 0.25]])
    bias = np.array([0.5, -3.0])
    fw = firmware(single(Dense(units=2), (3,), {"kernel": kernel, "bias": bias}))
    w = {w.name: w for w in fw.profile(np.zeros((1, 3)))["layer"].weights}
    assert (w["kernel"].role, str(w["kernel"].type)) == ("kernel", "ap_fixed<16,6>")
    assert (w["kernel"].overflow, w["kernel"].below_lsb) == (1, 1)  # 40, 2^-12
    assert w["kernel"].stats == Stats.of(kernel)
    assert (w["bias"].overflow, w["bias"].below_lsb, w["bias"].stats.max) == (0, 0, 0.5)


def test_saturation_is_counted_per_node():
    g = single(Dense(units=4), (4,), {"kernel": np.eye(4), "bias": np.zeros(4)})
    fw = firmware(g, {"layer": {"precision": {"result": "ap_fixed<6,3,AP_TRN,AP_SAT>"}}})
    x = np.array([[1, -4, 3.875, 4], [-4.25, 0, 9, 0.5]])  # range -4..3.875: 4, -4.25, 9 saturate
    p = fw.profile(x)
    layer = p["layer"]
    assert layer.overflow == 3 == count_overflow(fw.graph, x)
    assert (layer.saturated, layer.wrapped) == (3, 0)  # AP_SAT: clamped, not wrapped
    assert p.to_dict()["nodes"][1]["saturated"] == 3
    assert (layer.fixed.min, layer.fixed.max) == (-4.0, 3.875)
    assert (layer.wide_min, layer.wide_max) == (-4.25, 9.0)  # what the node would give
    # no model: the widened run's extent; 9 + LSB needs 4 integer bits, + sign + margin
    assert str(p.suggest_types()["layer"]["result"]) == "ap_fixed<9,6,AP_TRN,AP_SAT>"


@pytest.mark.parametrize(
    ("current", "lo", "hi", "kw", "want"),
    [
        ("ap_fixed<16,6>", -3, 40, {}, "ap_fixed<18,8>"),
        ("ap_fixed<16,6>", 0, 5, {}, "ap_ufixed<14,4>"),
        ("ap_fixed<16,6>", 0, 5, {"margin": 0}, "ap_ufixed<13,3>"),
        ("ap_fixed<16,6>", -1, 0.5, {"frac": 4}, "ap_fixed<7,3>"),
        ("ap_fixed<8,3,AP_RND,AP_SAT>", -0.9, 0.9, {}, "ap_fixed<7,2,AP_RND,AP_SAT>"),
        ("ap_fixed<4,2>", 0, 0.01, {}, "ap_ufixed<2,0>"),  # 0.01 + LSB 0.25 < 0.5
        ("ap_int<8>", -100, 100, {}, "ap_fixed<9,9>"),
        ("ap_fixed<4,2>", 0, 0, {"margin": 0}, "ap_ufixed<1,-1>"),  # width >= 1
    ],
)
def test_suggest_type_rule(current, lo, hi, kw, want):
    assert str(suggest_type(FixedType.parse(current), lo, hi, **kw)) == want


def test_suggest_round_trip_removes_the_overflow():
    narrow = {"dense_1": {"precision": {"result": "ap_fixed<8,2>"}}}
    x = np.random.default_rng(1).normal(0, 1, (200, 16))
    before = firmware(mlp(), narrow).profile(x)
    assert before["dense_1"].overflow > 0
    layers = before.suggest()
    assert set(layers) == {"input_1", "dense_1", "dense_2", "dense_3", "dense_4"}
    assert set(layers["dense_2"]["precision"]) == {"result", "accum", "kernel", "bias"}
    after = firmware(mlp(), layers).profile(x)
    assert [n.overflow for n in after.nodes] == [0] * 5
    for n in after.nodes:  # the suggested types are what the firmware now uses
        assert str(n.type) == layers[n.name]["precision"]["result"]
    # weights keep their values: same fraction bits, integer bits to hold them
    assert all(w.overflow == 0 for n in after.nodes for w in n.weights)
    kernels = [w.type.frac for n in after.nodes for w in n.weights]
    assert kernels == [10] * 8


def test_fraction_bits_option():
    p = firmware(mlp((4, 3))).profile(np.ones((2, 4)))
    got = p.suggest_types(fraction_bits={"dense_1": 6}, weights=False)
    assert got["dense_1"]["result"].frac == 6 and got["input_1"]["result"].frac == 10
    got = p.suggest_types(fraction_bits=4, weights=False)
    assert [got[n]["result"].frac for n in ("input_1", "dense_1")] == [4, 4]


def test_error_budget_sets_the_fraction_bits():
    """The LSB is at most error x the 25th percentile of the nonzero |values|; the suggested
    types then meet the budget on the same data."""
    x = np.random.default_rng(3).normal(0, 1, (400, 16))
    p = firmware(mlp()).profile(x)
    for error in (2.0**-4, 2.0**-8):
        got = p.suggest_types(error=error, weights=False)
        for n in p.nodes:
            small = n.fixed.abs_percentiles[25]
            lsb = got[n.name]["result"].lsb
            assert lsb <= error * small < 2 * lsb, (n.name, error)
    coarse, fine = (p.suggest_types(error=e, weights=False) for e in (2.0**-4, 2.0**-8))
    assert all(fine[k]["result"].frac == coarse[k]["result"].frac + 4 for k in fine)
    # at most 8 more fraction bits than the current type (10 here)
    tiny = p.suggest_types(error=2.0**-30, weights=False)
    assert {t["result"].frac for t in tiny.values()} == {18}
    # an explicit fraction_bits wins over the budget
    assert p.suggest_types(error=2.0**-4, fraction_bits=3)["dense_1"]["result"].frac == 3


def test_csim_and_reference_profiles_agree():
    fw = firmware(mlp((4, 8, 3), name="profile_csim"))
    x = np.random.default_rng(2).normal(0, 2, (64, 4))
    ref = fw.profile(x, csim=False).to_dict()
    got = fw.profile(x, csim=True).to_dict()  # compiles (cached between test runs)
    assert (ref.pop("source"), got.pop("source")) == ("reference", "csim")
    assert got == ref
    assert fw.profile(x).source == "csim"  # default: csim once compiled


def test_table_and_dict():
    p = firmware(mlp((4, 3))).profile(np.ones((2, 4)))
    text = str(p)
    assert text.splitlines()[0] == (
        "profile of 2 samples: fixed-point values from numpy reference (== csim); "
        "float values unavailable (no model given; graph inputs: the x given)"
    )
    assert re.search(r"^dense_1 +dense +ap_fixed<16,6> +-32\.\.32 ", text, re.M)
    assert re.search(r"^  \.kernel +kernel ", text, re.M)
    data = json.loads(json.dumps(p.to_dict()))
    node = data["nodes"][1]
    assert (node["name"], node["type"], node["lsb"], node["float"]) == (
        "dense_1",
        "ap_fixed<16,6>",
        LSB,
        None,
    )
    assert set(node["fixed"]["percentiles"]) == {"p1", "p25", "p50", "p75", "p99"}
    assert node["suggested"]["result"] == str(p.suggest_types()["dense_1"]["result"])
    assert [w["name"] for w in node["weights"]] == ["kernel", "bias"]


def test_unknown_model_class_is_refused():
    fw = firmware(mlp((4, 3)))
    msg = (
        "profile: no float trace for a model of class object: pass a Keras model (import "
        "keras_plugin) or a torch.nn.Module (import torch_plugin), or model=None"
    )
    with pytest.raises(TypeError, match=re.escape(msg)):
        fw.profile(np.ones((1, 4)), object())


# ---------------------------------------------------------------------- plot


def test_plot_has_one_box_per_layer():
    pytest.importorskip("matplotlib")
    fw = firmware(mlp((4,) * 36, scale=0.7))  # input + 35 Dense
    p = fw.profile(np.random.default_rng(3).normal(0, 1, (32, 4)))
    fig = p.plot()
    acts, weights = fig.axes
    boxes = [a.get_gid() for a in acts.patches if (a.get_gid() or "").startswith("box:")]
    ranges = [a.get_gid() for a in acts.patches if (a.get_gid() or "").startswith("range:")]
    assert boxes == [f"box:{n.name}" for n in p.nodes]
    assert ranges == [f"range:{n.name}" for n in p.nodes]
    assert len([a for a in weights.patches if (a.get_gid() or "").startswith("box:")]) == 70
    assert fig.get_figheight() >= 0.28 * 70
    assert acts.get_xscale() == "log"


def test_plot_axis_starts_near_the_smallest_lsb():
    """A node with values far below every LSB (a softmax's float outputs) does not squeeze
    the other boxes: the axis starts 8 octaves below the smallest LSB."""
    pytest.importorskip("matplotlib")
    p = firmware(mlp((4, 3))).profile(np.random.default_rng(4).normal(0, 1, (32, 4)))
    acts = p.plot().axes[0]
    assert acts.get_xlim()[0] > 2.0**-20  # nothing tiny: matplotlib's own limits
    p.nodes[1].fixed = Stats.of(np.array([1e-30, 1e-12, 0.5, 1.0]))
    acts = p.plot().axes[0]
    assert acts.get_xlim()[0] == 2.0**-10 * 2.0**-8  # LSB of ap_fixed<16,6>, 8 octaves down


def test_svg_is_inline():
    pytest.importorskip("matplotlib")
    svg = firmware(mlp((4, 3))).profile(np.ones((2, 4))).to_svg()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert 'id="box:dense_1"' in svg and 'id="range:dense_1.kernel"' in svg


def test_plot_without_matplotlib(monkeypatch):
    p = firmware(mlp((4, 3))).profile(np.ones((1, 4)))
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    msg = "Profile.plot() needs matplotlib: pip install 'fpga-export[plot]'"
    with pytest.raises(ImportError, match=re.escape(msg)):
        p.plot()


# ---------------------------------------------------------------------- float traces


def test_keras_float_trace():
    keras = pytest.importorskip("keras")
    import keras_plugin  # noqa: F401

    model = keras.Sequential(
        [
            keras.Input((4,), name="x"),
            keras.layers.Dense(3, activation="relu", name="d1"),
            keras.layers.Dense(2, name="d2"),
        ],
        name="profiled",
    )
    x = np.random.default_rng(4).normal(0, 3, (50, 4)).astype(np.float32)
    (k1, b1), (k2, b2) = (layer.get_weights() for layer in model.layers)
    h = np.maximum(x.astype(np.float64) @ k1 + b1, 0)
    y = h @ k2 + b2
    narrow = {"d2": {"precision": {"result": "ap_fixed<6,1>"}}}
    p = model.export_fpga(layers=narrow).profile(x, model)
    assert p.float_source == "Sequential"
    # a Dense with its activation: the layer's output is the activation node's
    assert p["d1"].float is None
    assert p["d1_relu"].float.max == pytest.approx(h.max(), rel=1e-6)
    assert p["d2"].float.min == pytest.approx(y.min(), rel=1e-6)
    assert p["d2"].float.max == pytest.approx(y.max(), rel=1e-6)
    assert p["d2"].below_lsb == int(np.count_nonzero((np.abs(y) < 2**-5) & (y != 0)))
    assert p["d2"].overflow > 0
    again = model.export_fpga(layers=p.suggest()).profile(x, model)
    assert [n.overflow for n in again.nodes] == [0, 0, 0, 0]


def test_torch_float_trace():
    torch = pytest.importorskip("torch")
    import torch_plugin  # noqa: F401

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    model.train()
    x = np.random.default_rng(5).normal(0, 1, (40, 4)).astype(np.float32)
    with torch.no_grad():
        h = model[0](torch.as_tensor(x)).double().numpy()
        y = model(torch.as_tensor(x)).double().numpy()
    p = model.export_fpga(input_shape=(4,)).profile(x, model)
    assert model.training  # restored
    assert [(n.name, n.layer) for n in p.nodes][1:] == [("l_0", "0"), ("l_1", "1"), ("l_2", "2")]
    assert (p["l_0"].float.min, p["l_0"].float.max) == (h.min(), h.max())
    assert (p["l_1"].float.min, p["l_1"].float.max) == (0.0, h.max())
    assert p["l_2"].float == Stats.of(y)


def test_plot_fits_a_page():
    """Activations above weights, one column 10.5 in (756 pt, ~1,000 px) wide; the page
    scales the SVG to its width."""
    pytest.importorskip("matplotlib")
    fw = firmware(mlp((4,) * 36, scale=0.7))
    p = fw.profile(np.random.default_rng(3).normal(0, 1, (32, 4)))
    fig = p.plot()
    acts, weights = fig.axes
    assert fig.get_figwidth() == 10.5
    a, w = acts.get_position(), weights.get_position()
    assert w.y1 < a.y0 and (a.x0, a.x1) == (w.x0, w.x1)  # stacked, same plot width
    assert (
        a.height * fig.get_figheight() >= 0.28 * 36 and w.height * fig.get_figheight() >= 0.28 * 70
    )
    assert 'width="756pt"' in p.to_svg()[:300]
