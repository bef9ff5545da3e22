"""CSimValidator with backend="quartus": firmware metrics of a plain training loop from the
quartus project's csim (ac types), equal to the interpreter and, with AP_RND_CONV/AP_SAT types
(the same in both families), to a Vitis export of the same weights; its CSimModule."""

import numpy as np
import torch
from torch import nn

from torch_plugin import CSimValidator

G = torch.Generator().manual_seed(0)
X = torch.randn(100, 6, generator=G)
Y = (X[:, 0] > X[:, 1]).long()
PRECISION = "ap_fixed<16,6,AP_RND_CONV,AP_SAT>"


def test_validator_with_the_quartus_backend(tmp_path):
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 2))
    validator = CSimValidator(
        model, input_shape=(6,), backend="quartus", precision=PRECISION,
        output_dir=tmp_path / "quartus", overflow=False,
    )  # fmt: skip
    fw = validator.firmware
    assert {t.family for n in fw.graph for t in n.types.values()} == {"ac"}
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
