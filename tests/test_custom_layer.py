"""fpga_export.extend: custom layers (a user's IR op, C++ header and framework registration).

The example (examples/custom_layer.py with custom_layer_ops.py) runs end to end as a
subprocess: Keras 3 and PyTorch, io_parallel and io_stream, csim == numpy reference bit for
bit, and a saved project loaded again. The tests here import the same example modules."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import torch

import keras_plugin  # noqa: F401
import torch_plugin  # noqa: F401
from fpga_export import extend
from fpga_export.config import ExportConfig
from fpga_export.csim.build import source_hash
from fpga_export.firmware import Firmware
from fpga_export.frontend import UnsupportedLayerError
from fpga_export.ir import Graph, Node
from fpga_export.layers.input import Input
from fpga_export.state import STATE_FILE, StateError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(EXAMPLES))

import custom_layer  # noqa: E402  (registers the example's Keras layers and torch modules)
import custom_layer_ops  # noqa: E402

HEADERS = Path(__file__).parent / "custom_cpp"


class ReverseLast(extend.CustomOp):
    """The last axis reversed: not element-wise (PyTorch gives it torch's axis order)."""

    kind = "reverse_last"
    header = "custom_cpp/reverse_last.h"

    def run(self, node, inputs):
        (x,) = inputs
        return extend.convert(extend.Tensor(x.raw[..., ::-1], x.type), node.result)

    def exact_spans(self, node, graph):
        return {"result": extend.input_span(graph, node)}


class KerasReverse(keras.layers.Layer):
    def call(self, x):
        return keras.ops.flip(x, axis=-1)


class TorchReverse(torch.nn.Module):
    def forward(self, x):
        return x.flip(-1)


@extend.register_keras_layer(KerasReverse)
@extend.register_torch_module(TorchReverse)
def reverse(layer):
    return ReverseLast()


def chain(*ops, shape=(4, 3), weights=None) -> Graph:
    """Input -> ops in a row (weights by op index)."""
    g = Graph("custom")
    g.add(Node("x", Input(), shape=shape))
    prev = "x"
    for i, op in enumerate(ops):
        prev = g.add(Node(f"n{i}", op, [prev], weights=(weights or {}).get(i, {}))).name
    g.inputs, g.outputs = ["x"], [prev]
    return g


def clip_graph(a=0.75, lo=-1.0, hi=1.5) -> Graph:
    ops = (custom_layer_ops.Passthrough(), custom_layer_ops.ClipScale())
    return chain(*ops, weights={1: {"param": np.array([a, lo, hi])}})


def grid(rng, shape, frac=6, bound=8):
    """Inputs on the grid 2^-frac in [-bound, bound): exact in ap_fixed<16,6>."""
    return rng.integers(-bound << frac, bound << frac, shape) / 2.0**frac


# -- end to end -------------------------------------------------------------------------------
def test_example_runs_end_to_end(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "custom_layer.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for framework in ("keras", "torch"):
        for io_type in ("io_parallel", "io_stream"):
            assert f"{framework:5} {io_type:11}  csim == numpy reference: True" in proc.stdout
    assert "custom headers in the project: clip_scale.h, passthrough.h" in proc.stdout
    assert "note: clip: no cost model for clip_scale" in proc.stdout
    assert "loaded project predicts the same: True" in proc.stdout


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_clip_scale_is_exact_at_the_edges(tmp_path, io_type):
    """Saturating, rounding result type and values at, between and beyond lo and hi."""
    precision = {"default": "ap_fixed<10,3,AP_RND,AP_SAT>", "param": "ap_fixed<8,2>"}
    fw = Firmware(clip_graph(a=-1.25), ExportConfig(output_dir=tmp_path, io_type=io_type,
                                                    precision=precision))  # fmt: skip
    x = np.concatenate([grid(np.random.default_rng(0), (200, 4, 3), frac=7, bound=4),
                        np.full((1, 4, 3), 0.8), np.full((1, 4, 3), -1.2)])  # fmt: skip
    y = fw.compile().predict(x)
    assert (y == fw.reference(x)).all()
    xq = np.clip(np.round(x * 128) / 128, -4, 4 - 1 / 128)  # the input type (AP_RND, AP_SAT)
    assert np.abs(y - np.clip(-1.25 * xq, -1.0, 1.5)).max() <= 2.0**-7  # half an LSB
    # "auto": the smallest type holding the exact span of clip(a * x, lo, hi)
    graph = clip_graph(a=-1.25)
    graph["n1"].precision = {"result": "auto"}
    config = ExportConfig(output_dir=tmp_path / "auto", io_type=io_type, precision=precision)
    fw = Firmware(graph, config)
    assert str(fw.graph["n1"].result) == "ap_fixed<11,2>"  # 9 fraction bits: x's 7 + a's 2
    y = fw.compile().predict(x)
    assert (y == fw.reference(x)).all() and (y == np.clip(-1.25 * xq, -1.0, 1.5)).all()


def test_tf_keras_layer_with_the_same_registration(tmp_path):
    tf_keras = pytest.importorskip("tf_keras")

    class TfClipScale(tf_keras.layers.Layer):
        lo, hi = -1.0, 1.5

        def build(self, input_shape):
            self.a = self.add_weight(
                name="a", shape=(), initializer=tf_keras.initializers.Constant(0.5)
            )

        def call(self, x):
            return tf_keras.backend.clip(self.a * x, self.lo, self.hi)

    extend.register_keras_layer(TfClipScale)(custom_layer.clip_scale)
    model = tf_keras.Sequential([tf_keras.Input((6,)), TfClipScale(name="clip")])
    fw = model.export_fpga(tmp_path, precision="ap_fixed<16,6>")
    x = grid(np.random.default_rng(2), (64, 6), frac=9, bound=4)
    y = fw.compile().predict(x)
    assert (y == fw.reference(x)).all()
    assert (y == model.predict(x, verbose=0)).all()  # 0.5 x is exact, and so is the clip


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_torch_op_that_is_not_elementwise_sees_torch_order(tmp_path, io_type):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv1d(2, 3, 1), TorchReverse())  # (2, 5) -> (3, 5)
    with torch.no_grad():  # weights on the grid: every value exact
        model[0].weight.copy_(torch.round(model[0].weight * 8) / 8)
        model[0].bias.copy_(torch.round(model[0].bias * 8) / 8)
    fw = model.export_fpga(tmp_path, input_shape=(2, 5), precision="ap_fixed<24,8>",
                           io_type=io_type)  # fmt: skip
    x = grid(np.random.default_rng(3), (32, 2, 5), frac=4, bound=4)
    y = fw.compile().predict(x)
    assert (y == fw.reference(x)).all()
    with torch.no_grad():
        assert (y == model(torch.tensor(x, dtype=torch.float32)).numpy()).all()
    assert [n.op.kind for n in fw.graph][-2:] == ["permute", "reverse_last"]


def test_keras_op_that_is_not_elementwise(tmp_path):
    model = keras.Sequential([keras.Input((5, 3)), KerasReverse(name="rev")])
    fw = model.export_fpga(tmp_path, io_type="io_stream")
    x = grid(np.random.default_rng(4), (16, 5, 3))
    assert (fw.compile().predict(x) == np.asarray(model.predict(x, verbose=0))).all()


# -- the project ------------------------------------------------------------------------------
def test_project_holds_a_copy_of_the_header_and_includes_it(tmp_path):
    out = Firmware(clip_graph(), ExportConfig(output_dir=tmp_path / "p")).write()
    for name in ("clip_scale.h", "passthrough.h"):
        copy = out / "firmware" / "custom" / name
        assert not copy.is_symlink()
        assert copy.read_bytes() == (EXAMPLES / "custom_cpp" / name).read_bytes()
    parameters = (out / "firmware" / "parameters.h").read_text()
    assert '#include "custom/clip_scale.h"\n#include "custom/passthrough.h"\n' in parameters
    assert "struct n1_config {\n    typedef n1_param_t param_t;\n" in parameters
    top = (out / "firmware" / "custom.cpp").read_text()
    assert "clip_scale<n0_result_t, n1_result_t, n1_config>(n0_out, n1_out, n1_param);" in top


def test_csim_cache_key_covers_the_header(tmp_path):
    header = tmp_path / "hdr" / "my_copy.h"
    header.parent.mkdir()
    header.write_text((EXAMPLES / "custom_cpp" / "passthrough.h").read_text().replace(
        "passthrough", "my_copy"))  # fmt: skip

    class MyCopy(extend.CustomOp):
        kind = "my_copy"
        header = str(tmp_path / "hdr" / "my_copy.h")

        def run(self, node, inputs):
            return extend.convert(inputs[0], node.result)

    fw = Firmware(chain(MyCopy()), ExportConfig(output_dir=tmp_path / "p"))
    before = source_hash(fw.write(), fw.name, ["g++"], [])
    header.write_text(header.read_text() + "// changed\n")
    after = source_hash(fw.write(), fw.name, ["g++"], [])
    assert before != after
    assert (tmp_path / "p" / "firmware" / "custom" / "my_copy.h").read_text().endswith(
        "// changed\n")  # fmt: skip


def test_missing_cost_model_is_a_note(tmp_path):
    est = Firmware(clip_graph(), ExportConfig(output_dir=tmp_path)).estimate()
    assert est.layers[-1].notes == ("no cost model for clip_scale",)
    assert "note: n1: no cost model for clip_scale" in est.table()


# -- saving and loading -----------------------------------------------------------------------
def test_saved_project_loads_in_a_new_process(tmp_path):
    fw = Firmware(clip_graph(), ExportConfig(output_dir=tmp_path / "p"))
    out = fw.write()
    state = json.loads((out / STATE_FILE).read_text())
    assert state["graph"]["nodes"][2]["op"]["class"] == "custom_layer_ops:ClipScale"
    x = grid(np.random.default_rng(5), (8, 4, 3))
    np.save(tmp_path / "x.npy", x)
    code = (
        "import sys, numpy as np; from fpga_export import Firmware; "
        "fw = Firmware.load(sys.argv[1]); np.save(sys.argv[2], fw.reference(np.load(sys.argv[3])))"
    )
    path = os.pathsep.join([str(ROOT), str(EXAMPLES)])
    subprocess.run([sys.executable, "-c", code, out, tmp_path / "y.npy", tmp_path / "x.npy"],
                   check=True, env={**os.environ, "PYTHONPATH": path}, cwd=tmp_path)  # fmt: skip
    assert (np.load(tmp_path / "y.npy") == fw.reference(x)).all()


def _with_class(out, path):
    state = json.loads((out / STATE_FILE).read_text())
    state["graph"]["nodes"][2]["op"]["class"] = path
    (out / STATE_FILE).write_text(json.dumps(state))


def test_unimportable_custom_op_is_a_clear_error(tmp_path):
    out = Firmware(clip_graph(), ExportConfig(output_dir=tmp_path / "p")).write()
    _with_class(out, "no_such_module_here:ClipScale")
    with pytest.raises(StateError) as e:
        Firmware.load(out)
    assert str(e.value) == (
        f"{out / STATE_FILE}: graph node 'n1': custom op 'clip_scale' is defined by "
        "no_such_module_here:ClipScale, which cannot be imported (ModuleNotFoundError: No "
        "module named 'no_such_module_here'): import the module that defines it before "
        "loading, or put it on PYTHONPATH (custom ops must be defined in an importable module)"
    )
    state = json.loads((out / STATE_FILE).read_text())
    state["graph"]["nodes"][0]["op"]["class"] = "planted:Input"
    (out / STATE_FILE).write_text(json.dumps(state))
    with pytest.raises(StateError, match=r"op 'input' is built in, not a custom op of 'planted"):
        Firmware.load(out)
    state["graph"]["nodes"][0]["op"].pop("class")
    (out / STATE_FILE).write_text(json.dumps(state))
    _with_class(out, "os:path")
    with pytest.raises(StateError, match=r"os:path is not the custom op 'clip_scale'"):
        Firmware.load(out)
    _with_class(out, "antigravity:ClipScale")
    with pytest.raises(StateError) as e:
        Firmware.load(out)
    assert str(e.value).endswith(
        "the saved firmware names module 'antigravity' of the standard library, which defines "
        "no custom op"
    )
    assert "antigravity" not in sys.modules
    _with_class(out, "os; import shutil:x")
    with pytest.raises(StateError, match=r"'os; import shutil:x' is not a module:Class name"):
        Firmware.load(out)


def test_module_inside_the_project_folder_is_never_imported(tmp_path, monkeypatch):
    out = Firmware(clip_graph(), ExportConfig(output_dir=tmp_path / "p")).write()
    (out / "planted_op.py").write_text("raise SystemExit('planted code ran')\n")
    _with_class(out, "planted_op:ClipScale")
    monkeypatch.syspath_prepend(str(out))
    with pytest.raises(StateError) as e:
        Firmware.load(out)
    assert str(e.value).endswith(
        f"the saved firmware names module 'planted_op', which lies inside the project folder "
        f"{str(out.resolve())!r}: fpga-export does not run code from a project folder"
    )
    assert "planted_op" not in sys.modules


# -- errors a user can cause ------------------------------------------------------------------
def test_unregistered_layer_is_refused():
    class Mystery(keras.layers.Layer):
        def call(self, x):
            return x

    model = keras.Sequential([keras.Input((4,)), Mystery(name="mystery")])
    with pytest.raises(UnsupportedLayerError) as e:
        model.export_fpga(None)
    message = str(e.value)
    assert message.startswith(
        "layer 'mystery' of class Mystery (test_custom_layer) is not supported; supported classes: "
    )
    assert ", ClipScale, " in message and ", Passthrough, " in message


def test_missing_header_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError) as e:

        class Missing(extend.CustomOp):
            kind = "missing_header_op"
            header = "custom_cpp/no_such.h"

    assert str(e.value) == (
        f"custom op test_missing_header_is_refused.<locals>.Missing ('missing_header_op'): C++ "
        f"header {str(HEADERS / 'no_such.h')!r} not found (a relative header path is taken "
        f"from {str(HEADERS.parent)!r})"
    )


def test_header_that_disappears_before_writing_is_refused(tmp_path):
    header = tmp_path / "gone.h"
    header.write_text("// soon gone\n")

    class Gone(extend.CustomOp):
        kind = "gone"
        header = str(tmp_path / "gone.h")

        def run(self, node, inputs):
            return extend.convert(inputs[0], node.result)

    header.unlink()
    with pytest.raises(FileNotFoundError) as e:
        Firmware(chain(Gone()), ExportConfig(output_dir=tmp_path / "p")).write()
    assert str(e.value) == (
        f"n0: the C++ header {str(header)!r} of op 'gone' cannot be read (No such file or "
        "directory)"
    )


@pytest.mark.parametrize(
    "kind, header, message",
    [
        (
            "activation",
            "custom_cpp/reverse_last.h",
            "custom op Op: kind 'activation' clashes with the built-in op "
            "fpga_export.layers.activation.Activation; choose another kind",
        ),
        (
            "clip_scale",
            "custom_cpp/reverse_last.h",
            "custom op Op: kind 'clip_scale' is already the custom op "
            "custom_layer_ops:ClipScale; choose another kind",
        ),
        (
            "clip scale",
            "custom_cpp/reverse_last.h",
            "custom op Op: kind 'clip scale' is not allowed: use a C++ identifier (a letter, "
            "then letters, digits or single underscores; no keyword)",
        ),
        (
            "my_op",
            "../tests/custom_cpp/ap_fixed.h",
            "C++ header name 'ap_fixed.h' is not allowed (it would shadow ap_fixed.h): use a "
            "name like 'my_op.h' (a letter, then letters, digits or single underscores; .h, "
            ".hpp or .hh)",
        ),
        (
            "my_op",
            "custom_cpp/my op.h",
            "C++ header name 'my op.h' is not allowed (it is not a plain file name): use a "
            "name like 'my_op.h' (a letter, then letters, digits or single underscores; .h, "
            ".hpp or .hh)",
        ),
    ],
)
def test_bad_op_definitions_are_refused(kind, header, message):
    with pytest.raises(ValueError) as e:
        type("Op", (extend.CustomOp,), {"kind": kind, "header": header, "__module__": __name__})
    assert str(e.value) == message


def test_bad_roles_are_refused():
    with pytest.raises(ValueError) as e:
        type("Op", (extend.CustomOp,), {"kind": "r_op", "header": "custom_cpp/reverse_last.h",
                                        "roles": ("result",), "weight_roles": {"w": "scale"},
                                        "__module__": __name__})  # fmt: skip
    assert str(e.value) == (
        "custom op Op: roles ('result',) and weight_roles {'w': 'scale'} must be C++ "
        "identifiers, with 'result' among the roles and every weight's role too"
    )


def test_bad_function_name_and_missing_kind_are_refused():
    with pytest.raises(ValueError) as e:
        type("Op", (extend.CustomOp,), {"kind": "f_op", "header": "custom_cpp/reverse_last.h",
                                        "function": "f(); system", "__module__": __name__})  # fmt: skip
    assert str(e.value) == (
        "C++ function name 'f(); system' is not allowed: use identifiers joined by '::' (a "
        "letter first, then letters, digits or single underscores; no C++ keyword)"
    )
    with pytest.raises(TypeError) as e:
        type("Sub", (ReverseLast,), {"__module__": __name__})
    assert str(e.value) == (
        "custom op Sub sets no `kind` of its own (a name for the op, e.g. kind = "
        "'clip_scale'); an abstract base sets kind = ''"
    )


def test_convert_function_giving_wrong_weights_is_refused():
    class Scaled(keras.layers.Layer):
        def call(self, x):
            return x

    @extend.register_keras_layer(Scaled)
    def scaled(layer):
        return custom_layer_ops.ClipScale(), {"kernel": [1.0]}

    model = keras.Sequential([keras.Input((4,)), Scaled(name="scaled")])
    with pytest.raises(ValueError) as e:
        model.export_fpga(None)
    assert str(e.value) == (
        "layer 'scaled' (Scaled): test_convert_function_giving_wrong_weights_is_refused."
        "<locals>.scaled gives weights ['kernel'], op 'clip_scale' has ['param']"
    )


def test_a_built_in_layer_cannot_be_taken_over():
    with pytest.raises(ValueError, match=r"keras.src.layers.core.dense.Dense already has a"):
        extend.register_keras_layer(keras.layers.Dense)(custom_layer.passthrough)


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_project_with_custom_headers_is_what_vitis_compiles(tmp_path, io_type):
    """The top function and testbench, as build_prj.tcl gives them to Vitis (-std=c++14,
    -I firmware), against the C++11 stand-in of the vendor headers (tests/test_cpp_standard)."""
    cxx = shutil.which("g++") or pytest.skip("needs g++")
    fw = Firmware(clip_graph(), ExportConfig(output_dir=tmp_path / "p", io_type=io_type))
    out = fw.write()
    standin = Path(__file__).parent / "cpp_standard" / "include"
    sources = [out / "firmware" / f"{fw.name}.cpp", out / f"{fw.name}_test.cpp"]
    cmd = [cxx, "-std=c++14", "-pedantic-errors", "-fsyntax-only", f"-I{standin}"]
    cmd += [*map(str, sources), f"-I{out / 'firmware'}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=out)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr


def test_run_must_return_the_result_type(tmp_path):
    class Sloppy(extend.CustomOp):
        kind = "sloppy"
        header = "custom_cpp/reverse_last.h"

        def run(self, node, inputs):
            return inputs[0]  # not converted into the result type

    graph = chain(Sloppy())
    graph["n0"].precision = {"result": "ap_fixed<8,3>"}
    fw = Firmware(graph, ExportConfig())
    with pytest.raises(TypeError) as e:
        fw.reference(np.zeros((2, 4, 3)))
    assert str(e.value) == (
        "n0: test_run_must_return_the_result_type.<locals>.Sloppy.run must return a Tensor of "
        "the node's result type ap_fixed<8,3> (extend.convert(value, node.result)) and shape "
        "(2, 4, 3), got a Tensor of type ap_fixed<16,6>, shape (2, 4, 3)"
    )


class Larger(extend.CustomOp):
    """max(a, b): two inputs."""

    kind = "larger"
    header = "custom_cpp/larger.h"
    n_inputs = 2
    elementwise = True

    def run(self, node, inputs):
        a, b = inputs
        return extend.convert(extend.where(extend.sub(a, b).raw >= 0, a, b), node.result)


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_custom_op_with_two_inputs(tmp_path, io_type):
    g = Graph("two")
    g.add(Node("a", Input(), shape=(6,), precision={"result": "ap_fixed<8,3>"}))
    g.add(Node("b", Input(), shape=(6,), precision={"result": "ap_ufixed<9,4>"}))
    g.add(Node("m", Larger(), ["a", "b"], precision={"result": "ap_fixed<7,3,AP_RND,AP_SAT>"}))
    g.inputs, g.outputs = ["a", "b"], ["m"]
    fw = Firmware(g, ExportConfig(output_dir=tmp_path, io_type=io_type))
    rng = np.random.default_rng(6)
    a, b = grid(rng, (64, 6), frac=5, bound=4), np.abs(grid(rng, (64, 6), frac=5, bound=16))
    y = fw.compile().predict([a, b])
    assert (y == fw.reference([a, b])).all()
    top = (fw.output_dir / "firmware" / "two.cpp").read_text()
    assert "larger" + "_stream" * (io_type == "io_stream") + "<" in top
