"""CSimValidator with backend="vivado": firmware metrics of a plain training loop from the
vivado project's csim, equal to a Vitis export of the same weights bit for bit; its
CSimModule."""

import json

import numpy as np
import torch
from torch import nn

from torch_plugin import CSimValidator

G = torch.Generator().manual_seed(0)
X = torch.randn(100, 6, generator=G)
Y = (X[:, 0] > X[:, 1]).long()


def test_validator_with_the_vivado_backend(tmp_path):
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 2))
    validator = CSimValidator(
        model, input_shape=(6,), backend="vivado", output_dir=tmp_path / "viv", overflow=False
    )
    fw = validator.firmware
    assert json.loads((fw.output_dir / "project.json").read_text())["backend"] == "vivado"
    opt = torch.optim.SGD(model.parameters(), lr=0.2)
    for _ in range(3):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X), Y).backward()
        opt.step()
    results = validator.evaluate((X, Y))
    y = fw.predict(X.numpy())
    np.testing.assert_array_equal(y, fw.reference(X.numpy()))
    assert results["csim_accuracy"] == float(np.mean(y.argmax(1) == Y.numpy()))
    vitis = model.export_fpga(tmp_path / "vitis", input_shape=(6,)).compile()
    np.testing.assert_array_equal(vitis.predict(X.numpy()), y)
    module = fw.as_torch_module()  # the CSim module of the vivado firmware
    out = module(X).detach().numpy()
    np.testing.assert_array_equal(out, y.astype(out.dtype))
