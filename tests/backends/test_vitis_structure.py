"""Structure of the generated io_parallel firmware against the Vitis HLS rules (UG1399).

g++ ignores pragmas, so csim cannot see them: these tests read the generated projects of four
models (the jet-tagging MLP 16-64-32-32-5 with the latency and the resource strategy, a small
16x16 CNN, a residual CNN with depthwise, pointwise and a parallelization factor). The value
a pragma takes for a layer (``II=CONFIG_T::reuse_factor``, ``limit=multiplier_limit``,
``factor=block``) is computed by a C++ probe compiled against the project, so the test sees
what the HLS tool would see.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.ir import Graph, Node
from fpga_export.layers.activation import Activation
from fpga_export.layers.conv import Conv2D
from fpga_export.layers.dense import Dense
from fpga_export.layers.depthwise import DepthwiseConv2D
from fpga_export.layers.input import Input
from fpga_export.layers.merge import Merge
from fpga_export.layers.pool import Pooling2D
from fpga_export.layers.reshape import Flatten

WEIGHT_OPS = ("dense", "conv2d", "depthwise_conv2d")


# ------------------------------------------------------------------------------ models
def _weights(rng, shape, n_out, zeros=0.3):
    """Random weights with a fraction of exact zeros (pruned), so caps differ from n/RF."""
    k = rng.normal(0, 0.5, shape)
    k[rng.random(shape) < zeros] = 0.0
    return {"kernel": k, "bias": rng.normal(0, 0.1, n_out)}


def jet_mlp(strategy: str, rf: int) -> tuple[Graph, dict]:
    rng = np.random.default_rng(0)
    g = Graph("jet")
    g.add(Node("input_1", Input(), shape=(16,)))
    prev, sizes = "input_1", (16, 64, 32, 32, 5)
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        w = _weights(rng, (n_in, n_out), n_out)
        g.add(Node(f"dense_{i + 1}", Dense(units=n_out), [prev], weights=w))
        act = "softmax" if n_out == 5 else "relu"
        kw = {"table_size": 64} if act == "softmax" else {}
        prev = g.add(Node(f"{act}_{i + 1}", Activation(function=act, **kw), [f"dense_{i + 1}"]))
        prev = prev.name
    g.inputs, g.outputs = ["input_1"], [prev]
    return g, {"strategy": strategy, "reuse_factor": rf}


def small_cnn(strategy="latency", rf=1) -> tuple[Graph, dict]:
    rng = np.random.default_rng(1)
    g = Graph("cnn")
    g.add(Node("input_1", Input(), shape=(16, 16, 1)))
    g.add(Node("conv_1", Conv2D(filters=4), ["input_1"], weights=_weights(rng, (3, 3, 1, 4), 4)))
    g.add(Node("relu_1", Activation(function="relu"), ["conv_1"]))
    g.add(Node("pool_1", Pooling2D(op="max"), ["relu_1"]))
    g.add(Node("conv_2", Conv2D(filters=8), ["pool_1"], weights=_weights(rng, (3, 3, 4, 8), 8)))
    g.add(Node("relu_2", Activation(function="relu"), ["conv_2"]))
    g.add(Node("flatten", Flatten(), ["relu_2"]))
    g.add(Node("dense", Dense(units=5), ["flatten"], weights=_weights(rng, (200, 5), 5)))
    g.inputs, g.outputs = ["input_1"], ["dense"]
    return g, {"strategy": strategy, "reuse_factor": rf}


def residual_cnn() -> tuple[Graph, dict]:
    """input -> depthwise -> pointwise -> relu -> add(input) -> conv (2 pixels per step)."""
    rng = np.random.default_rng(2)
    g = Graph("res")
    g.add(Node("input_1", Input(), shape=(8, 8, 4)))
    dw = DepthwiseConv2D(kernel_size=(3, 3), padding="same")
    g.add(Node("dw", dw, ["input_1"], weights=_weights(rng, (3, 3, 4, 1), 4)))
    pw = Conv2D(filters=4, kernel_size=(1, 1))
    g.add(Node("pw", pw, ["dw"], weights=_weights(rng, (1, 1, 4, 4), 4)))
    g.add(Node("relu_1", Activation(function="relu"), ["pw"]))
    g.add(Node("add", Merge(op="add"), ["relu_1", "input_1"]))
    conv = Conv2D(filters=8, parallelization_factor=2)
    g.add(Node("conv", conv, ["add"], weights=_weights(rng, (3, 3, 4, 8), 8)))
    g.add(Node("flatten", Flatten(), ["conv"]))
    g.add(Node("dense", Dense(units=3), ["flatten"], weights=_weights(rng, (288, 3), 3)))
    g.inputs, g.outputs = ["input_1"], ["dense"]
    return g, {}


MODELS = {
    "jet_latency_rf1": lambda: jet_mlp("latency", 1),
    "jet_resource_rf4": lambda: jet_mlp("resource", 4),
    "small_cnn": small_cnn,
    "small_cnn_resource_rf2": lambda: small_cnn("resource", 2),
    "residual_cnn": residual_cnn,
}


# --------------------------------------------------------------------- the C++ reader
class Project:
    """A written io_parallel project: its top, configs, nnet headers and a C++ probe."""

    def __init__(self, out: Path, graph: Graph):
        self.out, self.graph = out, graph
        fw = out / "firmware"
        self.top = (fw / f"{graph.name}.cpp").read_text()
        self.headers = "\n".join(p.read_text() for p in sorted((fw / "nnet").glob("*.h")))

    def function(self, name: str) -> str:
        """The body of ``void name(...) { ... }`` in the nnet headers."""
        m = re.search(rf"\bvoid {name}\(", self.headers)
        assert m, f"no function {name} in the nnet headers"
        params = _braced(self.headers, m.end() - 1, "()")
        return _braced(self.headers, self.headers.index("{", m.end() - 1 + len(params)))

    def evaluate(self, exprs: list[str]) -> list[int]:
        """Values of C++ constant expressions, seen from namespace nnet (configs ::named)."""
        lines = ["#include <cstdio>", '#include "parameters.h"', "namespace nnet {"]
        lines += ["void probe() {"]
        lines += [f'    std::printf("%lld\\n", (long long)({e}));' for e in exprs]
        lines += ["}", "}  // namespace nnet", "int main() { nnet::probe(); }"]
        src = self.out / "probe.cpp"
        src.write_text("\n".join(lines) + "\n")
        exe = self.out / "probe"
        flags = ["-std=c++17", f"-I{self.out / 'firmware'}", f"-I{self.out / 'compat'}"]
        subprocess.run(["g++", *flags, str(src), "-o", str(exe)], check=True)
        run = subprocess.run([str(exe)], check=True, capture_output=True, text=True)
        return [int(v) for v in run.stdout.split()]

    def calls(self) -> dict[str, tuple[str, str]]:
        """node output variable -> (nnet function, config) of every call in the top."""
        out = {}
        for fn, cfg, args in re.findall(r"nnet::(\w+)<[^;]*?(\w+_config)>\(([^;]*)\);", self.top):
            out[args.split(", ")[1]] = (fn, cfg)
        return out


def _braced(text: str, start: int, pair: str = "{}") -> str:
    depth = 0
    for i in range(start, len(text)):
        depth += {pair[0]: 1, pair[1]: -1}.get(text[i], 0)
        if depth == 0:
            return text[start : i + 1]
    raise AssertionError("unbalanced braces")


def loop(body: str, label: str) -> str:
    """The ``for`` statement (header and body) labelled ``label:``."""
    at = body.index(f"{label}:")
    return body[at : body.index("{", at)] + _braced(body, body.index("{", at))


def pragmas(text: str, directive: str) -> list[dict[str, str]]:
    """Every ``#pragma HLS DIRECTIVE k=v ...`` in text, as dicts (bare words map to "")."""
    out = []
    for line in re.findall(rf"#pragma HLS {directive}\b(.*)", text):
        out.append(dict((w.split("=", 1) + [""])[:2] for w in line.split()))
    return out


def own_pragmas(body: str, directive: str) -> list[dict[str, str]]:
    """Pragmas of a function or loop body itself (before its first nested loop)."""
    inner = body[1:]
    first = re.search(r"\n\s*(\w+:\s*)?for \(", inner)
    return pragmas(inner[: first.start()] if first else inner, directive)


def resolve(expr: str, body: str, config: str) -> str:
    """expr with the body's local constants and typedefs substituted, CONFIG_T = config."""
    consts = dict(re.findall(r"const (?:unsigned|bool|int) (\w+) =\s*([^;]+);", body))
    types = {alias: t for t, alias in re.findall(r"typedef ([\w:<>, ]+?) (\w+);", body)}
    for _ in range(8):
        expr = re.sub(
            r"\b(\w+)\b(?!\s*<)", lambda m: f"({consts[m[1]]})" if m[1] in consts else m[1], expr
        )
        expr = re.sub(r"\b(\w+)::", lambda m: f"{types.get(m[1], m[1])}::", expr)
    return expr.replace("CONFIG_T", config if "<" in config else f"::{config}")


@cache
def project(model: str, root: Path) -> Project:
    graph, settings = MODELS[model]()
    out = root / model
    config = ExportConfig(output_dir=out, io_type="io_parallel", **settings)
    Firmware(config.apply(graph, {}), config).write()
    return Project(out, graph)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("structure")


def weight_nodes(p: Project):
    return [n for n in p.graph if n.op.kind in WEIGHT_OPS]


def product_function(node) -> tuple[str, str]:
    """(function holding a layer's products and their ALLOCATION, its CONFIG_T)."""
    cfg = f"{node.name}_config"
    if node.op.kind == "depthwise_conv2d":
        return "depthwise_pixel_pipelined", cfg
    if node.op.kind == "conv2d":
        cfg = f"conv_dense_config< ::{cfg}>"
    return f"dense_{node.strategy}", cfg


def pixel_loop_function(node) -> str:
    if node.op.kind == "depthwise_conv2d":
        return "depthwise_2d"
    return f"conv_2d_{node.strategy}"


def expected_multipliers(node) -> int:
    """From the weights, independently of the exporter: resource reads a ROM (n / RF);
    latency needs a multiplier per nonzero constant weight, shared RF times."""
    k = node.types["kernel"].quantize(node.weights["kernel"])
    groups = getattr(node.op, "groups", 1)
    blocks = k.reshape(groups, -1)
    rf = node.reuse_factor
    if node.strategy == "resource" and node.op.kind != "depthwise_conv2d":
        return blocks.shape[1] // rf
    return -(-int(np.count_nonzero(blocks, axis=1).max()) // rf)


# ------------------------------------------------------------------------------- tests
@pytest.mark.parametrize(
    ("model", "style"),
    [
        ("jet_latency_rf1", "PIPELINE"),
        ("jet_resource_rf4", "DATAFLOW"),
        ("small_cnn", "DATAFLOW"),
        ("small_cnn_resource_rf2", "DATAFLOW"),
        ("residual_cnn", "DATAFLOW"),
    ],
)
def test_top_pipeline_style(root, model, style):
    """UG1399: pipelining the top unrolls every loop below it, so PIPELINE only for a latency
    MLP; DATAFLOW when a layer keeps a loop (conv pixel loop, resource reuse loop)."""
    p = project(model, root)
    body = p.top[p.top.index("{") :]
    assert len(own_pragmas(body, "PIPELINE")) == (style == "PIPELINE")
    assert len(own_pragmas(body, "DATAFLOW")) == (style == "DATAFLOW")
    if style == "PIPELINE":
        (pipe,) = own_pragmas(body, "PIPELINE")
        assert int(pipe["II"]) == max(n.reuse_factor for n in p.graph)


@pytest.mark.parametrize("model", list(MODELS))
def test_every_layer_pipelines_at_its_reuse_factor(root, model):
    p = project(model, root)
    intervals, want = [], []  # the interval of each layer's pipelines, as C++ expressions
    for node in weight_nodes(p):
        fn, cfg = product_function(node)
        body = p.function(fn)
        if fn == "dense_resource":  # a reuse loop of RF steps, one step per cycle
            reuse = loop(body, "Reuse")
            (pipe,) = own_pragmas(reuse[reuse.index("{") :], "PIPELINE")
            assert pipe["II"] == "1"
            intervals.append(resolve(re.search(r"r < ([^;]+);", reuse)[1], body, cfg))
        else:  # a pipelined function: a new input every RF cycles
            (pipe,) = own_pragmas(body, "PIPELINE")
            intervals.append(resolve(pipe["II"], body, cfg))
        want.append(node.reuse_factor)
        if node.op.kind != "dense" and node.strategy == "latency":  # the pixel loop too
            body = p.function(pixel_loop_function(node))
            (pipe,) = pragmas(loop(body, "Columns"), "PIPELINE")
            intervals.append(resolve(pipe["II"], body, f"{node.name}_config"))
            want.append(node.reuse_factor)
    assert p.evaluate(intervals) == want


@pytest.mark.parametrize("model", list(MODELS))
def test_allocation_limits_are_the_multiplier_counts(root, model):
    """ceil(nonzero weights / RF) for constant kernels, n / RF for the resource ROM."""
    p = project(model, root)
    limits = []
    for node in weight_nodes(p):
        fn, cfg = product_function(node)
        body = p.function(fn)
        allocs = own_pragmas(body, "ALLOCATION")
        assert [(a.get("operation"), a["instances"]) for a in allocs] == [("", "mul")], node.name
        limits.append(resolve(allocs[0]["limit"], body, cfg))
        assert expected_multipliers(node) < node.weights["kernel"].size  # a real cap
    assert p.evaluate(limits) == [expected_multipliers(n) for n in weight_nodes(p)]


def reshaped_word(kind: str, w: int, factor: int, n: int) -> int:
    """The word of element w of an n-element array after ARRAY_RESHAPE (UG1399): cyclic
    deals elements round-robin over `factor` arrays (word w // factor); block splits the
    array into `factor` consecutive blocks of ceil(n / factor) (word w % ceil(n / factor))."""
    return w // factor if kind == "cyclic" else w % -(-n // factor)


def arithmetic(expr: str, names: dict[str, int]) -> int:
    """Value of a C++ index expression of names, integers, + and * (no eval)."""
    import ast

    def value(n):
        if isinstance(n, ast.Expression):
            return value(n.body)
        if isinstance(n, ast.Name) and n.id in names:
            return names[n.id]
        if isinstance(n, ast.Constant) and isinstance(n.value, int):
            return n.value
        if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Mult)):
            a, b = value(n.left), value(n.right)
            return a + b if isinstance(n.op, ast.Add) else a * b
        raise ValueError(f"unexpected index expression {expr!r}")

    return value(ast.parse(expr, mode="eval"))


@pytest.mark.parametrize("model", ["jet_resource_rf4", "small_cnn_resource_rf2"])
def test_resource_kernel_layout_matches_the_reuse_loop(root, model):
    """ARRAY_RESHAPE of the kernel puts exactly the weights of reuse step r in ROM word r."""
    p = project(model, root)
    body = p.function("dense_resource")
    (shape,) = [r for r in pragmas(body, "ARRAY_RESHAPE") if r["variable"] == "kernel"]
    index = re.search(r"const unsigned w = ([^;]+);", body)[1]
    for node in weight_nodes(p):
        _, cfg = product_function(node)
        n, rf, factor, block = p.evaluate(
            [resolve(e, body, cfg) for e in ("n_weights", "CONFIG_T::reuse_factor")]
            + [resolve(shape["factor"], body, cfg), resolve("block", body, cfg)]
        )
        for r in range(rf):
            flat = [arithmetic(index, {"r": r, "k": k, "block": block}) for k in range(block)]
            words = {reshaped_word(shape["type"], w, factor, n) for w in flat}
            assert words == {r}, f"{node.name}: step {r} reads words {sorted(words)}"


@pytest.mark.parametrize("model", ["small_cnn", "small_cnn_resource_rf2", "residual_cnn"])
def test_conv_pixel_loop_is_not_unrolled(root, model):
    """Output pixels are a loop of pixels / parallelization_factor steps, never unrolled."""
    p = project(model, root)
    convs = [n for n in weight_nodes(p) if n.op.kind != "dense"]
    assert convs
    steps = []
    for node in convs:
        body = p.function(pixel_loop_function(node))
        rows, columns = loop(body, "Rows"), loop(body, "Columns")
        outer = rows[: rows.index("Columns:")]
        assert not pragmas(outer, "UNROLL") and not pragmas(columns, "UNROLL"), node.name
        inner = columns[: columns.index("conv_2d_step" if "conv" in body else "_step")]
        assert not pragmas(inner, "UNROLL")
        bounds = [re.search(r"< ([^;]+);", x)[1] for x in (rows, columns)]
        steps.append(resolve(f"({bounds[0]}) * ({bounds[1]})", body, f"{node.name}_config"))
    pixels = [int(np.prod(n.shape[:-1])) // n.op.parallelization_factor for n in convs]
    assert p.evaluate(steps) == pixels


def test_residual_dataflow_arrays_have_one_reader(root):
    """UG1399 dataflow: single producer, single consumer per array (fan-out copies)."""
    p = project("residual_cnn", root)
    body = p.top[p.top.index("{") :]
    reads: dict[str, int] = {}
    for args in re.findall(r"nnet::\w+<[^;]*>\(([^;]*)\);", body):
        for a in args.split(", "):
            reads[a] = reads.get(a, 0) + 1
    assert "nnet::fan_out_2<" in body
    assert reads["input_1_out"] == 1, reads  # read by the fan-out only
    assert max(reads.values()) <= 2  # a variable is written once and read once


@pytest.mark.parametrize("model", ["small_cnn", "small_cnn_resource_rf2", "residual_cnn"])
def test_dataflow_top_holds_only_declarations_and_calls(root, model):
    """UG1399 "Canonical Forms": the DATAFLOW region is a sequence of process calls over
    local channels; a loop (the old Flatten copy) or an inlined function would be a loose
    statement there. Every layer is a call of an nnet function that is not inlined."""
    p = project(model, root)
    body = p.top[p.top.index("{") + 1 : p.top.rindex("}")]
    assert "#pragma HLS DATAFLOW" in body
    for line in filter(None, (x.strip() for x in body.splitlines())):
        ok = (
            line.startswith(("//", "#pragma HLS ", "FE_TRACE("))
            or re.fullmatch(r"\w+ \w+\[\d+\];", line)  # a channel array
            or re.fullmatch(r"nnet::\w+<[^;]*>\([\w, ]*\);", line)  # a process
        )
        assert ok, f"not a declaration or process call in the DATAFLOW region: {line}"
    for fn in set(re.findall(r"nnet::(\w+)<", body)):
        if not re.search(rf"\bvoid {fn}\(", p.headers):
            assert f"NNET_ELEMENTWISE({fn}," in p.headers  # macro-made, never inlined
            continue
        inlined = re.search(r"#pragma HLS INLINE$", p.function(fn), re.M)
        dispatch = re.search(r"\b\w+<[^;]*>\(", p.function(fn))  # dense/conv dispatchers
        assert not inlined or dispatch, f"nnet::{fn} is inlined into the DATAFLOW region"


@pytest.mark.parametrize("model", list(MODELS))
def test_no_float_or_double_in_firmware(root, model):
    p = project(model, root)
    fw = p.out / "firmware"
    files = [fw / f"{p.graph.name}.cpp", fw / "parameters.h", fw / "defines.h"]
    files += sorted((fw / "weights").glob("*.h"))
    files += [fw / "nnet" / h for h in ("common.h", "dense.h", "conv.h", "depthwise.h")]
    for f in files:
        if f.exists():
            code = re.sub(r"//[^\n]*", "", f.read_text())
            assert not re.search(r"\b(float|double)\b", code), f.name


# UG1399's documented pragma forms (the ones this firmware uses), argument names checked.
PRAGMA_FORMS = {
    "PIPELINE": re.compile(r"PIPELINE( II=[\w:]+)?( rewind)?$"),
    "DATAFLOW": re.compile(r"DATAFLOW$"),
    "UNROLL": re.compile(r"UNROLL( factor=[\w:]+)?$"),
    "INLINE": re.compile(r"INLINE( off)?$"),
    "ALLOCATION": re.compile(r"ALLOCATION operation instances=mul limit=\w+$"),
    "FUNCTION_INSTANTIATE": re.compile(r"FUNCTION_INSTANTIATE variable=\w+$"),
    "ARRAY_PARTITION": re.compile(
        r"ARRAY_PARTITION variable=\w+ type=(complete|(cyclic|block) factor=\w+)( dim=\d+)?$"
    ),
    "ARRAY_RESHAPE": re.compile(
        r"ARRAY_RESHAPE variable=\w+ type=(complete|(cyclic|block) factor=\w+)( dim=\d+)?$"
    ),
    "INTERFACE": re.compile(r"INTERFACE mode=(ap_vld|axis) port=\w+$"),
}


@pytest.mark.parametrize("model", list(MODELS))
def test_pragmas_have_the_documented_form(root, model):
    p = project(model, root)
    fw = p.out / "firmware"
    ours = [fw / "nnet" / h for h in ("common.h", "dense.h", "conv.h", "depthwise.h")]
    text = p.top + "".join(h.read_text() for h in ours if h.exists())
    # the io_stream functions (another layer of this work) are not part of io_parallel
    text = re.sub(r"void \w+_stream\(.*?\n}\n", "", text, flags=re.S)
    for line in re.findall(r"#pragma HLS (.*)", text):
        form = PRAGMA_FORMS.get(line.split()[0])
        assert form and form.match(line), f"undocumented pragma form: {line}"
