"""Whole PyTorch models: an MLP (BatchNorm1d fused into its Linear), CNNs whose Linear reads
a flattened channels-first feature map (its rows permuted in the firmware), a
depthwise-separable CNN, a grouped-convolution CNN, a Conv1d model, an Embedding model. For
each: csim == Interpreter exactly in both io types, csim within ``error_bound`` (the
per-layer bound of torch_helpers, from the types) of the float model; NCHW arrays in and the
torch model's outputs out; trace values in the torch layout."""

import numpy as np
import pytest
import torch
from torch import nn
from torch_helpers import (
    IO_TYPES,
    WIDE,
    check_close,
    check_exact,
    compiled,
    error_bound,
    torch_outputs,
)


def _randomize_bn(model):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                m.running_mean.normal_(0, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.2)
    return model.eval()


def mlp():
    return nn.Sequential(
        nn.Linear(10, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 4), nn.Softmax(dim=1),
    )  # fmt: skip


def cnn():
    return nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 4, (3, 2)), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 2 * 2, 5),
    )  # fmt: skip


def separable():
    return nn.Sequential(
        nn.Conv2d(3, 3, 3, padding=1, groups=3), nn.Conv2d(3, 8, 1), nn.BatchNorm2d(8),
        nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False),
        nn.Conv2d(8, 16, 1), nn.ReLU6(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 5),
    )  # fmt: skip


def grouped():
    return nn.Sequential(
        nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1, groups=4),
        nn.ReLU(), nn.Conv2d(8, 6, 1, groups=2), nn.Flatten(), nn.Linear(6 * 6 * 5, 3),
    )  # fmt: skip


def conv1d():
    return nn.Sequential(
        nn.Conv1d(2, 4, 5, padding=2), nn.ReLU(), nn.AvgPool1d(2), nn.Conv1d(4, 4, 3, groups=2),
        nn.Flatten(), nn.Linear(4 * 6, 3),
    )  # fmt: skip


MODELS = {
    "mlp": (mlp, (10,)),
    "cnn": (cnn, (3, 8, 7)),
    "separable": (separable, (3, 8, 8)),
    "grouped": (grouped, (4, 6, 5)),
    "conv1d": (conv1d, (2, 16)),
}


@pytest.fixture(scope="module", params=list(MODELS))
def setup(request, tmp_path_factory):
    make, shape = MODELS[request.param]
    torch.manual_seed(5)
    model = _randomize_bn(make())
    out = tmp_path_factory.mktemp(request.param)
    return model, shape, {io: compiled(model, out, io, input_shape=shape) for io in IO_TYPES}


@pytest.mark.parametrize("io_type", IO_TYPES)
def test_csim_equals_interpreter_and_is_close_to_torch(setup, io_type):
    model, shape, fws = setup
    x = torch.randn(100, *shape, generator=torch.Generator().manual_seed(6))
    got = check_exact(fws[io_type], x.numpy())  # NCHW in
    want = torch_outputs(model, x)
    check_close(got, want, error_bound(model, x))
    assert (got[0].argmax(1) == want[0].argmax(1)).mean() > 0.97


def test_trace_is_in_the_torch_layout(setup):
    """Every traced node that stands for a torch tensor has its shape and values."""
    model, shape, fws = setup
    fw = fws["io_parallel"]
    x = torch.randn(8, *shape, generator=torch.Generator().manual_seed(7))
    seen = {}
    hooks = [
        m.register_forward_hook(lambda m, i, o, name=name: seen.__setitem__(name, o))
        for name, m in model.named_children()
    ]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    trace = fw.trace(x.numpy())
    node_of = {  # the module each node came from (a Linear with a fused BN: neither)
        n.source.split("'")[1]: n.name
        for n in fw.graph
        if n.source.startswith("'") and "fused" not in n.source
    }
    compared = 0
    for name, y in seen.items():
        if name in node_of:
            got = trace[node_of[name]]
            assert got.shape == (8, *y.shape[1:]), name
            bound = error_bound(list(model.children())[: int(name) + 1], x)
            assert np.abs(got - y.double().numpy()).max() <= bound, name
            compared += 1
    assert compared >= 4


def test_mlp_batchnorm_is_fused_and_linear_after_flatten_reads_channels_last(setup):
    model, shape, fws = setup
    g = fws["io_parallel"].graph
    kinds = [n.op.kind for n in g]
    assert "batchnorm" not in kinds or len(shape) > 1  # BN after a Linear: fused
    assert "permute" not in kinds  # inputs arrive channels-last, flatten keeps the order
    if len(shape) > 1:
        assert g[g.inputs[0]].shape == (*shape[1:], shape[0])


def test_embedding_model(tmp_path):
    """ids (L,) -> Embedding (L, E) -> transpose -> Conv1d: the transpose costs no node
    (the embedding rows are already the channels-last (L, E) map a Conv1d reads)."""

    class TextNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(20, 4)
            self.conv = nn.Conv1d(4, 6, 3, padding=1)
            self.pool = nn.AdaptiveMaxPool1d(1)
            self.fc = nn.Linear(6, 2)

        def forward(self, ids):
            h = self.emb(ids).transpose(1, 2)
            return self.fc(torch.flatten(self.pool(torch.relu(self.conv(h))), 1))

    torch.manual_seed(8)
    model = TextNet().eval()
    ids = torch.randint(0, 20, (50, 7))
    with torch.no_grad():  # the embedding rows are quantized exactly like an input
        rows = model.emb(ids).transpose(1, 2)
    bound = error_bound([model.conv, nn.ReLU(), model.pool, nn.Flatten(), model.fc], rows)
    for io in IO_TYPES:
        fw = compiled(model, tmp_path, io, example_input=ids, input_precision="ap_uint<5>")
        assert [n.op.kind for n in fw.graph][:3] == ["input", "embedding", "conv1d"]
        got = check_exact(fw, ids.numpy())
        check_close(got, torch_outputs(model, ids), bound)


def test_layernorm_model(tmp_path):
    """LayerNorm over the last axis of a (sequence, features) input: no layout change.
    Per row, the 1/sqrt(var + eps) table (1024 entries over [0, 8), rounded to 2^-11) is
    off by at most ``|d/dv| * bin / 2 + 2^-11`` at the row's variance v; times |x - mean|
    and gamma, plus a few LSB of the fixed-point mean/variance/products."""
    torch.manual_seed(9)
    ln = nn.LayerNorm(8)
    model = nn.Sequential(ln, nn.ReLU()).eval()
    with torch.no_grad():
        ln.weight.uniform_(0.5, 1.5)
        ln.bias.normal_(0, 0.2)
    x = torch.randn(64, 6, 8, generator=torch.Generator().manual_seed(10)) * 1.5
    var = x.var(dim=-1, unbiased=False)
    assert float(var.max()) < 7.5  # inside the table
    slope = 0.5 * (var + ln.eps) ** -1.5
    dev = (x - x.mean(dim=-1, keepdim=True)).abs().amax(dim=-1)
    row_bound = dev * float(ln.weight.detach().max()) * (slope / 256 + 2.0**-11) + 64 * 2.0**-14
    for io in IO_TYPES:
        fw = compiled(model, tmp_path, io, input_shape=(6, 8))
        assert fw.graph[fw.graph.inputs[0]].shape == (6, 8)
        (got,) = check_exact(fw, x.numpy())
        (want,) = torch_outputs(model, x)
        err = np.abs(got - want).max(axis=-1)
        assert np.all(err <= row_bound.numpy()), float((err - row_bound.numpy()).max())


def test_channels_last_io(tmp_path):
    """channels_last_io=True: NHWC in, rank >= 2 outputs NHWC, 1-D outputs in torch order."""

    class TwoOut(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = grouped()
            self.head, self.tail = self.body[:4], self.body[4:]

        def forward(self, x):
            h = self.head(x)
            return h, self.tail(h)

    torch.manual_seed(11)
    model = TwoOut().eval()
    x = torch.randn(20, 4, 6, 5, generator=torch.Generator().manual_seed(12))
    fw = model.export_fpga(tmp_path / "cl", input_shape=(4, 6, 5), precision=WIDE,
                           channels_last_io=True).compile()  # fmt: skip
    assert fw.input_shapes == [(6, 5, 4)] and fw.output_shapes == [(6, 5, 8), (3,)]
    assert fw.graph.layouts == {}
    nhwc = x.permute(0, 2, 3, 1).numpy()
    h, y = check_exact(fw, nhwc)
    h_want, y_want = torch_outputs(model, x)
    bound = error_bound(list(model.body), x)
    np.testing.assert_allclose(h, h_want.transpose(0, 2, 3, 1), atol=bound)
    np.testing.assert_allclose(y, y_want, atol=bound)
    default = model.export_fpga(input_shape=(4, 6, 5), precision=WIDE)
    assert default.input_shapes == [(4, 6, 5)] and default.output_shapes == [(8, 6, 5), (3,)]
    h2, y2 = default.reference(x.numpy())
    np.testing.assert_array_equal(h2, h.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(y2, y)
