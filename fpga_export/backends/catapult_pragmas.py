"""HLS pragmas in Siemens Catapult's spelling.

The nnet headers and the Vitis backend write pragmas as Vitis HLS documents them
(``#pragma HLS <DIRECTIVE> <options>``, inside the loop or function body they apply to).
Catapult reads its own pragmas, written *before* the loop they apply to (Catapult HLS
Reference Manual, "Pragmas"; placement as in Catapult's own examples and hls4ml's Catapult
nnet headers: the pragma, then the loop label, then the loop):

- ``PIPELINE [II=n]`` inside a loop body -> ``#pragma hls_pipeline_init_interval n`` before
  the loop (n = 1 without II),
- ``UNROLL`` -> ``#pragma hls_unroll yes`` before the loop (``factor=n`` -> ``hls_unroll n``),

both also as ``_Pragma("...")`` inside macros (the line moves within the macro). Pipelining
a function body, inlining, array partitioning and reshaping, interfaces, streams, dataflow,
allocation and function instantiation have no in-source counterpart that means the same:
Catapult inlines functions unless they are marked ``#pragma hls_design``, chooses interfaces,
memories and channel depths by directives (``build_prj.tcl``), and pipelines the top's main
loop by a directive too. These pragmas are dropped. Any other pragma is refused by name
(``CatapultPragmaError``), so a directive Catapult would silently ignore never goes unnoticed.
"""

from __future__ import annotations

import re

LOOP_PRAGMAS = {"PIPELINE", "UNROLL"}
DROPPED = {
    "INLINE",
    "ARRAY_PARTITION",
    "ARRAY_RESHAPE",
    "INTERFACE",
    "STREAM",
    "DATAFLOW",
    "ALLOCATION",
    "FUNCTION_INSTANTIATE",
}
_PRAGMA = re.compile(
    r'^(\s*)(?:#pragma\s+HLS\s+(\w+)(.*?)|_Pragma\("HLS\s+(\w+)([^"]*)"\))(\s*\\?)\s*$'
)
_ANY = re.compile(r'^\s*(#\s*pragma\s+HLS\b|_Pragma\(\s*"HLS\b)', re.IGNORECASE)
_LOOP = re.compile(r"^\s*(?:\w+\s*:\s*)?(for|while)\s*\(")
_LABEL = re.compile(r"^\s*\w+\s*:\s*\\?\s*$")
_COMMENT = re.compile(r"^\s*(//.*)?\\?\s*$")


class CatapultPragmaError(ValueError):
    """A pragma of the generated C++ that the catapult backend has no spelling for."""


def _option(args: str, key: str) -> str | None:
    m = re.search(rf"\b{key}\s*=\s*(\S+)", args, re.IGNORECASE)
    return m.group(1) if m else None


def spell(directive: str, args: str) -> str:
    """The Catapult pragma text (after ``#pragma``) for a loop's Vitis pragma."""
    name = directive.upper()
    if name == "PIPELINE":
        return f"hls_pipeline_init_interval {_option(args, 'II') or 1}"
    factor = _option(args, "factor")
    return f"hls_unroll {factor or 'yes'}"


def _loop_start(lines: list[str], i: int) -> int | None:
    """The line where the loop whose body holds line i starts (its label, if any, on the
    line before), or None when line i is not directly inside a loop body."""
    j = i - 1
    while j >= 0 and (_COMMENT.match(lines[j]) or _PRAGMA.match(lines[j])):
        j -= 1
    if j < 0 or not lines[j].rstrip(" \\").endswith("{"):
        return None
    for k in range(j, max(j - 3, -1), -1):  # a loop header over up to three lines
        if _LOOP.match(lines[k]):
            return k - 1 if k > 0 and _LABEL.match(lines[k - 1]) else k
        if k < j and lines[k].rstrip(" \\").endswith((";", "{", "}")):
            break
    return None


def respell(text: str, where: str) -> str:
    """``text`` (C++) with every Vitis pragma respelled for Catapult, moved before its loop,
    or dropped (module docstring). ``where`` (the project file) names the file and the layer
    family (a header's stem) in errors."""
    if "hls" not in text.lower():
        return text
    lines = text.split("\n")
    out = list(lines)
    moves: list[tuple[int, str]] = []  # (insert before line, text)
    for i, line in enumerate(lines):
        m = _PRAGMA.match(line)
        if m is None:
            if _ANY.match(line):
                raise CatapultPragmaError(
                    f"{where} line {i + 1}: unreadable pragma {line.strip()!r}"
                )
            continue
        directive = m.group(2) or m.group(4)
        args = (m.group(3) if m.group(2) else m.group(5)) or ""
        tail = m.group(6)
        name = directive.upper()
        out[i] = None
        if name in DROPPED:
            continue
        if name not in LOOP_PRAGMAS:
            family = where.rsplit("/", 1)[-1].split(".")[0]
            raise CatapultPragmaError(
                f"{where} line {i + 1}: {line.strip()!r} has no Catapult spelling; the catapult "
                f"backend cannot write layer family {family!r} (use backend='vitis')"
            )
        start = _loop_start(lines, i)
        if start is None:
            continue  # a function's body: Catapult pipelines the top's main loop by directive
        new = spell(directive, args)
        pad = " " * max(0, len(lines[start]) - len(lines[start].lstrip()))
        text_new = f'{pad}_Pragma("{new}")' if m.group(4) else f"{pad}#pragma {new}"
        if tail.strip() == "\\":  # a line of a macro: the continuation, aligned as the line's
            text_new = text_new.ljust(len(line) - 1) + "\\"
        moves.append((start, text_new))
    for start, new in sorted(moves, key=lambda m: m[0], reverse=True):
        out.insert(start, new)
    return "\n".join(line for line in out if line is not None)
