"""HLS pragmas in the spelling of the Intel oneAPI FPGA compiler (icpx -fintelfpga): the
rules of ``backends.pragma_respell``.

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

Dropped, since oneAPI has no in-source counterpart that means the same: the pragmas of
``DROP``, pipelining a function body (oneAPI pipelines loops, not functions),
``ARRAY_PARTITION``/``ARRAY_RESHAPE`` of a function parameter (the caller's array decides) and
cyclic/block partitions (``[[intel::numbanks(n)]]`` takes only powers of two; the compiler
banks local memories from their access pattern). Any other pragma is refused by name
(``OneAPIPragmaError``) so a directive oneAPI would ignore never goes unnoticed.
"""

from __future__ import annotations

import re

from .pragma_respell import ARRAYS, LOOPS, Edits, Pragma, Rules, before_loop
from .pragma_respell import respell as _respell

DROP = {
    "INLINE": "device code is inlined",
    "INTERFACE": "kernel arguments and pipes are in the kernel file",
    "STREAM": "FIFO sizes are in the types",
    "DATAFLOW": "one task kernel runs the layers in order",
    "ALLOCATION": "no in-source limit on operator instances",
    "FUNCTION_INSTANTIATE": "device code is inlined",
}
REGISTER = "[[intel::fpga_register]]"


class OneAPIPragmaError(ValueError):
    """A pragma of the generated C++ that the oneapi backend has no spelling for."""


def _declaration(lines: list[str], i: int, var: str) -> int | None:
    """The line declaring local array ``var`` (``<type> var[...]...;``) before line i in the
    same function, or None (a parameter, or not found)."""
    decl = re.compile(
        rf"^\s*[\w:<>, ]*[\w>]\s+(?:\w+\s*\[[^;]*\]\s*,\s*)*{re.escape(var)}\s*\[.*;\s*\\?\s*$"
    )
    for j in range(i - 1, max(i - 40, -1), -1):
        if decl.match(lines[j]) and "(" not in lines[j].split(var)[0]:
            return j
        if re.match(r"^\S.*\)\s*\{", lines[j]) or re.match(r"^\s*(template|#define)\b", lines[j]):
            return None  # the function's start
    return None


def _loop_text(pragma: Pragma) -> str:
    if pragma.name == "PIPELINE":
        return f"[[intel::initiation_interval({pragma.option('II') or 1})]]"
    factor = pragma.option("factor")
    return pragma.spelled(f"unroll {factor}" if factor else "unroll")


def _register(pragma: Pragma, edits: Edits) -> None:
    """A complete partition of a local array: ``[[intel::fpga_register]]`` on its
    declaration (a macro's line keeps its continuation aligned); other partitions and
    reshapes are dropped."""
    var = pragma.option("variable")
    kind = pragma.option("type") or ""
    j = _declaration(pragma.lines, pragma.i, var) if var and kind.lower() == "complete" else None
    if pragma.name == "ARRAY_PARTITION" and j is not None:
        edits.mark(j, REGISTER)


# after the loop's label, right before the loop (the attribute appertains to the loop); in a
# function's body, dropped: oneAPI pipelines loops, not functions
_BEFORE_LOOP = before_loop(_loop_text, labelled=False)

RULES = Rules(
    backend="oneapi",
    tool="oneAPI",
    error=OneAPIPragmaError,
    respell={**dict.fromkeys(LOOPS, _BEFORE_LOOP), **dict.fromkeys(ARRAYS, _register)},
    drop=DROP,
    defines=("NNET_ONEAPI", "NNET_AC_TYPES"),
)


def respell(text: str, where: str) -> str:
    """``text`` (C++) with every Vitis pragma respelled for oneAPI, moved before its loop or
    declaration, or dropped (module docstring). ``where`` (the project file) names the file
    and the layer family (a header's stem) in errors."""
    return _respell(text, where, RULES)
