"""CSimValidator (firmware metrics once per epoch of a plain training loop, no rebuild) and
CSimModule (csim as a torch.nn.Module, no gradient)."""

import re

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import fpga_export.firmware
from fpga_export.metrics import firmware_overflow
from torch_plugin import CSimModule, CSimValidator
from torch_plugin.module import NO_GRADIENT

G = torch.Generator().manual_seed(0)
X = torch.randn(120, 2, 5, 4, generator=G)
Y = (X[:, 0].mean((1, 2)) > 0).long() + (X[:, 1].mean((1, 2)) > 0.2).long()  # 3 classes


def make_model():
    torch.manual_seed(1)
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
        nn.Linear(4 * 5 * 4, 3),
    )  # fmt: skip


def train(model, steps=5, lr=0.1):
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X), Y).backward()
        opt.step()


def independent(model, tmp_path, **kw):
    """What evaluate() must return, from a fresh export of the current weights."""
    fw = model.export_fpga(tmp_path, input_shape=(2, 5, 4), **kw).compile()
    y = fw.predict(X.numpy())
    with torch.no_grad():
        y_float = model.eval()(X).numpy()
    return {
        "csim_accuracy": float(np.mean(y.argmax(1) == Y.numpy())),
        "csim_agreement": float(np.mean(y.argmax(1) == y_float.argmax(1))),
        "csim_max_abs_diff": float(np.abs(y - y_float).max()),
        "csim_overflow": float(firmware_overflow(fw, X.numpy())),
    }


def test_weights_are_refreshed_without_recompiling(monkeypatch, tmp_path):
    calls = []
    real = fpga_export.firmware.build_library

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(fpga_export.firmware, "build_library", counting)
    model = make_model()
    validator = CSimValidator(model, X[:4], precision="ap_fixed<10,4>", output_dir=tmp_path / "v")
    assert len(calls) == 1
    seen = []
    for epoch in range(3):
        train(model)
        was = [m.training for m in model.modules()]
        results = validator.evaluate((X, Y))
        assert [m.training for m in model.modules()] == was  # train mode kept
        seen.append(results)
        want = independent(model, tmp_path / f"e{epoch}", precision="ap_fixed<10,4>")
        assert results.keys() == want.keys()
        for key, value in want.items():
            assert results[key] == pytest.approx(value, abs=1e-6), key
    assert len(calls) == 1 + 3  # the independent exports only: the validator never rebuilt
    assert seen[0] != seen[2]  # new weights reached csim
    assert validator.history == seen and len(validator.timings) == 3


def test_data_loader_tuples_and_arrays_give_the_same_numbers(tmp_path):
    model = make_model()
    validator = CSimValidator(model, input_shape=(2, 5, 4), output_dir=tmp_path, overflow=False)
    loader = DataLoader(TensorDataset(X, Y), batch_size=32, shuffle=False)
    a = validator.evaluate(loader)
    b = validator.evaluate((X.numpy(), Y.numpy()))
    c = validator.evaluate([(X[:60], Y[:60]), (X[60:], Y[60:])])
    assert a == b == c
    assert set(a) == {"csim_accuracy", "csim_agreement", "csim_max_abs_diff"}


def test_metrics_by_name_and_callable(tmp_path):
    model = nn.Sequential(nn.Linear(3, 1))
    x = torch.randn(50, 3, generator=G)
    y = x.sum(1, keepdim=True)
    validator = CSimValidator(model, x[:2], output_dir=tmp_path, overflow=10)

    def worst(y_true, y_pred):
        return float(np.abs(y_true - y_pred).max())

    got = validator.evaluate((x, y), metrics=("mse", worst))
    y_csim = validator.firmware.predict(x.numpy())
    assert got["csim_mse"] == pytest.approx(float(np.mean((y_csim - y.numpy()) ** 2)))
    assert got["csim_worst"] == pytest.approx(float(np.abs(y_csim - y.numpy()).max()))
    assert got["csim_overflow"] == firmware_overflow(validator.firmware, x[:10].numpy())
    with pytest.raises(ValueError, match=re.escape(
        "unknown metric 'f1'; give one of accuracy, mse, mae or a callable "
        "fn(y_true, y_pred) -> float"
    )):  # fmt: skip
        validator.evaluate((x, y), metrics=("f1",))


def test_validator_errors(tmp_path):
    class Two(nn.Module):
        def forward(self, a):
            return a.relu(), a.sigmoid()

    with pytest.raises(ValueError, match=re.escape(
        "CSimValidator supports single-input, single-output models; Two has 1 inputs and 2 "
        "outputs"
    )):  # fmt: skip
        CSimValidator(Two(), input_shape=(3,))
    validator = CSimValidator(nn.Sequential(nn.Linear(3, 2)), input_shape=(3,),
                              output_dir=tmp_path)  # fmt: skip
    with pytest.raises(ValueError, match=re.escape(
        "CSimValidator.evaluate: x has 4 samples but y has 3"
    )):  # fmt: skip
        validator.evaluate((torch.zeros(4, 3), torch.zeros(3)))
    empty = "CSimValidator.evaluate: the data has no samples; firmware metrics need at least one"
    with pytest.raises(ValueError, match=re.escape(empty)):
        validator.evaluate((torch.zeros(0, 3), torch.zeros(0)))
    with pytest.raises(ValueError, match=re.escape(
        "CSimValidator.evaluate: the data loader yielded no batches"
    )):  # fmt: skip
        validator.evaluate(DataLoader(TensorDataset(torch.zeros(0, 3), torch.zeros(0))))


# ------------------------------------------------------------------ CSimModule


@pytest.fixture(scope="module")
def firmware(tmp_path_factory):
    model = make_model().eval()
    return model.export_fpga(tmp_path_factory.mktemp("m"), input_shape=(2, 5, 4)).compile()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("batch", [1, 7])
def test_csim_module_forward(firmware, dtype, batch):
    csim = firmware.as_torch_module()
    assert isinstance(csim, CSimModule) and list(csim.parameters()) == []
    x = X[:batch].to(dtype)
    with torch.no_grad():
        y = csim(x)
    assert y.shape == (batch, 3) and y.dtype == dtype and not y.requires_grad
    want = firmware.predict(x.to(torch.float64).numpy())
    np.testing.assert_array_equal(
        y.to(torch.float64).numpy(), torch.tensor(want).to(dtype).double()
    )


def test_csim_module_has_no_gradient(firmware):
    csim = CSimModule(firmware, threads=1)
    y = csim(X[:3])  # autograd enabled: attached, so backward explains itself
    with pytest.raises(RuntimeError, match=re.escape(NO_GRADIENT)):
        y.sum().backward()
    x = X[:3].clone().requires_grad_(True)
    with pytest.raises(RuntimeError, match=re.escape(NO_GRADIENT)):
        nn.functional.cross_entropy(csim(x), Y[:3]).backward()
    assert NO_GRADIENT.startswith("CSimModule has no gradient: it runs the firmware's")
    with pytest.raises(ValueError, match=re.escape(
        "CSimModule('Sequential') takes 1 input tensor(s), got 2"
    )):  # fmt: skip
        csim(X[:1], X[:1])


def test_csim_module_empty_batch(firmware):
    csim = firmware.as_torch_module()
    with torch.no_grad():
        y = csim(X[:0])
    assert y.shape == (0, 3) and y.dtype == X.dtype
    assert csim(X[:0]).shape == (0, 3)  # autograd enabled too
