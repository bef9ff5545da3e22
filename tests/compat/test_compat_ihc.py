"""compat HLS/hls.h (the i++ header for g++ builds without i++): systems of tasks on streams
with static storage, as a g++ build of a generated quartus component declares them."""

import subprocess
from pathlib import Path

import pytest

COMPAT = Path(__file__).resolve().parents[2] / "nnet_cpp" / "compat"

PROGRAM = r"""
#include "HLS/hls.h"
#include <cstdio>
ihc::stream<int> a, b;  // static storage: destroyed after the thread's stream list
void twice() { b.write(a.read() * 2); }
int main() {
    a.write(21);
    ihc::launch<twice>();
    const int v = b.read();  // runs the pending task
    ihc::collect<twice>();
    std::printf("%d\n", v);
    return v == 42 ? 0 : 1;
}
"""


def test_static_streams_run_a_task_and_exit_cleanly(tmp_path):
    (tmp_path / "main.cpp").write_text(PROGRAM)
    exe = tmp_path / "main"
    cmd = ["g++", "-std=c++17", "-g", "-fsanitize=address", f"-I{COMPAT}", "main.cpp", "-o", "main"]
    built = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, check=False)
    if built.returncode:
        pytest.skip(f"g++ cannot build with AddressSanitizer here: {built.stderr[-300:]}")
    run = subprocess.run([str(exe)], capture_output=True, text=True, check=False)
    # at exit the streams were removed from a list already destroyed (heap-use-after-free)
    assert "AddressSanitizer" not in run.stderr, run.stderr[-2000:]
    assert (run.returncode, run.stdout) == (0, "42\n")
