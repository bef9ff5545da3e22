"""Exact fixed-point types (``ap_fixed`` and ``ac_fixed`` semantics) and a bit-exact numpy
quantizer.

A :class:`FixedType` is W total bits, I integer bits (the LSB weighs 2^(I-W); I may be
negative or larger than W), signedness, a quantization (rounding) mode and an overflow mode.
Values are handled either as floats or as *raw* two's-complement integers
(value = raw * 2^-frac).

Semantics follow the AMD/Xilinx ``ap_fixed`` reference headers exactly, as pinned by the
vectors in ``shared/conformance`` (see its README, whose numbered quirks are cited below):

* conversion = scale the exact input by 2^frac, quantize (TRN floor, TRN_ZERO toward 0,
  RND half up, RND_ZERO half toward 0, RND_MIN_INF half down, RND_INF half away from 0,
  RND_CONV half to even), then handle overflow (WRAP keeps the low W bits, SAT clamps,
  SAT_ZERO gives 0, SAT_SYM clamps to [-max, max] for signed types; 1-bit signed SAT_SYM acts
  as SAT, quirk 7);
* ``ap_int``/``ap_uint`` targets (``is_int``): from a double, truncate toward zero then wrap,
  but a negative double in (-0.5, 0) gives raw 1 (quirk 5); from a fixed-point value, truncate
  toward zero then wrap, but an I == 0 source floors (quirk 6);
* ``a + b``, ``a - b``, ``a * b``, ``-a`` give the reference's full-precision result types
  (README point 1 and 2), with default modes; the result is an int type (``ap_int``) exactly
  when all operands are.

A type belongs to a *family*: ``"ap"`` (AMD/Xilinx ``ap_fixed``/``ap_int``, the default) or
``"ac"`` (Algorithmic C ``ac_fixed<W,I,S,Q,O>``/``ac_int<W,S>``).  The family selects the
conversion details that differ between the reference libraries:

* ``ac`` has the extra rounding mode ``AC_RND_CONV_ODD`` (ties to odd);
* ``ac_int`` from a double floors then wraps (no quirk 5); conversions of fixed-point values
  into ``ac_int`` floor (``to_int()`` does too; no quirk 6);
* ``ac`` conversions from double scale the double in floating point first, so an input whose
  scaled value underflows converts as 0 (quirk 8), and a signed ``AC_SAT_ZERO`` type with W a
  multiple of 32 gives 0 for a value just below its minimum (quirk 9);
* ``+ - *`` and ``-a`` give the same full-precision widths, as ``ac_fixed<W,I,S>`` (default
  modes) or ``ac_int<W,S>``; the two families do not mix in arithmetic.

Exactness: the vectorized float64/int64 paths (:mod:`fpga_export.fixed.vector`) are used only
where they are provably exact (target W <= 62, int64 inputs below 2^60); everything else goes
through Python integers (:mod:`fpga_export.fixed.exact`).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from dataclasses import dataclass

import numpy as np

from .fixed import exact, vector
from .fixed.modes import FAMILIES, Overflow, Rounding

__all__ = ["MAX_FRAC", "MAX_INTEGER", "MAX_WIDTH", "FixedType", "Overflow", "Rounding"]

MAX_WIDTH = 128  # widest supported type (products of two 64-bit types)
# Integer bits I are bounded so that the LSB and every value of a type are normal doubles:
# the vendor ap_fixed headers convert from/to double wrongly beyond (checked against
# shared/vendor), our compat headers and numpy then convert exactly, and lsb/min/max are finite.
MAX_INTEGER = 1023  # I <= 1023: |value| < 2**1023
MAX_FRAC = 1022  # W - I <= 1022: LSB >= 2**-1022
_FAST_WIDTH = 62  # widest target of the vectorized paths
_FAST_RAW = 1 << 60  # int64 inputs below this magnitude take the vectorized paths

_FORMS = (
    "ap_fixed<W,I[,Q[,O[,N]]]>, ap_ufixed<W,I[,Q[,O[,N]]]>, ap_int<W>, ap_uint<W>, "
    "fixed<W,I[,Q[,O[,N]]]>, ufixed<W,I[,Q[,O[,N]]]>, int<W>, uint<W> "
    "(Q a rounding mode such as AP_RND, O an overflow mode such as AP_SAT, N = 0)"
)
_TYPE_RE = re.compile(r"^\s*(ap_fixed|ap_ufixed|ap_int|ap_uint|fixed|ufixed|int|uint)\s*<(.*)>\s*$")
_AC_FORMS = (
    "ac_fixed<W,I[,S[,Q[,O]]]>, ac_int<W[,S]> (S true or false, Q a rounding mode such as "
    "AC_RND, O an overflow mode such as AC_SAT)"
)
_AC_TYPE_RE = re.compile(r"^\s*(ac_fixed|ac_int)\s*<(.*)>\s*$")
_BOOL = {"true": True, "false": False}
_INT_RE = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True, repr=False)
class FixedType:
    """An exact fixed-point type; see the module docstring for the semantics.

    Bounds: 1 <= W <= 128 (``MAX_WIDTH``); I <= 1023 and W - I <= 1022 (``MAX_INTEGER``,
    ``MAX_FRAC``): the LSB and every value are then normal doubles, which the vendor headers,
    our csim headers and numpy all convert exactly. Anything else is a ValueError.
    """

    width: int
    integer: int
    signed: bool = True
    rounding: Rounding = Rounding.TRN
    overflow: Overflow = Overflow.WRAP
    is_int: bool = False
    family: str = "ap"

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise ValueError(f"family must be 'ap' or 'ac', got {self.family!r}")
        for name in ("width", "integer"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or isinstance(value, bool):
                raise ValueError(f"{name} must be an int, got {value!r}")
            object.__setattr__(self, name, int(value))
        for name in ("signed", "is_int"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise ValueError(f"{name} must be a bool, got {getattr(self, name)!r}")
            object.__setattr__(self, name, bool(getattr(self, name)))
        strict = "ac" if self.family == "ac" else None  # ac: AC_ names (error lists them)
        object.__setattr__(self, "rounding", Rounding.coerce(self.rounding, family=strict))
        object.__setattr__(self, "overflow", Overflow.coerce(self.overflow, family=strict))
        if self.rounding.ac_only and self.family != "ac":
            raise ValueError(
                f"rounding mode {self.rounding} exists only for ac types (family='ac'), "
                "not for ap_fixed"
            )
        if self.width < 1:
            raise ValueError(f"width W must be >= 1, got {self.width}")
        if self.width > MAX_WIDTH:
            raise ValueError(f"width W={self.width} exceeds the supported maximum of {MAX_WIDTH}")
        if self.integer > MAX_INTEGER or self.frac > MAX_FRAC:
            raise ValueError(
                f"integer bits I={self.integer} are out of range for width W={self.width}: "
                f"I <= {MAX_INTEGER} and W - I <= {MAX_FRAC} (so I >= "
                f"{self.width - MAX_FRAC}); the LSB and every value must be normal doubles"
            )
        if self.is_int:
            if self.integer != self.width:
                raise ValueError(
                    f"an integer type (is_int) needs integer == width, got width={self.width}"
                    f", integer={self.integer}"
                )
            if (self.rounding, self.overflow) != (Rounding.TRN, Overflow.WRAP):
                raise ValueError(
                    "an integer type (is_int) has no rounding/overflow modes, got "
                    f"{self.rounding.spell(self.family)}, {self.overflow.spell(self.family)}"
                )

    # ------------------------------------------------------------------ parse / spell

    @classmethod
    def parse(cls, text: str | FixedType) -> FixedType:
        """Parse ``ap_fixed<16,6>``, ``ap_ufixed<8,3,AP_RND_CONV,AP_SAT>``, ``ap_int<8>``,
        hls4ml's ``fixed<16,6>``/``ufixed``/``int``/``uint``, and the ac spellings
        ``ac_fixed<16,6,true,AC_RND,AC_SAT>``, ``ac_int<8,false>`` (family ``"ac"``) (cached)."""
        if isinstance(text, FixedType):
            return text
        if not isinstance(text, str):
            raise TypeError(f"FixedType.parse expects a str, got {type(text).__name__}")
        return _parse(text)

    def spell(self, vendor: str | None = None) -> str:
        """The type's text for a vendor family: ``"ap"`` (``ap_fixed<...>``, ``ap_int<W>``) or
        ``"ac"`` (``ac_fixed<W,I,S[,Q,O]>``, ``ac_int<W,S>``); default: the type's own family.

        Spelling only: a type of the other family keeps its own conversion semantics (see the
        module docstring), so a backend converts types with ``with_(family=...)`` first.
        ``AC_RND_CONV_ODD`` has no ap spelling (ValueError)."""
        vendor = self.family if vendor is None else vendor
        if vendor == "ap":
            return self._spell_ap()
        if vendor == "ac":
            s = "true" if self.signed else "false"
            if self.is_int:
                return f"ac_int<{self.width},{s}>"
            modes = ""
            if (self.rounding, self.overflow) != (Rounding.TRN, Overflow.WRAP):
                modes = f",{self.rounding.spell('ac')},{self.overflow.spell('ac')}"
            return f"ac_fixed<{self.width},{self.integer},{s}{modes}>"
        raise ValueError(f"unknown vendor {vendor!r}: expected 'ap' or 'ac'")

    def _spell_ap(self) -> str:
        if self.is_int:
            return f"ap_{'' if self.signed else 'u'}int<{self.width}>"
        if self.rounding.ac_only:
            raise ValueError(
                f"{self.spell('ac')} has no ap spelling: ap_fixed has no rounding mode "
                f"{self.rounding}"
            )
        params = f"{self.width},{self.integer}"
        if self.overflow != Overflow.WRAP:
            params += f",{self.rounding},{self.overflow}"
        elif self.rounding != Rounding.TRN:
            params += f",{self.rounding}"
        return f"ap_{'' if self.signed else 'u'}fixed<{params}>"

    def __str__(self) -> str:
        return self.spell()

    def __repr__(self) -> str:
        return f"FixedType.parse({str(self)!r})"

    def with_(self, **changes) -> FixedType:
        """A copy with some fields replaced (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ properties

    @property
    def frac(self) -> int:
        """Fraction bits F = W - I (the LSB weighs 2^-F)."""
        return self.width - self.integer

    @property
    def lsb(self) -> float:
        return math.ldexp(1.0, -self.frac)

    @property
    def raw_min(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def raw_max(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    @property
    def min(self) -> float:
        """Smallest value (nearest double if W > 53)."""
        return exact.raw_to_float(self.raw_min, self.frac)

    @property
    def max(self) -> float:
        """Largest value (nearest double if W > 53)."""
        return exact.raw_to_float(self.raw_max, self.frac)

    @property
    def range(self) -> tuple[float, float]:
        return (self.min, self.max)

    @property
    def raw_fits_int64(self) -> bool:
        """Whether raw values are returned as int64 arrays (else object arrays of ints)."""
        return self.raw_min >= -(1 << 63) and self.raw_max < (1 << 63)

    # ------------------------------------------------------------------ growth rules

    def _result(self, what: str, width: int, integer: int, signed: bool, is_int: bool) -> FixedType:
        if width > MAX_WIDTH:
            raise ValueError(
                f"{what} needs a width of {width} bits, more than the supported "
                f"maximum of {MAX_WIDTH}"
            )
        try:
            return FixedType(width, integer, signed, is_int=is_int, family=self.family)
        except ValueError as exc:
            raise ValueError(f"{what}: {exc}") from None

    def __add__(self, other: FixedType) -> FixedType:
        """Result type of ``a + b``: exact, default modes (README point 1)."""
        if not isinstance(other, FixedType):
            return NotImplemented
        return self._add_like("+", other, self.signed or other.signed)

    def __sub__(self, other: FixedType) -> FixedType:
        """Result type of ``a - b``: as ``+`` but always signed."""
        if not isinstance(other, FixedType):
            return NotImplemented
        return self._add_like("-", other, True)

    def _same_family(self, op: str, other: FixedType) -> None:
        if self.family != other.family:
            raise ValueError(
                f"{self} {op} {other}: ap and ac types do not mix (convert one with "
                "with_(family=...))"
            )

    def _add_like(self, op: str, other: FixedType, signed: bool) -> FixedType:
        self._same_family(op, other)
        frac = max(self.frac, other.frac)
        integer = 1 + max(
            self.integer + (other.signed and not self.signed),
            other.integer + (self.signed and not other.signed),
        )
        both_int = self.is_int and other.is_int
        return self._result(f"{self} {op} {other}", integer + frac, integer, signed, both_int)

    def __mul__(self, other: FixedType) -> FixedType:
        """Result type of ``a * b``: W_a + W_b, I_a + I_b, signed if either is."""
        if not isinstance(other, FixedType):
            return NotImplemented
        self._same_family("*", other)
        return self._result(
            f"{self} * {other}",
            self.width + other.width,
            self.integer + other.integer,
            self.signed or other.signed,
            self.is_int and other.is_int,
        )

    def __neg__(self) -> FixedType:
        """Result type of ``-a``: W+1, I+1, signed (README point 2)."""
        return self._result(f"-({self})", self.width + 1, self.integer + 1, True, self.is_int)

    def sum_type(self, n: int) -> FixedType:
        """Smallest type (same F and signedness) holding any sum of ``n`` values of this type:
        W and I grow by ceil(log2(n)) (signed) or by what n * raw_max needs (unsigned).
        Default modes."""
        if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
            raise ValueError(f"sum_type needs an int n >= 1, got {n!r}")
        n = int(n)
        if self.signed:
            grow = (n - 1).bit_length()  # n * raw_min needs exactly this
        else:
            grow = (n * self.raw_max).bit_length() - self.width
        what = f"a sum of {n} {self} values"
        return self._result(what, self.width + grow, self.integer + grow, self.signed, self.is_int)

    # ------------------------------------------------------------------ conversions

    def quantize(self, x) -> np.ndarray:
        """Convert values (float/int array-like, or an object array of ints/Fractions) to this
        type; returns float64 (exact when the value fits a double, else correctly rounded)."""
        arr = np.asarray(x)
        if arr.dtype.kind == "f" and self.width <= _FAST_WIDTH:
            return vector.quantize_float(self, arr, as_float=True)
        return self.from_raw(self.quantize_raw(arr))

    def quantize_raw(self, x) -> np.ndarray:
        """Like :meth:`quantize` but returns the raw integers: int64 if this type's raw range
        fits, else an object array of Python ints.  Floats convert like ``ap_fixed(double)``
        (ap_int targets: README quirk 5), integers and Fractions exactly the same way."""
        arr = np.asarray(x)
        if arr.dtype.kind in "iub":
            return self.cast_raw(arr, _INT64 if arr.dtype.kind != "u" else _UINT64)
        if arr.dtype.kind == "f":
            if self.width <= _FAST_WIDTH:
                return vector.quantize_float(self, arr)
        elif arr.dtype.kind != "O":
            raise TypeError(f"cannot quantize an array of dtype {arr.dtype}")
        return self._pack(exact.map_exact(self, arr, exact.from_number))

    to_raw = quantize_raw

    def cast_raw(self, raw, src: FixedType | str) -> np.ndarray:
        """Fixed -> fixed conversion ``to y = x;`` of raw values of type ``src`` into this type
        with its modes (ap_int targets: README quirk 6).  ``raw`` is read as the exact values
        raw * 2^-src.frac, so it may also hold exact wider results (e.g. sums) in src's scale."""
        src = FixedType.parse(src)
        arr = exact.as_int_array(raw)
        shift = self.frac - src.frac
        if arr.dtype != object and self.width <= _FAST_WIDTH and arr.size:
            lo, hi = int(arr.min()), int(arr.max())
            bound = _FAST_RAW if shift <= 0 else _FAST_RAW >> min(shift, 61)
            if -bound < lo and hi < bound:
                return vector.cast_int64(self, arr, src, shift)
        return self._pack(exact.map_exact(self, arr, lambda t, v: exact.from_raw(t, v, src)))

    def from_raw(self, raw) -> np.ndarray:
        """Raw integers -> float64 values, correctly rounded (README point 10)."""
        arr = exact.as_int_array(raw)
        if arr.dtype != object and -1000 <= self.frac <= 1000:
            # one rounding (int64 -> double), then an exact power-of-two scaling
            return np.ldexp(arr.astype(np.float64), -self.frac)
        out = np.empty(arr.shape, dtype=np.float64)
        flat = out.reshape(-1)
        for k, v in enumerate(arr.reshape(-1).tolist()):
            flat[k] = exact.raw_to_float(int(v), self.frac)
        return out

    def _pack(self, values: np.ndarray) -> np.ndarray:
        """An object array of Python ints in this type's range -> int64 when it fits."""
        return values.astype(np.int64) if self.raw_fits_int64 else values


# ---------------------------------------------------------------------- parsing


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> FixedType:
    if text.lstrip().startswith("ac_"):
        return _parse_ac(text)
    m = _TYPE_RE.match(text)
    if not m:
        raise ValueError(f"cannot parse fixed-point type {text!r}: expected one of {_FORMS}")
    family, body = m.groups()
    params = [p.strip() for p in body.split(",")]
    is_int = family.endswith("int")
    n_int = 1 if is_int else 2
    max_params = n_int if is_int else 5
    if (
        not n_int <= len(params) <= max_params
        or not all(_INT_RE.match(p) for p in params[:n_int])
        or (len(params) == 5 and not _INT_RE.match(params[4]))
    ):
        raise ValueError(f"cannot parse fixed-point type {text!r}: expected one of {_FORMS}")
    width = int(params[0])
    integer = width if is_int else int(params[1])
    if len(params) == 5 and int(params[4]) != 0:
        raise ValueError(
            f"saturation bits N={int(params[4])} in {text!r} are not supported: only N=0"
        )
    signed = not family.removeprefix("ap_").startswith("u")
    modes = {}
    if len(params) > 2:
        if len(params) == 3 and Overflow._missing_(params[2]) is not None:
            raise ValueError(
                f"{params[2]!r} in {text!r} is an overflow mode; the rounding mode comes first: "
                f"{family}<W,I,Q,O>, e.g. {family}<{width},{integer},AP_TRN,{params[2]}>"
            )
        modes["rounding"] = Rounding.coerce(params[2], text, "ap")
    if len(params) > 3:
        modes["overflow"] = Overflow.coerce(params[3], text, "ap")
    return _make(text, width, integer, signed, is_int=is_int, **modes)


def _make(text: str, *args, **kwargs) -> FixedType:
    try:
        return FixedType(*args, **kwargs)
    except ValueError as exc:
        raise ValueError(f"invalid fixed-point type {text!r}: {exc}") from None


def _parse_ac(text: str) -> FixedType:
    """``ac_fixed<W,I[,S[,Q[,O]]]>`` and ``ac_int<W[,S]>`` (S defaults to true, as in ac)."""
    m = _AC_TYPE_RE.match(text)
    params = [p.strip() for p in m.group(2).split(",")] if m else []
    is_int = bool(m) and m.group(1) == "ac_int"
    n_int = 1 if is_int else 2
    if (
        not m
        or not n_int <= len(params) <= (2 if is_int else 5)
        or not all(_INT_RE.match(p) for p in params[:n_int])
    ):
        raise ValueError(f"cannot parse fixed-point type {text!r}: expected one of {_AC_FORMS}")
    family = m.group(1)
    width = int(params[0])
    integer = width if is_int else int(params[1])
    signed = True
    if len(params) > n_int:
        sign = params[n_int]
        if sign not in _BOOL:
            if not is_int and (Rounding._missing_(sign) or Overflow._missing_(sign)):
                raise ValueError(
                    f"{sign!r} in {text!r} is a mode; the signedness comes first: "
                    f"ac_fixed<W,I,S,Q,O>, e.g. ac_fixed<{width},{integer},true,{sign}>"
                )
            raise ValueError(f"signedness {sign!r} in {text!r} must be true or false")
        signed = _BOOL[sign]
    modes = {}
    if len(params) > 3:
        if len(params) == 4 and Overflow._missing_(params[3]) is not None:
            raise ValueError(
                f"{params[3]!r} in {text!r} is an overflow mode; the rounding mode comes first: "
                f"{family}<W,I,S,Q,O>, e.g. {family}<{width},{integer},{params[2]},AC_TRN,"
                f"{params[3]}>"
            )
        modes["rounding"] = Rounding.coerce(params[3], text, "ac")
    if len(params) > 4:
        modes["overflow"] = Overflow.coerce(params[4], text, "ac")
    return _make(text, width, integer, signed, is_int=is_int, family="ac", **modes)


_INT64 = FixedType(64, 64, True, is_int=True)
_UINT64 = FixedType(64, 64, False, is_int=True)
