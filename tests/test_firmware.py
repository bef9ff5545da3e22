"""Firmware: project writing, folder safety, errors a user can cause."""

import json
import re

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.csim import CompileError, CompilerNotFoundError
from fpga_export.firmware import Firmware, VendorToolNotFoundError
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
