"""Activation modules, functions and Tensor methods: csim == Interpreter exactly in both io
types, and csim close to PyTorch's float output within a tolerance derived from the types.

One model returns every activation of the same input (one compile per io type). Types:
everything ``ap_fixed<24,10>`` (input and result LSB 2^-14, truncation), activation tables
1024 entries over [-8, 8) (two-sided, bin width 1/64) or [0, 8) (one-sided, 1/128), table
type ``ap_fixed<18,8,AP_RND,AP_SAT>`` (LSB 2^-10, rounded: 2^-11 error). Per function:
``lip * (input LSB + bin width / 2) + table error + result LSB + tail``, ``lip`` the largest
slope, ``tail`` the error beyond the table range (documented in layers/activation.py).
"""

import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F
from torch_helpers import IO_TYPES, LSB, check_close, check_exact, compiled, torch_outputs

TAB = 2.0**-11  # rounding of a table entry to ap_fixed<18,8,AP_RND>
TWO, ONE = 1 / 64, 1 / 128  # bin widths of two- and one-sided tables


def table_tol(lip, bw, tail=0.0):
    return lip * (LSB + bw / 2) + TAB + LSB + tail


PIECEWISE = 2 * LSB  # input quantization + result truncation, slopes <= 1
SOFTMAX = 0.004  # layers/activation.py test_softmax_vs_float's bound for these types: < 0.0035
SIGMOID_TAIL = 1 / (1 + math.exp(8 - TWO))  # beyond the last center
SILU_TAIL = 8 / (1 + math.exp(8))  # |silu(x) - x| at 8, |silu(-8)|

# (name, callable on x, tolerance); x is (batch, 4, 6): channels 4, length 6
CASES = [
    ("ReLU", nn.ReLU(), PIECEWISE),
    ("ReLU6", nn.ReLU6(), PIECEWISE),
    ("LeakyReLU", nn.LeakyReLU(0.1), PIECEWISE + 8 * 2.0**-21),  # slope: 20 fraction bits
    ("ELU", nn.ELU(0.5), table_tol(0.5, ONE)),
    ("SELU", nn.SELU(), table_tol(1.7581, ONE) + 8 * 2.0**-17),  # scale: 17 fraction bits
    ("Sigmoid", nn.Sigmoid(), table_tol(0.25, TWO, SIGMOID_TAIL)),
    ("Tanh", nn.Tanh(), table_tol(1.0, TWO, 1 - math.tanh(8 - TWO))),
    ("Hardtanh", nn.Hardtanh(-0.5, 2.0), PIECEWISE),
    ("Hardsigmoid", nn.Hardsigmoid(), PIECEWISE + 8 * 2.0**-18),  # 1/6 with 17 fraction bits
    ("Softplus", nn.Softplus(), table_tol(1.0, TWO, math.log1p(math.exp(-8)))),
    ("Softsign", nn.Softsign(), 2 * 2.0**-11 + 2 * LSB),  # reciprocal: 0.5/N + inv LSB / 2
    ("SiLU", nn.SiLU(), table_tol(1.1, TWO, SILU_TAIL)),
    ("Softmax(dim=1)", nn.Softmax(dim=1), SOFTMAX),  # over the channels: a Permute first
    ("Softmax(dim=-1)", nn.Softmax(dim=-1), SOFTMAX),
    ("F.relu", F.relu, PIECEWISE),
    ("torch.relu", torch.relu, PIECEWISE),
    ("x.relu()", lambda x: x.relu(), PIECEWISE),
    ("F.relu6", F.relu6, PIECEWISE),
    ("F.leaky_relu", lambda x: F.leaky_relu(x, 0.2), PIECEWISE + 8 * 2.0**-20),
    ("F.elu", F.elu, table_tol(1.0, ONE)),
    ("F.selu", F.selu, table_tol(1.7581, ONE) + 8 * 2.0**-17),
    ("torch.sigmoid", torch.sigmoid, table_tol(0.25, TWO, SIGMOID_TAIL)),
    ("x.tanh()", lambda x: x.tanh(), table_tol(1.0, TWO, 1 - math.tanh(8 - TWO))),
    ("F.hardtanh", F.hardtanh, PIECEWISE),
    ("F.hardsigmoid", F.hardsigmoid, PIECEWISE + 8 * 2.0**-18),
    ("F.softplus", F.softplus, table_tol(1.0, TWO, math.log1p(math.exp(-8)))),
    ("F.softsign", F.softsign, 2 * 2.0**-11 + 2 * LSB),
    ("F.silu", F.silu, table_tol(1.1, TWO, SILU_TAIL)),
    ("torch.clamp", lambda x: torch.clamp(x, -1.0, 0.5), PIECEWISE),
    ("x.clamp(min=0)", lambda x: x.clamp(min=0), PIECEWISE),
    ("x.clamp(0, 3)", lambda x: x.clamp(0, 3), PIECEWISE),
    ("F.softmax", lambda x: F.softmax(x, dim=-1), SOFTMAX),
    ("x.softmax(1)", lambda x: x.softmax(1), SOFTMAX),
    ("Dropout", nn.Dropout(0.5), 0.0 + LSB),  # the identity at inference
]


class Activations(nn.Module):
    def __init__(self, fns):
        super().__init__()
        self.fns = fns
        self.mods = nn.ModuleList([f for f in fns if isinstance(f, nn.Module)])

    def forward(self, x):
        # Dropout needs an op after it: the graph output cannot be the input itself
        return tuple(f(x) if not isinstance(f, nn.Dropout) else f(x).relu() for f in self.fns)


def x_batch(n=200, seed=0):
    # spread 3: most values inside the tables' [-8, 8), some beyond
    return (torch.randn(n, 4, 6, generator=torch.Generator().manual_seed(seed)) * 3).float()


@pytest.fixture(scope="module")
def firmwares(tmp_path_factory):
    model = Activations([f for _, f, _ in CASES])
    out = tmp_path_factory.mktemp("acts")
    return model, {io: compiled(model, out, io, input_shape=(4, 6)) for io in IO_TYPES}


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_csim_equals_interpreter_and_is_close_to_torch(firmwares, io_type):
    model, fws = firmwares
    x = x_batch()
    got = check_exact(fws[io_type], x.numpy())
    check_close(got, torch_outputs(model, x), [t for *_, t in CASES], [n for n, *_ in CASES])


def test_every_form_of_a_function_is_the_same_op(firmwares):
    """nn.ReLU(), F.relu, torch.relu and x.relu() make the same IR node (name aside)."""
    _, fws = firmwares
    g = fws["io_parallel"].graph
    ops = {}
    for (name, *_), out in zip(CASES, g.outputs, strict=True):
        ops[name] = (g[out].op, g[out].inputs)
    assert ops["ReLU"] == ops["F.relu"] == ops["torch.relu"] == ops["x.relu()"]
    assert ops["Sigmoid"][0] == ops["torch.sigmoid"][0]
    assert ops["ReLU6"] == ops["F.relu6"]
    assert (
        ops["Hardtanh"][0].function == "hardtanh" and ops["torch.clamp"][0].function == "hardtanh"
    )
    assert ops["x.clamp(min=0)"][0].function == "relu"
    assert ops["x.clamp(0, 3)"][0].function == "clipped_relu"
