"""Tool limits and part resources checked before writing (fpga_export/backends/vitis_limits.py,
parts.py): each rule fires with its message just over its limit and stays quiet at it."""

import warnings

import numpy as np
import pytest

from fpga_export import ExportConfig, Firmware, HardwareLimitError, ResourceUseWarning
from fpga_export.backends.parts import find_part
from fpga_export.layers.conv import Conv2D
from tests.graphs import mlp, residual_cnn, single

JET = (16, 64, 32, 32, 5)  # the jet-tagging MLP of the tests


def errors(fw):
    return [str(f) for f in fw.check_limits() if f.severity == "error"]


def conv(in_shape, filters, **kw):
    rng = np.random.default_rng(0)
    c = in_shape[-1]
    w = {"kernel": rng.normal(0, 0.5, (3, 3, c, filters)), "bias": np.zeros(filters)}
    return single(Conv2D(filters=filters, **kw), in_shape, w)


def test_latency_kernel_over_the_partition_limit_is_refused_before_writing(tmp_path):
    fw = Firmware(mlp((128, 128)), ExportConfig())
    with pytest.raises(HardwareLimitError) as e:
        fw.write(tmp_path / "prj")
    assert str(e.value) == (
        "the firmware crosses the synthesis tool's limits (fpga_export.backends.vitis_limits):\n"
        "  dense_1: array dense_1_kernel is completely partitioned into 16384 elements, over "
        "the complete-partition limit of 4096; use strategy='resource' (the kernel becomes a "
        "ROM read over reuse_factor cycles)\n"
        "(write(check_limits=False) writes it anyway)"
    )
    assert not (tmp_path / "prj").exists()
    assert isinstance(e.value, ValueError)


def test_latency_kernel_at_the_partition_limit_passes():
    assert errors(Firmware(mlp((64, 64)), ExportConfig())) == []  # 4096 elements


def test_check_limits_false_writes_anyway(tmp_path):
    fw = Firmware(mlp((128, 128)), ExportConfig())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceUseWarning)
        out = fw.write(tmp_path / "prj", check_limits=False)
    assert (out / "firmware").is_dir()


def test_resource_rom_words_and_reuse_steps_name_the_least_reuse_factor():
    fw = Firmware(mlp((128, 128), strategy="resource", reuse_factor=2), ExportConfig())
    assert errors(fw) == [
        "dense_1: ROM dense_1_kernel is reshaped into words of 131072 bits, over the "
        "reshaped-word limit of 65536; raise reuse_factor to at least 4 (it must divide 16384)",
        "dense_1: the reuse step unrolls into 8192 copies of its body, over the unroll limit "
        "of 4096; raise reuse_factor to at least 4 (it must divide 16384)",
    ]
    # reuse factor 4: words of 4096 * 16 = 65536 bits, 4096 products per step: at the limits
    assert errors(Firmware(mlp((128, 128), strategy="resource", reuse_factor=4))) == []


def test_io_parallel_arrays_over_the_partition_limit_ask_for_io_stream():
    fw = Firmware(conv((64, 64, 3), 4), ExportConfig())
    fix = "use io_type='io_stream' (one pixel at a time instead of whole arrays)"
    assert errors(fw) == [
        "input_1: array input_1_out is completely partitioned into 12288 elements, over the "
        f"complete-partition limit of 4096; {fix}",
        "layer: array layer_out is completely partitioned into 15376 elements, over the "
        f"complete-partition limit of 4096; {fix}",
    ]
    assert errors(Firmware(conv((64, 64, 3), 4), ExportConfig(io_type="io_stream"))) == []
    # 36 * 36 * 3 = 3888 in, 34 * 34 * 3 = 3468 out
    assert errors(Firmware(conv((36, 36, 3), 3), ExportConfig())) == []


def test_pixel_steps_over_the_unroll_limit_ask_for_a_lower_parallelization_factor():
    fw = Firmware(conv((8, 8, 8), 16, parallelization_factor=6), ExportConfig())
    assert errors(fw) == [
        "layer: the pixel step unrolls into 6912 copies of its body, over the unroll limit of "
        "4096; lower parallelization_factor (valid: 1, 2, 3)"
    ]
    # 3 pixels of 3 * 3 * 8 * 16 = 1152 products each
    assert errors(Firmware(conv((8, 8, 8), 16, parallelization_factor=3))) == []


def test_multipliers_beyond_the_parts_dsps_warn_with_the_counts(tmp_path):
    fw = Firmware(mlp(JET), ExportConfig(part="xc7z020-clg400-1"))
    with pytest.warns(ResourceUseWarning) as w:
        fw.write(tmp_path / "prj")
    assert str(w[0].message) == (
        "the model uses 4250 multipliers (dense_2 2045, dense_1 1023, dense_3 1022) but part "
        "xc7z020-clg400-1 has 220 DSPs: it will not fit unless the tool builds multipliers "
        "from LUTs; raise reuse_factor (each multiplier then serves reuse_factor products) or "
        "choose a larger part"
    )
    assert (tmp_path / "prj" / "firmware").is_dir()  # a warning never blocks the export
    # reuse factor 32: 32 + 64 + 32 + 5 multipliers at most, within 220 DSPs
    assert Firmware(mlp(JET, reuse_factor=32), ExportConfig(part="xc7z020")).check_limits() == []


def test_small_models_pass_cleanly_on_the_default_part():
    for io in ("io_parallel", "io_stream"):
        assert Firmware(mlp(JET), ExportConfig(io_type=io)).check_limits() == []
        assert Firmware(residual_cnn(), ExportConfig(io_type=io)).check_limits() == []


def test_parts_are_found_by_device_and_unknown_parts_are_a_note():
    assert find_part("xc7z020-clg400-1").dsp == 220  # csynth report's "Available" row
    assert find_part("XCU250-figd2104-2L-e").dsp == 12288
    assert find_part("xcvu13p-flga2577-2-e").uram == 1280
    assert find_part("xc7z0200-foo") is None and find_part("xcvu") is None
    # 7-series names put the package right after the device
    assert find_part("xc7a100tcsg324-1").device == "xc7a100t"
    assert find_part("xc7z020clg400-1").bram_18k == 280
    assert find_part("xcu200-fsgd2104-2-e").dsp == 6840 and find_part("xcvu3px") is None
    (note,) = Firmware(mlp(JET), ExportConfig(part="xcfoo-1")).check_limits()
    assert (note.severity, str(note)) == (
        "note",
        "part 'xcfoo-1' is not in the part table (fpga_export.backends.parts): multipliers "
        "not compared with its DSPs",
    )


def test_compile_never_runs_the_check(monkeypatch, tmp_path):
    """csim is not synthesis: a model over the tool's limits still compiles."""
    from fpga_export import firmware

    class Built(Exception):
        pass

    def build_library(*args, **kwargs):
        raise Built

    monkeypatch.setattr(firmware, "build_library", build_library)
    fw = Firmware(mlp((128, 128)), ExportConfig(output_dir=str(tmp_path / "prj")))
    with pytest.raises(Built):
        fw.compile()


def test_build_checks_before_running_the_tool(monkeypatch, tmp_path):
    from fpga_export.backends import vitis_build

    ran = []
    monkeypatch.setattr(vitis_build, "find_tool", lambda: "vitis-run")
    monkeypatch.setattr(vitis_build, "run_build", lambda *a, **k: ran.append(a))
    fw = Firmware(mlp((128, 128)), ExportConfig())
    fw.write(tmp_path / "prj", check_limits=False)
    with pytest.raises(HardwareLimitError, match="dense_1: array dense_1_kernel is completely"):
        fw.build()
    assert ran == []


def test_depthwise_kernels_are_partitioned_in_either_strategy():
    from fpga_export.layers.depthwise import DepthwiseConv2D

    def dw(channels, **kw):
        w = {"kernel": np.full((3, 3, channels, 1), 0.5), "bias": np.zeros(channels)}
        return single(DepthwiseConv2D(), (3, 3, channels), w, **kw)

    cfg = ExportConfig(io_type="io_stream")
    assert errors(Firmware(dw(456, strategy="resource", reuse_factor=8), cfg)) == [
        "layer: array layer_kernel is completely partitioned into 4104 elements, over the "
        "complete-partition limit of 4096; split the channels over several layers (either "
        "strategy partitions the kernel)"
    ]
    assert errors(Firmware(dw(455), cfg)) == []  # 4095 elements


def test_batchnorm_multipliers_count_against_the_dsps():
    """io_parallel: n / reuse_factor multipliers (one pipeline at II = reuse_factor);
    io_stream: one position (n_chan) per cycle."""
    from fpga_export.layers.norm import BatchNormalization

    rng = np.random.default_rng(0)

    def bn(shape, **kw):
        w = {"scale": rng.uniform(0.5, 2, shape[-1]), "shift": rng.normal(0, 1, shape[-1])}
        return single(BatchNormalization(), shape, w, **kw)

    z020 = {"part": "xc7z020-clg400-1"}
    findings = Firmware(bn((300,)), ExportConfig(**z020)).check_limits()
    assert [f.severity for f in findings] == ["warning"]
    assert "the model uses 300 multipliers (layer 300)" in findings[0].message
    assert Firmware(bn((300,), reuse_factor=2), ExportConfig(**z020)).check_limits() == []
    stream = ExportConfig(io_type="io_stream", **z020)
    assert Firmware(bn((10, 30)), stream).check_limits() == []  # 30 per position
    assert "uses 300 multipliers" in Firmware(bn((300,)), stream).check_limits()[0].message
