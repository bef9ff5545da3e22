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


def struct(name: str, base: str, fields: dict[str, object], types: dict[str, str]) -> str:
    """``struct name : base { typedef ...; static const ... = ...; };``"""
    lines = [f"struct {name} : {base} {{"]
    lines += [f"    typedef {cpp} {alias};" for alias, cpp in types.items()]
    for key, value in fields.items():
        ctype = "bool" if isinstance(value, (bool, np.bool_)) else "unsigned"
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value < 0:
            ctype = "int"
        lines.append(f"    static const {ctype} {key} = {literal(value)};")
    lines.append("};")
    return "\n".join(lines)


def array_values(values: np.ndarray, per_line: int = 8) -> str:
    """Comma-separated exact values (repr of float64) wrapped for readability."""
    flat = [repr(float(v)) for v in np.asarray(values, dtype=np.float64).ravel()]
    rows = [", ".join(flat[i : i + per_line]) for i in range(0, len(flat), per_line)]
    return ",\n    ".join(rows)
