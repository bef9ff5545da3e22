"""The oneapi project's weights and constant tables are constant-initialized, as SYCL 2020
requires of a static variable that device code uses: declared ``NNET_CONST_TABLE`` (defines.h:
``static constexpr`` under SYCL and with our ac headers), so g++ refuses a value that is not a
constant expression. Checked on every op family (tests/every_op.py) against the stand-in SYCL
headers (tests/backends/oneapi_sycl), each weight's values by ``static_assert``; the
reference-header fallback (``static const``) is built by test_oneapi_vendor_headers.py."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from test_golden import small_cnn

import nnet_cpp
from every_op import NAME, every_op_graph
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware

SYCL_SHIM = Path(__file__).parent / "oneapi_sycl"
INCLUDES = [f"-I{SYCL_SHIM}", f"-I{nnet_cpp.COMPAT_DIR}"]
# a static const array of a class type (not a C number) declared without NNET_CONST_TABLE
STATIC_TABLE = re.compile(
    r"^\s*static\s+(?:const\s+)?(?!(?:const|constexpr|unsigned|int|bool|char|long|short|float|double)\b)"
    r"[\w:<>, ]+\s\w+\s*\[[^\]]*\]\s*=",
    re.MULTILINE,
)

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")


def _syntax(src: Path, *includes: Path) -> subprocess.CompletedProcess:
    cmd = ["g++", "-std=c++17", "-fsyntax-only", "-w", *INCLUDES]
    cmd += [f"-I{d}" for d in includes] + [str(src)]
    return subprocess.run(cmd, capture_output=True, text=True)


def test_every_weight_and_table_is_constexpr(tmp_path):
    fw = Firmware(every_op_graph(), ExportConfig(output_dir=tmp_path / "p", backend="oneapi"))
    out = fw.write()
    texts = {p: p.read_text() for p in (out / "firmware").rglob("*.h")}
    assert [str(p) for p, t in texts.items() if STATIC_TABLE.search(t)] == []
    tables = [
        m.group(1)
        for t in texts.values()
        for m in re.finditer(r"^NNET_CONST_TABLE [\w:<>, ]+ (\w+)\[", t, re.MULTILINE)
    ]
    assert "no_inv_period" in tables and any(n.endswith("_recips") for n in tables)
    # each weight's first and last raw value, in constant expressions (constexpr only)
    checks = [f"constexpr auto probe_{name} = {name}[0];" for name in tables]
    n_weights = 0
    for node in fw.graph:
        for w, role in node.op.weight_roles.items():
            var = f"{node.name}_{w}"
            raw = np.ravel(node.types[role].quantize_raw(node.weights[w]))
            assert var in tables
            for i in {0, raw.size - 1}:
                if abs(int(raw[i])) < 1 << 62:
                    checks.append(f'static_assert({var}[{i}].raw() == {int(raw[i])}LL, "{var}");')
            n_weights += 1
    assert n_weights > 100
    probe = out / "firmware" / "constexpr_probe.cpp"
    probe.write_text(
        f'#include "{NAME}_kernel.cpp"\nusing namespace nnet;\n' + "\n".join(checks) + "\n"
    )
    run = _syntax(probe, out / "firmware")
    assert run.returncode == 0, run.stderr[:3000]


def test_a_value_that_is_not_constant_does_not_compile(tmp_path):
    out = Firmware(small_cnn(), ExportConfig(output_dir=tmp_path / "p", backend="oneapi")).write()
    src = tmp_path / "dynamic.cpp"
    for sycl in (True, False):  # icpx's path; the csim's (our ac headers, no SYCL)
        head = "#include <sycl/sycl.hpp>\n" if sycl else ""
        src.write_text(
            f'{head}#include "defines.h"\ndouble at_run_time();\n'
            "NNET_CONST_TABLE conv_1_kernel_t dynamic_weight[1] = {at_run_time()};\n"
        )
        run = _syntax(src, out / "firmware")
        assert run.returncode != 0, f"sycl={sycl}: a dynamic initializer compiled"
        assert re.search(r"non-.constexpr. function .double at_run_time\(\)", run.stderr), (
            run.stderr
        )
