"""Quantization-aware training with Brevitas, exported straight from the live model: csim ==
Brevitas bit for bit.

A Brevitas CNN with fixed-point quantizers (power-of-two scales: 6-bit weights, 6-bit ReLU
activations, an 8-bit input quantizer, 16-bit biases at the input scale times the weight
scale) is trained on scikit-learn digits in an ordinary PyTorch loop. CSimValidator reports
the firmware (csim) accuracy every epoch next to Brevitas' own; new weights are pushed into
the compiled library, which is only rebuilt when a quantizer's type changes (a learned
activation scale or a weight scale crossing a power of two). The export needs no precision
settings: every type comes from the live quantizers. No ONNX in between.

Run: .venv/bin/python examples/torch_brevitas_train.py [output_dir]
     (FPGA_EXPORT_EPOCHS=2 for a quick run)
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path


def build_model():
    from brevitas import nn as qnn
    from brevitas.quant import (
        Int8WeightPerTensorFixedPoint,
        Int16Bias,
        Uint8ActPerTensorFixedPoint,
    )
    from torch import nn

    stats = {"collect_stats_steps": 20}  # activation scales: statistics of the first 20 batches
    w = {"weight_quant": Int8WeightPerTensorFixedPoint, "weight_bit_width": 6,
         "bias_quant": Int16Bias, "return_quant_tensor": True}  # fmt: skip
    relu = {"act_quant": Uint8ActPerTensorFixedPoint, "bit_width": 6,
            "return_quant_tensor": True, **stats}  # fmt: skip
    return nn.Sequential(
        qnn.QuantIdentity(
            act_quant=Uint8ActPerTensorFixedPoint, bit_width=8, return_quant_tensor=True, **stats
        ),  # fmt: skip
        qnn.QuantConv2d(1, 8, 3, padding=1, **w),
        qnn.QuantReLU(**relu),
        nn.MaxPool2d(2),
        qnn.QuantConv2d(8, 8, 3, padding=1, **w),
        qnn.QuantReLU(**relu),
        nn.MaxPool2d(2),
        nn.Flatten(),
        qnn.QuantLinear(8 * 2 * 2, 10, **{**w, "return_quant_tensor": False}),
    )


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
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train)),
        batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0),
    )  # fmt: skip

    torch.manual_seed(0)
    model = build_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

    print("==> exporting and compiling the firmware once", flush=True)
    start = time.perf_counter()
    validator = CSimValidator(
        model, torch.from_numpy(x_val[:1]), output_dir=output_dir / "project", overwrite=True
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
            brevitas_acc = (model(torch.from_numpy(x_val)).argmax(1).numpy() == y_val).mean()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = validator.evaluate((x_val, y_val))
        rebuilt = any("recompiling" in str(w.message) for w in caught)
        print(
            f"epoch {epoch:2d}: Brevitas accuracy {brevitas_acc:.4f}  csim_accuracy "
            f"{r['csim_accuracy']:.4f}  csim_agreement {r['csim_agreement']:.4f}  "
            f"csim_max_abs_diff {r['csim_max_abs_diff']:.4f}  "
            f"({validator.timings[-1]['total'] * 1e3:.0f} ms"
            f"{', types changed: recompiled' if rebuilt else ', weights pushed'})",
            flush=True,
        )

    fw = validator.firmware
    print()
    print(fw.summary())
    got = fw.predict(x_val)
    with torch.no_grad():
        want = model.eval()(torch.from_numpy(x_val)).numpy()
    same = np.mean(np.all(got == want, axis=1))
    print(f"epochs run:                      {epochs}")
    print(f"csim == Brevitas (bit for bit):  {same:.2%} of {len(x_val)} samples")
    print(f"firmware accuracy:               {np.mean(got.argmax(1) == y_val):.4f}")
    print(f"HLS project:                     {fw.output_dir}")
    if same != 1.0:
        sys.exit("csim differs from Brevitas")


if __name__ == "__main__":
    default = Path(__file__).resolve().parent / "output" / "torch_brevitas_train"
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    out.mkdir(parents=True, exist_ok=True)
    main(out, int(os.environ.get("FPGA_EXPORT_EPOCHS", "10")))
