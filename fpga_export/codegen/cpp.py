"""Small helpers that turn Python values into readable C++ text."""

from __future__ import annotations

import numpy as np


def literal(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def struct(
    name: str, base: str | None, fields: dict[str, object], types: dict[str, str], members=()
) -> str:
    """``struct name : base { typedef ...; static const ... = ...; members };`` (no base when
    ``base`` is None)."""
    lines = [f"struct {name} : {base} {{" if base else f"struct {name} {{"]
    lines += [f"    typedef {cpp} {alias};" for alias, cpp in types.items()]
    for key, value in fields.items():
        ctype = "bool" if isinstance(value, (bool, np.bool_)) else "unsigned"
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value < 0:
            ctype = "int"
        lines.append(f"    static const {ctype} {key} = {literal(value)};")
    lines += [f"    {m}" if m else "" for text in members for m in text.splitlines()]
    lines.append("};")
    return "\n".join(lines)


def array_values(
    values: np.ndarray, per_line: int = 8, *, codes=None, head: str = "", tail: str = ""
) -> str:
    """Comma-separated exact values (``repr`` of each float64) wrapped for readability, after
    ``head`` and before ``tail``.

    Each distinct value is formatted once and the text is one join (``head`` and ``tail``
    included: a million weights make one 14 MB string, not three copies of it), so a million
    weights take milliseconds. Values are told apart by integer ``codes`` (equal codes must
    mean equal values: a fixed-point type's raw integers), by default the float64 bit
    patterns; the text is the same either way."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    if flat.size == 0:
        return head + tail
    codes = flat.view(np.int64) if codes is None else np.asarray(codes).ravel()
    if codes.shape != flat.shape or codes.dtype.kind not in "iu":
        raise ValueError("codes must be integers, one per value")
    first, slot = _distinct(codes)
    words = [repr(v) for v in flat[first].tolist()]
    # three tokens per distinct value: inside a line, at a line's end, the very last one
    tokens = np.array([w + s for w in words for s in (", ", ",\n    ", "")], dtype=object)
    index = 3 * slot
    index[per_line - 1 :: per_line] += 1
    index[-1] = 3 * slot[-1] + 2
    words = tokens[index].tolist()
    words[0] = head + words[0]
    words[-1] = words[-1] + tail  # (the same word when there is one value)
    return "".join(words)


def _distinct(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(one position of each distinct code, each element's number among the distinct codes).
    Small code ranges (fixed-point raw values) take a table, in linear time; others sort."""
    lo, hi = int(codes.min()), int(codes.max())
    if hi - lo < max(4 * codes.size, 1 << 16):
        offset = (codes - lo).astype(np.intp)
        where = np.full(hi - lo + 1, -1, dtype=np.intp)
        where[offset] = np.arange(codes.size)  # any position of each code will do
        present = np.flatnonzero(where >= 0)
        number = np.zeros(hi - lo + 1, dtype=np.intp)
        number[present] = np.arange(present.size)
        return where[present], number[offset]
    _, first, slot = np.unique(codes, return_index=True, return_inverse=True)
    return first, slot.ravel()


def reciprocal_table(name: str, type_name: str, n_max: int) -> tuple[str, str]:
    """1/n converted to a fixed-point type for n = 1 .. n_max, as a constant table (a ROM;
    entry 0 is unused) and a config member ``static recip_t recip(unsigned n)`` reading it.
    Each entry is the exact double 1/n, as the numpy reference quantizes it, so a lookup
    equals converting ``1.0 / n``. The table is a namespace-scope ``static const`` array (one
    per library: a static inside an inline function would be one symbol shared by every
    csim library loaded in a process)."""
    values = ", ".join(["0"] + [literal(1.0 / n) for n in range(1, n_max + 1)])
    table = f"static const {type_name} {name}[{n_max + 1}] = {{{values}}};"
    member = f"static recip_t recip(unsigned n) {{ return {name}[n]; }}"
    return table, member
