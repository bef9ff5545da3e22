"""HLS pragmas in the spelling of Vivado HLS 2019.2-2020.1 (UG902, chapter "HLS Pragmas"): the
rules of ``backends.pragma_respell``.

The nnet headers and the Vitis backend write pragmas as Vitis HLS documents them (UG1399
2022.2 and later: ``type=`` and ``mode=`` options). Vivado HLS takes the older positional
forms, which Vitis HLS introduced the options for:

- ``ARRAY_PARTITION`` / ``ARRAY_RESHAPE``: ``variable=<name> <type> factor=<int> dim=<int>``
  (UG902 "pragma HLS array_partition", "pragma HLS array_reshape"; UG1399 2020.2 still shows
  this form, 2022.2 the ``type=<type>`` one),
- ``ALLOCATION``: ``instances=<list> limit=<value> <type>`` (UG902 "pragma HLS allocation";
  Vitis puts the type first: ``allocation <type> instances=<list> limit=<value>``),
- ``INTERFACE``: ``<mode> port=<name>`` (UG902 "pragma HLS interface"; Vitis ``mode=<mode>``).

``PIPELINE``, ``UNROLL``, ``INLINE``, ``DATAFLOW``, ``STREAM`` and ``FUNCTION_INSTANTIATE``
are spelled alike. Any other pragma is refused by name (``VivadoPragmaError``), so a pragma
Vivado HLS does not know (e.g. Vitis' ``BIND_OP``) never reaches a Vivado project unnoticed.
``_Pragma("HLS ...")`` forms inside macros are respelled alike and stay ``_Pragma`` forms
(the recurrent layers partition their arrays in a macro).
"""

from __future__ import annotations

from .pragma_respell import Edits, Pragma, Refused, Rules
from .pragma_respell import respell as _respell

SAME = {"PIPELINE", "UNROLL", "INLINE", "DATAFLOW", "STREAM", "FUNCTION_INSTANTIATE"}


class VivadoPragmaError(ValueError):
    """A pragma of the generated C++ that Vivado HLS has no spelling for."""


def _words(args: str) -> list[str]:
    """The pragma's arguments split at blanks outside <...> (``II=sizes<a, b>::ii`` is one
    word, written without its inner blanks)."""
    words, word, depth = [], "", 0
    for ch in args:
        depth += (ch == "<") - (ch == ">")
        if ch.isspace():
            if depth == 0 and word:
                words.append(word)
                word = ""
            continue
        word += ch
    if word:
        words.append(word)
    return words


def _split(words: list[str]) -> tuple[dict[str, str], list[str]]:
    options, flags = {}, []
    for w in words:
        key, eq, value = w.partition("=")
        if eq:
            options[key.lower()] = value
        else:
            flags.append(w)
    return options, flags


def spell(directive: str, args: str) -> str:
    """The arguments of ``#pragma HLS <directive> <args>`` in Vivado HLS form."""
    name = directive.upper()
    words = _words(args)
    if name in SAME:
        return " ".join(words)
    options, flags = _split(words)
    if name in ("ARRAY_PARTITION", "ARRAY_RESHAPE"):
        kind = options.pop("type", None) or (flags.pop(0) if flags else "complete")
        order = [f"variable={options.pop('variable')}", kind]
        order += [f"{k}={options.pop(k)}" for k in ("factor", "dim") if k in options]
    elif name == "ALLOCATION":
        kind = options.pop("type", None) or (flags.pop(0) if flags else "operation")
        order = [f"{k}={options.pop(k)}" for k in ("instances", "limit") if k in options]
        order.append(kind)
    elif name == "INTERFACE":
        mode = options.pop("mode", None) or flags.pop(0)
        order = [mode] + [f"port={options.pop('port')}"]
    else:
        raise VivadoPragmaError(f"#pragma HLS {directive}: no Vivado HLS spelling")
    if options or flags:
        rest = " ".join([*flags, *(f"{k}={v}" for k, v in options.items())])
        raise VivadoPragmaError(f"#pragma HLS {directive}: options {rest!r} not known here")
    return " ".join(order)


def _in_place(pragma: Pragma, edits: Edits) -> None:
    """Every pragma in its Vivado HLS form, on its own line."""
    try:
        new = spell(pragma.directive, pragma.args)
    except (VivadoPragmaError, KeyError, IndexError) as exc:
        raise Refused(
            str(exc) if isinstance(exc, VivadoPragmaError) else "unexpected arguments"
        ) from None
    text = pragma.indent + pragma.spelled(f"HLS {pragma.directive}" + (f" {new}" if new else ""))
    if pragma.continued:  # a macro's line: the backslash where it was (or one blank after)
        text = text.ljust(max(len(pragma.line) - 1, len(text) + 1)) + "\\"
    edits.out[pragma.i] = text


RULES = Rules(
    backend="vivado",
    tool="Vivado HLS 2019.2-2020.1",
    error=VivadoPragmaError,
    respell={},
    other=_in_place,  # spell() knows each pragma's form and refuses the others
)


def respell(text: str, where: str) -> str:
    """``text`` (C++) with every ``#pragma HLS`` line in Vivado HLS form. ``where`` (the
    project file) names the file and the layer family (a header's stem) in errors."""
    return _respell(text, where, RULES)
