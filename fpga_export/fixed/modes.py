"""Quantization and overflow modes (re-exported by :mod:`fpga_export.types`)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Overflow", "Rounding"]


class _Mode(StrEnum):
    @classmethod
    def _missing_(cls, value):
        if isinstance(value, str):
            name = value.strip().upper().removeprefix("AP_")
            for member in cls:
                if member.value == name:
                    return member
        return None

    @classmethod
    def coerce(cls, value, context: str = "") -> _Mode:
        """``value`` (a member, ``"RND"``, ``"AP_RND"``, any case) as a member, or a
        ValueError listing the valid modes (``context`` names where the value came from)."""
        try:
            return cls(value)
        except ValueError:
            valid = ", ".join(str(m) for m in cls)
            where = f" in {context!r}" if context else ""
            raise ValueError(
                f"unknown {cls.__name__.lower()} mode {value!r}{where}: expected one of {valid}"
            ) from None

    def __str__(self) -> str:
        return f"AP_{self.value}"


class Rounding(_Mode):
    """Quantization mode (``AP_TRN`` ...); ``Rounding("AP_RND") is Rounding.RND``."""

    TRN = "TRN"
    TRN_ZERO = "TRN_ZERO"
    RND = "RND"
    RND_ZERO = "RND_ZERO"
    RND_MIN_INF = "RND_MIN_INF"
    RND_INF = "RND_INF"
    RND_CONV = "RND_CONV"


class Overflow(_Mode):
    """Overflow mode (``AP_WRAP`` ...); ``Overflow("SAT") is Overflow.SAT``."""

    WRAP = "WRAP"
    SAT = "SAT"
    SAT_ZERO = "SAT_ZERO"
    SAT_SYM = "SAT_SYM"
