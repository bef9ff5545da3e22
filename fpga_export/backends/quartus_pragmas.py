"""HLS pragmas in the spelling of the Intel HLS Compiler (i++, Pro Edition 21.3+): the rules
of ``backends.pragma_respell``.

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
pragma for them or does it by itself: the pragmas of ``DROP``, pipelining a function body
(i++ pipelines the component and its loops; the loops carry the ii), the partitioning of
function arguments and partial partitions/reshapes (i++ banks memories by their access
pattern). Any other pragma is refused by name (``QuartusPragmaError``).
"""

from __future__ import annotations

import re

from .pragma_respell import ARRAYS, LOOPS, Edits, Pragma, Rules, before_loop
from .pragma_respell import respell as _respell

_BY_BACKEND = "the backend writes the component's interfaces and streams"
DROP = {
    # "Systems of Tasks": within a component, directly-called functions are in-lined
    "INLINE": "i++ inlines the functions a component calls",
    "FUNCTION_INSTANTIATE": "i++ inlines the functions a component calls",
    "INTERFACE": _BY_BACKEND,
    "STREAM": _BY_BACKEND,
    "DATAFLOW": _BY_BACKEND,
    "ALLOCATION": "i++ has no limit on operator instances",
}


class QuartusPragmaError(ValueError):
    """A pragma of the generated C++ that the quartus backend has no spelling for."""


def spell(pragma: Pragma) -> str:
    """The i++ pragma text (after ``#pragma``) for a loop's Vitis pragma."""
    if pragma.name == "PIPELINE":
        return f"ii {pragma.option('II') or 1}"
    factor = pragma.option("factor")
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


def _register(pragma: Pragma, edits: Edits) -> None:
    """A complete partition of a local array: ``hls_register`` on its declaration; any
    other partition or reshape is dropped (i++ banks memories by their access pattern)."""
    var = pragma.option("variable")
    complete = re.search(r"\bcomplete\b", pragma.args) and pragma.option("dim") in (None, "0")
    j = _declaration(pragma.lines, pragma.i, var) if var and complete and not pragma.macro else None
    if j is not None:
        edits.mark(j, "hls_register")


# before the loop and its label; in a function's body, dropped: i++ pipelines the
# component; its loops carry the ii
_BEFORE_LOOP = before_loop(lambda pragma: pragma.spelled(spell(pragma)))

RULES = Rules(
    backend="quartus",
    tool="Intel HLS Compiler (i++)",
    error=QuartusPragmaError,
    respell={**dict.fromkeys(LOOPS, _BEFORE_LOOP), **dict.fromkeys(ARRAYS, _register)},
    drop=DROP,
    defines=("NNET_QUARTUS", "NNET_AC_TYPES"),
)


def respell(text: str, where: str) -> str:
    """``text`` (C++) with every Vitis pragma respelled for i++, moved before its loop, made
    an attribute of its array, or dropped (module docstring). ``where`` (the project file)
    names the file and the layer family (a header's stem) in errors."""
    return _respell(text, where, RULES)
