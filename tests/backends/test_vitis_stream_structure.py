"""The io_stream firmware is what an HLS engineer would write (DESIGN.md §7, UG1399): checks
on the text of generated projects and of the nnet stream code, no compiler needed."""

import re

import pytest
from test_golden import small_cnn

import nnet_cpp
from fpga_export.config import ExportConfig
from fpga_export.firmware import Firmware
from fpga_export.layers.pool import Pooling2D
from graphs import residual_cnn

DECLARATION = re.compile(r'hls::stream<(\w+), (\d+)> (\w+)\("(\w+)"\);')
PRAGMA = re.compile(r"#pragma HLS STREAM variable=(\w+) depth=(\d+)")
PROCESS = re.compile(r"FE_PROCESS\((\w+), nnet::\w+<[^;]*>\([\w, ]*\)\);")
TRACE = re.compile(r"FE_TRACE_STREAM\(\d+, \w+, \d+\);")  # csim hook, empty for synthesis


def project(tmp_path, graph):
    cfg = ExportConfig(output_dir=tmp_path / graph.name, io_type="io_stream")
    fw = Firmware(graph, cfg)
    return fw, fw.write()


def top_body(fw, out) -> list[str]:
    text = (out / "firmware" / f"{fw.name}.cpp").read_text()
    body = text[text.index("#pragma HLS DATAFLOW") :].splitlines()[1:]
    assert body[-1] == "}"
    return [line.strip() for line in body[:-1] if line.strip()]


@pytest.mark.parametrize("make", [small_cnn, residual_cnn])
def test_the_dataflow_region_holds_only_streams_and_process_calls(tmp_path, make):
    """UG1399 "Canonical Forms": the region is a sequence of function calls passing data
    forward through local streams; no loops or other statements in between."""
    fw, out = project(tmp_path, make())
    declared, depths = [], {}
    for line in top_body(fw, out):
        if line.startswith("//") or TRACE.fullmatch(line) or PROCESS.fullmatch(line):
            continue
        if m := DECLARATION.fullmatch(line):
            assert m.group(3) == m.group(4)
            declared.append(m.group(3))
            depths[m.group(3)] = m.group(2)
            continue
        m = PRAGMA.fullmatch(line)
        assert m, f"not a stream declaration, STREAM pragma or process call: {line!r}"
        assert m.group(1) == declared[-1] and m.group(2) == depths[m.group(1)]
    assert declared


def test_reconvergent_branches_get_deeper_fifos(tmp_path):
    fw, out = project(tmp_path, residual_cnn())
    lines = top_body(fw, out)
    depths = {m.group(3): int(m.group(2)) for ln in lines if (m := DECLARATION.fullmatch(ln))}
    assert depths.pop("x_to_add") == 14
    assert set(depths.values()) == {2}  # UG1399's default depth; never 1
    assert (
        "FE_PROCESS(x_clone, nnet::clone_stream<x_packet_t, 36>(x_out, x_to_conv_a, x_to_add));"
        in lines
    )


def test_flatten_keeps_the_pixel_packets_and_dense_consumes_them(tmp_path):
    """Flatten -> Dense: 8-value packets were repacked into one 1,024-bit packet; now the
    Dense reads the 2-channel pixel packets of the pool (4 of them) itself."""
    fw, out = project(tmp_path, small_cnn())
    defines = (out / "firmware" / "defines.h").read_text()
    assert "typedef nnet::array<pool_1_result_t, 2> pool_1_packet_t;" in defines
    assert "typedef nnet::array<flatten_result_t, 2> flatten_packet_t;" in defines
    top = "\n".join(top_body(fw, out))
    assert "nnet::dense_stream<flatten_packet_t, dense_packet_t, dense_config>" in top


def stream_functions(header: str) -> dict[str, str]:
    """Bodies of the io_stream functions (``*_stream``) of an nnet header, by name."""
    text = (nnet_cpp.NNET_DIR / header).read_text()
    out = {}
    for m in re.finditer(r"\nvoid (\w+_stream)\(", text):
        start = text.index("{", m.end())
        depth, i = 0, start
        while True:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                break
            i += 1
        out[m.group(1)] = text[start : i + 1]
    return out


WINDOW_HEADERS = {
    "conv.h": "conv_2d_stream",
    "pool.h": "pool_2d_stream",
    "depthwise.h": "depthwise_2d_stream",
}


@pytest.mark.parametrize("header", sorted(WINDOW_HEADERS))
def test_streaming_windows_are_partitioned_shift_registers_with_constant_trip_counts(header):
    body = stream_functions(header)[WINDOW_HEADERS[header]]
    for pragma in (
        "#pragma HLS ARRAY_PARTITION variable=lines type=complete dim=1",
        "#pragma HLS ARRAY_PARTITION variable=lines type=complete dim=3",
        "#pragma HLS ARRAY_PARTITION variable=window type=complete dim=0",
        "#pragma HLS ARRAY_PARTITION variable=patch type=complete",
    ):
        assert pragma in body
    assert "for (unsigned ph = 0; ph < S::height; ph++)" in body
    assert "for (unsigned pw = 0; pw < S::width; pw++)" in body
    ii = "1" if header == "pool.h" else "CONFIG_T::reuse_factor"
    assert f"#pragma HLS PIPELINE II={ii}\n            window_shift<" in body
    text = (nnet_cpp.NNET_DIR / header).read_text()
    assert not re.search(r"\bwhile\b", text)  # no data-dependent loop
    assert "% ROWS" not in body and "fill_lines" not in text


def test_dense_stream_is_pipelined_at_the_reuse_factor():
    body = stream_functions("dense.h")["dense_stream"]
    assert body.startswith("{\n#pragma HLS PIPELINE II=dense_stream_sizes<data_T, CONFIG_T>::ii\n")
    text = (nnet_cpp.NNET_DIR / "dense.h").read_text()
    assert "packets > CONFIG_T::reuse_factor ? packets : CONFIG_T::reuse_factor" in text


def without_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", text)


@pytest.mark.parametrize("make", [small_cnn, residual_cnn])
def test_no_float_or_double_in_the_firmware(tmp_path, make):
    """Nothing in the synthesized files computes in floating point (the header default
    configs' ``typedef float`` placeholders are never instantiated by generated code)."""
    g = make()
    if make is small_cnn:  # an average pool with 'same' padding: 1/n differs per window
        g["pool_1"].op = Pooling2D("average", (3, 3), (2, 2), "same")
    fw, out = project(tmp_path, g)
    for f in sorted((out / "firmware").rglob("*.h")) + [out / "firmware" / f"{fw.name}.cpp"]:
        for line in without_comments(f.read_text()).splitlines():
            if re.fullmatch(r"\s*typedef float \w+;\s*", line):
                continue
            assert not re.search(r"\b(float|double)\b", line), f"{f.name}: {line.strip()}"
    params = (out / "firmware" / "parameters.h").read_text()
    if make is small_cnn:
        assert "static const pool_1_recip_t pool_1_recips[10] = {0, 1.0, 0.5, " in params
        assert "static recip_t recip(unsigned n) { return pool_1_recips[n]; }" in params
