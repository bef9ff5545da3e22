"""csim.runtime: Ctrl-C stops a long predict or trace within a fraction of a second; errors of
concurrent calls stay apart."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.csim import CSimRuntimeError
from fpga_export.firmware import Firmware
from graphs import mlp

ROOT = Path(__file__).resolve().parents[2]

# argv: project folder, "predict" or "trace". Sizes a batch to take ~10 s here and now (a
# loaded machine included), says "ready", runs it and reports how it ended and when.
CHILD = """
import sys, time
import signal
signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
import numpy as np
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from graphs import mlp
fw = Firmware(mlp((16, 1024, 1024, 4)), ExportConfig(output_dir=sys.argv[1])).compile()
run = fw.predict if sys.argv[2] == "predict" else fw.trace
rng = np.random.default_rng(0)
run(rng.normal(size=(20, 16)))  # one-time costs (threads, kernel weights) are not the rate
m, seconds = 20, 0.0
while seconds < 0.5:  # a batch long enough to time (fast kernels finish 20 in microseconds)
    m *= 4
    start = time.perf_counter()
    run(rng.normal(size=(m, 16)))
    seconds = time.perf_counter() - start
n = int(10 * m / seconds)  # wide layers: few traced values per MAC
x = rng.normal(size=(n, 16))
print("ready", n, flush=True)
start = time.perf_counter()
try:
    run(x)
    print("finished", time.perf_counter() - start)
except KeyboardInterrupt:
    print("interrupted", time.perf_counter() - start)
"""


@pytest.mark.parametrize("what", ["predict", "trace"])
def test_ctrl_c_stops_a_long_batch(tmp_path, what):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "prj"), what],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = child.stdout.readline()
        assert ready.startswith("ready"), child.stderr.read()
        time.sleep(0.5)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    how, seconds = out.split()
    assert how == "interrupted", err
    assert float(seconds) < 2.5  # the batch takes ~10 s


def test_concurrent_errors_keep_their_own_message(tmp_path):
    lib = Firmware(mlp((8, 6, 3)), ExportConfig(output_dir=tmp_path / "prj")).compile()._lib
    wrong = {}

    def fail(name):
        for _ in range(3000):
            try:
                lib.set_weight(name, np.zeros(3))
            except CSimRuntimeError as exc:
                if str(exc) != f"csim weight update of {name!r} failed: no weight named {name}":
                    wrong[name] = str(exc)

    threads = [threading.Thread(target=fail, args=(f"w{i}" * (i + 1),)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == {}


def test_a_library_that_does_not_match_its_checksum_is_not_loaded(tmp_path, monkeypatch):
    from fpga_export.csim import CSimLibrary

    monkeypatch.setenv("FPGA_EXPORT_CACHE", str(tmp_path / "cache"))
    path = Firmware(mlp((8, 6, 3)), ExportConfig(output_dir=tmp_path / "prj")).compile()._lib.path
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(size - 100)  # dlopen of it would end in SIGBUS
    with pytest.raises(CSimRuntimeError) as err:
        CSimLibrary(path, [8], [3])
    assert str(err.value) == (
        f"csim library {path} is corrupt (size {size - 100} bytes, its checksum says {size}); "
        "delete it and compile again"
    )
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".tmp")] == []
