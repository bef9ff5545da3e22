"""Small helpers that turn Python values into readable C++ text."""

from __future__ import annotations

import re

import numpy as np

CPP_KEYWORDS = frozenset(
    """alignas alignof and and_eq asm auto bitand bitor bool break case catch char char16_t
    char32_t class compl const constexpr const_cast continue decltype default delete do double
    dynamic_cast else enum explicit export extern false float for friend goto if inline int long
    mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected public
    register reinterpret_cast return short signed sizeof static static_assert static_cast struct
    switch template this thread_local throw true try typedef typeid typename union unsigned using
    virtual void volatile wchar_t while xor xor_eq main nnet hls std""".split()
)


def identifier(text: str) -> str:
    """A readable, valid C++ identifier for a layer name (``dense/1:0`` -> ``dense_1_0``)."""
    name = re.sub(r"[^0-9A-Za-z_]", "_", text).strip("_") or "layer"
    name = re.sub(r"_+", "_", name)
    if name[0].isdigit():
        name = "l_" + name
    if name in CPP_KEYWORDS or name.startswith("__"):
        name = "l_" + name.lstrip("_")
    return name


def literal(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def struct(
    name: str, base: str, fields: dict[str, object], types: dict[str, str], members=()
) -> str:
    """``struct name : base { typedef ...; static const ... = ...; members };``"""
    lines = [f"struct {name} : {base} {{"]
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
