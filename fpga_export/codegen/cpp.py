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


def array_values(values: np.ndarray, per_line: int = 8) -> str:
    """Comma-separated exact values (repr of float64) wrapped for readability."""
    flat = [repr(float(v)) for v in np.asarray(values, dtype=np.float64).ravel()]
    rows = [", ".join(flat[i : i + per_line]) for i in range(0, len(flat), per_line)]
    return ",\n    ".join(rows)


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
