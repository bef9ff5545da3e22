"""The Intel estimate of the oneapi and quartus backends: the Intel part table and its lookup,
the Intel pricing of the model's operation counts (backends.intel_cost), and the estimate,
its text and its HTML against the Intel target (docs/estimate.md "Intel devices")."""

from __future__ import annotations

import numpy as np
import pytest

from fpga_export import ExportConfig, Firmware
from fpga_export.backends.intel_cost import UNCALIBRATED, IntelCost
from fpga_export.backends.intel_parts import PARTS, find_intel_part, unknown_part_note
from fpga_export.ir import Graph, Node
from fpga_export.ir.cost import Resources
from fpga_export.layers.dense import Dense
from fpga_export.layers.input import Input

RAW = 341  # 0b101010101: five nonzero CSD digits, a 10-bit odd part: a DSP product


def tiny(backend: str, **config) -> Firmware:
    """input (2) -> Dense(1) with the weights +-341/1024 (both DSP products at 16 bits)."""
    g = Graph("tiny")
    g.add(Node("input_1", Input(), shape=(2,)))
    w = {"kernel": np.array([[RAW / 1024], [-RAW / 1024]]), "bias": np.zeros(1)}
    g.add(Node("dense_1", Dense(units=1), ["input_1"], weights=w))
    g.inputs, g.outputs = ["input_1"], ["dense_1"]
    cfg = ExportConfig(backend=backend, **config)
    cfg.apply(g, {"input_1": "InputLayer", "dense_1": "Dense"})
    return Firmware(g, cfg)


# -- the part table --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, device",
    [
        ("Agilex7", "AGI027"),
        ("agilex 7", "AGI027"),
        ("Agilex", "AGI027"),
        ("Stratix10", "1SG280"),
        ("stratix_10", "1SG280"),
        ("Arria10", "10AX115"),
        ("Cyclone10GX", "10CX220"),
        ("AGIB027R29A1E2VR3", "AGI027"),
        ("AGI 019", "AGI019"),
        ("1SG280HU2F50E2VG", "1SG280"),
        ("1SG280LU3F50E3VGS1", "1SG280"),
        ("10AX115S2F45I1SG", "10AX115"),
        ("10CX220YF780E5G", "10CX220"),
    ],
)
def test_families_and_ordering_codes_find_their_device(name, device):
    assert find_intel_part(name).device == device


@pytest.mark.parametrize("name", ["AGMF039R47A1E2VR0", "1SX280LN2F43E2LG", "xcvu13p", "Agilex5"])
def test_devices_not_in_the_table_are_none(name):
    assert find_intel_part(name) is None


def test_every_entry_is_sourced_and_consistent():
    for p in PARTS.values():
        assert p.source and p.name
        assert p.registers == 4 * p.alm  # four registers per ALM (Intel's ALM description)
    a10 = PARTS["10AX115"]  # Arria 10 development kit guide, Arria 10 handbook
    assert (a10.alm, a10.registers, a10.m20k, a10.dsp) == (427_200, 1_708_800, 2_713, 1_518)
    s10 = PARTS["1SG280"]  # Stratix 10 GX development kit guide, Intel ARK
    assert (s10.alm, s10.m20k, s10.dsp, s10.mlab) == (933_120, 11_721, 5_760, None)
    # the F-Series development kit's device, from a real oneAPI report's "Available" row
    # (tests/fixtures/vendor_reports/oneapi2025_0_hls4ml_dense_stream: 974,400 ALUTs)
    assert find_intel_part("AGFB014R24B2E2V").amounts() == {
        "dsp": 4_510,
        "lut": 974_400 // 2,
        "ff": 1_948_800,
        "bram_18k": 7_110,
        "uram": 24_360,
    }
    assert PARTS["AGI027"].amounts() == {
        "dsp": 8_528,
        "lut": 912_800,
        "ff": 3_651_200,
        "bram_18k": 13_272,
        "uram": 45_640,
    }


def test_unknown_part_note_names_the_known_parts():
    assert unknown_part_note("AGMF039R47A1E2VR0") == (
        "Intel part 'AGMF039R47A1E2VR0' is not in the Intel part table (fpga_export/backends/"
        "intel_parts.py): absolute numbers only. Known families: Agilex7 (AGI027), "
        "Stratix10 (1SG280), Arria10 (10AX115), Cyclone10GX (10CX220); known devices "
        "(ordering codes starting with): AGI019, AGI022, AGI023, AGI027, AGI035, AGI040, "
        "AGF014, 1SG280, 10AX115, 10CX220. Give config part= one of them, or add the device with its "
        "sourced resources to intel_parts.PARTS"
    )


# -- the Intel pricing of the operation counts -------------------------------------------------
def test_dsp_blocks_follow_the_variable_precision_shapes():
    hw = IntelCost(ExportConfig())
    assert hw.dsp_tiles(16, 16) == 0.5  # one of a block's two 18 x 19 multipliers
    assert hw.dsp_tiles(19, 18) == 0.5
    assert hw.dsp_tiles(19, 19) == 1  # 27 x 27
    assert hw.dsp_tiles(27, 27) == 1
    assert hw.dsp_tiles(36, 19) == 1  # 19 x 36
    assert hw.dsp_tiles(30, 30) == 2  # 36 x 36
    assert hw.dsp_tiles(54, 40) == 4  # 54 x 54
    assert hw.dsp_tiles(60, 20) == 4 * 2 * 1  # four per 54 x 54 tile
    assert hw.multiplier(16, 16) == Resources(dsp=0.5)
    assert hw.dsps(9, 16) == 0  # narrower than the (AMD) DSP threshold: fabric
    assert hw.multiplier(8, 8) == Resources(lut=0.6 * 8 * 8 * 0.5)  # two adder bits per ALM


def test_logic_is_priced_in_alms():
    hw = IntelCost(ExportConfig())
    assert hw.adders(3, 10) == Resources(lut=15)  # 30 adder bits, two per ALM
    assert hw.muxes(2, 4, 8) == Resources(lut=16)  # a 4:1 mux bit: one 6-input function
    assert hw.adder_tree(3, 16) == Resources(lut=16)  # 2 adders of 16 bits
    assert hw.constant_product_luts(1.5) == Resources(lut=24)
    assert hw.registers(40) == Resources(ff=40)


def test_memories_in_mlabs_and_m20ks():
    hw = IntelCost(ExportConfig())
    assert hw.rom(32, 32) == Resources(uram=2, lut=20)  # 1,024 bits: two 32 x 20 MLABs
    assert hw.rom(1024, 20) == Resources(bram_18k=26)  # 512 x 40: ceil(1024 / 40)
    assert hw.rom(10, 2048) == Resources(bram_18k=1)  # 2K x 10
    assert hw.rom(40, 600, copies=2) == Resources(bram_18k=4)
    assert hw.rom(1, 16384) == Resources(bram_18k=1)  # 16K x 1
    assert hw.fifo(16, 2) == Resources(ff=32)
    assert hw.fifo(16, 16) == Resources(uram=1, lut=10, ff=16)
    assert hw.fifo(64, 1024) == Resources(bram_18k=4, ff=64)  # 1K x 20: 4 blocks


# -- the estimate against the Intel target ---------------------------------------------------
@pytest.mark.parametrize("backend, device", [("oneapi", "AGI027"), ("quartus", "10AX115")])
def test_tiny_dense_estimate_by_the_documented_rules(backend, device):
    """Two 16 x 10 constant products (DSP: half a block each), their fitted logic (16 ALMs
    per block), a tree of two 16-bit adders (the bias and one sum: 0.5 ALM per bit), the
    16-bit result register; the top registers the 2 + 1 ports of 16 bits."""
    e = tiny(backend).estimate()
    dense = e.layers[1]
    assert dense.resources == Resources(dsp=1, lut=16 * 1 + 0.5 * 2 * 16, ff=16)
    assert e.total == Resources(dsp=1, lut=32, ff=16 + 3 * 16)
    assert e.capacity.device == device and e.fits() is True
    assert e.utilization()["dsp"] == pytest.approx(1 / e.capacity.dsp)
    amd = tiny("vitis").estimate()
    assert amd.layers[1].resources == Resources(dsp=2, lut=16 * 2 + 2 * 16, ff=16)
    assert (e.latency, e.ii) == (amd.latency, amd.ii)  # timing is the AMD model's


def test_estimate_reports_the_intel_target_and_its_resource_names():
    e = tiny("oneapi").estimate()
    assert e.part == "Agilex7"  # the -Xstarget of an AMD-default config
    assert e.labels == {"dsp": "DSP", "lut": "ALM", "ff": "REG", "bram_18k": "M20K", "uram": "MLAB"}
    lines = e.table().splitlines()
    assert lines[0].split() == ["layer", "op", "DSP", "ALM", "REG", "M20K", "MLAB", "latency", "II"]
    assert lines[5].split() == [
        "part",
        "AGI027",
        "8,528",
        "912,800",
        "3,651,200",
        "13,272",
        "45,640",
    ]
    assert f"note: {UNCALIBRATED}" in lines
    assert UNCALIBRATED.startswith("Intel estimate UNCALIBRATED")
    d = e.to_dict()
    assert d["labels"]["lut"] == "ALM" and d["capacity"]["lut"] == 912_800
    e = tiny("quartus", part="1SG280HU2F50E2VG").estimate()
    assert e.part == "1SG280HU2F50E2VG" and e.capacity.device == "1SG280"
    assert "uram" not in e.utilization()  # the source does not count the MLABs


def test_does_not_fit_against_a_small_part():
    g = Graph("wide")
    g.add(Node("input_1", Input(), shape=(64,)))
    rng = np.random.default_rng(1)
    w = {"kernel": rng.choice([RAW / 1024, -RAW / 1024], (64, 16)), "bias": np.zeros(16)}
    g.add(Node("dense_1", Dense(units=16), ["input_1"], weights=w))
    g.inputs, g.outputs = ["input_1"], ["dense_1"]
    cfg = ExportConfig(backend="quartus", part="Cyclone10GX")
    cfg.apply(g, {"input_1": "InputLayer", "dense_1": "Dense"})
    e = Firmware(g, cfg).estimate()
    assert e.layers[1].resources.dsp == 64 * 16 * 0.5 == 512  # > the 192 blocks of 10CX220
    assert e.fits() is False and e.utilization()["dsp"] == pytest.approx(512 / 192)


def test_unknown_intel_part_gives_absolute_numbers_and_the_known_parts():
    e = tiny("oneapi", part="AGMF039R47A1E2VR0").estimate()
    assert e.capacity is None and e.utilization() == {} and e.fits() is None
    assert unknown_part_note("AGMF039R47A1E2VR0") in e.table().splitlines()
    assert e.table().count("absolute numbers only") == 1


def test_html_report_shows_intel_names(tmp_path):
    from html_page import Page

    fw = tiny("quartus", output_dir=tmp_path / "prj")
    fw.write()
    page = Page(fw.report_html().read_text())
    head = page.tables["estimate"][0]
    assert head[:7] == ["layer", "op", "DSP", "ALM", "REG", "M20K", "MLAB"]
    assert ["part 10AX115", "", "1,518", "427,200", "1,708,800", "2,713", "-"] == [
        c for c in page.tables["estimate"][-2][:7]
    ]
    assert "Arria10 (10AX115)" in page.text
    assert UNCALIBRATED in page.text


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_every_op_priced_for_intel_from_the_same_counts(io_type):
    """Same registers as the AMD estimate layer by layer (one ALM register per bit), DSP
    blocks never more than AMD's DSP48 slices (a block takes two 18 x 19 or one 27 x 27)."""
    from every_op import every_op_graph

    intel = Firmware(every_op_graph(), ExportConfig(io_type=io_type, backend="oneapi"))
    amd = Firmware(every_op_graph(), ExportConfig(io_type=io_type))
    pairs = list(zip(intel.estimate().layers, amd.estimate().layers, strict=True))
    assert all(i.resources.ff == a.resources.ff for i, a in pairs)
    assert all(i.resources.dsp <= a.resources.dsp for i, a in pairs)
    assert sum(i.resources.dsp for i, _ in pairs) < sum(a.resources.dsp for _, a in pairs)
