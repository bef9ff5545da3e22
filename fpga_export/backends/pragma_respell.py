"""The one pragma respeller of the non-Vitis backends.

The layer library (``nnet_cpp/nnet``), the generated files and custom ops' headers write
pragmas as Vitis HLS documents them: ``#pragma HLS <DIRECTIVE> <options>`` lines and, inside
macros, ``_Pragma("HLS <DIRECTIVE> <options>")``. :func:`respell` reads them once and hands
each to the backend's :class:`Rules` (data in ``<backend>_pragmas.py``): per pragma kind a
rule that writes the backend's form (in place, before the loop it applies to, or as an
attribute of a declaration), a reason to drop it (the tool has no in-source counterpart that
means the same), or nothing: the pragma is refused, naming the file, the pragma and the
backend, so a directive the tool would ignore never goes unnoticed.

Pragmas the backend's compiler never reads are left as they are: those inside an ``#ifdef``,
``#ifndef``, ``#if defined(...)`` or ``#if !defined(...)`` block (and its ``#elif``/``#else``)
on one of the backend macros (``BACKEND_MACROS``, set in the project's defines.h) that is
false for the backend. So a custom op's header keeps a pragma for Vitis alone inside
``#ifndef NNET_AC_TYPES`` ... ``#endif``. Conditions on any other macro are not evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

PRAGMA = re.compile(
    r'^(\s*)(?:#pragma\s+HLS\s+(\w+)(.*?)|_Pragma\("HLS\s+(\w+)([^"]*)"\))(\s*\\?)\s*$'
)
_ANY = re.compile(r'^\s*(#\s*pragma\s+HLS\b|_Pragma\(\s*"HLS\b)', re.IGNORECASE)
_LOOP = re.compile(r"^\s*(?:\w+\s*:\s*)?(for|while)\s*\(")
_LABEL = re.compile(r"^\s*\w+\s*:\s*\\?\s*$")
_COMMENT = re.compile(r"^\s*(//.*)?\\?\s*$")
# the macros the backends' defines.h set (nnet/types.h reads them)
BACKEND_MACROS = frozenset({"NNET_AC_TYPES", "NNET_ONEAPI", "NNET_QUARTUS"})
_CONDITIONAL = re.compile(r"^\s*#\s*(ifdef|ifndef|if|elif|else|endif)\b\s*(.*?)\s*(?://.*)?$")
LOOPS = ("PIPELINE", "UNROLL")
ARRAYS = ("ARRAY_PARTITION", "ARRAY_RESHAPE")
_DEFINED = re.compile(r"(!?)\s*defined\s*(?:\(\s*(\w+)\s*\)|(\w+))")


class Refused(Exception):
    """Raised by a rule: the pragma has no form on the backend (the message says why)."""


@dataclass(frozen=True)
class Pragma:
    """One Vitis pragma of the text: line ``i`` (0-based) of ``lines``."""

    lines: list[str]
    i: int
    indent: str
    directive: str  # as written
    args: str
    macro: bool  # the _Pragma("...") form
    tail: str  # blanks and the backslash of a macro's line, or blanks

    @property
    def continued(self) -> bool:
        """A line of a macro (ending with a backslash)."""
        return self.tail.strip() == "\\"

    @property
    def name(self) -> str:
        return self.directive.upper()

    @property
    def line(self) -> str:
        return self.lines[self.i]

    def option(self, key: str) -> str | None:
        """The value of option ``key=value`` (any case), or None."""
        m = re.search(rf"\b{key}\s*=\s*(\S+)", self.args, re.IGNORECASE)
        return m.group(1) if m else None

    def spelled(self, text: str) -> str:
        """``text`` as a pragma in this pragma's form (``_Pragma("...")`` in a macro)."""
        return f'_Pragma("{text}")' if self.macro else f"#pragma {text}"

    def placed(self, text: str, j: int) -> str:
        """``text`` as a line to insert before line j: indented as line j, and in a macro
        with the continuation where this pragma's line had it."""
        target = self.lines[j]
        new = " " * (len(target) - len(target.lstrip())) + text
        return new.ljust(len(self.line) - 1) + "\\" if self.continued else new


class Edits:
    """What the rules do to the text: each pragma's line is removed unless a rule replaces
    it; lines are inserted before a line or a line rewritten."""

    def __init__(self, lines: list[str]):
        self.out: list[str | None] = list(lines)
        self.before: dict[int, list[str]] = {}

    def insert_before(self, j: int, text: str) -> None:
        self.before.setdefault(j, []).append(text)

    def mark(self, j: int, attribute: str) -> None:
        """``attribute`` before the declaration on line j (once), after its indentation; a
        macro's line keeps its continuation where it was (or one blank after the text)."""
        line = self.out[j]
        if line is None or attribute in line:
            return
        stripped = line.lstrip()
        new = f"{line[: len(line) - len(stripped)]}{attribute} {stripped}"
        if line.rstrip().endswith("\\"):
            text = new.rstrip()[:-1].rstrip()
            new = text.ljust(max(len(line) - 1, len(text) + 1)) + "\\"
        self.out[j] = new

    def text(self) -> str:
        result: list[str] = []
        for j, line in enumerate(self.out):
            result += self.before.get(j, [])
            if line is not None:
                result.append(line)
        return "\n".join(result)


Rule = Callable[[Pragma, Edits], None]


@dataclass(frozen=True)
class Rules:
    """How one backend reads the Vitis pragmas.

    ``respell``: pragma kind -> rule writing its form; ``drop``: pragma kind -> why it has no
    meaning for the tool; ``other``: the rule of every kind named in neither (None: refuse)."""

    backend: str  # "catapult": the ExportConfig name
    tool: str  # "Catapult": how errors name its pragma spelling
    error: type[ValueError]
    respell: dict[str, Rule]
    drop: dict[str, str] = field(default_factory=dict)
    other: Rule | None = None
    # the BACKEND_MACROS its defines.h sets; the first keeps a pragma from this backend
    defines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """What a respelled file is, for errors: a layer family of ours (the default) or a
    custom op's header, with what the user can do about a pragma the backend refuses."""

    what: str
    remedy: str


def layer_family(where: str) -> Source:
    family = where.rsplit("/", 1)[-1].split(".")[0]
    return Source(f"layer family {family!r}", "use backend='vitis'")


def respell(text: str, where: str, rules: Rules, source: Source | None = None) -> str:
    """``text`` (C++) with every Vitis pragma respelled, moved or dropped by ``rules``.
    ``where`` (the project file) names the file in errors, ``source`` what it is (default: a
    layer family, a header's stem)."""
    if "hls" not in text.lower():
        return text
    lines = text.split("\n")
    edits = Edits(lines)
    unread = unread_lines(lines, rules.defines)
    for i, line in enumerate(lines):
        m = PRAGMA.match(line)
        if i in unread:
            continue
        if m is None:
            if _ANY.match(line):
                raise rules.error(f"{where} line {i + 1}: unreadable pragma {line.strip()!r}")
            continue
        macro = m.group(4) is not None
        pragma = Pragma(
            lines=lines,
            i=i,
            indent=m.group(1),
            directive=m.group(4) if macro else m.group(2),
            args=(m.group(5) if macro else m.group(3)) or "",
            macro=macro,
            tail=m.group(6),
        )
        edits.out[i] = None
        if pragma.name in rules.drop:
            continue
        rule = rules.respell.get(pragma.name, rules.other)
        try:
            if rule is None:
                raise Refused()
            rule(pragma, edits)
        except Refused as exc:
            why = f" ({exc})" if str(exc) else ""
            src = source or layer_family(where)
            raise rules.error(
                f"{where} line {i + 1}: {line.strip()!r} has no {rules.tool} spelling{why}; the "
                f"{rules.backend} backend cannot write {src.what} ({src.remedy})"
            ) from None
    return edits.text()


# -- which lines the compiler reads ----------------------------------------------------------
def _condition(kind: str, expr: str, defines: tuple[str, ...]) -> bool | None:
    """The value of ``#<kind> <expr>`` for a backend defining ``defines``; None when it is
    not a test of one backend macro."""
    if kind in ("ifdef", "ifndef"):
        name = expr.split()[0] if expr else ""
        return (name in defines) == (kind == "ifdef") if name in BACKEND_MACROS else None
    m = _DEFINED.fullmatch(expr)
    name = m and (m.group(2) or m.group(3))
    return (name in defines) != bool(m.group(1)) if name in BACKEND_MACROS else None


def unread_lines(lines: list[str], defines: tuple[str, ...]) -> set[int]:
    """The lines inside a conditional block that is false for a backend defining
    ``defines`` (module docstring)."""
    unread: set[int] = set()
    stack: list[list[bool | None]] = []  # per open #if: [this branch, an earlier one taken]
    for i, line in enumerate(lines):
        m = _CONDITIONAL.match(line)
        kind = m.group(1) if m else None
        if kind in ("ifdef", "ifndef", "if"):
            value = _condition(kind, m.group(2), defines)
            stack.append([value, value])
        elif kind in ("elif", "else") and stack:
            taken = stack[-1][1]
            value = _condition("if", m.group(2), defines) if kind == "elif" else True
            value = False if taken else None if taken is None or value is None else value
            stack[-1] = [value, True if taken or value else None if value is None else False]
        elif kind == "endif" and stack:
            stack.pop()
        elif any(branch is False for branch, _ in stack):
            unread.add(i)
    return unread


# -- where a pragma applies ---------------------------------------------------------------
def loop_line(lines: list[str], i: int) -> int | None:
    """The line of the ``for``/``while`` whose body holds line i directly (after its label),
    or None when line i is not directly inside a loop body."""
    j = i - 1
    while j >= 0 and (_COMMENT.match(lines[j]) or PRAGMA.match(lines[j])):
        j -= 1
    if j < 0 or not lines[j].rstrip(" \\").endswith("{"):
        return None
    for k in range(j, max(j - 3, -1), -1):  # a loop header over up to three lines
        if _LOOP.match(lines[k]):
            return k
        if k < j and lines[k].rstrip(" \\").endswith((";", "{", "}")):
            break
    return None


def before_loop(text: Callable[[Pragma], str], labelled: bool = True) -> Rule:
    """A rule: the line ``text(pragma)`` before the loop whose body holds the pragma (before
    the loop's label too when ``labelled``); the pragma is dropped in a function's body."""

    def rule(pragma: Pragma, edits: Edits) -> None:
        j = (labelled_loop_line if labelled else loop_line)(pragma.lines, pragma.i)
        if j is not None:
            edits.insert_before(j, pragma.placed(text(pragma), j))

    return rule


def labelled_loop_line(lines: list[str], i: int) -> int | None:
    """:func:`loop_line`, or the line before it when that is the loop's label."""
    k = loop_line(lines, i)
    if k is None:
        return None
    return k - 1 if k > 0 and _LABEL.match(lines[k - 1]) else k
