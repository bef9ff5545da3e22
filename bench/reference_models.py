"""The models behind the real synthesis reports in ``shared/reports`` (its README describes
each set), rebuilt as live Keras models, with the ``export_fpga`` arguments of the run.

Every builder returns ``(model, export_kwargs, report_folder)``: ``model.export_fpga(**kwargs)``
exports the firmware the report was made from, as closely as our converter allows. Weights
are random but seeded, with the initializer of the original model (lecun_uniform where the
source says so, else Keras' glorot_uniform), small random biases and batch-norm statistics
(a trained model has them; zero biases would be folded away by HLS); the Iris MLP is trained
for a few epochs on the real data set (sklearn, offline). Nothing else is trained.

QKeras needs legacy Keras chosen before TensorFlow is imported: its builder
(``svhn_qkeras_cnn``) lives in ``reference_models_qkeras.py`` and runs in its own process
(``TF_USE_LEGACY_KERAS=1``). ``SETS`` lists every set, the unsupported ones with the reason.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(_ROOT / "tests"))

# the MNIST MLP of issue 13 (no report in shared/reports): the issue's synthesis numbers
MNIST_ISSUE = {
    "dsp": 1162,
    "bram_18k": 1962,
    "ff": 169979,
    "lut": 222623,
    "latency_min": 518,
    "latency_max": 522,
    "ii_min": 128,
    "ii_max": 128,
}


def reports_dir() -> Path | None:
    """``shared/reports`` beside the repository (or ``FPGA_EXPORT_REPORTS``), None if absent."""
    env = os.environ.get("FPGA_EXPORT_REPORTS")
    if env:
        return Path(env)
    from conformance import find_shared  # tests/conformance.py: looks beside the checkout

    readme = find_shared("shared/reports/README.md")
    return None if readme is None else readme.parent


def report_folder(name: str) -> Path | None:
    root = reports_dir()
    return None if root is None else root / name


@dataclass(frozen=True)
class ReferenceSet:
    name: str  # short id, the table's first column
    folder: str | None  # in shared/reports; None: the numbers come from the issue
    builder: str | None  # function name here (or in reference_models_qkeras when legacy)
    top: str | None = None  # the report's top function when the folder holds several
    legacy: bool = False  # QKeras: needs TF_USE_LEGACY_KERAS=1 in its own process
    unsupported: str = ""  # why the set cannot be rebuilt (builder is None)


SETS = (
    ReferenceSet("jet_mlp_rf1", "vivado2019_2_jet_mlp", "jet_mlp_rf1"),
    ReferenceSet("jet_mlp_rf2", "vivado2019_2_jet_mlp_rf2", "jet_mlp_rf2"),
    ReferenceSet("jet_mlp_8bit_rf2", "vitis2021_1_jet_mlp_rf2", "jet_mlp_8bit_rf2"),
    ReferenceSet("iris_mlp", "vitis2025_1_iris_mlp", "iris_mlp"),
    ReferenceSet("dense_stream", "vivado2020_1_hls4ml_testreport_dense_stream", "dense_stream"),
    ReferenceSet("svhn_cnn", "vivado2020_1_svhn_cnn_stream", "svhn_cnn"),
    ReferenceSet(
        "svhn_qkeras", "vivado2020_1_svhn_qkeras_cnn_stream", "svhn_qkeras_cnn", legacy=True
    ),
    ReferenceSet("deepsets", "vitis2023_2_jettagger_deepsets", "deepsets_tagger"),
    ReferenceSet("cifar_sepcnn", "vivado2020_1_cifar_sepcnn_stream_rf16", "cifar_sepcnn"),
    ReferenceSet("mnist_mlp", None, "mnist_mlp"),
    ReferenceSet("mnist_mlp_trained", None, "mnist_mlp_trained"),
    ReferenceSet("toptag_gru", "vivado2019_2_toptag_gru_resource", "toptag_gru"),
    ReferenceSet(
        "deepcalo_cnn",
        "vivado2019_2_1_deepcalo_cnn_stream_rf64",
        None,
        top="myproject",
        unsupported="modified nnet library (`_me` functions) and VivadoAccelerator AXI "
        "wrapper: not our firmware",
    ),
    ReferenceSet(
        "yolov3tiny_cnn",
        "vivado2019_2_yolov3tiny_cnn_stream",
        None,
        top="myproject",
        unsupported="modified nnet library (`_me` functions) and VivadoAccelerator AXI "
        "wrapper: not our firmware",
    ),
)


# -- helpers ---------------------------------------------------------------------------------


def export_settings(part: str, **settings) -> dict:
    """``export_fpga`` arguments of a reference set: hls4ml's defaults (fixed<16,6>, RF 1,
    latency, io_parallel, 5 ns, top ``myproject``) with the set's part and its own settings."""
    defaults = dict(
        precision="ap_fixed<16,6>",
        reuse_factor=1,
        strategy="latency",
        io_type="io_parallel",
        clock_period=5.0,
        name="myproject",
    )
    return defaults | {"part": part} | settings


def _keras(seed: int):
    import keras

    keras.utils.set_random_seed(seed)
    return keras


def _realistic(model, seed: int, bias_std: float = 0.05):
    """Small random biases and batch-norm statistics, as a trained model has (seeded)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        names = [w.path.split("/")[-1] if hasattr(w, "path") else w.name for w in layer.weights]
        values = layer.get_weights()
        for i, (name, v) in enumerate(zip(names, values, strict=True)):
            name = name.split(":")[0]
            if name == "bias":
                values[i] = rng.normal(0, bias_std, v.shape).astype(v.dtype)
            elif name == "gamma":
                values[i] = rng.uniform(0.8, 1.2, v.shape).astype(v.dtype)
            elif name == "beta":
                values[i] = rng.normal(0, 0.1, v.shape).astype(v.dtype)
            elif name == "moving_mean":
                values[i] = rng.normal(0, 0.2, v.shape).astype(v.dtype)
            elif name == "moving_variance":
                values[i] = rng.uniform(0.5, 2.0, v.shape).astype(v.dtype)
        if values:
            layer.set_weights(values)
    return model


def prune_kernels(model, fraction: float = 0.5, skip=()) -> None:
    """Zero the ``fraction`` smallest-magnitude weights of each Conv/Dense kernel (as
    tfmot's prune_low_magnitude leaves them), except the layers named in ``skip``."""
    for layer in model.layers:
        if layer.name in skip or not hasattr(layer, "kernel"):
            continue
        values = layer.get_weights()
        k = values[0]
        cut = np.quantile(np.abs(k), fraction)
        values[0] = np.where(np.abs(k) <= cut, 0, k).astype(k.dtype)
        layer.set_weights(values)


# -- jet-tagging MLPs (hls4ml tutorial part 1) -----------------------------------------------


def _jet_mlp(seed: int):
    keras = _keras(seed)
    init = "lecun_uniform"  # the tutorial's kernel_initializer
    x = inp = keras.Input((16,), name="input_1")
    for i, units in enumerate((64, 32, 32), start=1):
        x = keras.layers.Dense(units, kernel_initializer=init, name=f"fc{i}")(x)
        x = keras.layers.Activation("relu", name=f"relu{i}")(x)
    x = keras.layers.Dense(5, kernel_initializer=init, name="output")(x)
    out = keras.layers.Activation("softmax", name="softmax")(x)
    return _realistic(keras.Model(inp, out, name="jet_mlp"), seed)


def _jet_kwargs(reuse: int, **more) -> dict:
    return dict(
        precision="ap_fixed<16,6>",
        reuse_factor=reuse,
        strategy="latency",
        io_type="io_parallel",
        part="xcu250-figd2104-2L-e",
        clock_period=5.0,
        name="myproject",
        **more,
    )


def jet_mlp_rf1():
    """Vivado HLS 2019.2, jet MLP 16-64-32-32-5, fixed<16,6>, RF 1, latency, io_parallel."""
    return _jet_mlp(1), _jet_kwargs(1), report_folder("vivado2019_2_jet_mlp")


def jet_mlp_rf2():
    """Same architecture (a separately saved model), RF 2."""
    return _jet_mlp(2), _jet_kwargs(2), report_folder("vivado2019_2_jet_mlp_rf2")


def jet_mlp_8bit_rf2():
    """Vitis HLS 2021.1 jet MLP: input <8,2>, weights/biases <8,1>, accum/result <16,4>,
    ReLU ufixed<8,0,RND_CONV,SAT>, RF 2, latency, xc7z007s at 3.33 ns (types from the
    generated firmware; the folder's hls4ml_config.yml is stale)."""
    relu = "ap_ufixed<8,0,AP_RND_CONV,AP_SAT>"
    kwargs = export_settings(
        "xc7z007s-clg225-2",
        precision={
            "default": "ap_fixed<16,4>",
            "kernel": "ap_fixed<8,1>",
            "bias": "ap_fixed<8,1>",
            "accum": "ap_fixed<16,4>",
            "result": "ap_fixed<16,4>",
        },
        input_precision="ap_fixed<8,2>",
        reuse_factor=2,
        clock_period=3.33,
        layers={f"relu{i}": {"precision": relu} for i in (1, 2, 3)},
    )
    return _jet_mlp(3), kwargs, report_folder("vitis2021_1_jet_mlp_rf2")


# -- small MLPs ------------------------------------------------------------------------------


def toptag_gru():
    """Vivado HLS 2019.2 top-tagging GRU: GRU(20) over 20 timesteps x 6 features, Dense 64 +
    ReLU, Dense 1 + sigmoid; fixed<16,6>, resource strategy, io_parallel, xcu250 at 5 ns.
    The peer's firmware uses reuse factors 20/30/32 per sub-layer: the GRU here takes 30 (our
    recurrent cell shares its multipliers over reuse_factor cycles, kernels constant), the
    Dense layers 20 (1,280 / 64 lanes as in the report) and 32."""
    keras = _keras(12)
    x = inp = keras.Input((20, 6), name="input_1")
    x = keras.layers.GRU(20, name="gru")(x)
    x = keras.layers.Dense(64, activation="relu", name="dense")(x)
    out = keras.layers.Dense(1, activation="sigmoid", name="output")(x)
    model = _realistic(keras.Model(inp, out, name="toptag_gru"), 12)
    kwargs = export_settings(
        "xcu250-figd2104-2L-e",
        reuse_factor=30,
        strategy="resource",
        layers={"dense": {"reuse_factor": 20}, "output": {"reuse_factor": 32}},
    )
    return model, kwargs, report_folder("vivado2019_2_toptag_gru_resource")


def iris_mlp(epochs: int = 60):
    """Vitis HLS 2025.1 Iris MLP 4-8-8-3, fixed<16,6>, RF 1, latency, io_parallel, xc7z020;
    trained ``epochs`` full-batch epochs on sklearn's iris (standardized)."""
    from sklearn.datasets import load_iris

    keras = _keras(4)
    data = load_iris()
    x = ((data.data - data.data.mean(0)) / data.data.std(0)).astype(np.float32)
    y = keras.utils.to_categorical(data.target, 3)
    model = keras.Sequential(
        [
            keras.Input((4,), name="input_1"),
            keras.layers.Dense(8, activation="relu", name="fc1"),
            keras.layers.Dense(8, activation="relu", name="fc2"),
            keras.layers.Dense(3, activation="softmax", name="output"),
        ],
        name="iris_mlp",
    )
    if epochs:
        model.compile(keras.optimizers.Adam(0.05), "categorical_crossentropy")
        # ``epochs`` full-batch steps in one Keras epoch (Keras' per-epoch overhead dominates)
        reps = (epochs, 1)
        model.fit(np.tile(x, reps), np.tile(y, reps), epochs=1, batch_size=len(x), verbose=0)
    kwargs = export_settings("xc7z020-clg400-1")
    return model, kwargs, report_folder("vitis2025_1_iris_mlp")


def dense_stream():
    """hls4ml's report-parser fixture: Dense(5) on 16 inputs + ReLU, model-level defaults
    (fixed<16,6>, RF 1, latency), io_stream, xc7z020 at 5 ns."""
    keras = _keras(5)
    model = keras.Sequential(
        [keras.Input((16,), name="input_1"), keras.layers.Dense(5, activation="relu", name="fc1")],
        name="dense_stream",
    )
    kwargs = export_settings("xc7z020-clg400-1", io_type="io_stream")
    return (
        _realistic(model, 5),
        kwargs,
        report_folder("vivado2020_1_hls4ml_testreport_dense_stream"),
    )


def mnist_mlp(trained: bool = False):
    """Issue 13's MNIST MLP 784-128-128-128-10, fixed<16,6>, resource strategy, RF 112 on
    the first layer and 128 on the others, xcku115 at 5 ns. Glorot weights; ``trained``:
    one epoch on random data (1,024 samples) instead. No report folder (issue numbers). The
    output layer is linear: the report's 1,162 DSPs are exactly the dense layers' multipliers
    (a softmax in the firmware would add its own), so its softmax ran after the firmware."""
    keras = _keras(10)
    x = inp = keras.Input((784,), name="input_1")
    for i in (1, 2, 3):
        x = keras.layers.Dense(128, activation="relu", name=f"fc{i}")(x)
    out = keras.layers.Dense(10, name="output")(x)
    model = _realistic(keras.Model(inp, out, name="mnist_mlp"), 10)
    if trained:
        rng = np.random.default_rng(10)
        xs = rng.uniform(0, 1, (1024, 784)).astype(np.float32)
        ys = keras.utils.to_categorical(rng.integers(0, 10, 1024), 10)
        model.compile("adam", keras.losses.CategoricalCrossentropy(from_logits=True))
        model.fit(xs, ys, epochs=1, batch_size=128, verbose=0)
    kwargs = export_settings(
        "xcku115-flvb2104-2-i",
        reuse_factor=128,
        strategy="resource",
        layers={"fc1": {"reuse_factor": 112}},
    )
    return model, kwargs, None


def mnist_mlp_trained():
    """``mnist_mlp`` after one epoch on random data."""
    return mnist_mlp(trained=True)


def wide_mlp():
    """Timing only (no report): 500-500-500-500-500-500 dense (five Dense(500) + ReLU on a
    500-wide input), fixed<16,6>, resource strategy, RF 500."""
    keras = _keras(11)
    x = inp = keras.Input((500,), name="input_1")
    for i in range(1, 6):
        x = keras.layers.Dense(500, activation="relu", name=f"fc{i}")(x)
    model = _realistic(keras.Model(inp, x, name="wide_mlp"), 11)
    kwargs = dict(precision="ap_fixed<16,6>", reuse_factor=500, strategy="resource")
    return model, kwargs, None


# -- CNNs ------------------------------------------------------------------------------------


def svhn_cnn():
    """hls4ml tutorial part 6 SVHN CNN, float Keras, 50 % pruned (smallest magnitudes of each
    Conv/Dense kernel except the output layer, as the tutorial's pruning function):
    32x32x3 -> 3 x [Conv2D 16/16/24 3x3 no bias, BN, ReLU, MaxPool 2] -> Dense 42, 64 (no
    bias, BN, ReLU) -> Dense 10 -> softmax. fixed<16,6>, RF 1, latency, io_stream, xcu250."""
    keras = _keras(6)
    init = "lecun_uniform"
    x = inp = keras.Input((32, 32, 3), name="input_1")
    for i, f in enumerate((16, 16, 24)):
        x = keras.layers.Conv2D(f, 3, kernel_initializer=init, use_bias=False, name=f"conv_{i}")(x)
        x = keras.layers.BatchNormalization(name=f"bn_conv_{i}")(x)
        x = keras.layers.Activation("relu", name=f"conv_act_{i}")(x)
        x = keras.layers.MaxPooling2D(2, name=f"pool_{i}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    for i, n in enumerate((42, 64)):
        x = keras.layers.Dense(n, kernel_initializer=init, use_bias=False, name=f"dense_{i}")(x)
        x = keras.layers.BatchNormalization(name=f"bn_dense_{i}")(x)
        x = keras.layers.Activation("relu", name=f"dense_act_{i}")(x)
    x = keras.layers.Dense(10, kernel_initializer=init, name="output_dense")(x)
    out = keras.layers.Activation("softmax", name="output_softmax")(x)
    model = _realistic(keras.Model(inp, out, name="svhn_cnn"), 6)
    prune_kernels(model, 0.5, skip=("output_dense",))
    kwargs = export_settings("xcu250-figd2104-2L-e", io_type="io_stream")
    return model, kwargs, report_folder("vivado2020_1_svhn_cnn_stream")


def deepsets_tagger():
    """Vitis HLS 2023.2 DeepSets jet tagger (top ``JetTaggerNN``), as plain Keras with the
    QKeras model's types given per layer: 16 constituents x 21 features -> BN -> 2 pointwise
    Conv1D(32) + ReLU -> GlobalAveragePooling1D -> Dense 32 + ReLU -> heads: Dense 32 + ReLU
    -> Dense 8 softmax, and Dense 32 + ReLU -> Dense 1. Weights fixed<9,3> (output layers
    fixed<16,7>), ReLU outputs ufixed<9,0,RND_CONV,SAT>, default fixed<16,6>, RF 1, latency,
    io_parallel, xcvu9p at 2.8 ns. Not rebuilt: the report's linear ``fixed<18,9>`` step
    before the pooling (a QKeras quantizer)."""
    keras = _keras(7)
    relu_t = "ap_ufixed<9,0,AP_RND_CONV,AP_SAT>"
    out_t = "ap_fixed<16,7>"
    x = inp = keras.Input((16, 21), name="inputs")
    x = keras.layers.BatchNormalization(name="norm")(x)
    for i in (1, 2):
        x = keras.layers.Conv1D(32, 1, name=f"phi{i}")(x)
        x = keras.layers.Activation("relu", name=f"phi{i}_relu")(x)
    x = keras.layers.GlobalAveragePooling1D(name="avgpool")(x)
    x = keras.layers.Dense(32, name="rho")(x)
    x = keras.layers.Activation("relu", name="rho_relu")(x)
    c = keras.layers.Dense(32, name="class_dense")(x)
    c = keras.layers.Activation("relu", name="class_relu")(c)
    c = keras.layers.Dense(8, name="class_out")(c)
    c = keras.layers.Activation("softmax", name="class_softmax")(c)
    r = keras.layers.Dense(32, name="reg_dense")(x)
    r = keras.layers.Activation("relu", name="reg_relu")(r)
    r = keras.layers.Dense(1, name="reg_out")(r)
    model = _realistic(keras.Model(inp, [c, r], name="JetTaggerNN"), 7)
    layers = {n: {"precision": relu_t} for n in
              ("phi1_relu", "phi2_relu", "rho_relu", "class_relu", "reg_relu")}  # fmt: skip
    layers |= {n: {"kernel": out_t, "bias": out_t} for n in ("class_out", "reg_out")}
    kwargs = export_settings(
        "xcvu9p-flga2104-2L-e",
        precision={"default": "ap_fixed<16,6>", "kernel": "ap_fixed<9,3>", "bias": "ap_fixed<9,3>"},
        clock_period=2.8,
        name="JetTaggerNN",
        layers=layers,
    )
    return model, kwargs, report_folder("vitis2023_2_jettagger_deepsets")


def cifar_sepcnn():
    """Vivado HLS 2020.1 CIFAR-10 separable CNN (order read off the report's instances):
    32x32x3 -> SepConv 32 3x3 + ReLU -> MaxPool 2 -> BN -> SepConv 64 + ReLU -> MaxPool 4 ->
    BN -> SepConv 64 + ReLU (1x1) -> Flatten -> Dense 32 + ReLU -> Dense 10 -> softmax.
    fixed<16,6>, RF 16, latency, io_stream, xc7z020 at 2.5 ns. RF 16 does not divide the first
    depthwise kernel's 27 products: that part gets 9, the closest valid one (hls4ml also
    moves an invalid reuse factor to the closest valid one)."""
    keras = _keras(8)
    x = inp = keras.Input((32, 32, 3), name="input_1")
    for i, (f, pool) in enumerate(((32, 2), (64, 4), (64, None)), start=1):
        x = keras.layers.SeparableConv2D(f, 3, name=f"sepconv{i}")(x)
        x = keras.layers.Activation("relu", name=f"relu{i}")(x)
        if pool:
            x = keras.layers.MaxPooling2D(pool, name=f"pool{i}")(x)
            x = keras.layers.BatchNormalization(name=f"bn{i}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(32, activation="relu", name="fc1")(x)
    out = keras.layers.Dense(10, activation="softmax", name="output")(x)
    model = _realistic(keras.Model(inp, out, name="cifar_sepcnn"), 8)
    kwargs = export_settings(
        "xc7z020-clg400-1",
        reuse_factor=16,
        io_type="io_stream",
        clock_period=2.5,
        layers={"sepconv1_depthwise": {"reuse_factor": 9}},
    )
    return model, kwargs, report_folder("vivado2020_1_cifar_sepcnn_stream_rf16")


def build(name: str):
    """The builder of set ``name`` (Keras 3 sets; QKeras ones: reference_models_qkeras)."""
    ref = next(s for s in SETS if s.name == name)
    if ref.builder is None:
        raise ValueError(f"set {name!r} cannot be rebuilt: {ref.unsupported}")
    if ref.legacy:
        import reference_models_qkeras

        return getattr(reference_models_qkeras, ref.builder)()
    return globals()[ref.builder]()
