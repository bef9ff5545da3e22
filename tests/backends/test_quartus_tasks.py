"""The quartus io_stream component as a system of tasks (fpga_export/backends/quartus_tasks.py):
its structure on a residual CNN (a fan-out copy, a two-input add, a skip FIFO deeper than 2);
the strict HLS/hls.h stand-in refusing task functions i++ refuses; the compat HLS/hls.h running
launched tasks on the calling thread; the csim library's threads each with their own streams."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Graph, Node
from fpga_export.layers.activation import Activation
from fpga_export.layers.input import Input
from fpga_export.layers.merge import Merge
from graphs import residual_cnn

SHIM = Path(__file__).parent / "quartus_shim"
COMPAT = Path(__file__).parents[2] / "nnet_cpp" / "compat"
needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
TASKS = ["x_clone", "conv_a", "relu_a", "conv_b", "add", "flatten", "dense"]


def _residual(tmp_path) -> Firmware:
    """x (5 x 4 x 2) -> conv 3x3 -> relu -> conv 3x3 -> add(., x) -> flatten -> dense."""
    cfg = ExportConfig(output_dir=tmp_path / "p", io_type="io_stream", backend="quartus")
    return Firmware(residual_cnn(h=5, w=4), cfg)


def test_one_task_per_layer_and_fan_out_launched_then_collected(tmp_path):
    out = _residual(tmp_path).write()
    top = (out / "firmware/residual_cnn.cpp").read_text()
    defines = (out / "firmware/defines.h").read_text()
    tasks = [f"{t}_task" for t in TASKS]
    own = top[top.index("}  // namespace nnet") :]  # after the port copies (templates)
    assert re.findall(r"^void (\w+)\((.*)\) \{$", own, re.MULTILINE) == [(t, "") for t in tasks]
    assert "void add_task() {\n    nnet::merge_stream<add_config, add_packet_t>(add_out, " \
        "conv_b_out, x_to_add);\n" in top  # fmt: skip
    assert "void x_clone_task() {\n    nnet::clone_stream<x_packet_t, 20>(x_out, x_to_conv_a, " \
        "x_to_add);\n}" in top  # fmt: skip
    body = top[top.index("component void residual_cnn(") :]
    steps = re.findall(r"^    (ihc::\w+<\w+>|nnet::\w+)", body, re.MULTILINE)
    assert steps == [
        *[f"ihc::launch<{t}>" for t in tasks],
        "nnet::port_to_stream",
        "nnet::stream_to_port",
        *[f"ihc::collect<{t}>" for t in tasks],
    ]
    # namespace scope, at the Vitis top's depths: x_to_add holds the two convs' lag,
    # 2 * (4 + 1) packets (tests/codegen/test_fifo.py), shared by every stream of its packet
    # type; the output holds its tensor (1 packet; at least 2)
    streams = re.findall(
        r"^FE_CSIM_THREAD_LOCAL ihc::stream<(\w+), ihc::buffer<(\d+)> > (\w+);$", top, re.MULTILINE
    )
    assert [(v, t, int(n)) for t, n, v in streams] == [
        ("x_out", "x_packet_t", 10),
        ("x_to_conv_a", "x_packet_t", 10),
        ("x_to_add", "x_packet_t", 10),
        ("conv_a_out", "conv_a_packet_t", 10),
        ("relu_a_out", "relu_a_packet_t", 10),
        ("conv_b_out", "conv_b_packet_t", 10),
        ("add_out", "add_packet_t", 10),
        ("flatten_out", "flatten_packet_t", 10),
        ("dense_out", "dense_packet_t", 2),
    ]
    assert re.findall(r"stream_buffer<(\w+)> \{ static const unsigned value = (\d+);", defines) == [
        ("x_packet_t", "10"),
        ("dense_packet_t", "2"),
    ]


def test_hand_set_fifo_depths_reach_the_streams(tmp_path):
    fw = _residual(tmp_path)
    fw.graph.fifo_depths = {"x_to_add": 12}
    top = (fw.write() / "firmware/residual_cnn.cpp").read_text()
    assert "ihc::stream<x_packet_t, ihc::buffer<12> > x_to_add;" in top


def _syntax(tmp_path, code: str) -> subprocess.CompletedProcess:
    src = tmp_path / "t.cpp"
    src.write_text('#include "HLS/hls.h"\n' + code)
    cmd = ["g++", "-std=c++17", "-fsyntax-only", "-I", str(SHIM), str(src)]
    return subprocess.run(cmd, capture_output=True, text=True)


@needs_gxx
def test_the_shim_refuses_tasks_i_plus_plus_refuses(tmp_path):
    """RM "Task Functions": no pointer or reference arguments; launched with its arguments."""
    good = "ihc::stream<int, ihc::buffer<2> > s;\nvoid t() { s.write(1); }\n"
    launched = good + "component void c() { ihc::launch<t>(); ihc::collect<t>(); }"
    assert _syntax(tmp_path, launched).returncode == 0
    for task, launch, why in (
        ("void t(ihc::stream<int> &s) {}", "ihc::launch<t>(s)", "no pointer or reference"),
        ("void t(int *p) {}", "ihc::launch<t>(p)", "no pointer or reference"),
        ("void t(int n) {}", "ihc::launch<t>()", "launched with its arguments"),
    ):
        code = f"ihc::stream<int> s;\nint *p;\n{task}\ncomponent void c() {{ {launch}; }}\n"
        proc = _syntax(tmp_path, code)
        assert proc.returncode != 0 and why in proc.stderr, (task, proc.stderr[:2000])


COMPAT_PROGRAM = r"""
#include <cstdio>
#include <stdexcept>
#include "HLS/hls.h"
ihc::stream<int> a, b, c;
void first() { std::printf("first\n"); for (int i = 0; i < 3; i++) b.write(a.read() * 10); }
void second() { std::printf("second\n"); for (int i = 0; i < 3; i++) c.write(b.read() + 1); }
void idle() { std::printf("idle\n"); }
void late() { std::printf("late\n"); c.write(7); }
int main() {
    for (int round = 0; round < 2; round++) {
        ihc::launch<first>();
        ihc::launch<second>();
        ihc::launch<idle>();
        for (int i = 0; i < 3; i++) a.write(i + round);
        std::printf("inputs written\n");
        for (int i = 0; i < 3; i++) std::printf("%d\n", c.read());
        ihc::collect<first>();
        ihc::collect<second>();
        std::printf("collecting idle\n");
        ihc::collect<idle>();
    }
    bool ok;
    ihc::launch<late>();
    int v = c.tryRead(ok);
    std::printf("tryRead %d %d\n", ok, v);
    c.tryRead(ok);
    std::printf("tryRead %d\n", ok);
    try {
        c.read();
    } catch (const std::runtime_error &e) {
        std::printf("%s\n", e.what());
    }
    // a failed sample leaves packets and tasks behind: FE_CSIM_RESET() clears them
    a.write(1);
    ihc::launch<idle>();
    {
        ihc::stream<int> local;
        local.write(2);
        FE_CSIM_RESET();
        std::printf("reset %d %d %d\n", int(a.size()), int(local.size()), int(c.size()));
    }
    ihc::collect<idle>();  // not run: reset dropped it
    a.write(3);
    std::printf("after %d\n", a.read());
}
"""


@needs_gxx
def test_compat_runs_launched_tasks_when_a_read_needs_them(tmp_path):
    """In launch order, each to its end; collect runs a task no read needed; tryRead runs
    them before it fails; a read with none left to run is an error; FE_CSIM_RESET() (the
    bridge, after a failed sample) empties every stream of the thread and drops its tasks."""
    (tmp_path / "tasks.cpp").write_text(COMPAT_PROGRAM)
    exe = tmp_path / "tasks"
    cmd = ["g++", "-std=c++17", "-I", str(COMPAT), str(tmp_path / "tasks.cpp"), "-o", str(exe)]
    subprocess.run(cmd, check=True, capture_output=True)
    run = subprocess.run([str(exe)], capture_output=True, text=True, check=True)
    rounds = [
        ["inputs written", "first", "second", *map(str, (1 + 10 * r, 11 + 10 * r, 21 + 10 * r))]
        + ["collecting idle", "idle"]
        for r in (0, 1)
    ]
    assert run.stdout.splitlines() == [
        *rounds[0],
        *rounds[1],
        "late",
        "tryRead 1 7",
        "tryRead 0",
        "ihc stream: read from an empty stream",
        "reset 0 0 0",
        "after 3",
    ]


@needs_gxx
def test_csim_threads_have_their_own_streams(tmp_path):
    """The csim library runs samples on several threads through one component whose streams
    are at namespace scope: thread_local there (FE_CSIM_THREAD_LOCAL), bit-exact on 4."""
    fw = _residual(tmp_path)
    fw.compile()
    x = np.random.default_rng(3).normal(0, 2, (512, *fw.input_shapes[0]))
    np.testing.assert_array_equal(fw.predict(x, threads=4), fw.reference(x))


@needs_gxx
def test_task_names_stay_unique(tmp_path):
    """x's fan-out copy and a layer named x_clone would both be x_clone_task."""
    g = Graph("named")
    g.add(Node("x", Input(), shape=(4, 3)))
    g.add(Node("x_clone", Activation(function="relu"), ["x"]))
    g.add(Node("m", Merge(op="add"), ["x_clone", "x"]))
    g.inputs, g.outputs = ["x"], ["m"]
    cfg = ExportConfig(output_dir=tmp_path / "p", io_type="io_stream", backend="quartus")
    out = Firmware(g, cfg).write()
    top = (out / "firmware/named.cpp").read_text()
    assert re.findall(r"^    ihc::launch<(\w+)>", top, re.MULTILINE) == [
        "x_clone_task",
        "x_clone_task_2",
        "m_task",
    ]
    assert "void x_clone_task() {\n    nnet::clone_stream<" in top
    inc = ["-I", str(SHIM), "-I", str(out / "firmware"), "-I", str(COMPAT)]
    cmd = ["g++", "-std=c++17", "-fsyntax-only", *inc, str(out / "firmware/named.cpp")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[:2000]
