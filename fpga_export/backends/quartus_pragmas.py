"""HLS pragmas in the spelling of the Intel HLS Compiler (i++, Pro Edition 21.3+).

The nnet headers and the Vitis backend write pragmas as Vitis HLS documents them
(``#pragma HLS <DIRECTIVE> <options>``, inside the loop or function body they apply to). i++
reads loop pragmas written *before* the loop and memory attributes on the declaration
(Intel HLS Compiler Pro Edition Reference Manual, "Loops in Components" and "Component
Memories (Memory Attributes)"):

- ``PIPELINE [II=n]`` inside a loop body -> ``#pragma ii n`` before the loop ("Loop
  Initiation Interval (ii Pragma)"; n = 1 without II),
- ``UNROLL`` -> ``#pragma unroll`` before the loop, ``factor=n`` -> ``#pragma unroll n``
  ("Loop Unrolling (unroll Pragma)"),
- ``ARRAY_PARTITION ... complete`` of an array declared in the lines above (one declarator
  on its line) -> the ``hls_register`` attribute on that declaration ("hls_register: forces a
  variable or array to be carried through the pipeline in registers"),

the loop pragmas also as ``_Pragma("...")`` inside macros. Dropped, because i++ has no
pragma for them or does it by itself: pipelining a function body (i++ pipelines the
component and its loops; the loops carry the ii), ``INLINE`` and ``FUNCTION_INSTANTIATE``
("Systems of Tasks": within a component, directly-called functions are in-lined),
``INTERFACE``/``STREAM``/``DATAFLOW`` (the backend writes the component's interfaces and
streams), ``ALLOCATION`` (no limit on operator instances in i++), the partitioning of
function arguments and partial partitions/reshapes (i++ banks memories by their access
pattern). Any other pragma is refused by name (``QuartusPragmaError``).
"""

from __future__ import annotations

import re

from .catapult_pragmas import _ANY, _PRAGMA, _loop_start, _option

LOOP_PRAGMAS = {"PIPELINE", "UNROLL"}
PARTITIONS = {"ARRAY_PARTITION", "ARRAY_RESHAPE"}
DROPPED = {"INLINE", "INTERFACE", "STREAM", "DATAFLOW", "ALLOCATION", "FUNCTION_INSTANTIATE"}


class QuartusPragmaError(ValueError):
    """A pragma of the generated C++ that the quartus backend has no spelling for."""


def spell(directive: str, args: str) -> str:
    """The i++ pragma text (after ``#pragma``) for a loop's Vitis pragma."""
    if directive.upper() == "PIPELINE":
        return f"ii {_option(args, 'II') or 1}"
    factor = _option(args, "factor")
    return f"unroll {factor}" if factor else "unroll"


def _declaration(lines: list[str], i: int, var: str) -> int | None:
    """The line above line i declaring array ``var`` alone (``T var[...];``), in the same
    block (no brace between), or None."""
    decl = re.compile(rf"^\s*[\w:<>,\s]+?\s+{re.escape(var)}(\[[^\]]+\])+\s*;\s*$")
    for j in range(i - 1, max(i - 8, -1), -1):
        # one declarator: no comma before the name outside template arguments (int a, b[N];)
        if decl.match(lines[j]) and "," not in lines[j].split(var)[0].split("<")[0]:
            return j
        if "{" in lines[j] or "}" in lines[j]:
            return None
    return None


def respell(text: str, where: str) -> str:
    """``text`` (C++) with every Vitis pragma respelled for i++, moved before its loop, made
    an attribute of its array, or dropped (module docstring). ``where`` (the project file)
    names the file and the layer family (a header's stem) in errors."""
    if "hls" not in text.lower():
        return text
    lines = text.split("\n")
    out = list(lines)
    moves: list[tuple[int, str]] = []  # (insert before line, text)
    for i, line in enumerate(lines):
        m = _PRAGMA.match(line)
        if m is None:
            if _ANY.match(line):
                raise QuartusPragmaError(
                    f"{where} line {i + 1}: unreadable pragma {line.strip()!r}"
                )
            continue
        directive = m.group(2) or m.group(4)
        args = (m.group(3) if m.group(2) else m.group(5)) or ""
        name = directive.upper()
        out[i] = None
        if name in DROPPED:
            continue
        if name in PARTITIONS:
            var = _option(args, "variable")
            complete = re.search(r"\bcomplete\b", args) and _option(args, "dim") in (None, "0")
            j = _declaration(lines, i, var) if var and complete and not m.group(4) else None
            if j is not None and "hls_register" not in out[j]:
                pad = out[j][: len(out[j]) - len(out[j].lstrip())]
                out[j] = f"{pad}hls_register {out[j].lstrip()}"
            continue
        if name not in LOOP_PRAGMAS:
            family = where.rsplit("/", 1)[-1].split(".")[0]
            raise QuartusPragmaError(
                f"{where} line {i + 1}: {line.strip()!r} has no Intel HLS Compiler (i++) "
                f"spelling; the quartus backend cannot write layer family {family!r} (use "
                "backend='vitis')"
            )
        start = _loop_start(lines, i)
        if start is None:
            continue  # a function's body: i++ pipelines the component; its loops carry the ii
        new = spell(directive, args)
        pad = " " * max(0, len(lines[start]) - len(lines[start].lstrip()))
        text_new = f'{pad}_Pragma("{new}")' if m.group(4) else f"{pad}#pragma {new}"
        if m.group(6).strip() == "\\":  # a line of a macro: keep the continuation
            text_new = text_new.ljust(len(line) - 1) + "\\"
        moves.append((start, text_new))
    for start, new in sorted(moves, key=lambda m: m[0], reverse=True):
        out.insert(start, new)
    return "\n".join(line for line in out if line is not None)
