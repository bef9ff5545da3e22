"""Shared helpers for the fixed-point conformance vectors (``shared/conformance/``).

Used by the Python quantizer tests and by the C++ ``nnet_cpp/compat`` tests, so it depends
on nothing but the standard library.  The vectors' format is documented in
``shared/conformance/README.md``.

Finding the vectors: the environment variable ``FPGA_EXPORT_CONFORMANCE`` (a directory) wins;
otherwise the first ancestor of the repository root that contains
``shared/conformance/ap_fixed_cases.jsonl.gz``, then (a clone made elsewhere, e.g. in a
temporary folder) the first such ancestor of the local repository it was cloned from
(``remote.origin.url``).  If none exists, :func:`conformance_dir`
raises :class:`ConformanceNotFound` -- a conformance test must fail, never skip, when its
ground truth is missing.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import re
import struct
import subprocess
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

ENV_VAR = "FPGA_EXPORT_CONFORMANCE"
AP_CASES = "ap_fixed_cases.jsonl.gz"
AC_CASES = "ac_fixed_cases.jsonl.gz"
_MARKER = Path("shared") / "conformance" / AP_CASES
REPO_ROOT = Path(__file__).resolve().parent.parent


class ConformanceNotFound(RuntimeError):
    """The conformance vectors could not be located."""


def conformance_dir() -> Path:
    """Directory holding the ``*_cases.jsonl.gz`` files (see module docstring)."""
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env)
        if not (path / AP_CASES).is_file():
            raise ConformanceNotFound(
                f"{ENV_VAR}={env!r} does not contain {AP_CASES}; point it at the directory "
                "holding the conformance vectors (shared/conformance)"
            )
        return path
    found = find_shared(_MARKER)
    if found is not None:
        return found.parent
    raise ConformanceNotFound(
        f"conformance vectors not found: no ancestor of {REPO_ROOT} contains {_MARKER}, "
        f"and {ENV_VAR} is not set; set {ENV_VAR} to the directory holding {AP_CASES}"
    )


def find_shared(marker: Path | str) -> Path | None:
    """``<ancestor>/<marker>`` (e.g. ``shared/vendor/...``) for the first ancestor of the
    repository root that has it, then (a clone made elsewhere) the first such ancestor of the
    local repository it was cloned from; None if there is none."""
    for root in (REPO_ROOT, _origin()):
        for ancestor in (root, *root.parents) if root else ():
            if (ancestor / marker).exists():
                return ancestor / marker
    return None


def _origin() -> Path | None:
    """The local repository this checkout was cloned from, if it was cloned from a folder."""
    try:
        url = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "config", "--get", "remote.origin.url"],
            capture_output=True, text=True, timeout=10,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(url.removeprefix("file://")) if url else None
    return path.resolve() if path is not None and path.is_dir() else None


@functools.lru_cache(maxsize=4)
def _load_all(path: str) -> tuple[dict[str, Any], ...]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return tuple(json.loads(line) for line in fh if line.strip())


def load_cases(name: str = AP_CASES, ops: Iterable[str] | str | None = None) -> Iterator[dict]:
    """Yield the records of one vector file (parsed once per process, then cached).

    ``ops`` optionally restricts to one op name or a collection of op names.  The dicts are
    shared between calls: do not mutate them.
    """
    if isinstance(ops, str):
        ops = {ops}
    elif ops is not None:
        ops = set(ops)
    for rec in _load_all(str(conformance_dir() / name)):
        if ops is None or rec["op"] in ops:
            yield rec


def cast_kind(rec: dict) -> str:
    """For a ``cast`` record: ``"double->fixed"``, ``"fixed->int"``, ``"int->fixed"``, ..."""

    def kind(spelling: str) -> str:
        if spelling == "double":
            return "double"
        return "int" if re.match(r"\s*a[pc]_u?int\b", spelling) else "fixed"

    return f"{kind(rec['from'])}->{kind(rec['to'])}"


def op_kind(rec: dict) -> str:
    """A record's op, with casts split by kind (``"cast double->fixed"``) as in the README."""
    return f"cast {cast_kind(rec)}" if rec["op"] == "cast" else rec["op"]


# ---------------------------------------------------------------------------- bit patterns


def bits_to_raw(bits: str, width: int, signed: bool) -> int:
    """Decode a ``*_bits`` hex string into the raw integer of a W-bit type.

    ``signed`` types give the two's-complement value in [-2^(W-1), 2^(W-1)); unsigned types
    the plain value in [0, 2^W).
    """
    value = int(bits, 16)
    if value >> width:
        raise ValueError(f"bit pattern {bits} does not fit in {width} bits")
    if signed and value >> (width - 1):
        value -= 1 << width
    return value


def raw_of(bits: str, ftype: Any) -> int:
    """:func:`bits_to_raw` for any type object with ``width`` and ``signed`` attributes."""
    return bits_to_raw(bits, ftype.width, ftype.signed)


def raw_to_bits(raw: int, width: int) -> str:
    """Inverse of :func:`bits_to_raw`: ``0x`` + ceil(W/4) lowercase hex digits."""
    return f"0x{raw & ((1 << width) - 1):0{(width + 3) // 4}x}"


def double_from_bits(bits: str) -> float:
    """An IEEE-754 binary64 pattern (16 hex digits, as in ``x_bits``) as a Python float."""
    return struct.unpack("<d", struct.pack("<Q", int(bits, 16)))[0]


def double_to_bits(value: float) -> str:
    return f"0x{struct.unpack('<Q', struct.pack('<d', value))[0]:016x}"


def exact_value(text: str) -> Fraction:
    """A fixed-point value string (``"-0.375"``, ``"12"``) as an exact Fraction.

    For doubles use :func:`double_from_bits`: their strings are shortest repr, not exact.
    """
    return Fraction(text)


# ---------------------------------------------------------------------------- type spelling

_AP_RE = re.compile(
    r"^\s*(ap_fixed|ap_ufixed)\s*<\s*(-?\d+)\s*,\s*(-?\d+)\s*(?:,\s*(\w+)\s*)?(?:,\s*(\w+)\s*)?>\s*$"
)
_AP_BASE_RE = re.compile(
    r"^\s*ap_fixed_base\s*<\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(true|false)\s*,\s*(\w+)\s*,\s*(\w+)\s*>\s*$"
)
_AP_INT_RE = re.compile(r"^\s*(ap_int|ap_uint)\s*<\s*(\d+)\s*>\s*$")
_AC_FIXED_RE = re.compile(
    r"^\s*ac_fixed\s*<\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(true|false)\s*(?:,\s*(\w+)\s*)?(?:,\s*(\w+)\s*)?>\s*$"
)
_AC_INT_RE = re.compile(r"^\s*ac_int\s*<\s*(\d+)\s*,\s*(true|false)\s*>\s*$")


def type_params(spelling: str) -> dict[str, Any]:
    """Split a reference type spelling into its parameters.

    Returns ``{"family": "ap_fixed"|"ac_fixed"|"ap_int"|"ac_int", "width", "integer", "signed",
    "rounding", "overflow"}`` (modes as spelled, e.g. ``"AP_RND"``; defaults filled in;
    ``integer == width`` for integer types).  ``ap_fixed_base<W,I,S,Q,O>`` is reported as
    family ``ap_fixed``.
    """
    if m := _AP_RE.match(spelling):
        fam, w, i, q, o = m.groups()
        return _params("ap_fixed", int(w), int(i), fam == "ap_fixed", q or "AP_TRN", o or "AP_WRAP")
    if m := _AP_BASE_RE.match(spelling):
        w, i, s, q, o = m.groups()
        return _params("ap_fixed", int(w), int(i), s == "true", q, o)
    if m := _AP_INT_RE.match(spelling):
        fam, w = m.groups()
        return _params("ap_int", int(w), int(w), fam == "ap_int", "AP_TRN", "AP_WRAP")
    if m := _AC_FIXED_RE.match(spelling):
        w, i, s, q, o = m.groups()
        return _params("ac_fixed", int(w), int(i), s == "true", q or "AC_TRN", o or "AC_WRAP")
    if m := _AC_INT_RE.match(spelling):
        w, s = m.groups()
        return _params("ac_int", int(w), int(w), s == "true", "AC_TRN", "AC_WRAP")
    raise ValueError(f"unrecognised reference type spelling {spelling!r}")


def _params(family: str, w: int, i: int, s: bool, q: str, o: str) -> dict[str, Any]:
    return {
        "family": family,
        "width": w,
        "integer": i,
        "signed": s,
        "rounding": q,
        "overflow": o,
    }


def ap_spelling(spelling: str) -> str:
    """Normalise an ap spelling to ``ap_fixed``/``ap_ufixed``/``ap_int``/``ap_uint`` text.

    ``ap_fixed_base<W,I,true,Q,O>`` becomes ``ap_fixed<W,I,Q,O>`` (value-identical, README);
    every other spelling is returned stripped.
    """
    if m := _AP_BASE_RE.match(spelling):
        w, i, s, q, o = m.groups()
        return f"{'ap_fixed' if s == 'true' else 'ap_ufixed'}<{w},{i},{q},{o}>"
    return spelling.strip()
