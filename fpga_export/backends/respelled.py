"""Project files of a backend whose pragmas differ from the layer library's (Vitis) spelling:
every C++ file written or copied into firmware/ passes through the backend's ``respell``.
``add`` (custom ops' own headers, copied byte for byte) and files outside firmware/ pass
unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


class RespelledFiles:
    def __init__(self, files, respell: Callable[[str, str], str]):
        self._files = files
        self._respell = respell

    def text(self, rel: str, text: str) -> None:
        self._files.text(rel, self._respell(text, rel) if rel.startswith("firmware/") else text)

    def copy(self, rel: str, source) -> None:
        if rel.startswith("firmware/"):
            self.text(rel, Path(source).read_text(encoding="utf-8"))
        else:
            self._files.copy(rel, source)

    def add(self, rel: str, data: bytes) -> None:
        self._files.add(rel, data)
