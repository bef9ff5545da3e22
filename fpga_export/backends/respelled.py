"""Project files of a backend whose pragmas differ from the layer library's (Vitis) spelling.

Every C++ file (``CPP``) written, copied or added into firmware/ passes through the one pragma
respeller (``backends.pragma_respell``) with the backend's rules: the nnet headers, the
generated files and custom ops' own headers (``add``-ed into ``firmware/custom/``, copied from
the user's file: a pragma the backend refuses is named with the line of that file and what to
do about it). Everything else passes unchanged, byte for byte: files outside firmware/ and
data that is not C++ (no compiler reads pragmas there).
"""

from __future__ import annotations

from pathlib import Path

from .pragma_respell import Rules, Source, respell

CPP = (".h", ".hh", ".hpp", ".cpp", ".cc", ".cxx")
CUSTOM = "firmware/custom/"  # custom ops' headers (fpga_export.extend)


def custom_header(name: str, rules: Rules) -> Source:
    """A custom op's header in errors, with what its author can do."""
    if rules.defines:
        remedy = (
            f"remove the pragma, or keep it from the {rules.backend} backend inside "
            f"#ifndef {rules.defines[0]} ... #endif"
        )
    else:
        remedy = "remove the pragma"
    return Source(f"the custom op header {name!r}", remedy)


class RespelledFiles:
    def __init__(self, files, rules: Rules):
        self._files = files
        self._rules = rules

    def _respelled(self, rel: str, text: str) -> str:
        if not (rel.startswith("firmware/") and rel.endswith(CPP)):
            return text
        custom = custom_header(rel[len(CUSTOM) :], self._rules) if rel.startswith(CUSTOM) else None
        return respell(text, rel, self._rules, custom)

    def text(self, rel: str, text: str) -> None:
        self._files.text(rel, self._respelled(rel, text))

    def copy(self, rel: str, source) -> None:
        if rel.startswith("firmware/") and rel.endswith(CPP):
            self.text(rel, Path(source).read_text(encoding="utf-8"))
        else:
            self._files.copy(rel, source)

    def add(self, rel: str, data: bytes) -> None:
        """``data`` as it is, unless it is C++ with a pragma to respell (bytes that are not
        UTF-8, e.g. a Latin-1 comment, stay as they are)."""
        if b"hls" in data.lower():
            text = data.decode("utf-8", "surrogateescape")
            new = self._respelled(rel, text)
            if new != text:
                data = new.encode("utf-8", "surrogateescape")
        self._files.add(rel, data)
