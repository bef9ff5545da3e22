"""CSimValidator with every backend besides Vitis: firmware metrics of a plain training loop from
that project's csim, equal to the interpreter and, with AP_RND_CONV/AP_SAT types (the same in the
ap and ac families), to a Vitis export of the same weights bit for bit; its CSimModule."""

import json

import numpy as np
import pytest
import torch
from torch import nn

from fpga_export.backends import BACKENDS
from torch_plugin import CSimValidator

G = torch.Generator().manual_seed(0)
X = torch.randn(100, 6, generator=G)
Y = (X[:, 0] > X[:, 1]).long()
PRECISION = "ap_fixed<16,6,AP_RND_CONV,AP_SAT>"
OTHERS = [name for name in BACKENDS if name != "vitis"]


@pytest.mark.parametrize("backend", OTHERS)
def test_validator_with_each_backend(tmp_path, backend):
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 2))
    validator = CSimValidator(
        model, input_shape=(6,), backend=backend, precision=PRECISION,
        output_dir=tmp_path / backend, overflow=False,
    )  # fmt: skip
    fw = validator.firmware
    assert json.loads((fw.output_dir / "project.json").read_text())["backend"] == backend
    family = BACKENDS[backend].vendor
    assert {t.family for n in fw.graph for t in n.types.values()} == {family}
    opt = torch.optim.SGD(model.parameters(), lr=0.2)
    for _ in range(3):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X), Y).backward()
        opt.step()
    results = validator.evaluate((X, Y))
    y = fw.predict(X.numpy())
    np.testing.assert_array_equal(y, fw.reference(X.numpy()))
    assert results["csim_accuracy"] == float(np.mean(y.argmax(1) == Y.numpy()))
    vitis = model.export_fpga(tmp_path / "vitis", input_shape=(6,), precision=PRECISION)
    np.testing.assert_array_equal(vitis.compile().predict(X.numpy()), y)
    out = fw.as_torch_module()(X).detach().numpy()
    np.testing.assert_array_equal(out, y.astype(out.dtype))
