"""Time-major model inputs: ``export_fpga(..., batch_axis=1)`` for ``forward(x)`` with x of
shape (T, batch, F), read by ``nn.LSTM(batch_first=False)`` (torch_plugin/export.py,
torch_plugin/time_major.py). The firmware stays batch first: ``predict``/``reference`` take
(batch, T, F); ``as_torch_module()`` and ``CSimValidator`` take the model's (T, batch, F).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from torch import nn

import torch_plugin  # noqa: F401
from fpga_export import Firmware
from fpga_export.state import STATE_FILE, WEIGHTS_FILE, StateError
from torch_plugin import CSimValidator

STEPS, FEATURES, UNITS = 8, 6, 16

# The model is test_torch_recurrent.jet_tagger(nn.LSTM) (same seed, sizes and precision)
# with batch_first=False and h[-1]: its TOL16 bound holds (measured: ~0.02).
TOL16 = 0.1


class TimeMajorTagger(nn.Module):
    """The torch default nn.LSTM (batch_first=False) on forward's own (T, batch, F) input."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(4)
        self.lstm = nn.LSTM(FEATURES, UNITS)
        self.fc = nn.Linear(UNITS, 5)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.fc(h[-1])


def jets(n, seed=2):
    """(n, T, F): batch first, as the firmware takes them."""
    return np.random.default_rng(seed).normal(0, 1, (n, STEPS, FEATURES)).astype(np.float32)


def torch_out(model, x_batch_first):
    with torch.no_grad():
        return model.eval()(torch.from_numpy(x_batch_first).transpose(0, 1)).double().numpy()


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    model = TimeMajorTagger()
    out = tmp_path_factory.mktemp("time_major") / "prj"
    fw = model.export_fpga(out, input_shape=(STEPS, FEATURES), batch_axis=1).compile()
    return model, fw


def test_csim_and_torch(exported):
    model, fw = exported
    assert fw.graph.batch_axes == [1]
    assert fw.graph[fw.graph.inputs[0]].shape == (STEPS, FEATURES)
    x = jets(300)
    got = fw.predict(x)
    np.testing.assert_array_equal(got, fw.reference(x))
    want = torch_out(model, x)
    assert got.shape == want.shape == (300, 5)
    assert np.abs(got - want).max() <= TOL16
    assert np.mean(got.argmax(1) == want.argmax(1)) >= 0.95


def test_as_torch_module_takes_time_major_tensors(exported):
    _, fw = exported
    x = jets(40, seed=3)
    x_time_major = torch.from_numpy(x).transpose(0, 1)  # (T, batch, F)
    with torch.no_grad():
        y = fw.as_torch_module()(x_time_major)
    assert y.shape == (40, 5) and y.dtype == torch.float32
    np.testing.assert_array_equal(y.numpy(), fw.reference(x).astype(np.float32))


def test_example_input_is_time_major(exported):
    model, fw = exported
    example = torch.zeros(STEPS, 3, FEATURES)
    again = model.export_fpga(example_input=example, batch_axis=1)
    assert again.graph.batch_axes == [1]
    assert again.graph[again.graph.inputs[0]].shape == (STEPS, FEATURES)
    x = jets(20, seed=4)
    np.testing.assert_array_equal(again.reference(x), fw.reference(x))


def saved_copy(fw, folder):
    """``fw.save_state()``'s two state files, copied into ``folder``."""
    project = fw.save_state()
    for name in (STATE_FILE, WEIGHTS_FILE):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(project / name, folder / name)
    return folder


def test_save_load_keeps_the_batch_axis(exported, tmp_path):
    _, fw = exported
    folder = saved_copy(fw, tmp_path)
    assert json.loads((folder / STATE_FILE).read_text())["graph"]["batch_axes"] == [1]
    loaded = Firmware.load(folder)
    assert loaded.graph.batch_axes == [1] and loaded.graph.batch_axis(0) == 1
    x = jets(10, seed=5)
    np.testing.assert_array_equal(loaded.reference(x), fw.reference(x))


def test_state_without_batch_axes_is_batch_first(exported, tmp_path):
    _, fw = exported
    folder = saved_copy(fw, tmp_path)
    path = folder / STATE_FILE
    state = json.loads(path.read_text())
    del state["graph"]["batch_axes"]  # a state saved before batch_axes
    path.write_text(json.dumps(state))
    assert Firmware.load(folder).graph.batch_axis(0) == 0
    state["graph"]["batch_axes"] = [2]
    path.write_text(json.dumps(state))
    with pytest.raises(StateError) as info:
        Firmware.load(folder)
    assert str(info.value) == (f"{path}: graph: batch_axes must be a list of 0 or 1, one per input")


def test_validator_feeds_time_major_batches(tmp_path):
    model = TimeMajorTagger()
    x = torch.from_numpy(jets(120)).transpose(0, 1)  # (T, 120, F)
    y = torch.randint(0, 5, (120,), generator=torch.Generator().manual_seed(0))
    validator = CSimValidator(
        model, example_input=x[:, :1], batch_axis=1, output_dir=tmp_path, overflow=20
    )
    loader = [(x[:, lo : lo + 50], y[lo : lo + 50]) for lo in range(0, 120, 50)]
    results = validator.evaluate(loader)
    y_csim = validator.firmware.predict(x.transpose(0, 1).numpy())
    assert results["csim_accuracy"] == float(np.mean(y_csim.argmax(1) == y.numpy()))
    assert results["csim_max_abs_diff"] <= TOL16
    assert validator.evaluate((x, y)) == results  # one (x, y) pair: the same samples


@pytest.mark.parametrize(
    "batch_axis, message",
    [
        (2, "batch_axis must be 0 (batch first) or 1 (a time-major sequence (T, batch, F)), "
            "or a list with one of them per model input, got 2"),
        ([0, True], "batch_axis must be 0 (batch first) or 1 (a time-major sequence (T, batch, "
            "F)), or a list with one of them per model input, got [0, True]"),
        ([1, 1], "batch_axis [1, 1] gives 2 axes, but the model has 1 input(s): give one per "
            "input (or one int for all)"),
    ],
)  # fmt: skip
def test_bad_batch_axis(batch_axis, message):
    with pytest.raises(ValueError) as info:
        TimeMajorTagger().export_fpga(input_shape=(STEPS, FEATURES), batch_axis=batch_axis)
    assert str(info.value) == message


def test_batch_axis_1_needs_a_sequence():
    model = nn.Sequential(nn.Linear(4, 2))
    with pytest.raises(ValueError) as info:
        model.export_fpga(input_shape=(4,), batch_axis=1)
    assert str(info.value) == (
        "batch_axis=1 (time-major) needs a sequence (T, batch, F), but the input has 2 "
        "dimension(s) with the batch (per sample (4,))"
    )


class Raw(nn.Module):
    """Returns the LSTM's time-major ``out``, or its own input."""

    def __init__(self, use_lstm: bool):
        super().__init__()
        self.lstm = nn.LSTM(FEATURES, 4) if use_lstm else None

    def forward(self, x):
        return self.lstm(x)[0] if self.lstm is not None else x


@pytest.mark.parametrize(
    "use_lstm, seen",
    [(True, "(8, batch, 4) (from 'lstm' (LSTM))"),
     (False, "(8, batch, 6) (from model input 'x' (batch_axis=1))")],
)  # fmt: skip
def test_time_major_output_is_refused(use_lstm, seen):
    with pytest.raises(ValueError) as info:
        Raw(use_lstm).export_fpga(input_shape=(STEPS, FEATURES), batch_axis=1)
    item = "getitem" if use_lstm else "x"
    assert str(info.value) == (
        f"output 0 of the model ({item}) is a time-major sequence (T, batch, F) = {seen}: only "
        "a recurrent module with batch_first=False, seq[t] and seq.transpose(0, 1) / "
        "seq.permute(1, 0, 2) back to batch first can use it: return a tensor (batch first) "
        "instead"
    )
