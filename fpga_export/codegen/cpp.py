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
    mean equal values: a fixed-point type's raw integers, see ``coded_values``), by default
    the float64 bit patterns; the text is the same either way."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    if codes is None:
        return coded_values(flat.view(np.int64), lambda c: c.view(np.float64), per_line,
                            head=head, tail=tail)  # fmt: skip
    codes = np.asarray(codes).ravel()
    if codes.shape != flat.shape or codes.dtype.kind not in "iu":
        raise ValueError("codes must be integers, one per value")
    where = dict(zip(codes.tolist(), range(codes.size), strict=True)) if codes.size else {}
    value_of = lambda c: flat[[where[k] for k in c.tolist()]]  # noqa: E731
    return coded_values(codes, value_of, per_line, head=head, tail=tail)


def coded_values(
    codes: np.ndarray, value_of, per_line: int = 8, *, head: str = "", tail: str = ""
) -> str:
    """``array_values`` of the values ``value_of(distinct codes)`` (e.g. a fixed-point type's
    raw integers and ``FixedType.from_raw``): only the distinct values are ever made."""
    codes = np.asarray(codes).ravel()
    if codes.size == 0:
        return head + tail
    if codes.dtype.kind not in "iu":
        raise ValueError("codes must be integers, one per value")
    distinct, slot = _distinct(codes)
    words = [repr(v) for v in np.asarray(value_of(distinct), dtype=np.float64).tolist()]
    # three tokens per distinct value: inside a line, at a line's end, the very last one
    tokens = np.array([w + s for w in words for s in (", ", ",\n    ", "")], dtype=object)
    index = slot
    index *= 3
    index[per_line - 1 :: per_line] += 1
    index[-1] += 2 - (index.size % per_line == 0)
    words = tokens[index].tolist()
    words[0] = head + words[0]
    words[-1] = words[-1] + tail  # (the same word when there is one value)
    return "".join(words)


def _distinct(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct codes, ascending; each element's number among them, a new array). Small
    code ranges (fixed-point raw values) take a table, in linear time; others sort."""
    lo, hi = int(codes.min()), int(codes.max())
    if hi - lo < max(4 * codes.size, 1 << 16):
        offset = np.subtract(codes, lo, dtype=np.intp)
        seen = np.zeros(hi - lo + 1, dtype=bool)
        seen[offset] = True
        present = np.flatnonzero(seen)
        number = np.zeros(hi - lo + 1, dtype=np.intp)
        number[present] = np.arange(present.size)
        return (present + lo).astype(codes.dtype), number.take(offset, out=offset, mode="clip")
    distinct, slot = np.unique(codes, return_inverse=True)
    return distinct, slot.ravel().astype(np.intp, copy=False)


def reciprocal_table(
    name: str, type_name: str, n_max: int, storage: str = "static const"
) -> tuple[str, str]:
    """1/n converted to a fixed-point type for n = 1 .. n_max, as a constant table (a ROM;
    entry 0 is unused) and a config member ``static recip_t recip(unsigned n)`` reading it.
    Each entry is the exact double 1/n, as the numpy reference quantizes it, so a lookup
    equals converting ``1.0 / n``. The table is a namespace-scope array declared ``storage``
    (``EmitContext.const_table``: one per library; a static inside an inline function would be
    one symbol shared by every csim library loaded in a process)."""
    values = ", ".join(["0"] + [literal(1.0 / n) for n in range(1, n_max + 1)])
    table = f"{storage} {type_name} {name}[{n_max + 1}] = {{{values}}};"
    member = f"static recip_t recip(unsigned n) {{ return {name}[n]; }}"
    return table, member
