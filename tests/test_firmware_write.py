"""Firmware projects: complete for the vendor tool (write, build) or csim-only (compile)."""

import numpy as np
import pytest

import fpga_export.firmware
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from graphs import mlp

KERNEL_WITH_VALUES = """\
// dense_1 kernel: shape (3, 2), type ap_fixed<16,6>
#ifndef WEIGHTS_DENSE_1_KERNEL_H_
#define WEIGHTS_DENSE_1_KERNEL_H_
#ifdef FPGA_EXPORT_RUNTIME_WEIGHTS  // csim library: values pushed at run time
extern dense_1_kernel_t dense_1_kernel[6];
#else
static const dense_1_kernel_t dense_1_kernel[6] = {
    0.5, -0.25, 0.099609375, 1.0, -28.0, -3.0};
#endif
// derived from the values (pragma limits)
static const unsigned dense_1_kernel_multiplier_limit = 6;
#endif
"""
KERNEL_CSIM_ONLY = KERNEL_WITH_VALUES.replace(
    """static const dense_1_kernel_t dense_1_kernel[6] = {
    0.5, -0.25, 0.099609375, 1.0, -28.0, -3.0};
""",
    '#error "dense_1_kernel: values not written (a csim-only project, written by '
    'Firmware.compile); Firmware.write() writes them"\n',
)
TB_DATA = ["tb_data/tb_input_features.dat", "tb_data/tb_output_predictions.dat"]


def graph(seed=0):
    g = mlp((3, 2), seed=seed)
    # 0.1 rounds down to 0.099609375, 100 wraps to -28 in ap_fixed<16,6>
    g["dense_1"].weights["kernel"] = np.array([[0.5, -0.25], [0.1, 1.0], [100.0, -3.0]])
    return g


def firmware(tmp_path):
    return Firmware(graph(), ExportConfig(output_dir=tmp_path / "prj"))


def kernel_header(fw):
    return (fw.output_dir / "firmware/weights/dense_1_kernel.h").read_text()


class NoInterpreter:
    def __init__(self, *args, **kwargs):
        raise AssertionError("the interpreter ran")


def test_write_gives_exact_values_and_testbench_data(tmp_path):
    fw = firmware(tmp_path)
    fw.write()
    assert kernel_header(fw) == KERNEL_WITH_VALUES
    for rel in TB_DATA:
        assert (fw.output_dir / rel).is_file()


def test_compile_writes_a_csim_only_project_without_the_interpreter(tmp_path, monkeypatch):
    fw = firmware(tmp_path)
    monkeypatch.setattr(fpga_export.firmware, "Interpreter", NoInterpreter)
    fw.compile()
    monkeypatch.undo()
    assert kernel_header(fw) == KERNEL_CSIM_ONLY
    assert not (fw.output_dir / "tb_data").exists()
    x = np.random.default_rng(0).normal(0, 4, (100, 3))
    np.testing.assert_array_equal(fw.predict(x), fw.reference(x))  # values pushed at run time


def test_write_after_compile_completes_the_project(tmp_path):
    fw = firmware(tmp_path).compile()
    fw.write()
    assert kernel_header(fw) == KERNEL_WITH_VALUES
    assert all((fw.output_dir / rel).is_file() for rel in TB_DATA)
    fw.compile()  # the complete project is compiled as it is (the same library)
    assert kernel_header(fw) == KERNEL_WITH_VALUES


def test_build_completes_a_csim_only_project(tmp_path, monkeypatch):
    fw = firmware(tmp_path).compile()
    seen = []
    monkeypatch.setattr(fw.backend, "find_tool", lambda: "vitis-run")
    monkeypatch.setattr(
        fw.backend,
        "run_build",
        lambda project, options, **kw: seen.append(kernel_header(fw)) or project / "log",
    )
    fw.build(csim=True, synth=False)
    assert seen == [KERNEL_WITH_VALUES]
    assert all((fw.output_dir / rel).is_file() for rel in TB_DATA)


def test_build_writes_weights_set_after_write(tmp_path, monkeypatch):
    """A complete project whose weights changed since (set_weights, a refresh during
    training) is written again before the vendor tool reads it: never stale values."""
    fw = firmware(tmp_path)
    fw.write()
    kernel = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    fw.set_weights({"dense_1": {"kernel": kernel}})
    assert kernel_header(fw) == KERNEL_WITH_VALUES  # write() has not run since
    seen = []
    monkeypatch.setattr(fw.backend, "find_tool", lambda: "vitis-run")
    monkeypatch.setattr(
        fw.backend,
        "run_build",
        lambda project, options, **kw: seen.append(kernel_header(fw)) or project / "log",
    )
    fw.build(csim=True, synth=False)
    assert "1.0, 2.0, 3.0, 4.0, 5.0, 6.0};" in seen[0]
    fw.build(csim=True, synth=False)  # unchanged since: not written again
    assert seen[1] == seen[0]


@pytest.mark.parametrize("complete", [False, True])
def test_a_rebuild_on_refresh_keeps_the_project_as_complete_as_it_was(tmp_path, complete):
    grow = {"units": 2}

    def frontend(model, config):  # 3 units: another architecture, rewritten and recompiled
        return graph() if grow["units"] == 2 else mlp((3, 3), seed=2)

    fw = Firmware(frontend(None, None), ExportConfig(output_dir=tmp_path), frontend=frontend)
    if complete:
        fw.write()
    fw.compile()
    grow["units"] = 3
    with pytest.warns(UserWarning, match="rewriting and recompiling csim"):
        assert fw.refresh_from(None) is False
    header = kernel_header(fw)
    assert ("#error" not in header) is complete
    assert (fw.output_dir / TB_DATA[0]).is_file() is complete
