"""Whole Brevitas models with fixed-point quantizers: the jet-tagging MLP and a small CNN are
exact (csim == Brevitas bit for bit on inputs spanning the full range, ties and saturation
included), exports are deterministic and survive a state_dict round trip, CSimValidator and
as_torch_module follow training without recompiling while the types hold, and Brevitas is
only imported (and its handlers loaded) for models that use it."""

import filecmp
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from brevitas import nn as qnn
from brevitas.quant import Int8WeightPerTensorFixedPoint, Int16Bias
from brevitas_models import (
    IO_TYPES,
    brevitas_out,
    check_exact,
    export,
    inputs,
    quant_input,
    quant_linear,
    quant_relu,
    settle,
)
from torch import nn

import fpga_export.firmware
from torch_plugin import CSimValidator

ROOT = Path(__file__).resolve().parents[2]


def jet_mlp(stats_steps=300):
    """16 -> 64 -> 32 -> 32 -> 5, 6-bit weights, 6-bit relu activations."""
    act = {"collect_stats_steps": stats_steps}
    return nn.Sequential(
        quant_input(bits=8, **act),
        quant_linear(16, 64, bits=6), quant_relu(bits=6, **act),
        quant_linear(64, 32, bits=6), quant_relu(bits=6, **act),
        quant_linear(32, 32, bits=6), quant_relu(bits=6, **act),
        quant_linear(32, 5, bits=6, return_quant_tensor=False),
    )  # fmt: skip


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        w = {"weight_quant": Int8WeightPerTensorFixedPoint, "weight_bit_width": 6,
             "bias_quant": Int16Bias, "return_quant_tensor": True}  # fmt: skip
        self.features = nn.Sequential(
            quant_input(bits=8),
            qnn.QuantConv2d(1, 6, 3, padding=1, **w), quant_relu(bits=6), nn.MaxPool2d(2),
            qnn.QuantConv2d(6, 8, 3, **w), quant_relu(bits=6),
        )  # fmt: skip
        self.head = quant_linear(8 * 2 * 2, 10, bits=6, return_quant_tensor=False)

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))


def train(model, shape, steps=60, seed=0, lr=1e-2):
    """Some steps on a synthetic task: realistic weights and learned scales."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(512, *shape, generator=g) * 2
    y = (x.flatten(1).abs().sum(1) * 7).long() % 5
    opt = torch.optim.Adam(model.parameters(), lr)
    model.train()
    for i in range(steps):
        batch = slice((i * 64) % 512, (i * 64) % 512 + 64)
        opt.zero_grad()
        nn.functional.cross_entropy(model(x[batch])[:, :5], y[batch]).backward()
        opt.step()
    return model.eval()


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_jet_mlp_is_exact(io_type, tmp_path):
    model = train(settle(jet_mlp(), (16,)), (16,))
    fw = export(model, (16,), tmp_path, io_type)
    x = inputs(fw, n=4096)
    print(f"jet MLP {io_type}: exact match {check_exact(fw, model, x):.2%} of {len(x)}")
    assert [str(fw.graph[n].types["kernel"].width) for n in ("l_1", "l_3", "l_5", "l_7")] == [
        "6"
    ] * 4
    assert all(str(fw.graph[n].result).startswith("ap_ufixed<6,") for n in ("l_2", "l_4", "l_6"))


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_cnn_is_exact(io_type, tmp_path):
    model = train(settle(CNN(), (1, 8, 8)), (1, 8, 8))
    fw = export(model, (1, 8, 8), tmp_path, io_type)
    x = inputs(fw, n=2048)
    print(f"CNN {io_type}: exact match {check_exact(fw, model, x):.2%} of {len(x)}")
    assert not any(n.op.kind == "permute" for n in fw.graph)  # channels-last from the input


def test_exports_are_deterministic_and_survive_a_state_dict_round_trip(tmp_path):
    model = train(settle(CNN(), (1, 8, 8)), (1, 8, 8), steps=10)
    a = model.export_fpga(tmp_path / "a", input_shape=(1, 8, 8), name="same").write()
    b = model.export_fpga(tmp_path / "b", input_shape=(1, 8, 8), name="same").write()
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    match, mismatch, errors = filecmp.cmpfiles(a, b, [str(f) for f in files], shallow=False)
    assert not mismatch and not errors and len(match) == len(files)
    loaded = CNN()
    loaded.load_state_dict(model.state_dict())
    c = loaded.eval().export_fpga(tmp_path / "c", input_shape=(1, 8, 8), name="same").write()
    match, mismatch, errors = filecmp.cmpfiles(a, c, [str(f) for f in files], shallow=False)
    assert not mismatch and not errors


def test_validator_follows_training_without_recompiling(monkeypatch, tmp_path):
    builds = []
    real = fpga_export.firmware.build_library
    monkeypatch.setattr(
        fpga_export.firmware, "build_library", lambda *a, **k: builds.append(1) or real(*a, **k)
    )
    model = train(settle(jet_mlp(stats_steps=4), (16,)), (16,), steps=20)
    g = torch.Generator().manual_seed(5)
    x_val = torch.randn(1024, 16, generator=g) * 2
    y_val = (x_val.abs().sum(1) * 7).long() % 5
    validator = CSimValidator(model, x_val[:1], output_dir=tmp_path / "v", overflow=False)
    assert len(builds) == 1 and validator.firmware.exact
    seen = []
    for epoch in range(3):
        train(model, (16,), steps=3, seed=epoch + 1, lr=1e-4)  # small steps: the types hold
        results = validator.evaluate((x_val, y_val))
        assert results["csim_max_abs_diff"] == 0.0 and results["csim_agreement"] == 1.0
        want = brevitas_out(model, x_val.numpy()).argmax(1) == y_val.numpy()
        assert results["csim_accuracy"] == pytest.approx(float(np.mean(want)))
        seen.append(validator.firmware.graph["l_1"].weights["kernel"].copy())
    assert len(builds) == 1  # weights pushed into the library, never rebuilt
    assert not np.array_equal(seen[0], seen[2])  # and they did change
    csim = validator.firmware.as_torch_module()
    np.testing.assert_array_equal(csim(x_val).detach().numpy(), brevitas_out(model, x_val.numpy()))

    # a learned activation scale moves by a power of two: Brevitas now quantizes to another
    # type, so the firmware must be rebuilt (keeping the old type would be wrong)
    scaling = model[2].act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl
    with torch.no_grad():
        scaling.value += 1.0  # log2 domain: twice the scale
    with pytest.warns(UserWarning, match="rewriting and recompiling csim"):
        results = validator.evaluate((x_val, y_val))
    assert len(builds) == 2
    assert results["csim_max_abs_diff"] == 0.0
    assert validator.firmware.exact


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)  # fmt: skip


def test_brevitas_is_loaded_only_for_models_that_use_it():
    proc = _run(
        "import sys, torch, torch_plugin\n"
        "torch.nn.Sequential(torch.nn.Linear(3, 2)).export_fpga(input_shape=(3,))\n"
        "assert 'brevitas' not in sys.modules, 'imported brevitas'\n"
        "assert 'torch_plugin.handlers.brevitas' not in sys.modules\n"
        "import brevitas.nn as qnn\n"
        "torch.nn.Sequential(qnn.QuantReLU()).export_fpga(input_shape=(3,))\n"
        "assert 'torch_plugin.handlers.brevitas' in sys.modules\n"
        "print('ok')\n"
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_broken_brevitas_gives_a_clear_error():
    proc = _run(
        "import sys, types, torch, torch_plugin\n"
        "sys.modules['brevitas'] = types.ModuleType('brevitas')\n"
        "try:\n"
        "    torch.nn.Sequential(torch.nn.Linear(3, 2)).export_fpga(input_shape=(3,))\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        "the model may use Brevitas layers, but fpga-export's Brevitas support failed to load: "
        "ImportError: cannot import name 'nn' from 'brevitas' (unknown location)\n"
    )


def test_unquantized_layers_are_reported_without_a_warning(tmp_path):
    """A float layer between quantized ones: exported with the user's precision and listed
    as not exact, without a warning (it has no quantizer to follow)."""
    model = settle(nn.Sequential(quant_input(bits=6), nn.Linear(4, 3), quant_relu(bits=4)), (4,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fw = export(model, (4,), tmp_path)
    assert fw.exact is False
    assert fw.graph["l_1"].notes[0].startswith("kernel values are not all values of")
    assert "l_1: NOT EXACT" in fw.summary()
    np.testing.assert_array_equal(fw.predict(inputs(fw, 64)), fw.reference(inputs(fw, 64)))
