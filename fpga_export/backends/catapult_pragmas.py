"""HLS pragmas in Siemens Catapult's spelling: the rules of ``backends.pragma_respell``.

The nnet headers and the Vitis backend write pragmas as Vitis HLS documents them
(``#pragma HLS <DIRECTIVE> <options>``, inside the loop or function body they apply to).
Catapult reads its own pragmas, written *before* the loop they apply to (Catapult HLS
Reference Manual, "Pragmas"; placement as in Catapult's own examples and hls4ml's Catapult
nnet headers: the pragma, then the loop label, then the loop):

- ``PIPELINE [II=n]`` inside a loop body -> ``#pragma hls_pipeline_init_interval n`` before
  the loop (n = 1 without II),
- ``UNROLL`` -> ``#pragma hls_unroll yes`` before the loop (``factor=n`` -> ``hls_unroll n``),

both also as ``_Pragma("...")`` inside macros (the line moves within the macro). The pragmas
of ``DROP`` have no in-source counterpart that means the same and are dropped. Any other
pragma is refused by name (``CatapultPragmaError``), so a directive Catapult would silently
ignore never goes unnoticed.
"""

from __future__ import annotations

from .pragma_respell import LOOPS, Pragma, Rules, before_loop
from .pragma_respell import respell as _respell

# Catapult chooses interfaces, memories and channel depths by directives (build_prj.tcl)
_BY_DIRECTIVE = "Catapult sets it by a directive in build_prj.tcl"
DROP = {
    "INLINE": "Catapult inlines functions unless they are marked #pragma hls_design",
    "ARRAY_PARTITION": _BY_DIRECTIVE,
    "ARRAY_RESHAPE": _BY_DIRECTIVE,
    "INTERFACE": _BY_DIRECTIVE,
    "STREAM": _BY_DIRECTIVE,
    "DATAFLOW": _BY_DIRECTIVE,
    "ALLOCATION": _BY_DIRECTIVE,
    "FUNCTION_INSTANTIATE": "functions are inlined (INLINE)",
}


class CatapultPragmaError(ValueError):
    """A pragma of the generated C++ that the catapult backend has no spelling for."""


def spell(pragma: Pragma) -> str:
    """The Catapult pragma text (after ``#pragma``) for a loop's Vitis pragma."""
    if pragma.name == "PIPELINE":
        return f"hls_pipeline_init_interval {pragma.option('II') or 1}"
    return f"hls_unroll {pragma.option('factor') or 'yes'}"


# before the loop and its label; in a function's body, dropped: Catapult pipelines the
# top's main loop by a directive
_BEFORE_LOOP = before_loop(lambda pragma: pragma.spelled(spell(pragma)))

RULES = Rules(
    backend="catapult",
    tool="Catapult",
    error=CatapultPragmaError,
    respell=dict.fromkeys(LOOPS, _BEFORE_LOOP),
    drop=DROP,
    defines=("NNET_AC_TYPES",),
)


def respell(text: str, where: str) -> str:
    """``text`` (C++) with every Vitis pragma respelled for Catapult, moved before its loop,
    or dropped (module docstring). ``where`` (the project file) names the file and the layer
    family (a header's stem) in errors."""
    return _respell(text, where, RULES)
