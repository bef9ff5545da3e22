"""HLS pragmas in the spelling of the Intel oneAPI FPGA compiler (icpx -fintelfpga).

The nnet headers write pragmas as Vitis HLS documents them (``#pragma HLS <DIRECTIVE>``,
inside the loop body or after the declaration they apply to). oneAPI takes C++ attributes
and pragmas placed *before* the loop or declaration (Intel oneAPI DPC++/C++ Compiler Handbook
for FPGAs, "Loop Attributes" and "Memory Attributes": "The attribute immediately precedes the
variable declaration"; loop attributes precede the loop statement):

- ``PIPELINE II=n`` inside a loop body -> ``[[intel::initiation_interval(n)]]`` on the loop
  (``PIPELINE`` alone: ``initiation_interval(1)``; oneAPI pipelines every loop, the attribute
  asks for the II),
- ``UNROLL`` -> ``#pragma unroll`` before the loop (``factor=n`` -> ``#pragma unroll n``),
- ``ARRAY_PARTITION ... type=complete`` of a local array -> ``[[intel::fpga_register]]`` on its
  declaration (every element a register),

written as ``_Pragma("unroll")`` inside macros. A loop label stays before the attribute
(``Label: [[intel::initiation_interval(1)]] for (...)``: the attribute appertains to the loop).

Dropped, since oneAPI has no in-source counterpart that means the same: pipelining a function
body (oneAPI pipelines loops, not functions), ``INLINE`` (device code is inlined),
``ARRAY_PARTITION``/``ARRAY_RESHAPE`` of a function parameter (the caller's array decides) and
cyclic/block partitions (``[[intel::numbanks(n)]]`` takes only powers of two; the compiler
banks local memories from their access pattern), ``INTERFACE`` (kernel arguments and pipes are
in the kernel file), ``STREAM`` (FIFO sizes are in the types), ``DATAFLOW`` (one task kernel
runs the layers in order), ``ALLOCATION`` and ``FUNCTION_INSTANTIATE``. Any other pragma is
refused by name (``OneAPIPragmaError``) so a directive oneAPI would ignore never goes unnoticed.
"""

from __future__ import annotations

import re

from .catapult_pragmas import _ANY, _COMMENT, _LOOP, _PRAGMA, _option

LOOP_PRAGMAS = {"PIPELINE", "UNROLL"}
DROPPED = {"INLINE", "INTERFACE", "STREAM", "DATAFLOW", "ALLOCATION", "FUNCTION_INSTANTIATE"}
ARRAYS = {"ARRAY_PARTITION", "ARRAY_RESHAPE"}
REGISTER = "[[intel::fpga_register]]"


class OneAPIPragmaError(ValueError):
    """A pragma of the generated C++ that the oneapi backend has no spelling for."""


def _loop_line(lines: list[str], i: int) -> int | None:
    """The line of the ``for``/``while`` whose body holds line i directly (after its label),
    or None when line i is not directly inside a loop body."""
    j = i - 1
    while j >= 0 and (_COMMENT.match(lines[j]) or _PRAGMA.match(lines[j])):
        j -= 1
    if j < 0 or not lines[j].rstrip(" \\").endswith("{"):
        return None
    for k in range(j, max(j - 3, -1), -1):  # a loop header over up to three lines
        if _LOOP.match(lines[k]):
            return k
        if k < j and lines[k].rstrip(" \\").endswith((";", "{", "}")):
            break
    return None


def _declaration(lines: list[str], i: int, var: str) -> int | None:
    """The line declaring local array ``var`` (``<type> var[...]...;``) before line i in the
    same function, or None (a parameter, or not found)."""
    decl = re.compile(rf"^\s*[\w:<>, ]*[\w>]\s+(?:\w+\s*\[[^;]*\]\s*,\s*)*{var}\s*\[.*;\s*\\?\s*$")
    for j in range(i - 1, max(i - 40, -1), -1):
        if decl.match(lines[j]) and "(" not in lines[j].split(var)[0]:
            return j
        if re.match(r"^\S.*\)\s*\{", lines[j]) or re.match(r"^\s*(template|#define)\b", lines[j]):
            return None  # the function's start
    return None


def _loop_text(name: str, args: str, macro: bool) -> str:
    if name == "PIPELINE":
        return f"[[intel::initiation_interval({_option(args, 'II') or 1})]]"
    factor = _option(args, "factor")
    text = f"unroll {factor}" if factor else "unroll"
    return f'_Pragma("{text}")' if macro else f"#pragma {text}"


def respell(text: str, where: str) -> str:
    """``text`` (C++) with every Vitis pragma respelled for oneAPI, moved before its loop or
    declaration, or dropped (module docstring). ``where`` (the project file) names the file
    and the layer family (a header's stem) in errors."""
    if "hls" not in text.lower():
        return text
    lines = text.split("\n")
    out: list[str | None] = list(lines)
    before: dict[int, list[str]] = {}  # loop line -> attribute lines to insert before it
    registers: set[int] = set()  # declaration lines to mark [[intel::fpga_register]]
    for i, line in enumerate(lines):
        m = _PRAGMA.match(line)
        if m is None:
            if _ANY.match(line):
                raise OneAPIPragmaError(f"{where} line {i + 1}: unreadable pragma {line.strip()!r}")
            continue
        directive, args = (m.group(2), m.group(3)) if m.group(2) else (m.group(4), m.group(5))
        name, args, macro = directive.upper(), args or "", m.group(4) is not None
        out[i] = None
        if name in DROPPED:
            continue
        if name in ARRAYS:
            var = _option(args, "variable")
            kind = _option(args, "type") or ""
            decl = _declaration(lines, i, var) if var and kind.lower() == "complete" else None
            if name == "ARRAY_PARTITION" and decl is not None:
                registers.add(decl)
            continue
        if name not in LOOP_PRAGMAS:
            family = where.rsplit("/", 1)[-1].split(".")[0]
            raise OneAPIPragmaError(
                f"{where} line {i + 1}: {line.strip()!r} has no oneAPI spelling; the oneapi "
                f"backend cannot write layer family {family!r} (use backend='vitis')"
            )
        loop = _loop_line(lines, i)
        if loop is None:
            continue  # a function's body: oneAPI pipelines loops, not functions
        pad = " " * (len(lines[loop]) - len(lines[loop].lstrip()))
        new = pad + _loop_text(name, args, macro)
        if m.group(6).strip() == "\\":  # a line of a macro: the continuation, aligned
            new = new.ljust(len(line) - 1) + "\\"
        before.setdefault(loop, []).append(new)
    for j in registers:
        body = lines[j]
        if REGISTER not in body:
            stripped = body.lstrip()
            out[j] = body[: len(body) - len(stripped)] + f"{REGISTER} {stripped}"
            if body.rstrip().endswith("\\"):  # keep a macro line's continuation aligned
                text_j = out[j].rstrip()[:-1].rstrip()
                out[j] = text_j.ljust(max(len(body) - 1, len(text_j) + 1)) + "\\"
    result: list[str] = []
    for j, line in enumerate(out):
        result += before.get(j, [])  # after the loop's label, right before the loop
        if line is not None:
            result.append(line)
    return "\n".join(result)
