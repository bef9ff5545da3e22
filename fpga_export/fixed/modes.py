"""Quantization and overflow modes (re-exported by :mod:`fpga_export.types`).

The same members serve both families of vendor types: ``ap`` (``AP_RND``) and ``ac``
(``AC_RND``).  ``AC_RND_CONV_ODD`` exists only in ``ac``.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = ["FAMILIES", "Overflow", "Rounding"]

FAMILIES = ("ap", "ac")
_PREFIX = re.compile(r"^A[PC]_")


class _Mode(StrEnum):
    @classmethod
    def _missing_(cls, value):
        if isinstance(value, str):
            name = _PREFIX.sub("", value.strip().upper())
            for member in cls:
                if member.value == name:
                    return member
        return None

    @classmethod
    def coerce(cls, value, context: str = "", family: str | None = None) -> _Mode:
        """``value`` (a member, ``"RND"``, ``"AP_RND"``, ``"AC_RND"``, any case) as a member,
        or a ValueError listing the valid modes (``context`` names where the value came from).

        With a ``family`` (``"ap"``/``"ac"``) only that family's modes and prefix are valid."""
        try:
            member = cls(value)
        except ValueError:
            member = None
        if member is not None and family is not None:
            prefix = _PREFIX.match(value.strip().upper()) if isinstance(value, str) else None
            wrong_prefix = prefix is not None and prefix.group() != f"{family.upper()}_"
            if wrong_prefix or member not in cls.members(family):
                member = None
        if member is None:
            valid = ", ".join(m.spell(family or "ap") for m in cls.members(family or "ap"))
            where = f" in {context!r}" if context else ""
            raise ValueError(
                f"unknown {cls.__name__.lower()} mode {value!r}{where}: expected one of {valid}"
            )
        return member

    @classmethod
    def members(cls, family: str) -> tuple[_Mode, ...]:
        """The modes a family of vendor types has, in declaration order."""
        return tuple(m for m in cls if family == "ac" or m.value not in _AC_ONLY)

    @property
    def ac_only(self) -> bool:
        return self.value in _AC_ONLY

    def spell(self, family: str) -> str:
        """``AP_RND`` / ``AC_RND``."""
        return f"{family.upper()}_{self.value}"

    def __str__(self) -> str:
        return self.spell("ac" if self.ac_only else "ap")


_AC_ONLY = frozenset({"RND_CONV_ODD"})


class Rounding(_Mode):
    """Quantization mode (``AP_TRN`` ...); ``Rounding("AP_RND") is Rounding.RND``."""

    TRN = "TRN"
    TRN_ZERO = "TRN_ZERO"
    RND = "RND"
    RND_ZERO = "RND_ZERO"
    RND_MIN_INF = "RND_MIN_INF"
    RND_INF = "RND_INF"
    RND_CONV = "RND_CONV"
    RND_CONV_ODD = "RND_CONV_ODD"  # ac only: ties to odd


class Overflow(_Mode):
    """Overflow mode (``AP_WRAP`` ...); ``Overflow("SAT") is Overflow.SAT``."""

    WRAP = "WRAP"
    SAT = "SAT"
    SAT_ZERO = "SAT_ZERO"
    SAT_SYM = "SAT_SYM"
