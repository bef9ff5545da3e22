"""The one place where user strings become text of generated files.

User strings (layer and model names, PyTorch module paths, ``name=``, ``part=``: anything a
model or a config carries) reach generated C++, tcl, file names and subprocess arguments only
through the functions here; each returns text that is valid where it goes for *any* Python
string (every Unicode character, control characters, lone surrogates):

- :func:`identifier`: a C++ identifier ``[A-Za-z][A-Za-z0-9_]*`` that is no keyword, has no
  ``__`` and no leading ``_`` (reserved), readable (``dense/1:0`` -> ``dense_1_0``). Every name
  in generated code is an identifier plus fixed suffixes (``_out``, ``_config``, ``_t``), so
  it is also a safe file-name stem, tcl word and string-literal content.
- :func:`top_name`: an identifier that is also a portable file-name stem and does not collide
  with the files and global names of the generated project (the top function's name, which
  names ``firmware/<name>.cpp``, ``<name>_test.cpp`` ...).
- :func:`comment`: text for the rest of a C++ ``//`` line. Printable ASCII stays readable;
  everything else, and the characters that could end or extend the comment (a backslash,
  which before a newline continues the line, and the ``?`` of ``??`` which with the ``??/``
  trigraph of C++14 is one), is written as a Python-style escape ``\\xHH``, ``\\uHHHH`` or
  ``\\UHHHHHHHH``. The result never holds a line terminator and never ends with a backslash.
- :func:`header_file`: the file name of a user's C++ header (a custom op's, ``fpga_export.extend``)
  checked, not changed: a plain ``identifier.h`` (or ``.hpp``/``.hh``) that names none of the
  vendor-type headers it could shadow; the project holds a copy under ``firmware/custom/``.
- :func:`cpp_function`: a user's C++ function name (``clip_scale``, ``my::clip_scale``) checked:
  identifiers joined by ``::``, no keyword, nothing reserved.
- :func:`tcl_word`: one tcl word that tcl reads back as exactly ``str(value)``, with no
  substitution (``$``, ``[``, ``;``, braces, quotes, whitespace and newlines are escaped);
  a character beyond U+FFFF, which Tcl 8.6 cannot hold, is a ValueError. (What we write to
  tcl is an identifier, a validated part name or a number, so this never happens there.)

No user string is written into a C++ string literal or passed to a shell: the generated code's
string literals hold identifiers only, and subprocesses get argument lists.
"""

from __future__ import annotations

import re

import nnet_cpp

CPP_KEYWORDS = frozenset(
    """alignas alignof and and_eq asm auto bitand bitor bool break case catch char char16_t
    char32_t class compl const constexpr const_cast continue decltype default delete do double
    dynamic_cast else enum explicit export extern false float for friend goto if inline int long
    mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected public
    register reinterpret_cast return short signed sizeof static static_assert static_cast struct
    switch template this thread_local throw true try typedef typeid typename union unsigned using
    virtual void volatile wchar_t while xor xor_eq main nnet hls std""".split()
)

# Names a top function may not take: C library macros and objects spelled in lower case, the
# globals of the csim bridge and the testbench, and our own file stems (firmware/defines.h
# would be overwritten; a firmware/ap_fixed.h would shadow the type header).
_TOP_RESERVED = frozenset(
    """assert errno stdin stdout stderr offsetof setjmp va_arg va_start va_end va_copy NULL EOF
    fe last_error weight_slot weight_slots run_one read_line defines parameters""".split()
)
# Windows device names: not usable as a file stem there (any case, any extension).
_DEVICES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{d}{i}" for d in ("com", "lpt") for i in range(10)]
)


def identifier(text: str) -> str:
    """A readable, valid C++ identifier for a layer name (``dense/1:0`` -> ``dense_1_0``)."""
    name = re.sub(r"[^0-9A-Za-z_]", "_", str(text)).strip("_") or "layer"
    name = re.sub(r"_+", "_", name)
    if name[0].isdigit():
        name = "l_" + name
    if name in CPP_KEYWORDS:
        name = "l_" + name
    return name


def top_name(text: str, taken=()) -> str:
    """The identifier for the top function and the project's file names; ``taken`` holds
    other global names of the generated code (``_top`` is appended on a collision)."""
    name = identifier(text)
    reserved = _TOP_RESERVED | {p.stem for p in nnet_cpp.COMPAT_DIR.glob("*.h")} | set(taken)
    while name in reserved or name.lower() in _DEVICES:
        name += "_top"
    return name


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def comment(text: str) -> str:
    """``text`` made safe as the rest of a C++ ``//`` comment line (see the module doc)."""
    out, prev = [], ""
    for ch in str(text):
        readable = " " <= ch <= "~" and ch != "\\" and not (ch == "?" and prev == "?")
        out.append(ch if readable else _escape(ch))
        prev = ch
    return "".join(out)


_HEADER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\.(h|hpp|hh)")


def header_file(name: str) -> str:
    """``name`` if it is a plain header file name a project may hold (module doc), else a
    ValueError saying what is allowed."""
    text = str(name)
    stem = text.rsplit(".", 1)[0]
    shadows = {p.stem for p in nnet_cpp.COMPAT_DIR.glob("*.h")} | {"defines", "parameters"}
    if not _HEADER.fullmatch(text) or "__" in text or stem in shadows:
        why = f"it would shadow {stem}.h" if stem in shadows else "it is not a plain file name"
        raise ValueError(
            f"C++ header name {text!r} is not allowed ({why}): use a name like "
            "'my_op.h' (a letter, then letters, digits or single underscores; .h, .hpp or .hh)"
        )
    return text


def cpp_function(name: str) -> str:
    """``name`` if it is a C++ function name of identifiers joined by ``::`` (module doc)."""
    text = str(name)
    parts = text.split("::")
    if not all(p and identifier(p) == p and "__" not in p for p in parts):
        raise ValueError(
            f"C++ function name {text!r} is not allowed: use identifiers joined by '::' "
            "(a letter first, then letters, digits or single underscores; no C++ keyword)"
        )
    return text


_TCL_PLAIN = re.compile(r"[A-Za-z0-9_.:+-]")
_TCL_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def tcl_word(value) -> str:
    """One tcl word reading back as exactly ``str(value)`` (see the module doc)."""
    text = str(value)
    if not text:
        return "{}"
    out = []
    for ch in text:
        if _TCL_PLAIN.match(ch):
            out.append(ch)
        elif ch in _TCL_NAMED:
            out.append(_TCL_NAMED[ch])
        elif " " <= ch <= "~":
            out.append("\\" + ch)  # a backslash before punctuation: that character, literally
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            raise ValueError(
                f"{text!r} cannot be written to tcl: it holds {ch!r} (U+{ord(ch):X}), and the "
                "vendors' Tcl 8.6 holds characters up to U+FFFF only"
            )
    return "".join(out)
