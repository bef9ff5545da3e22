"""Firmware: project writing, folder safety, errors a user can cause."""

import json
import re
import threading
import time

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.csim import CompileError, CompilerNotFoundError
from fpga_export.firmware import Firmware, VendorToolNotFoundError
from fpga_export.ir import Graph, Node
from fpga_export.layers.dense import Dense
from fpga_export.layers.input import Input
from fpga_export.layers.merge import Merge
from fpga_export.layers.reshape import Flatten
from graphs import mlp


def firmware(tmp_path, **kw):
    kw.setdefault("output_dir", tmp_path / "prj")
    return Firmware(mlp((8, 6, 3), seed=0), ExportConfig(**kw))


def test_project_layout(tmp_path):
    out = firmware(tmp_path).write()
    for f in [
        "project.json",
        "build_prj.tcl",
        "mlp_test.cpp",
        "tb_data/tb_input_features.dat",
        "tb_data/tb_output_predictions.dat",
        "firmware/mlp.cpp",
        "firmware/mlp.h",
        "firmware/defines.h",
        "firmware/parameters.h",
        "firmware/weights/dense_1_kernel.h",
        "firmware/weights/dense_2_bias.h",
        "firmware/nnet/dense.h",
        "firmware/nnet/common.h",
        "compat/ap_fixed.h",
        "csim/mlp_bridge.cpp",
    ]:
        assert (out / f).is_file(), f
    meta = json.loads((out / "project.json").read_text())
    assert meta["generator"] == "fpga-export"
    assert [n["name"] for n in meta["nodes"]] == ["input_1", "dense_1", "dense_2"]
    assert meta["nodes"][1]["types"]["accum"] == "ap_fixed<16,6>"
    assert "typedef ap_fixed<16,6> dense_1_accum_t;" in (out / "firmware/defines.h").read_text()
    assert (
        "struct dense_1_config : nnet::dense_config {"
        in (out / "firmware/parameters.h").read_text()
    )


def test_stream_project_uses_dataflow_and_fifos(tmp_path):
    out = firmware(tmp_path, io_type="io_stream").write()
    top = (out / "firmware/mlp.cpp").read_text()
    assert "#pragma HLS DATAFLOW" in top
    assert 'hls::stream<dense_1_packet_t, 2> dense_1_out("dense_1_out");' in top
    assert "#pragma HLS STREAM variable=dense_1_out depth=2" in top
    assert "#pragma HLS INTERFACE mode=axis port=input_1_out" in top
    assert "#pragma HLS INTERFACE mode=axis port=dense_2_out" in top


def test_refuses_foreign_folder(tmp_path):
    foreign = tmp_path / "prj"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    msg = (
        f"output folder {foreign} exists, is not empty and is not an fpga-export project "
        "(no .fpga-export-manifest.json); choose another folder, or pass overwrite=True to "
        "write the project beside its files (files fpga-export did not write are never "
        "replaced or deleted)"
    )
    with pytest.raises(FileExistsError, match=re.escape(msg)):
        firmware(tmp_path).write()
    assert sorted(p.name for p in foreign.iterdir()) == ["thesis.tex"]  # nothing written
    firmware(tmp_path, overwrite=True).write()  # beside the user's file, never in its place
    assert (foreign / "thesis.tex").read_text() == "precious"
    assert (foreign / "project.json").is_file()


def test_rewrites_own_project(tmp_path):
    fw = firmware(tmp_path)
    out = fw.write()
    (out / "notes.txt").write_text("mine")  # not ours: kept
    fw.write()
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "project.json").exists()


def test_predict_rejects_bad_input_before_cpp(tmp_path):
    fw = firmware(tmp_path)
    with pytest.raises(
        ValueError, match=re.escape("input 'input_1': expected shape (batch, 8), got (4, 7)")
    ):
        fw.predict(np.zeros((4, 7)))
    with pytest.raises(
        ValueError,
        match=re.escape("input 'input_1': expected a float32/float64 array, got dtype <U1"),
    ):
        fw.predict(np.array([["a"] * 8]))
    with pytest.raises(ValueError, match=re.escape("mlp has 1 input(s), got 2 array(s)")):
        fw.predict([np.zeros((1, 8)), np.zeros((1, 8))])
    with pytest.raises(ValueError, match=re.escape("input 'input_1': contains NaN or infinity")):
        fw.predict(np.full((2, 8), np.nan))
    assert not fw.compiled  # no C++ ran


def test_single_sample_and_float32(tmp_path):
    fw = firmware(tmp_path).compile()
    x = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
    np.testing.assert_array_equal(fw.predict(x[0]), fw.predict(x)[:1])
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x.astype(np.float64)))


def test_compile_is_cached_across_instances(tmp_path, monkeypatch):
    monkeypatch.setenv("FPGA_EXPORT_CACHE", str(tmp_path / "cache"))
    from fpga_export.csim import build_library

    out = firmware(tmp_path).write()
    _, built = build_library(out, "mlp")
    _, again = build_library(out, "mlp")
    assert built and not again
    # new weights only: same library
    fw2 = Firmware(mlp((8, 6, 3), seed=7), ExportConfig(output_dir=tmp_path / "p2"))
    _, built2 = build_library(fw2.write(), "mlp")
    assert not built2


def test_missing_compiler(tmp_path, monkeypatch):
    monkeypatch.setenv("CXX", "no-such-g++")
    msg = (
        "C++ compiler 'no-such-g++' not found on PATH: the csim library needs g++ (C++17). "
        "Install it (Debian/Ubuntu: apt-get install g++) or set CXX to a compiler."
    )
    with pytest.raises(CompilerNotFoundError, match=re.escape(msg)):
        firmware(tmp_path).compile()


def test_compile_error_names_log_and_first_error(tmp_path, monkeypatch):
    monkeypatch.setenv("FPGA_EXPORT_CACHE", str(tmp_path / "cache"))
    fw = firmware(tmp_path)
    out = fw.write()
    top = out / "firmware" / "mlp.cpp"
    top.write_text(top.read_text().replace("nnet::dense<", "nnet::no_such_layer<", 1))
    with pytest.raises(CompileError) as err:
        fw.compile()
    text = str(err.value)
    assert f"full log: {out / 'csim' / 'build.log'}" in text
    assert re.search(r"first error: .*mlp\.cpp:\d+:\d+: error: .*no_such_layer", text)
    assert err.value.log.read_text().count("error") >= 1


def test_build_without_vendor_tool(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    msg = (
        "Vitis HLS not found: neither 'vitis-run' nor 'vitis_hls' is on PATH. build() runs the "
        "vendor tool (source Vitis' settings64.sh first). The C simulation needs no vendor tool: "
        "firmware.compile(); firmware.predict(x)."
    )
    with pytest.raises(VendorToolNotFoundError, match=re.escape(msg)):
        firmware(tmp_path).build()


def test_summary_lists_types(tmp_path):
    text = firmware(tmp_path).summary()
    assert (
        "dense_1: result=ap_fixed<16,6>, accum=ap_fixed<16,6>, kernel=ap_fixed<16,6>, bias=ap_fixed<16,6>  [latency, reuse 1]"
        in text
    )
    assert "input_1" in text and "(not compiled yet)" in text


def test_pass_through_output_is_refused(tmp_path):
    g = mlp((4, 3))
    g.outputs.append("input_1")
    msg = (
        "graph output 'input_1' is also a graph input (the model passes an input straight "
        "through); firmware outputs must be computed by a layer"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        Firmware(g, ExportConfig(output_dir=tmp_path / "p")).write()


def test_refresh_keeps_or_widens_weight_derived_types(tmp_path, monkeypatch):
    """'auto' types follow the weights without recompiling while the compiled types still
    hold them; when they must grow they grow (a rebuild) and never shrink back."""
    import warnings

    import fpga_export.firmware as firmware
    from graphs import mlp

    builds = []
    real = firmware.build_library
    monkeypatch.setattr(
        firmware, "build_library", lambda *a, **k: builds.append(1) or real(*a, **k)
    )
    scale = {"value": 0.5}

    def frontend(model, config):
        g = mlp((6, 4), seed=1, scale=scale["value"])
        g["dense_1"].precision.update(kernel="ap_fixed<8,3>", bias="ap_fixed<8,3>")
        g["dense_1"].precision.update(accum="auto", result="auto")
        return g

    fw = Firmware(frontend(None, None), ExportConfig(output_dir=tmp_path), frontend=frontend)
    fw.compile()
    accum = fw.graph["dense_1"].types["accum"]
    x = np.random.default_rng(0).normal(0, 2, (50, 6))

    scale["value"] = 0.45  # smaller weights: the compiled accumulator still holds every sum
    assert fw.refresh_from(None) is True and len(builds) == 1
    assert fw.graph["dense_1"].types["accum"] == accum
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))

    scale["value"] = 2.0  # larger weights: the accumulator must grow
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert fw.refresh_from(None) is False
    assert "dense_1.accum " + str(accum) + " -> " in str(w[0].message)
    grown = fw.graph["dense_1"].types["accum"]
    assert grown.integer > accum.integer and len(builds) == 2
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))

    scale["value"] = 0.5  # back to small weights: no rebuild, the grown type stays
    assert fw.refresh_from(None) is True and len(builds) == 2
    assert fw.graph["dense_1"].types["accum"] == grown
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))


# ------------------------------------------------------------------ threads, empty batches


def weight_sets(fw, seeds=(1, 2)):
    """Two complete weight sets whose outputs differ in every row of a batch."""
    sets = []
    for seed in seeds:
        g = mlp((8, 6, 3), seed=seed)
        sets.append({n.name: dict(n.weights) for n in g if n.weights})
    return sets


def test_predict_never_sees_half_pushed_weights(tmp_path):
    fw = firmware(tmp_path).compile()
    x = np.random.default_rng(0).normal(0, 1, (20_000, 8))
    a, b = weight_sets(fw)
    fw.set_weights(a)
    want_a = fw.predict(x)
    fw.set_weights(b)
    want_b = fw.predict(x)
    assert np.all(np.any(want_a != want_b, axis=1))  # every row tells A from B
    stop, pushes = threading.Event(), [0]

    def push():
        while not stop.is_set():
            fw.set_weights(a if pushes[0] % 2 else b)
            pushes[0] += 1

    pusher = threading.Thread(target=push)
    pusher.start()
    try:
        torn = 0
        for _ in range(30):
            y = fw.predict(x)
            torn += not (np.array_equal(y, want_a) or np.array_equal(y, want_b))
    finally:
        stop.set()
        pusher.join()
    assert pushes[0] > 30 and torn == 0


def test_refresh_from_while_predicting(tmp_path):
    """Weight refreshes and a rebuild (a changed architecture) never mix with predictions."""
    import copy
    import warnings

    graphs = {"a": mlp((8, 6, 3), seed=1), "b": mlp((8, 6, 3), seed=2)}
    fw = Firmware(
        copy.deepcopy(graphs["a"]),
        ExportConfig(output_dir=tmp_path / "prj"),
        frontend=lambda model, config: copy.deepcopy(graphs[model]),
    ).compile()
    x = np.random.default_rng(0).normal(0, 1, (20_000, 8))
    want = {k: Firmware(copy.deepcopy(g)).reference(x) for k, g in graphs.items()}
    stop, results = threading.Event(), []

    def predict():
        while not stop.is_set():
            try:
                results.append(fw.predict(x))
            except Exception as exc:  # recorded: a mixed graph/library may raise
                results.append(exc)

    reader = threading.Thread(target=predict)
    reader.start()
    try:
        for i in range(20):
            assert fw.refresh_from("ab"[i % 2]) is True
        graphs["c"] = mlp((8, 5, 4), seed=3)  # new architecture: rewrite and recompile
        want["c"] = Firmware(copy.deepcopy(graphs["c"])).reference(x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert fw.refresh_from("c") is False
        n_before, deadline = len(results), time.monotonic() + 60
        while len(results) < n_before + 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        reader.join()
    matched = [
        next((k for k, w in want.items() if np.shape(y) == w.shape and np.array_equal(y, w)), y)
        for y in results
    ]
    assert [m for m in matched if not isinstance(m, str)] == []
    assert matched[-1] == "c"


def two_in_two_out():
    g = Graph("twins")
    g.add(Node("in_a", Input(), shape=(4,)))
    g.add(Node("in_b", Input(), shape=(2, 2)))
    g.add(Node("flat_b", Flatten(), ["in_b"]))
    g.add(Node("sum", Merge("add"), ["in_a", "flat_b"]))
    rng = np.random.default_rng(0)
    for name, units in (("head_1", 3), ("head_2", 1)):
        w = {"kernel": rng.normal(0, 1, (4, units)), "bias": rng.normal(0, 1, units)}
        g.add(Node(name, Dense(units=units), ["sum"], weights=w))
    g.inputs, g.outputs = ["in_a", "in_b"], ["head_1", "head_2"]
    return g


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_empty_batch_gives_empty_results(tmp_path, io_type):
    fw = Firmware(two_in_two_out(), ExportConfig(output_dir=tmp_path / "p", io_type=io_type))
    xs = [np.zeros((0, 4)), np.zeros((0, 2, 2), dtype=np.float32)]
    for run in (fw.reference, fw.predict):
        ys = run(xs)
        assert [y.shape for y in ys] == [(0, 3), (0, 1)], run
    trace = fw.trace(xs)
    assert {k: v.shape for k, v in trace.items()} == {
        "in_a": (0, 4), "in_b": (0, 2, 2), "flat_b": (0, 4), "sum": (0, 4),
        "head_1": (0, 3), "head_2": (0, 1),
    }  # fmt: skip
    single = firmware(tmp_path, output_dir=tmp_path / "single")
    assert single.predict(np.zeros((0, 8))).shape == (0, 3)
    assert single.trace(np.zeros((0, 8)))["dense_2"].shape == (0, 3)


def test_inputs_of_different_batch_sizes_are_refused(tmp_path):
    fw = Firmware(two_in_two_out(), ExportConfig(output_dir=tmp_path / "p"))
    msg = (
        "twins: input 'in_b' has 3 samples, input 'in_a' has 6; give every input the same "
        "number of samples"
    )
    for run in (fw.predict, fw.trace, fw.reference):
        with pytest.raises(ValueError, match=re.escape(msg)):
            run([np.zeros((6, 4)), np.zeros((3, 2, 2))])  # 6 x 4 values = 3 x 8: no reshape error
    assert not fw.compiled


def test_a_list_of_samples_is_explained(tmp_path):
    fw = firmware(tmp_path)
    samples = [np.zeros(8) for _ in range(100)]
    msg = (
        "mlp has 1 input(s), got 100 array(s): a list or tuple is read as one array per "
        "input; pass a batch of samples as one array (np.stack(samples))"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        fw.predict(samples)
