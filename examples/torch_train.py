"""Firmware accuracy during PyTorch training: a small CNN on scikit-learn digits, with
CSimValidator in an ordinary training loop.

Every epoch the validator pushes the new weights into the compiled C simulation (no
recompilation) and reports the firmware (csim) accuracy next to the float accuracy. The
model takes the digits as NCHW (batch, 1, 8, 8) tensors; the firmware is channels-last
inside and takes the same NCHW arrays.

Run: .venv/bin/python examples/torch_train.py [output_dir]
     (FPGA_EXPORT_EPOCHS=3 for a quick run)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main(output_dir: Path, epochs: int) -> None:
    import numpy as np
    import torch
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from torch import nn

    from torch_plugin import CSimValidator

    print("==> loading scikit-learn digits (8x8 images, 10 classes)", flush=True)
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)  # NCHW
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.3, random_state=0)
    x_train, y_train = torch.from_numpy(x_train), torch.from_numpy(y_train)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x_train, y_train), batch_size=64, shuffle=True
    )

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1),
        nn.BatchNorm2d(6),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 8, 3, padding=1, groups=2),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(8 * 4 * 4, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

    print("==> exporting and compiling the firmware once", flush=True)
    start = time.perf_counter()
    validator = CSimValidator(
        model,
        torch.from_numpy(x_val[:1]),
        precision="ap_fixed<16,7>",  # logits grow with training: 7 integer bits hold them
        layers={"7": {"accum": "ap_fixed<20,9>"}},  # the Linear (model[7]) sums 128 products
        output_dir=output_dir / "project",
        overwrite=True,
    )
    print(f"    ready in {time.perf_counter() - start:.1f} s: {validator.firmware!r}", flush=True)

    for epoch in range(1, epochs + 1):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(xb), yb).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            float_acc = (model(torch.from_numpy(x_val)).argmax(1).numpy() == y_val).mean()
        r = validator.evaluate((x_val, y_val))
        print(
            f"epoch {epoch:2d}: float accuracy {float_acc:.4f}  csim_accuracy "
            f"{r['csim_accuracy']:.4f}  csim_agreement {r['csim_agreement']:.4f}  "
            f"csim_max_abs_diff {r['csim_max_abs_diff']:.4f}  csim_overflow "
            f"{r['csim_overflow']:.0f}  ({validator.timings[-1]['total'] * 1e3:.0f} ms)",
            flush=True,
        )

    fw = validator.firmware
    csim_module = fw.as_torch_module()  # the firmware as a torch.nn.Module
    with torch.no_grad():
        y_csim = csim_module(torch.from_numpy(x_val))
    print()
    print(f"epochs run:                 {epochs}")
    print(f"final csim accuracy:        {(y_csim.argmax(1).numpy() == y_val).mean():.4f}")
    print(f"csim == numpy reference:    {np.array_equal(fw.predict(x_val), fw.reference(x_val))}")
    print(f"HLS project:                {fw.output_dir}")


if __name__ == "__main__":
    default = Path(__file__).resolve().parent / "output" / "torch_train"
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    out.mkdir(parents=True, exist_ok=True)
    main(out, int(os.environ.get("FPGA_EXPORT_EPOCHS", "10")))
