"""Layout layers: Interpreter vs a plain numpy reference (exact: pure data movement, then
conversion to the result type), shapes, types and errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fpga_export import passes
from fpga_export.ir import Interpreter
from fpga_export.layers.reshape import (
    Cropping1D,
    Cropping2D,
    Flatten,
    Permute,
    Reshape,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)
from fpga_export.types import FixedType
from graphs import single

T = FixedType.parse
X = T("ap_fixed<12,5>")


def typed(op, shape, **precision):
    g = single(op, shape, precision=precision)
    g["input_1"].precision["result"] = str(X)
    passes.infer_shapes(g)
    passes.infer_types(g)
    return g


def ref_pad(x, pads):  # x (b, *spatial, C); pads one (before, after) per spatial axis
    b, *sp, c = x.shape
    out = np.zeros((b, *(n + p + q for n, (p, q) in zip(sp, pads, strict=True)), c))
    idx = tuple(slice(p, p + n) for n, (p, _) in zip(sp, pads, strict=True))
    out[(slice(None), *idx)] = x
    return out


def ref_crop(x, crops):
    idx = tuple(slice(p, n - q) for n, (p, q) in zip(x.shape[1:-1], crops, strict=True))
    return x[(slice(None), *idx)]


def ref_upsample(x, size):
    out = x
    for axis, f in enumerate(size, start=1):
        out = np.stack([out] * f, axis=axis + 1).reshape(
            *out.shape[:axis], out.shape[axis] * f, *out.shape[axis + 1 :]
        )
    return out


CASES = [
    (ZeroPadding2D(((1, 2), (0, 3))), (3, 4, 2), lambda x: ref_pad(x, ((1, 2), (0, 3)))),
    (ZeroPadding2D(2), (2, 2, 1), lambda x: ref_pad(x, ((2, 2), (2, 2)))),
    (ZeroPadding1D((2, 1)), (5, 3), lambda x: ref_pad(x, ((2, 1),))),
    (ZeroPadding1D(1), (5, 3), lambda x: ref_pad(x, ((1, 1),))),
    (Cropping2D(((1, 0), (1, 2))), (4, 5, 2), lambda x: ref_crop(x, ((1, 0), (1, 2)))),
    (Cropping1D((1, 2)), (6, 2), lambda x: ref_crop(x, ((1, 2),))),
    (UpSampling2D((2, 3)), (2, 3, 2), lambda x: ref_upsample(x, (2, 3))),
    (UpSampling1D((3,)), (4, 2), lambda x: ref_upsample(x, (3,))),
    (UpSampling1D(2), (4, 2), lambda x: ref_upsample(x, (2,))),
    (Reshape((3, -1)), (4, 3, 2), lambda x: x.reshape(len(x), 3, 8)),
    (Reshape((2, 12)), (4, 6), lambda x: x.reshape(len(x), 2, 12)),
    (Permute((2, 1, 3)), (3, 4, 2), lambda x: x.transpose(0, 2, 1, 3)),
    (Permute((3, 1, 2)), (3, 4, 2), lambda x: x.transpose(0, 3, 1, 2)),
    (Permute((2, 1)), (5, 3), lambda x: x.transpose(0, 2, 1)),
    (Flatten(), (3, 4, 2), lambda x: x.reshape(len(x), -1)),
]


@pytest.mark.parametrize("case", range(len(CASES)), ids=lambda i: CASES[i][0].kind + str(i))
def test_interpreter_matches_numpy(case):
    op, shape, ref = CASES[case]
    g = typed(op, shape)
    x = X.quantize(np.random.default_rng(case).normal(0, 4, (20, *shape)))
    want = ref(x)
    got = Interpreter(g).run(x)
    assert g["layer"].shape == want.shape[1:]
    assert g["layer"].result == X  # nothing computed: the input's type
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("case", range(len(CASES)), ids=lambda i: CASES[i][0].kind + str(i))
def test_result_type_converts(case):
    op, shape, ref = CASES[case]
    r = T("ap_fixed<6,2,AP_RND,AP_SAT>")
    g = typed(op, shape, result=str(r))
    x = X.quantize(np.random.default_rng(case).normal(0, 4, (20, *shape)))
    np.testing.assert_array_equal(Interpreter(g).run(x), r.quantize(ref(x)))


def error(op, shape, msg):
    g = single(op, shape)
    with pytest.raises(ValueError, match=re.escape(msg)):
        passes.infer_shapes(g)


def test_errors():
    error(
        ZeroPadding2D(((1, 1), (1, 1))), (4, 3),
        "layer: ZeroPadding2D takes a (height, width, channels) input per sample, got (4, 3)",
    )  # fmt: skip
    error(
        UpSampling1D(2), (4, 3, 2),
        "layer: UpSampling1D takes a (width, channels) input per sample, got (4, 3, 2)",
    )  # fmt: skip
    error(
        ZeroPadding1D((1, -1)), (4, 3),
        "layer: padding must be 1 pair(s) of integers >= 0, got ((1, -1),)",
    )  # fmt: skip
    error(
        Cropping1D((2, 2)), (4, 3),
        "layer: cropping (2, 2) leaves nothing of the input (4, 3)",
    )  # fmt: skip
    error(UpSampling2D((2, 0)), (4, 3, 1), "layer: size must be 2 integer(s) >= 1, got (2, 0)")
    error(
        Reshape((5, -1)), (4, 3),
        "layer: cannot reshape an input of shape (4, 3) (12 values) to (5, -1)",
    )  # fmt: skip
    error(
        Reshape((-1, -1)), (4, 3),
        "layer: cannot reshape an input of shape (4, 3) (12 values) to (-1, -1)",
    )  # fmt: skip
    error(
        Permute((1, 1)), (4, 3),
        "layer: dims (1, 1) is not a permutation of 1..2 (input shape (4, 3))",
    )  # fmt: skip
    error(
        Permute((4, 3, 2, 1)), (2, 2, 2, 2),
        "layer: Permute supports inputs of rank <= 3 per sample, got (2, 2, 2, 2)",
    )  # fmt: skip


def test_permute_config_fields():
    from fpga_export.backends.vitis import VitisBackend
    from fpga_export.codegen.context import EmitContext

    g = typed(Permute((3, 1, 2)), (3, 4, 2))
    ctx = EmitContext(g, VitisBackend())
    # output (2, 3, 4): axis j reads input axis dims[j]-1 with input strides (8, 2, 1)
    assert g["layer"].op.config_fields(g["layer"], ctx) == {
        "out_dim0": 2, "out_dim1": 3, "out_dim2": 4, "stride0": 1, "stride1": 8, "stride2": 2,
    }  # fmt: skip
